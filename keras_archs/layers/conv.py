"""Convolution → BatchNorm → activation, the unit most families are made of."""

from __future__ import annotations

import keras

from keras_archs._validation import (
    check_activation, check_bn, check_bool, check_choice, check_initializer,
    check_min_spatial, check_name, check_positive_int, check_regularizer, check_size,
    check_tensor_4d)

__all__ = ["conv_bn_act"]


def conv_bn_act(x, filters, kernel_size, *, strides=1, padding="same", groups=1,
                activation="relu", batch_norm=True, use_bias=None,
                kernel_initializer="glorot_uniform", kernel_regularizer=None,
                bn_momentum=0.99, bn_epsilon=1e-3, name, conv_suffix="_conv"):
    """``Conv2D`` → optional ``BatchNormalization`` → optional activation.

    Layer names come from one prefix: ``{name}{conv_suffix}``, ``{name}_bn`` and
    ``{name}_{activation}`` (keras.applications' scheme, e.g. ``conv1_conv``,
    ``conv1_bn``, ``conv1_relu``). With ``batch_norm=False`` the activation is fused
    into the convolution, as in the original VGG. ``use_bias`` defaults to
    ``not batch_norm`` (a bias before BatchNorm is redundant).
    """
    check_tensor_4d(x, "x")
    check_name(name, "name")
    check_name(conv_suffix, "conv_suffix")
    filters = check_positive_int(filters, "filters")
    check_size(kernel_size, "kernel_size")
    check_size(strides, "strides")
    check_choice(padding, "padding", ("same", "valid"))
    groups = check_positive_int(groups, "groups")
    if filters % groups or (x.shape[-1] is not None and x.shape[-1] % groups):
        raise ValueError(f"groups ({groups}) must divide filters ({filters}) and the "
                         f"input channels ({x.shape[-1]})")
    check_activation(activation, "activation")
    check_bool(batch_norm, "batch_norm")
    check_bool(use_bias, "use_bias", allow_none=True)
    check_initializer(kernel_initializer, "kernel_initializer")
    check_regularizer(kernel_regularizer, "kernel_regularizer")
    check_bn(bn_momentum, bn_epsilon)
    if padding == "valid":
        check_min_spatial(x, kernel_size if isinstance(kernel_size, int)
                          else tuple(kernel_size), "x",
                          f" for a {kernel_size} 'valid' convolution")
    if use_bias is None:
        use_bias = not batch_norm
    fused = activation if not batch_norm else None
    x = keras.layers.Conv2D(
        filters, kernel_size, strides=strides, padding=padding, groups=groups,
        activation=fused, use_bias=use_bias, kernel_initializer=kernel_initializer,
        kernel_regularizer=kernel_regularizer, name=f"{name}{conv_suffix}")(x)
    if batch_norm:
        x = keras.layers.BatchNormalization(
            momentum=bn_momentum, epsilon=bn_epsilon, name=f"{name}_bn")(x)
        if activation is not None:
            x = keras.layers.Activation(activation, name=f"{name}_{activation}")(x)
    return x
