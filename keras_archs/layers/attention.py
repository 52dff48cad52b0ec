"""Squeeze-and-excitation: channel attention that plugs into any family.

Hu, Shen, Albanie, Sun & Wu, "Squeeze-and-Excitation Networks", CVPR 2018,
arXiv:1709.01507. A block's output ``x`` is rescaled channel by channel by a gate
computed from ``x`` itself: global average pool ("squeeze") → 1×1 conv to ``C / r``
channels → ReLU → 1×1 conv back to ``C`` → sigmoid ("excitation") → ``x * gate``.
It adds ``2·C·C/r + C/r + C`` parameters (two 1×1 convolutions with biases) and
almost no computation.

Families take it through ``attention=`` (ResNet, ResNeXt, Wide ResNet, MobileNetV2,
and any builder that calls :func:`apply_attention`): ``None`` (no attention), ``"se"``
(:func:`se_block` with the family's ``se_ratio``) or a callable ``(x, name) -> x``
(another gate, e.g. timm's SE with rounded widths). :func:`check_attention` and
:func:`check_se_ratio` validate those arguments before a builder creates any layer.
EfficientNet's MBConv calls :func:`se_block` directly (Swish, and a reduction computed
from the block's input width).
"""

from __future__ import annotations

import keras

from keras_archs._validation import (
    check_activation, check_initializer, check_name, check_positive_int,
    check_tensor_4d)

__all__ = ["ATTENTIONS", "apply_attention", "check_attention", "check_se_ratio",
           "se_block"]

# The named attentions ``attention=`` accepts besides a callable.
ATTENTIONS = (None, "se")


def se_block(x, ratio=16, name=None, *, filters=None, activation="relu",
             gate="sigmoid", kernel_initializer="glorot_uniform"):
    """Squeeze-and-excitation on a 4-D tensor ``x``; returns ``x`` rescaled per channel.

    Args:
        x: 4-D Keras tensor with ``C`` channels.
        ratio: reduction ratio ``r``; the bottleneck has ``C // r`` channels.
        name: prefix of the layer names: ``{name}_squeeze`` (pooling),
            ``{name}_reshape``, ``{name}_reduce`` and ``{name}_expand`` (the two 1×1
            convolutions) and ``{name}_excite`` (the product), keras.applications'
            EfficientNet names with ``name="block1a_se"``.
        filters: bottleneck width, instead of ``C // ratio`` (EfficientNet derives
            it from the block's input width, not its expanded width).
        activation: activation of the bottleneck (ReLU; Swish in EfficientNet).
        gate: activation of the gate (sigmoid).
        kernel_initializer: initialiser of both convolutions.
    """
    check_tensor_4d(x, "x")
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty string such as 'block1_se', got "
                        f"{name!r}")
    check_name(name, "name")
    check_activation(activation, "activation")
    check_activation(gate, "gate")
    check_initializer(kernel_initializer, "kernel_initializer")
    channels = x.shape[-1]
    ratio = check_positive_int(ratio, "ratio")
    if filters is None:
        if ratio > channels:
            raise ValueError(
                f"ratio must be at most x's channel count {channels} when filters is "
                f"None (the bottleneck would have no channel), got {ratio}")
        filters = channels // ratio
    else:
        filters = check_positive_int(filters, "filters")
    se = keras.layers.GlobalAveragePooling2D(name=f"{name}_squeeze")(x)
    se = keras.layers.Reshape((1, 1, channels), name=f"{name}_reshape")(se)
    se = keras.layers.Conv2D(filters, 1, padding="same", activation=activation,
                             kernel_initializer=kernel_initializer,
                             name=f"{name}_reduce")(se)
    se = keras.layers.Conv2D(channels, 1, padding="same", activation=gate,
                             kernel_initializer=kernel_initializer,
                             name=f"{name}_expand")(se)
    return keras.layers.Multiply(name=f"{name}_excite")([x, se])


def check_attention(attention, name="attention"):
    """``None``, ``"se"`` or a callable ``(x, name) -> x``; anything else raises.

    Returns ``attention`` unchanged; ``name`` is the argument named in the error.
    """
    check_name(name, "name")
    if attention is None or callable(attention) or (
            isinstance(attention, str) and attention in ATTENTIONS):
        return attention
    raise ValueError(
        f"{name} must be None, 'se' or a callable (x, name) -> x, got {attention!r}")


def check_se_ratio(se_ratio, channels, attention="se", name="se_ratio"):
    """``se_ratio`` is a positive int; with ``attention="se"`` at most ``channels``
    (the smallest width the SE blocks gate), so every SE bottleneck keeps a channel."""
    check_name(name, "name")
    check_attention(attention)
    if channels is not None:
        check_positive_int(channels, "channels")
    se_ratio = check_positive_int(se_ratio, name)
    if attention == "se" and channels is not None and se_ratio > channels:
        raise ValueError(
            f"{name} must be at most the channel count {channels} (channels, the width "
            f"of the blocks attention='se' gates: the SE bottleneck would have no "
            f"channel), got {se_ratio}")
    return se_ratio


def apply_attention(x, attention, name, ratio=16):
    """Apply ``attention`` to ``x``: the one place families resolve ``attention=``.

    Args:
        x: 4-D Keras tensor.
        attention: ``None`` (returns ``x``), ``"se"`` (``se_block(x, ratio, name)``:
            layers ``{name}_squeeze`` … ``{name}_excite``) or a callable
            ``(x, name) -> x``.
        name: layer-name prefix given to the attention (``"conv2_block1_se"``).
        ratio: SE reduction ratio (only for ``"se"``).
    """
    check_tensor_4d(x, "x")
    attention = check_attention(attention)
    check_name(name, "name", allow_none=attention is None)
    check_se_ratio(ratio, x.shape[-1], attention, name="ratio")
    if attention is None:
        return x
    if isinstance(attention, str):  # "se", the only named one
        return se_block(x, ratio=ratio, name=name)
    return attention(x, name)
