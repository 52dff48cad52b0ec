"""Shortcut connections shared by every residual family (ResNet, ResNeXt, SE-ResNet, ...).

He et al., "Deep Residual Learning for Image Recognition", CVPR 2016,
arXiv:1512.03385, §3.3 describes three shortcuts for a block whose output shape
differs from its input: (A) identity with zero-padding for the extra channels,
(B) a projection only where the shape changes, (C) projections everywhere. Option A
needs a parameter-free channel padding, which Keras has no layer for; it is
:class:`ChannelZeroPadding` here rather than a ``Lambda`` so models stay
serialisable with ``safe_mode=True``.
"""

from __future__ import annotations

import keras

from keras_archs._validation import (
    check_activation, check_bool, check_name, check_positive_int, check_size,
    check_tensor_4d)

__all__ = ["ChannelZeroPadding", "subsample", "zero_pad_shortcut", "residual_add"]


@keras.saving.register_keras_serializable(package="keras_archs")
class ChannelZeroPadding(keras.layers.Layer):
    """Appends zero channels: ``(..., C)`` → ``(..., C + before + after)``.

    The paper's option-A shortcut: the new channels carry no signal, so the block
    learns them from its residual branch alone and the shortcut adds no parameters.
    Channels-last only.
    """

    def __init__(self, before=0, after=0, **kwargs):
        super().__init__(**kwargs)
        self.before = check_positive_int(before, "before", minimum=0)
        self.after = check_positive_int(after, "after", minimum=0)
        self.input_spec = keras.layers.InputSpec(min_ndim=2)

    def call(self, inputs):
        rank = len(inputs.shape)
        pad = [[0, 0]] * (rank - 1) + [[self.before, self.after]]
        return keras.ops.pad(inputs, pad)

    def compute_output_shape(self, input_shape):
        channels = input_shape[-1]
        if channels is not None:
            channels += self.before + self.after
        return (*input_shape[:-1], channels)

    def get_config(self):
        config = super().get_config()
        config.update(before=self.before, after=self.after)
        return config


def subsample(x, strides, *, name=None):
    """Keep every ``strides``-th pixel (a 1×1 max-pool: no parameters, no mixing).

    keras.applications' ResNetV2 downsamples its identity shortcuts this way.
    """
    check_tensor_4d(x, "x")
    check_size(strides, "strides")
    check_name(name, "name", allow_none=True)
    return keras.layers.MaxPooling2D(1, strides=strides, name=name)(x)


def zero_pad_shortcut(x, filters, strides, *, name):
    """Option-A shortcut: subsample if ``strides > 1``, then zero-pad to ``filters``.

    The extra channels are split between both sides, as in the common CIFAR ResNet
    implementations (half before, half after).
    """
    check_tensor_4d(x, "x")
    filters = check_positive_int(filters, "filters")
    check_size(strides, "strides")
    check_name(name, "name")
    extra = filters - x.shape[-1]
    if extra < 0:
        raise ValueError(
            f"an option-A (zero-padding) shortcut cannot reduce channels: x has "
            f"{x.shape[-1]}, filters is {filters}; use shortcut='B'")
    if strides not in (1, (1, 1)):
        x = subsample(x, strides, name=f"{name}_pool")
    if extra:
        x = ChannelZeroPadding(extra // 2, extra - extra // 2, name=f"{name}_pad")(x)
    return x


def residual_add(shortcut, residual, *, activation="relu", add_name=None,
                 out_name=None, shortcut_first=True):
    """``shortcut + residual``, then ``activation`` (``None`` for pre-activation nets).

    ``shortcut_first`` fixes the order of the ``Add`` inputs: it does not change the
    sum, but Keras orders a model's layers (and so the variables in a
    ``.weights.h5`` file) by walking the graph through those inputs in order.
    """
    check_tensor_4d(shortcut, "shortcut")
    check_tensor_4d(residual, "residual")
    if tuple(shortcut.shape[1:]) != tuple(residual.shape[1:]):
        raise ValueError(
            f"shortcut and residual must have the same shape to be added, got "
            f"{tuple(shortcut.shape)} and {tuple(residual.shape)}")
    check_activation(activation, "activation")
    check_name(add_name, "add_name", allow_none=True)
    check_name(out_name, "out_name", allow_none=True)
    check_bool(shortcut_first, "shortcut_first")
    inputs = [shortcut, residual] if shortcut_first else [residual, shortcut]
    x = keras.layers.Add(name=add_name)(inputs)
    if activation is not None:
        x = keras.layers.Activation(activation, name=out_name)(x)
    return x
