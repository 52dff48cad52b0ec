"""The residual unit ResNet, ResNeXt, Wide ResNet and SE-ResNet are configurations of.

He et al., "Deep Residual Learning for Image Recognition", arXiv:1512.03385 (v1);
He et al., "Identity Mappings in Deep Residual Networks", arXiv:1603.05027 (v2);
Xie et al., "Aggregated Residual Transformations", arXiv:1611.05431 (``groups``);
Zagoruyko & Komodakis, "Wide Residual Networks", arXiv:1605.07146 (width, dropout);
Hu et al., "Squeeze-and-Excitation Networks", arXiv:1709.01507 (``attention="se"``).

Every unit computes ``x + F(x)``: :func:`residual_unit` builds ``F`` from one
convolution per entry of ``widths``/``kernels`` (two 3×3 for the basic block, 1×1 →
3×3 → 1×1 for the bottleneck), in v1 order (conv → BN → ReLU, ReLU after the add) or
v2 pre-activation order (BN → ReLU → conv, nothing after the add). Hooks:

* ``groups``: the k×k convolutions are grouped (ResNeXt's cardinality);
* ``attention``: ``None``, ``"se"`` or a callable ``(x, name) -> x`` applied to
  ``F(x)`` before the addition (SE-ResNet: after the last BatchNorm);
* ``dropout_rate``: dropout between the convolutions (Wide ResNet).

Names (``naming=``) and numerics (``preset=``) are kept apart: see
:mod:`keras_archs.models._presets`.

The seed notebook's calls keep working unchanged: :func:`conv_block` and
:func:`identity_block` have its signatures and ``res2a_branch2a`` names.
"""

from __future__ import annotations

import copy
import string
from dataclasses import replace

import keras

from keras_archs._validation import (
    check_bool, check_choice, check_initializer, check_int_sequence, check_label,
    check_name, check_number, check_positive_int, check_rate, check_tensor_4d)
from keras_archs.layers.attention import (
    apply_attention, check_attention, check_se_ratio, se_block)
from keras_archs.layers.residual import residual_add, subsample, zero_pad_shortcut
from keras_archs.models._presets import NAMINGS, _Names, resolve_preset

__all__ = [
    "SHORTCUTS", "check_attention", "check_se_ratio", "residual_unit", "basic_block",
    "bottleneck_block", "resnext_block", "conv_block", "identity_block", "timm_se",
    "make_divisible",
]

# The paper's shortcut options (§3.3): A zero-pads new channels, B projects where the
# channel count changes, C projects in every block.
SHORTCUTS = ("A", "B", "C")


def make_divisible(value, divisor=8):
    """timm's SE width: ``value`` rounded to the nearest multiple of ``divisor``
    (at least ``divisor``), as ``timm.layers.make_divisible(v, 8, round_limit=0)``."""
    return max(divisor, int(value + divisor / 2) // divisor * divisor)


def timm_se(x, name):
    """timm's SE module: reduction ``make_divisible(C / 16, 8)``, ReLU, sigmoid gate.

    For ``attention=timm_se``; ``fc1``/``fc2`` of timm are ``{name}_reduce``/
    ``{name}_expand`` here. Equals ``se_block(x, 16)`` whenever ``C / 16`` is a
    multiple of 8 (every ImageNet SE-ResNet stage).
    """
    check_tensor_4d(x, "x")
    return se_block(x, name=name, filters=make_divisible(x.shape[-1] / 16))


# ------------------------------------------------------------------ the one unit

def _initializer(preset):
    init = preset.kernel_initializer
    return keras.initializers.get(copy.deepcopy(init)) if isinstance(init, dict) else init


def _regularizer(preset):
    return keras.regularizers.L2(preset.l2) if preset.l2 else None


def conv(x, filters, kernel_size, *, strides=1, padding="same", use_bias=False,
         groups=1, preset, name):
    """A ``Conv2D`` with the preset's initialiser and L2."""
    return keras.layers.Conv2D(
        filters, kernel_size, strides=strides, padding=padding, groups=groups,
        use_bias=use_bias, kernel_initializer=_initializer(preset),
        kernel_regularizer=_regularizer(preset), name=name)(x)


def batch_norm(x, preset, name):
    """A ``BatchNormalization`` with the preset's momentum and epsilon."""
    return keras.layers.BatchNormalization(
        momentum=preset.bn_momentum, epsilon=preset.bn_epsilon, name=name)(x)


def residual_unit(x, widths, kernels, *, strides=1, stride_index=0, groups=1,
                  preact=False, shortcut="B", attention=None, se_ratio=16,
                  dropout_rate=0.0, use_bias=False, preset, names):
    """``x + F(x)`` with ``F`` = one convolution per entry of ``widths``/``kernels``.

    v1 (``preact=False``): conv → BN → ReLU …, conv → BN, attention, add, ReLU.
    v2 (``preact=True``): BN → ReLU once on the input (shared with a projection
    shortcut), then conv → BN → ReLU …, a last conv, attention, add.

    ``stride_index`` is the convolution that carries ``strides``; ``groups`` applies
    to every k×k (k > 1) convolution; ``dropout_rate`` drops after each inner ReLU.
    Inputs are validated by the public blocks and builders that call this.
    """
    in_channels = x.shape[-1]
    out_channels = widths[-1]
    reshape = strides != 1 or in_channels != out_channels
    # Option B projects only where the channel count changes; a strided block with
    # the same channels subsamples its identity (keras.applications' ResNetV2).
    project = shortcut == "C" or (shortcut == "B" and in_channels != out_channels)

    def make_shortcut(source):
        if project:
            s = conv(source, out_channels, 1, strides=strides, padding="valid",
                     use_bias=use_bias, preset=preset, name=names.conv(0))
            # v2 projects the already normalised input: no BatchNorm after it.
            return s if preact else batch_norm(s, preset, names.bn(0))
        if shortcut == "A" and reshape:
            return zero_pad_shortcut(x, out_channels, strides, name=names.shortcut())
        if strides != 1:
            return subsample(x, strides, name=names.subsample())
        return x

    if preact:
        y = batch_norm(x, preset, names.preact_bn())
        y = keras.layers.Activation("relu", name=names.preact_relu())(y)
        short = make_shortcut(y)
    else:
        y = x
        short = make_shortcut(x) if preset.shortcut_first else None

    last = len(widths) - 1
    # The TF "same" preset pads inside the convolution; keras.applications' v2 graph
    # pads every k×k explicitly; otherwise strided ones pad symmetrically (PyTorch).
    pad_all = preact and preset.padding != "same"
    for i, (width, kernel) in enumerate(zip(widths, kernels)):
        s = strides if i == stride_index else 1
        followed_by_bn = not (preact and i == last)
        # A bias before BatchNorm is redundant; v2 drops it there, v1 (and
        # keras.applications' weights) keep it where use_bias says so.
        bias = use_bias and not (preact and followed_by_bn)
        if kernel > 1 and (pad_all or (preset.padding == "symmetric" and s != 1)):
            y = keras.layers.ZeroPadding2D(kernel // 2, name=names.pad(i + 1))(y)
            padding = "valid"
        else:
            padding = "same"
        y = conv(y, width, kernel, strides=s, padding=padding, use_bias=bias,
                 groups=groups if kernel > 1 else 1, preset=preset,
                 name=names.conv(i + 1))
        if followed_by_bn:
            y = batch_norm(y, preset, names.bn(i + 1))
            if i != last:
                y = keras.layers.Activation("relu", name=names.relu(i + 1))(y)
                if dropout_rate:
                    y = keras.layers.Dropout(dropout_rate, name=names.dropout(i + 1))(y)
    y = apply_attention(y, attention, names.attention(), ratio=se_ratio)
    if short is None:
        short = make_shortcut(x)
    return residual_add(short, y, activation=None if preact else "relu",
                        add_name=names.add(), out_name=names.out(),
                        shortcut_first=preset.shortcut_first)


# --------------------------------------------------------- checks of the public blocks

def check_strides(strides, name="strides"):
    """A stride is an int or a pair of equal ints (the seed passes ``(2, 2)``)."""
    if isinstance(strides, (tuple, list)):
        if len(strides) != 2 or strides[0] != strides[1]:
            raise ValueError(f"{name} must be an integer or a pair of equal integers, "
                             f"got {strides!r}")
        strides = strides[0]
    return check_positive_int(strides, name)


def check_groups(groups, width, name="groups"):
    """``groups`` (cardinality) must divide the width of the grouped convolution."""
    groups = check_positive_int(groups, name)
    if width % groups:
        raise ValueError(
            f"{name} (cardinality) must divide the bottleneck width {width} (each group "
            f"gets width / {name} channels), got {groups}")
    return groups


def _names_for(naming, name, stage, block, preact):
    check_choice(naming, "naming", NAMINGS)
    if naming == "keras" and not isinstance(name, str):
        raise TypeError(f"name must be a string such as 'conv2_block1', got {name!r}")
    check_name(name, "name", allow_none=True)
    check_label(stage, "stage", allow_none=True)
    check_label(block, "block", allow_none=True)
    if naming == "tf_official":
        check_positive_int(stage, "stage")
        if not isinstance(block, str) or not block:
            raise TypeError(
                f"block must be a non-empty string such as 'a', got {block!r}")
    return _Names(naming, prefix=name, stage=stage, block=block, preact=preact)


def _unit(x, widths, kernels, *, kernel_size, strides, stride_index, groups, preact,
          shortcut, attention, se_ratio, dropout_rate, use_bias, preset, naming, name,
          stage, block, preset_overrides):
    check_tensor_4d(x, "x")
    check_positive_int(kernel_size, "kernel_size")
    strides = check_strides(strides)
    check_bool(preact, "preact")
    check_choice(shortcut, "shortcut", SHORTCUTS)
    attention = check_attention(attention)
    se_ratio = check_se_ratio(se_ratio, widths[-1], attention)
    dropout_rate = check_rate(dropout_rate, "dropout_rate")
    check_initializer(preset_overrides["kernel_initializer"], "kernel_initializer")
    preset = resolve_preset(preset, **preset_overrides)
    use_bias = preset.use_bias if use_bias is None else check_bool(use_bias, "use_bias")
    names = _names_for(naming, name, stage, block, preact)
    return residual_unit(
        x, widths, kernels, strides=strides, stride_index=stride_index, groups=groups,
        preact=preact, shortcut=shortcut, attention=attention, se_ratio=se_ratio,
        dropout_rate=dropout_rate, use_bias=use_bias, preset=preset, names=names)


# ------------------------------------------------------------- public block recipes

def basic_block(x, filters, *, kernel_size=3, strides=1, preact=False, shortcut="B",
                attention=None, se_ratio=16, dropout_rate=0.0, preset="torchvision",
                naming="keras", name=None, stage=None, block=None, use_bias=False,
                bn_momentum=None, bn_epsilon=None, kernel_initializer=None, l2=None):
    """ResNet-18/34 block: two k×k convolutions (k = ``kernel_size``), ``filters`` out.

    Args:
        x: 4-D Keras tensor.
        filters: channels of both convolutions and of the output.
        strides: stride of the first convolution (and of the shortcut).
        preact: v2 pre-activation order (BN → ReLU → conv); with ``dropout_rate``
            this is Wide ResNet's block.
        shortcut: ``"A"`` zero-pads new channels, ``"B"`` projects (1×1 conv + BN)
            only when the channel count changes, ``"C"`` always projects.
        attention: ``None``, ``"se"`` (squeeze-and-excitation with ``se_ratio``)
            or a callable ``(x, name) -> x`` applied before the addition.
        dropout_rate: dropout between the two convolutions (Wide ResNet).
        preset: numerics, see :data:`PRESETS` (torchvision's: no biases, BN 0.9 /
            1e-5); ``bn_momentum``, ``bn_epsilon``, ``kernel_initializer``, ``l2``
            override it.
        naming: ``"keras"`` (``{name}_1_conv`` ...) or ``"tf_official"`` (``stage``
            and ``block`` name it: ``res{stage}{block}_branch2a`` ...).
        name: prefix of every layer name, e.g. ``"conv2_block1"``.
        use_bias: convolution biases (``None``: the preset's).

    Returns:
        Output tensor with ``filters`` channels.
    """
    filters = check_positive_int(filters, "filters")
    return _unit(
        x, (filters, filters), (kernel_size, kernel_size), kernel_size=kernel_size,
        strides=strides, stride_index=0, groups=1, preact=preact, shortcut=shortcut,
        attention=attention, se_ratio=se_ratio, dropout_rate=dropout_rate,
        use_bias=use_bias, preset=preset, naming=naming, name=name, stage=stage,
        block=block, preset_overrides=dict(
            bn_momentum=bn_momentum, bn_epsilon=bn_epsilon,
            kernel_initializer=kernel_initializer, l2=l2))


def bottleneck_block(x, filters, *, kernel_size=3, strides=1, groups=1, width=None,
                     preact=False, shortcut="B", attention=None, se_ratio=16,
                     stride_in_3x3=None, preset="keras_applications", naming="keras",
                     name=None, stage=None, block=None, use_bias=None,
                     bn_momentum=None, bn_epsilon=None, kernel_initializer=None,
                     l2=None):
    """ResNet-50/101/152 block: 1×1 reduce → k×k → 1×1 expand to ``4 * filters``.

    With the defaults this is keras.applications' ``ResNet50`` block (v1, stride in
    the first 1×1, biases, BatchNorm epsilon 1.001e-5); ``preact=True`` gives its
    ``ResNet50V2`` block; ``preset="torchvision", stride_in_3x3=True`` torchvision's
    v1.5 block; ``groups=32, width=128`` a ResNeXt block.

    Args:
        x: 4-D Keras tensor.
        filters: the block outputs ``4 * filters`` channels.
        groups: groups (cardinality) of the k×k convolution; must divide ``width``.
        width: channels of the two inner convolutions (default ``filters``).
        strides: the block's stride.
        preact: v2 pre-activation order.
        shortcut: ``"A"``, ``"B"`` or ``"C"`` (see :func:`basic_block`).
        attention, se_ratio: see :func:`basic_block` (SE-ResNet: ``"se"``).
        stride_in_3x3: put the stride in the middle convolution ("ResNet v1.5",
            torchvision's and the seed's choice); default: v1 no, v2 yes.
        preset, naming, name, stage, block, use_bias, bn_momentum, bn_epsilon,
            kernel_initializer, l2: see :func:`basic_block`; ``use_bias=None`` is
            the preset's (keras.applications: biases everywhere in v1, and in v2
            where no BatchNorm follows).

    Returns:
        Output tensor with ``4 * filters`` channels.
    """
    filters = check_positive_int(filters, "filters")
    width = filters if width is None else check_positive_int(width, "width")
    groups = check_groups(groups, width)
    check_bool(stride_in_3x3, "stride_in_3x3", allow_none=True)
    check_bool(preact, "preact")
    stride_in_3x3 = preact if stride_in_3x3 is None else stride_in_3x3
    return _unit(
        x, (width, width, 4 * filters), (1, kernel_size, 1), kernel_size=kernel_size,
        strides=strides, stride_index=1 if stride_in_3x3 else 0, groups=groups,
        preact=preact, shortcut=shortcut, attention=attention, se_ratio=se_ratio,
        dropout_rate=0.0, use_bias=use_bias, preset=preset, naming=naming, name=name,
        stage=stage, block=block, preset_overrides=dict(
            bn_momentum=bn_momentum, bn_epsilon=bn_epsilon,
            kernel_initializer=kernel_initializer, l2=l2))


def resnext_block(x, filters, cardinality=32, bottleneck_width=4, strides=1, name=None,
                  **kwargs):
    """ResNeXt block (Xie et al. Fig. 3c): 1×1 → grouped 3×3 → 1×1 to ``4 * filters``.

    The two inner convolutions have ``cardinality * bottleneck_width`` channels,
    split into ``cardinality`` groups of ``bottleneck_width`` in the 3×3 (which
    carries the stride, as in the paper and torchvision). ResNeXt-50 (32×4d)'s first
    stage is ``resnext_block(x, 64, 32, 4)``: 128 inner channels, 256 out.
    ``kwargs`` go to :func:`bottleneck_block` (default ``preset="torchvision"``).
    """
    cardinality = check_positive_int(cardinality, "cardinality")
    bottleneck_width = check_positive_int(bottleneck_width, "bottleneck_width")
    kwargs.setdefault("preset", "torchvision")
    kwargs.setdefault("stride_in_3x3", True)
    return bottleneck_block(x, filters, strides=strides, groups=cardinality,
                            width=cardinality * bottleneck_width, name=name, **kwargs)


# ------------------------------------------------------ the seed notebook's blocks

def _official_block(input_tensor, kernel_size, filters, stage, block, strides,
                    use_l2_regularizer, batch_norm_decay, batch_norm_epsilon, naming,
                    shortcut):
    check_tensor_4d(input_tensor, "input_tensor")
    kernel_size = check_positive_int(kernel_size, "kernel_size")
    filters = check_int_sequence(filters, "filters", length=3)
    stage = check_positive_int(stage, "stage")
    if not isinstance(block, str) or not block:
        raise TypeError(f"block must be a non-empty string such as 'a', got {block!r}")
    check_label(block, "block")
    strides = check_strides(strides)
    check_choice(naming, "naming", NAMINGS)
    check_bool(use_l2_regularizer, "use_l2_regularizer")
    preset = resolve_preset(
        "tf_official", bn_momentum=check_rate(batch_norm_decay, "batch_norm_decay"),
        bn_epsilon=check_number(batch_norm_epsilon, "batch_norm_epsilon", minimum=0,
                                include_minimum=False))
    if not use_l2_regularizer:
        preset = replace(preset, l2=None)
    index = string.ascii_lowercase.index(block[0]) + 1 if block[0] in \
        string.ascii_lowercase else 1
    if len(block) > 1 and block[1:].isdigit():  # Caffe's "b1", "b2", ...
        index = int(block[1:]) + 1
    names = _Names(naming, prefix=f"conv{stage}_block{index}", stage=stage, block=block)
    # The seed is ResNet "v1.5": the stride sits in the 3×3 convolution, not the
    # first 1×1 as in the paper, which would skip three quarters of the pixels.
    return residual_unit(
        input_tensor, filters, (1, kernel_size, 1), strides=strides, stride_index=1,
        shortcut=shortcut, use_bias=False, preset=preset, names=names)


def conv_block(input_tensor, kernel_size, filters, stage, block, strides=(2, 2),
               use_l2_regularizer=True, batch_norm_decay=0.9, batch_norm_epsilon=1e-5,
               *, naming="tf_official"):
    """The seed's bottleneck block with a projection shortcut (first block of a stage).

    1×1 → ``kernel_size``×``kernel_size`` (carrying ``strides``) → 1×1 convolutions
    with BatchNorm, plus a strided 1×1 projection of the input; ReLU after the sum.
    The TF official-models numerics: He-normal initialisation, no convolution
    biases, optional L2(1e-4), TensorFlow "same" padding.

    Args:
        input_tensor: 4-D Keras tensor.
        kernel_size: kernel size of the middle convolution (3 in ResNet).
        filters: ``(filters1, filters2, filters3)`` of the three convolutions.
        stage: stage number used in layer names (2 … 5 in ResNet-50).
        block: block label used in layer names (``"a"``, ``"b"``, ...).
        strides: stride of the middle convolution and of the projection.
        use_l2_regularizer: L2(1e-4) on the convolution kernels.
        batch_norm_decay: BatchNorm momentum.
        batch_norm_epsilon: BatchNorm epsilon.
        naming: ``"tf_official"`` → ``res2a_branch2a``, ``bn2a_branch2a``,
            ``res2a_branch1``; ``"keras"`` → ``conv2_block1_1_conv`` style.

    Returns:
        Output tensor with ``filters3`` channels.
    """
    return _official_block(input_tensor, kernel_size, filters, stage, block, strides,
                           use_l2_regularizer, batch_norm_decay, batch_norm_epsilon,
                           naming, shortcut="C")


def identity_block(input_tensor, kernel_size, filters, stage, block,
                   use_l2_regularizer=True, batch_norm_decay=0.9,
                   batch_norm_epsilon=1e-5, *, naming="tf_official"):
    """The seed's bottleneck block with an identity shortcut.

    Same as :func:`conv_block` with stride 1 and no projection, so the input must
    already have ``filters[2]`` channels.
    """
    check_tensor_4d(input_tensor, "input_tensor")
    filters = check_int_sequence(filters, "filters", length=3)
    if input_tensor.shape[-1] != filters[2]:
        raise ValueError(
            f"identity_block's input_tensor must have filters[2] = {filters[2]} "
            f"channels (the shortcut adds it unchanged), got {input_tensor.shape[-1]}; "
            "use conv_block to change the channel count")
    return _official_block(input_tensor, kernel_size, filters, stage, block, 1,
                           use_l2_regularizer, batch_norm_decay, batch_norm_epsilon,
                           naming, shortcut="B")
