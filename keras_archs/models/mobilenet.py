"""MobileNet v1 and v2: convolutional networks of depthwise separable convolutions.

Howard et al., "MobileNets: Efficient Convolutional Neural Networks for Mobile Vision
Applications", 2017, arXiv:1704.04861 (v1); Sandler et al., "MobileNetV2: Inverted
Residuals and Linear Bottlenecks", CVPR 2018, arXiv:1801.04381 (v2).

The idea to see in the code: a k×k convolution from M to N channels costs
k·k·M·N·H·W multiply-adds; a depthwise k×k convolution (one filter per channel) followed
by a 1×1 "pointwise" convolution costs k·k·M·H·W + M·N·H·W — about 8–9× less for 3×3
kernels (:func:`depthwise_separable_block`). v2 turns the block inside out
(:func:`inverted_residual_block`): a 1×1 convolution *expands* a thin input t-fold, the
depthwise convolution filters the wide tensor, and a 1×1 projection returns to a thin
*linear* bottleneck (no ReLU, which would destroy information in few channels); the
shortcut joins the thin ends when stride and shape allow.

Two numerical presets, one implementation, keras.applications' layer names for both:

* ``preset="keras"``: keras.applications ``MobileNet``/``MobileNetV2`` exactly (their
  names, layer creation order, BatchNorm epsilon 1e-3, TensorFlow's bottom/right
  padding for strided convolutions, v1's 1×1-convolution classifier ``conv_preds``),
  so their ``.weights.h5`` files load with identical outputs;
* ``preset="timm"`` (v1) / ``preset="torchvision"`` (v2): the PyTorch peers timm
  ``mobilenetv1_100`` and torchvision ``mobilenet_v2`` — symmetric padding, BatchNorm
  epsilon 1e-5 and momentum 0.9 (PyTorch's 0.1), a ``Dense`` classifier (after
  ``Dropout(0.2)`` in torchvision), and a ``torch_keys`` map to the peer's
  ``state_dict`` keys.

``stem="cifar"`` (chosen automatically for inputs up to 64×64) gives kuangliu's CIFAR
layouts (pytorch-cifar): v1 with a stride-1 first convolution (output 2×2 at 32×32), v2
with a stride-1 first convolution and a stride-1 second stage (output 4×4 at 32×32);
BatchNorm momentum 0.9 and epsilon 1e-5 as PyTorch trains them.

``attention="se"`` (or a callable ``(x, name) -> x``) gates every inverted residual
block with squeeze-and-excitation (Hu et al. 2018, arXiv:1709.01507), placed as MnasNet
and MobileNetV3 place it: after the depthwise convolution's activation, before the
projection, on the expanded channels (bottleneck ``expanded // se_ratio``). The default
``attention=None`` leaves the keras.applications and torchvision twins unchanged.
"""

from __future__ import annotations

import re

import keras

from keras_archs._validation import (
    check_bn, check_choice, check_input_shape, check_name, check_number,
    check_positive_int, check_rate, check_tensor_4d)
from keras_archs.layers.attention import (
    apply_attention, check_attention, check_se_ratio)
from keras_archs.models._builder import (
    check_common_args, classifier_head, finish_model, model_input, resolve_stem)
from keras_archs.registry import register_model

__all__ = [
    "depthwise_separable_block", "inverted_residual_block", "make_divisible",
    "MobileNet", "MobileNetV2", "MOBILENET_V1_STAGES", "MOBILENET_V2_STAGES",
]

_PAPER_V1 = "Howard et al. 2017, arXiv:1704.04861"
_PAPER_V2 = "Sandler et al. 2018, arXiv:1801.04381"
PADDINGS = ("keras", "torch")
ACTIVATIONS = ("relu6", "relu")
# A weighted layer of an inverted_residual_block named by block_id.
BLOCK_LAYER = re.compile(
    r"(expanded_conv|block_(\d+))_(expand|depthwise|project)(_BN)?")

# (output channels, stride of the first block, blocks) per stage; paper Table 1 (v1)
# and Table 2 (v2, plus the expansion factor t first).
MOBILENET_V1_STAGES = ((64, 1, 1), (128, 2, 2), (256, 2, 2), (512, 2, 6), (1024, 2, 2))
MOBILENET_V2_STAGES = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                       (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))

# BatchNorm (momentum, epsilon) of each preset. keras.applications' MobileNet uses
# Keras' defaults; its MobileNetV2 sets momentum 0.999.
_BN = {
    ("v1", "keras"): (0.99, 1e-3),
    ("v2", "keras"): (0.999, 1e-3),
    ("v1", "timm"): (0.9, 1e-5),
    ("v2", "torchvision"): (0.9, 1e-5),
    "cifar": (0.9, 1e-5),
}


def make_divisible(value, divisor=8, min_value=None):
    """Round ``value`` to a multiple of ``divisor``, never more than 10 % down.

    The rounding of the TF-slim MobileNet code, shared by keras.applications,
    torchvision and timm (``_make_divisible``/``make_divisible``).
    """
    check_number(value, "value", minimum=0)
    check_positive_int(divisor, "divisor")
    if min_value is None:
        min_value = divisor
    check_positive_int(min_value, "min_value")
    new = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if new < 0.9 * value:
        new += divisor
    return new


def _relu(activation, name):
    return keras.layers.ReLU(6.0 if activation == "relu6" else None, name=name)


def _bn(x, momentum, epsilon, name):
    return keras.layers.BatchNormalization(momentum=momentum, epsilon=epsilon,
                                           name=name)(x)


def _strided_pad(x, kernel_size, padding, name, keras_pad):
    """Explicit padding before a strided "valid" convolution.

    ``padding="torch"`` pads ``k // 2`` on every side, as PyTorch's ``padding=k//2``;
    ``"keras"`` pads as the keras.applications model does: ``keras_pad`` is
    ``"bottom_right"`` (v1: always one row/column at the bottom/right) or ``"same"``
    (v2's ``correct_pad``: TensorFlow's "same" padding, asymmetric for even sizes).
    """
    if padding == "torch":
        pad = kernel_size // 2
        return keras.layers.ZeroPadding2D(pad, name=name)(x)
    if keras_pad == "bottom_right":
        return keras.layers.ZeroPadding2D(((0, 1), (0, 1)), name=name)(x)
    adjust = [1 if d is None else 1 - d % 2 for d in x.shape[1:3]]
    half = kernel_size // 2
    return keras.layers.ZeroPadding2D(
        ((half - adjust[0], half), (half - adjust[1], half)), name=name)(x)


def _check_block_args(x, strides, padding, bn_momentum, bn_epsilon):
    check_tensor_4d(x, "x")
    strides = check_positive_int(strides, "strides")
    if strides > 2:
        raise ValueError(f"strides must be 1 or 2, got {strides}")
    check_choice(padding, "padding", PADDINGS)
    check_bn(bn_momentum, bn_epsilon)
    return strides


# ------------------------------------------------------------------- block recipes

def depthwise_separable_block(x, filters, alpha=1.0, depth_multiplier=1, strides=1,
                              name=None, *, block_id=None, padding="keras",
                              activation="relu6", bn_momentum=0.99, bn_epsilon=1e-3,
                              round_filters=None):
    """MobileNet v1 block: depthwise 3×3 → BN → ReLU6 → pointwise 1×1 → BN → ReLU6.

    Args:
        x: 4-D Keras tensor.
        filters: output channels before the width multiplier (64, 128, ... in the
            paper); the block has ``int(filters * alpha)`` (keras.applications'
            rounding; pass ``round_filters`` for another).
        alpha: width multiplier α > 0.
        depth_multiplier: depthwise channel multiplier (the paper's resolution
            multiplier is the input size, not this).
        strides: 1 or 2, carried by the depthwise convolution.
        name: layer-name prefix: ``{name}_dw``, ``{name}_dw_bn``, ``{name}_dw_relu``,
            ``{name}_pw``, ``{name}_pw_bn``, ``{name}_pw_relu`` (``{name}_pad``).
        block_id: instead of ``name``, keras.applications' names ``conv_dw_{id}``,
            ``conv_dw_{id}_bn``, ..., ``conv_pw_{id}_relu``, ``conv_pad_{id}``.
        padding: ``"keras"`` (strided: one row/column at the bottom/right, as
            keras.applications) or ``"torch"`` (one on every side, as PyTorch).

    Returns:
        Output tensor with the scaled ``filters`` channels.
    """
    strides = _check_block_args(x, strides, padding, bn_momentum, bn_epsilon)
    filters = check_positive_int(filters, "filters")
    alpha = check_number(alpha, "alpha", minimum=0, include_minimum=False)
    depth_multiplier = check_positive_int(depth_multiplier, "depth_multiplier")
    check_choice(activation, "activation", ACTIVATIONS)
    check_name(name, "name", allow_none=True)
    if block_id is not None:
        block_id = check_positive_int(block_id, "block_id", minimum=0)
        base = {k: f"conv_{k}_{block_id}" for k in ("pad", "dw", "pw")}
    elif name is not None:
        check_name(name, "name")
        base = {k: f"{name}_{k}" for k in ("pad", "dw", "pw")}
    else:
        base = None

    def named(key, suffix=""):
        return None if base is None else base[key] + suffix

    if round_filters is not None and not callable(round_filters):
        raise TypeError("round_filters must be None or a function of the scaled "
                        f"channel count, got {round_filters!r}")
    out = round_filters(filters * alpha) if round_filters else int(filters * alpha)
    if out < 1:
        raise ValueError(f"alpha={alpha} leaves filters={filters} with no channels")
    if strides != 1:
        x = _strided_pad(x, 3, padding, named("pad"), "bottom_right")
    x = keras.layers.DepthwiseConv2D(
        3, strides=strides, padding="same" if strides == 1 else "valid",
        depth_multiplier=depth_multiplier, use_bias=False, name=named("dw"))(x)
    x = _bn(x, bn_momentum, bn_epsilon, named("dw", "_bn"))
    x = _relu(activation, named("dw", "_relu"))(x)
    x = keras.layers.Conv2D(out, 1, padding="same", use_bias=False,
                            name=named("pw"))(x)
    x = _bn(x, bn_momentum, bn_epsilon, named("pw", "_bn"))
    return _relu(activation, named("pw", "_relu"))(x)


def inverted_residual_block(x, filters, expansion=6, strides=1, alpha=1.0, name=None,
                            *, block_id=None, kernel_size=3, padding="keras",
                            activation="relu6", bn_momentum=0.999, bn_epsilon=1e-3,
                            skip=True, attention=None, se_ratio=16):
    """MobileNetV2 block: 1×1 expand → depthwise k×k → 1×1 linear projection.

    The 1×1 expansion (``round(in_channels · expansion)`` channels, BN, ReLU6) is
    left out when ``expansion == 1``; the projection has BatchNorm but no activation
    (the linear bottleneck); the input is added back only when ``strides == 1`` and
    the input already has the output's channel count.

    Args:
        x: 4-D Keras tensor.
        filters: output channels before the width multiplier; the block has
            ``make_divisible(int(filters * alpha), 8)`` (keras.applications).
        expansion: expansion factor t ≥ 1.
        strides: 1 or 2, carried by the depthwise convolution.
        alpha: width multiplier α > 0.
        name: layer-name prefix, keras.applications' scheme: ``{name}_expand``,
            ``{name}_expand_BN``, ``{name}_expand_relu``, ``{name}_pad``,
            ``{name}_depthwise``, ``{name}_depthwise_BN``, ``{name}_depthwise_relu``,
            ``{name}_project``, ``{name}_project_BN``, ``{name}_add``.
        block_id: instead of ``name``: ``block_{id}`` (``expanded_conv`` for 0), as
            keras.applications' MobileNetV2.
        kernel_size: depthwise kernel (3; MNASNet also uses 5).
        padding: strided depthwise padding, ``"keras"`` (TensorFlow's "same", as
            keras.applications' ``correct_pad``) or ``"torch"`` (``k // 2`` each side).
        activation: ``"relu6"`` (MobileNetV2) or ``"relu"`` (MNASNet).
        skip: ``False`` never adds the input (MNASNet's first, separable block).
        attention: ``None``, ``"se"`` or a callable ``(x, name) -> x`` applied after
            the depthwise activation, before the projection (MnasNet/MobileNetV3's
            SE placement); its layers are named ``{name}_se_…`` (``{name}_se``
            for a callable), so ``name`` or ``block_id`` is required with it.
        se_ratio: SE reduction ratio: the bottleneck has ``expanded // se_ratio``
            channels; at most the expanded channel count.

    Returns:
        Output tensor with the scaled ``filters`` channels.
    """
    strides = _check_block_args(x, strides, padding, bn_momentum, bn_epsilon)
    filters = check_positive_int(filters, "filters")
    expansion = check_number(expansion, "expansion", minimum=1)
    alpha = check_number(alpha, "alpha", minimum=0, include_minimum=False)
    kernel_size = check_positive_int(kernel_size, "kernel_size")
    check_choice(activation, "activation", ACTIVATIONS)
    if not isinstance(skip, bool):
        raise TypeError(f"skip must be True or False, got {skip!r}")
    attention = check_attention(attention)
    check_name(name, "name", allow_none=True)
    if block_id is not None:
        block_id = check_positive_int(block_id, "block_id", minimum=0)
        prefix = "expanded_conv" if block_id == 0 else f"block_{block_id}"
    else:
        prefix = check_name(name, "name", allow_none=True)
    in_channels = x.shape[-1]
    expanded = in_channels if expansion == 1 else int(round(in_channels * expansion))
    se_ratio = check_se_ratio(se_ratio, expanded, attention)
    if attention is not None and not prefix:
        raise ValueError("attention needs name or block_id: the attention layers are "
                         "named from the block's prefix ({name}_se_...)")

    def named(suffix):
        return None if prefix is None else f"{prefix}_{suffix}"

    out_channels = make_divisible(int(filters * alpha), 8)
    inputs = x
    if expansion != 1:
        x = keras.layers.Conv2D(expanded, 1, padding="same",
                                use_bias=False, name=named("expand"))(x)
        x = _bn(x, bn_momentum, bn_epsilon, named("expand_BN"))
        x = _relu(activation, named("expand_relu"))(x)
    if strides != 1:
        x = _strided_pad(x, kernel_size, padding, named("pad"), "same")
    x = keras.layers.DepthwiseConv2D(
        kernel_size, strides=strides, padding="same" if strides == 1 else "valid",
        use_bias=False, name=named("depthwise"))(x)
    x = _bn(x, bn_momentum, bn_epsilon, named("depthwise_BN"))
    x = _relu(activation, named("depthwise_relu"))(x)
    x = apply_attention(x, attention, named("se"), ratio=se_ratio)
    x = keras.layers.Conv2D(out_channels, 1, padding="same", use_bias=False,
                            name=named("project"))(x)
    x = _bn(x, bn_momentum, bn_epsilon, named("project_BN"))
    if skip and strides == 1 and in_channels == out_channels:
        x = keras.layers.Add(name=named("add"))([inputs, x])
    return x


# -------------------------------------------------------------------------- models

def _v2_stages(alpha, preset, stem):
    """MobileNetV2's blocks in order: ``(expansion, filters, strides, alpha)`` as
    :func:`inverted_residual_block` takes them."""
    blocks = []
    for stage, (t, filters, count, first_stride) in enumerate(MOBILENET_V2_STAGES):
        if stem == "cifar" and stage == 1:
            first_stride = 1  # kuangliu's CIFAR MobileNetV2: "stride 2 -> 1"
        # keras.applications rounds int(filters · α) to a multiple of 8, torchvision
        # filters · α itself: they can differ by 8 near a rounding boundary.
        width, width_alpha = (filters, alpha) if preset == "keras" else \
            (make_divisible(filters * alpha, 8), 1.0)
        blocks += [(t, width, first_stride if i == 0 else 1, width_alpha)
                   for i in range(count)]
    return blocks


def _v2_expanded(alpha, stages):
    """The expanded (depthwise) width of every block of ``stages``."""
    channels, widths = make_divisible(32 * alpha, 8), []
    for t, width, _, width_alpha in stages:
        widths.append(channels if t == 1 else int(round(channels * t)))
        channels = make_divisible(int(width * width_alpha), 8)
    return widths


def _common(kind, presets, *, preset, stem, include_top, weights, input_tensor,
            input_shape, pooling, classes, classifier_activation, alpha, name):
    """Validation shared by v1 and v2; returns ``(input_shape, stem, bn)``."""
    check_choice(preset, "preset", presets)
    alpha = check_number(alpha, "alpha", minimum=0, include_minimum=False)
    app = None
    if preset == "keras":
        app = "MobileNet" if kind == "v1" else "MobileNetV2"
    input_shape = check_common_args(
        include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation, keras_applications=app,
        name=name)
    stem = resolve_stem(stem, input_shape, weights)
    bn = _BN["cifar"] if stem == "cifar" else _BN[(kind, preset)]
    return input_shape, stem, bn, app


def _stem(x, filters, *, stem, padding, bn, conv_name, bn_name, relu_name):
    strides = 1 if stem == "cifar" else 2
    if strides == 2 and padding == "torch":
        x = keras.layers.ZeroPadding2D(1, name=f"{conv_name}_pad")(x)
        conv_padding = "valid"
    else:  # TensorFlow's "same": keras.applications' stem
        conv_padding = "same"
    x = keras.layers.Conv2D(filters, 3, strides=strides, padding=conv_padding,
                            use_bias=False, name=conv_name)(x)
    x = _bn(x, *bn, bn_name)
    return _relu("relu6", relu_name)(x)


def MobileNet(alpha=1.0, depth_multiplier=1, dropout=1e-3, include_top=True,
              weights=None, input_tensor=None, input_shape=None, pooling=None,
              classes=1000, classifier_activation="softmax", stem="auto",
              preset="keras", name=None):
    """MobileNet v1: a 3×3 convolution, then 13 depthwise separable blocks.

    Args:
        alpha: width multiplier α > 0 (0.25, 0.5, 0.75, 1.0 in the paper).
        depth_multiplier: depthwise channel multiplier (keras.applications').
        dropout: dropout before keras.applications' ``conv_preds`` classifier.
        stem: ``"auto"`` (CIFAR for inputs up to 64×64), ``"imagenet"`` or
            ``"cifar"`` (stride-1 first convolution).
        preset: ``"keras"`` (keras.applications ``MobileNet``) or ``"timm"`` (timm
            ``mobilenetv1_100``: symmetric padding, BN epsilon 1e-5, channels
            rounded to multiples of 8, a ``Dense`` classifier).
        The other arguments are keras.applications'.
    """
    input_shape, stem, bn, app = _common(
        "v1", ("keras", "timm"), preset=preset, stem=stem, include_top=include_top,
        weights=weights, input_tensor=input_tensor, input_shape=input_shape,
        pooling=pooling, classes=classes, classifier_activation=classifier_activation,
        alpha=alpha, name=name)
    depth_multiplier = check_positive_int(depth_multiplier, "depth_multiplier")
    dropout = check_rate(dropout, "dropout")
    total_stride = 32 if stem == "imagenet" else 16
    input_shape = check_input_shape(input_shape, min_size=total_stride)
    padding = "keras" if preset == "keras" else "torch"
    # keras.applications truncates α·channels; timm rounds them to multiples of 8.
    round_filters = None if preset == "keras" else make_divisible
    if round_filters is None and int(32 * alpha) < 1:
        raise ValueError(f"alpha={alpha} leaves the first convolution int(32 * alpha) "
                         "= 0 filters: alpha must be at least 1/32")
    if name is None:
        if preset == "keras":
            name = f"mobilenet_{alpha:0.2f}_{input_shape[0]}"
        else:
            name = f"mobilenetv1_{round(alpha * 100)}"
        if stem == "cifar":
            name += "_cifar"

    x, inputs = model_input(input_tensor, input_shape)
    x = _stem(x, round_filters(32 * alpha) if round_filters else int(32 * alpha),
              stem=stem, padding=padding, bn=bn, conv_name="conv1", bn_name="conv1_bn",
              relu_name="conv1_relu")
    block_id = 1
    for filters, first_stride, count in MOBILENET_V1_STAGES:
        for i in range(count):
            x = depthwise_separable_block(
                x, filters, alpha, depth_multiplier, first_stride if i == 0 else 1,
                block_id=block_id, padding=padding, bn_momentum=bn[0],
                bn_epsilon=bn[1], round_filters=round_filters)
            block_id += 1
    if include_top and preset == "keras":
        # keras.applications' top: the classifier is a 1×1 convolution.
        x = keras.layers.GlobalAveragePooling2D(keepdims=True, name="avg_pool")(x)
        x = keras.layers.Dropout(dropout, name="dropout")(x)
        x = keras.layers.Conv2D(classes, 1, padding="same", name="conv_preds")(x)
        x = keras.layers.Reshape((classes,), name="reshape_2")(x)
        x = keras.layers.Activation(classifier_activation or "linear", dtype="float32",
                                    name="predictions")(x)
    else:
        x = classifier_head(
            x, include_top=include_top, pooling=pooling, classes=classes,
            classifier_activation=classifier_activation)
    return finish_model(
        inputs, x, name=name, weights=weights, keras_applications=app,
        applications_kwargs=dict(alpha=alpha, depth_multiplier=depth_multiplier,
                                 include_top=include_top, input_shape=input_shape,
                                 pooling=pooling, classes=classes),
        torch_keys=_timm_v1_keys if preset == "timm" else None)


def MobileNetV2(alpha=1.0, include_top=True, weights=None, input_tensor=None,
                input_shape=None, pooling=None, classes=1000,
                classifier_activation="softmax", stem="auto", preset="keras",
                dropout=None, name=None, attention=None, se_ratio=16):
    """MobileNetV2: a 3×3 convolution, 17 inverted residual blocks, a 1×1 to 1280.

    Args:
        alpha: width multiplier α > 0 (0.35 … 1.4 in the paper).
        stem: ``"auto"`` (CIFAR for inputs up to 64×64), ``"imagenet"`` or
            ``"cifar"`` (stride-1 first convolution and second stage, kuangliu).
        preset: ``"keras"`` (keras.applications ``MobileNetV2``) or
            ``"torchvision"`` (torchvision ``mobilenet_v2``: symmetric padding, BN
            epsilon 1e-5, dropout 0.2 before the classifier).
        dropout: rate before the classifier; default 0 (keras) or 0.2 (torchvision).
        attention: ``None`` (the twins), ``"se"`` (SE-MobileNetV2: squeeze-and-
            excitation in every block, after the depthwise activation, on the
            expanded channels) or a callable ``(x, name) -> x``; layers
            ``block_{id}_se_…``. Pretrained ``weights="imagenet"`` have no SE.
        se_ratio: SE reduction ratio; at most the narrowest width an SE block gates
            (block 0's, the stem width ``make_divisible(32 α, 8)``: 32 at α = 1).
        The other arguments are keras.applications'.
    """
    input_shape, stem, bn, app = _common(
        "v2", ("keras", "torchvision"), preset=preset, stem=stem,
        include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation, alpha=alpha, name=name)
    if dropout is None:
        dropout = 0.0 if preset == "keras" else 0.2
    dropout = check_rate(dropout, "dropout")
    attention = check_attention(attention)
    if attention is not None and weights == "imagenet":
        raise ValueError("attention must be None with weights='imagenet' (the "
                         "pretrained MobileNetV2 has no attention blocks)")
    total_stride = 32 if stem == "imagenet" else 8
    input_shape = check_input_shape(input_shape, min_size=total_stride)
    padding = "keras" if preset == "keras" else "torch"
    stages = _v2_stages(alpha, preset, stem)
    # The narrowest tensor an SE block gates: the stem width (block 0 has t = 1).
    check_se_ratio(se_ratio, min(_v2_expanded(alpha, stages)), attention)
    if name is None:
        name = (f"mobilenetv2_{alpha:0.2f}_{input_shape[0]}" if preset == "keras"
                else "mobilenet_v2" + ("" if alpha == 1.0 else f"_{alpha:g}"))
        if stem == "cifar":
            name += "_cifar"
        if attention == "se":
            name = "se_" + name

    x, inputs = model_input(input_tensor, input_shape)
    x = _stem(x, make_divisible(32 * alpha, 8), stem=stem, padding=padding, bn=bn,
              conv_name="Conv1", bn_name="bn_Conv1", relu_name="Conv1_relu")
    for block_id, (t, width, strides, width_alpha) in enumerate(stages):
        x = inverted_residual_block(
            x, width, t, strides, width_alpha, block_id=block_id, padding=padding,
            bn_momentum=bn[0], bn_epsilon=bn[1], attention=attention,
            se_ratio=se_ratio)
    last = make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = keras.layers.Conv2D(last, 1, use_bias=False, name="Conv_1")(x)
    x = _bn(x, *bn, "Conv_1_bn")
    x = _relu("relu6", "out_relu")(x)
    x = classifier_head(x, include_top=include_top, pooling=pooling, classes=classes,
                        classifier_activation=classifier_activation,
                        top_dropout=dropout)
    return finish_model(
        inputs, x, name=name, weights=weights, keras_applications=app,
        applications_kwargs=dict(alpha=alpha, include_top=include_top,
                                 input_shape=input_shape, pooling=pooling,
                                 classes=classes),
        torch_keys=_torchvision_v2_keys if preset == "torchvision" else None)


# ------------------------------------------------------------- PyTorch key maps

def _timm_v1_keys(model):
    """Our layer names → timm ``mobilenetv1_*`` module prefixes.

    timm groups the blocks by stage: ``blocks.{stage}.{i}.conv_dw/bn1/conv_pw/bn2``.
    """
    where = {}
    block_id = 1
    for stage, (_, _, count) in enumerate(MOBILENET_V1_STAGES):
        for i in range(count):
            where[block_id] = f"blocks.{stage}.{i}"
            block_id += 1
    keys = {"conv1": "conv_stem", "conv1_bn": "bn1", "predictions": "classifier"}
    for layer in model.layers:
        m = re.fullmatch(r"conv_(dw|pw)_(\d+)(_bn)?", layer.name)
        if m:
            part = {("dw", None): "conv_dw", ("dw", "_bn"): "bn1",
                    ("pw", None): "conv_pw", ("pw", "_bn"): "bn2"}[m[1], m[3]]
            keys[layer.name] = f"{where[int(m[2])]}.{part}"
    return keys


def _torchvision_v2_keys(model):
    """Our layer names → torchvision ``mobilenet_v2`` module prefixes.

    ``features.0`` is the stem, ``features.{id + 1}`` block ``id`` (``conv.0`` the
    expansion when there is one, then the depthwise, ``conv.{n}`` the projection and
    ``conv.{n + 1}`` its BatchNorm), the last ``features`` entry the 1×1 to 1280.
    """
    names = {layer.name for layer in model.layers}
    keys = {"Conv1": "features.0.0", "bn_Conv1": "features.0.1",
            "predictions": "classifier.1"}
    count = 0
    for layer in model.layers:
        m = BLOCK_LAYER.fullmatch(layer.name)
        if not m:
            continue
        block_id = int(m[2] or 0)
        count = max(count, block_id + 1)
        expand = f"{m[1]}_expand" in names
        base = f"features.{block_id + 1}.conv"
        i = {"expand": 0, "depthwise": 1 if expand else 0,
             "project": 2 if expand else 1}[m[3]]
        if m[3] == "project":
            keys[layer.name] = f"{base}.{i + 1 if m[4] else i}"
        else:
            keys[layer.name] = f"{base}.{i}.{1 if m[4] else 0}"
    keys["Conv_1"] = f"features.{count + 1}.0"
    keys["Conv_1_bn"] = f"features.{count + 1}.1"
    return keys


# ------------------------------------------------------------------------ registry

@register_model(family="mobilenet", paper=_PAPER_V1, reference_params=4_253_864,
                keras_applications="MobileNet", preprocessing="tf", top1=70.4,
                top1_source="keras.applications table (keras.io/api/applications)")
def mobilenet(**kwargs):
    """MobileNet v1 (α = 1), keras.applications' layout, names and 1×1-conv top."""
    return MobileNet(**kwargs)


@register_model(family="mobilenet", paper=_PAPER_V1, reference_params=4_231_976,
                reference_source="timm mobilenetv1_100 (BN running stats not counted)",
                reference_counts_bn_statistics=False, timm="mobilenetv1_100",
                preprocessing="torch")
def mobilenetv1_100(**kwargs):
    """MobileNet v1 (α = 1), timm's mobilenetv1_100: symmetric padding, Dense top."""
    return MobileNet(preset="timm", **kwargs)


@register_model(family="mobilenet", paper=_PAPER_V2, reference_params=3_538_984,
                keras_applications="MobileNetV2", preprocessing="tf", top1=71.3,
                top1_source="keras.applications table (keras.io/api/applications)")
def mobilenetv2(**kwargs):
    """MobileNetV2 (α = 1), keras.applications' layout and names."""
    return MobileNetV2(**kwargs)


@register_model(family="mobilenet", paper=_PAPER_V2, reference_params=3_504_872,
                reference_source="torchvision mobilenet_v2 (BN running stats not "
                                 "counted)",
                reference_counts_bn_statistics=False, torchvision="mobilenet_v2",
                preprocessing="torch", top1=71.878,
                top1_source="torchvision MobileNet_V2_Weights.IMAGENET1K_V1")
def mobilenet_v2(**kwargs):
    """MobileNetV2 (α = 1), torchvision's mobilenet_v2: symmetric padding, dropout."""
    return MobileNetV2(preset="torchvision", **kwargs)
