"""EfficientNet B0–B7: one searched baseline scaled in depth, width and resolution.

Tan & Le, "EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks",
ICML 2019, arXiv:1905.11946.

The idea to see in the code: the network is a fixed table (:data:`BASELINE_B0`, the
paper's Table 1) of MBConv stages, and every bigger model is that table under
*compound scaling* (§3.3): depth ``d = α^φ``, width ``w = β^φ`` and resolution
``r = γ^φ`` grow together, with ``α·β²·γ² ≈ 2`` so each step of φ roughly doubles
the FLOPs. Widths are rounded to multiples of 8 (never more than 10 % down) by
:func:`round_filters`, depths rounded up by :func:`round_repeats`. The published
B1–B7 coefficients (:data:`COMPOUND_SCALING`) are the ones Google released; they do
not follow ``α^φ, β^φ`` at whole-number φ (B1's depth is 1.1, not 1.2; B7's depth 3.1
is 1.2^6.2 and its width 2.0 is 1.1^7.3 — notebooks/efficient_architectures.ipynb
tabulates both).

:func:`mbconv_block` is the MobileNetV2 inverted residual with squeeze-and-excitation:
1×1 expansion → k×k depthwise → SE (Swish bottleneck of ``se_ratio`` × the block's
*input* width) → linear 1×1 projection → stochastic depth → identity skip.

Layer names, creation order, initialisers and BatchNorm settings are
keras.applications' (``stem_conv``, ``block1a_dwconv``, ``block1a_se_squeeze``,
``block2b_drop``, ``top_conv``, ``predictions``), so its ``.weights.h5`` files load
into ours with identical outputs. The model rescales its own input (``Rescaling(1/255)``
→ ``Normalization``; with ``weights="imagenet"`` also keras.applications' extra
``Rescaling`` by 1/√std), so it takes raw 0–255 pixels.

CIFAR variant (``stem="cifar"``, picked by ``stem="auto"`` for inputs up to 64×64):
the stem convolution has stride 1 instead of 2 (total stride 16, so 32×32 inputs end
on 2×2 maps instead of 1×1) and BatchNorm momentum is 0.9 instead of 0.99 (with
0.99 a short CIFAR run validates at chance). Parameter counts are unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import keras

from keras_archs._validation import (
    check_activation, check_bn, check_bool, check_input_shape, check_name, check_number,
    check_positive_int, check_rate, check_tensor_4d)
from keras_archs.layers.attention import se_block
from keras_archs.models._builder import (
    check_common_args, classifier_head, finish_model, model_input, resolve_stem)
from keras_archs.registry import register_model

__all__ = [
    "mbconv_block", "round_filters", "round_repeats", "MBConvStage", "BASELINE_B0",
    "COMPOUND_SCALING", "EfficientNet",
    "EfficientNetB0", "EfficientNetB1", "EfficientNetB2", "EfficientNetB3",
    "EfficientNetB4", "EfficientNetB5", "EfficientNetB6", "EfficientNetB7",
]


@dataclass(frozen=True)
class MBConvStage:
    """One row of the baseline table: ``repeats`` MBConv blocks of one shape."""

    kernel_size: int
    repeats: int
    filters_in: int
    filters_out: int
    expand_ratio: int
    strides: int
    se_ratio: float = 0.25

    def __post_init__(self):
        for field in ("kernel_size", "repeats", "filters_in", "filters_out",
                      "expand_ratio", "strides"):
            check_positive_int(getattr(self, field), field)
        check_number(self.se_ratio, "se_ratio", minimum=0.0, maximum=1.0)


# Tan & Le, Table 1 (EfficientNet-B0; the 224×224 resolutions are the stage inputs).
BASELINE_B0 = (
    MBConvStage(3, 1, 32, 16, 1, 1),     # MBConv1, k3×3, 112×112
    MBConvStage(3, 2, 16, 24, 6, 2),     # MBConv6, k3×3, 112×112 → 56×56
    MBConvStage(5, 2, 24, 40, 6, 2),     # MBConv6, k5×5, 56×56 → 28×28
    MBConvStage(3, 3, 40, 80, 6, 2),     # MBConv6, k3×3, 28×28 → 14×14
    MBConvStage(5, 3, 80, 112, 6, 1),    # MBConv6, k5×5, 14×14
    MBConvStage(5, 4, 112, 192, 6, 2),   # MBConv6, k5×5, 14×14 → 7×7
    MBConvStage(3, 1, 192, 320, 6, 1),   # MBConv6, k3×3, 7×7
)
STEM_FILTERS = 32
TOP_FILTERS = 1280

# variant: (width coefficient, depth coefficient, resolution, dropout before the
# classifier) — the released B0–B7 settings (keras.applications, the TF reference).
COMPOUND_SCALING = {
    "b0": (1.0, 1.0, 224, 0.2),
    "b1": (1.0, 1.1, 240, 0.2),
    "b2": (1.1, 1.2, 260, 0.3),
    "b3": (1.2, 1.4, 300, 0.3),
    "b4": (1.4, 1.8, 380, 0.4),
    "b5": (1.6, 2.2, 456, 0.4),
    "b6": (1.8, 2.6, 528, 0.5),
    "b7": (2.0, 3.1, 600, 0.5),
}

# keras.applications' initialisers (the TF reference's): He-style fan-out for
# convolutions, a uniform fan-out scaling of 1/3 for the classifier.
CONV_INITIALIZER = {"class_name": "VarianceScaling", "config": {
    "scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"}}
DENSE_INITIALIZER = {"class_name": "VarianceScaling", "config": {
    "scale": 1.0 / 3.0, "mode": "fan_out", "distribution": "uniform"}}
# The ImageNet channel statistics keras.applications' weights were trained with.
IMAGENET_STDDEV_RGB = (0.229, 0.224, 0.225)
# keras.applications' BatchNorm is Keras' default (momentum 0.99, epsilon 1e-3).
BN_MOMENTUM = {"imagenet": 0.99, "cifar": 0.9}
BN_EPSILON = 1e-3
STRIDE = {"imagenet": 32, "cifar": 16}


def round_filters(filters, width_coefficient, divisor=8):
    """Scale a channel count by the width coefficient, to a multiple of ``divisor``.

    Rounds to the nearest multiple, but never more than 10 % below the exact value.
    """
    check_positive_int(filters, "filters")
    check_number(width_coefficient, "width_coefficient", minimum=0,
                 include_minimum=False)
    check_positive_int(divisor, "divisor")
    exact = filters * width_coefficient
    rounded = max(divisor, int(exact + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * exact:
        rounded += divisor
    return int(rounded)


def round_repeats(repeats, depth_coefficient):
    """Scale a stage's block count by the depth coefficient, rounding up."""
    check_positive_int(repeats, "repeats")
    check_number(depth_coefficient, "depth_coefficient", minimum=0,
                 include_minimum=False)
    return int(math.ceil(depth_coefficient * repeats))


def _correct_pad(x, kernel_size):
    """keras.applications' padding before a stride-2 'valid' convolution: TF's
    'same' split (one more pixel bottom/right on even sizes), fixed in the graph."""
    size = x.shape[1:3]
    adjust = (1, 1) if size[0] is None else (1 - size[0] % 2, 1 - size[1] % 2)
    half = kernel_size // 2
    return ((half - adjust[0], half), (half - adjust[1], half))


def _bn(x, momentum, epsilon, name):
    return keras.layers.BatchNormalization(momentum=momentum, epsilon=epsilon,
                                           name=name)(x)


def mbconv_block(x, filters_out, *, kernel_size=3, strides=1, expand_ratio=1,
                 se_ratio=0.25, id_skip=True, drop_rate=0.0, activation="swish",
                 bn_momentum=0.99, bn_epsilon=1e-3, name):
    """MBConv: inverted residual with squeeze-and-excitation (Tan & Le, §4; Fig. 2 of
    MnasNet, arXiv:1807.11626).

    ``x`` (``C`` channels) → 1×1 expansion to ``C·expand_ratio`` (skipped when the
    ratio is 1) → BN → Swish → ``kernel_size`` depthwise convolution with ``strides``
    → BN → Swish → SE (bottleneck of ``max(1, int(C·se_ratio))`` channels) → linear
    1×1 projection to ``filters_out`` → BN → with stride 1 and equal widths:
    stochastic depth (the whole residual branch dropped per sample with probability
    ``drop_rate``) and ``+ x``.

    Args:
        x: 4-D Keras tensor.
        filters_out: channels of the output.
        kernel_size: depthwise kernel size (3 or 5 in EfficientNet).
        strides: depthwise stride; 2 halves the resolution (no skip then).
        expand_ratio: expansion factor ``t`` (MBConv1 / MBConv6).
        se_ratio: SE bottleneck as a fraction of the input width; 0 disables SE.
        id_skip: add the identity shortcut where the shapes allow.
        drop_rate: stochastic-depth drop probability of the residual branch.
        activation: activation after the expansion and the depthwise convolution.
        bn_momentum, bn_epsilon: BatchNorm settings.
        name: prefix of every layer name, ending with ``_`` as keras.applications'
            (``"block2a_"`` → ``block2a_expand_conv``, ``block2a_se_squeeze``, ...).

    Returns:
        Output tensor with ``filters_out`` channels.
    """
    check_tensor_4d(x, "x")
    filters_out = check_positive_int(filters_out, "filters_out")
    kernel_size = check_positive_int(kernel_size, "kernel_size")
    strides = check_positive_int(strides, "strides")
    expand_ratio = check_positive_int(expand_ratio, "expand_ratio")
    se_ratio = check_number(se_ratio, "se_ratio", minimum=0.0, maximum=1.0)
    drop_rate = check_rate(drop_rate, "drop_rate")
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty string such as 'block1a_', got "
                        f"{name!r}")
    check_name(name, "name")
    check_bool(id_skip, "id_skip")
    check_activation(activation, "activation")
    check_bn(bn_momentum, bn_epsilon)
    inputs = x
    filters_in = x.shape[-1]
    filters = filters_in * expand_ratio

    # Expansion: 1×1 to t times the width, so the depthwise filter sees a rich space.
    if expand_ratio != 1:
        x = keras.layers.Conv2D(filters, 1, padding="same", use_bias=False,
                                kernel_initializer=CONV_INITIALIZER,
                                name=f"{name}expand_conv")(x)
        x = _bn(x, bn_momentum, bn_epsilon, f"{name}expand_bn")
        x = keras.layers.Activation(activation, name=f"{name}expand_activation")(x)

    # Depthwise: one k×k filter per channel; strided blocks pad as TF's 'same'.
    if strides == 2:
        x = keras.layers.ZeroPadding2D(_correct_pad(x, kernel_size),
                                       name=f"{name}dwconv_pad")(x)
        padding = "valid"
    else:
        padding = "same"
    x = keras.layers.DepthwiseConv2D(kernel_size, strides=strides, padding=padding,
                                     use_bias=False,
                                     depthwise_initializer=CONV_INITIALIZER,
                                     name=f"{name}dwconv")(x)
    x = _bn(x, bn_momentum, bn_epsilon, f"{name}bn")
    x = keras.layers.Activation(activation, name=f"{name}activation")(x)

    # Squeeze-and-excitation, its bottleneck sized from the block's input width.
    if 0 < se_ratio <= 1:
        x = se_block(x, name=f"{name}se", filters=max(1, int(filters_in * se_ratio)),
                     activation=activation, kernel_initializer=CONV_INITIALIZER)

    # Linear bottleneck: no activation after the projection (MobileNetV2 §3.2).
    x = keras.layers.Conv2D(filters_out, 1, padding="same", use_bias=False,
                            kernel_initializer=CONV_INITIALIZER,
                            name=f"{name}project_conv")(x)
    x = _bn(x, bn_momentum, bn_epsilon, f"{name}project_bn")
    if id_skip and strides == 1 and filters_in == filters_out:
        if drop_rate > 0:
            # Stochastic depth: one Bernoulli draw per sample drops the branch.
            x = keras.layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1),
                                     name=f"{name}drop")(x)
        x = keras.layers.Add(name=f"{name}add")([x, inputs])
    return x


def _check_blocks_args(blocks_args):
    if isinstance(blocks_args, MBConvStage):
        blocks_args = (blocks_args,)
    try:
        stages = tuple(blocks_args)
    except TypeError:
        stages = None
    if not stages or not all(isinstance(s, MBConvStage) for s in stages):
        raise TypeError("blocks_args must be a non-empty sequence of MBConvStage "
                        f"(e.g. BASELINE_B0), got {blocks_args!r}")
    for i, s in enumerate(stages):
        for field in ("kernel_size", "repeats", "filters_in", "filters_out",
                      "expand_ratio", "strides"):
            check_positive_int(getattr(s, field), f"blocks_args[{i}].{field}")
        check_number(s.se_ratio, f"blocks_args[{i}].se_ratio", minimum=0.0, maximum=1.0)
    return stages


def _resolve_coefficients(variant, width_coefficient, depth_coefficient, default_size,
                          dropout_rate):
    custom = (width_coefficient, depth_coefficient, default_size)
    if variant is not None:
        if not isinstance(variant, str) or variant.lower() not in COMPOUND_SCALING:
            raise ValueError(
                f"variant must be one of {', '.join(map(repr, COMPOUND_SCALING))}, got "
                f"{variant!r}; for another scale pass width_coefficient, "
                "depth_coefficient and default_size instead")
        if any(c is not None for c in custom):
            raise ValueError("pass either variant or width_coefficient, "
                             "depth_coefficient and default_size, not both")
        width, depth, size, dropout = COMPOUND_SCALING[variant.lower()]
        return width, depth, size, dropout if dropout_rate is None else dropout_rate
    if any(c is None for c in custom):
        raise ValueError(
            "variant must be one of " + ", ".join(map(repr, COMPOUND_SCALING)) +
            " unless custom coefficients are given: pass all of width_coefficient, "
            "depth_coefficient and default_size")
    width = check_number(width_coefficient, "width_coefficient", minimum=0,
                         include_minimum=False)
    depth = check_number(depth_coefficient, "depth_coefficient", minimum=0,
                         include_minimum=False)
    size = check_positive_int(default_size, "default_size")
    return width, depth, size, 0.2 if dropout_rate is None else dropout_rate


def EfficientNet(width_coefficient=None, depth_coefficient=None, default_size=None,
                 dropout_rate=None, drop_connect_rate=0.2, depth_divisor=8,
                 activation="swish", blocks_args=BASELINE_B0, include_top=True,
                 weights=None, input_tensor=None, input_shape=None, pooling=None,
                 classes=1000, classifier_activation="softmax", *, variant=None,
                 stem="auto", bn_momentum=None, bn_epsilon=BN_EPSILON,
                 keras_applications=None, name=None):
    """Generic EfficientNet: the baseline table under compound scaling.

    ``EfficientNet(variant="b3")`` is EfficientNet-B3; ``EfficientNet(1.2, 1.4, 300)``
    too (with ``dropout_rate=0.3``). keras.applications' positional order.

    Args:
        width_coefficient: channel multiplier ``β^φ`` (with :func:`round_filters`).
        depth_coefficient: block-count multiplier ``α^φ`` (with :func:`round_repeats`).
        default_size: input resolution ``r`` the scale was designed for (the default
            ``input_shape``).
        dropout_rate: dropout before the classifier (default: the variant's, or 0.2).
        drop_connect_rate: stochastic-depth rate of the last block; block ``b`` of
            ``B`` drops its branch with probability ``rate · b / B``.
        depth_divisor: channel counts are multiples of it.
        activation: activation of the whole network (Swish).
        blocks_args: the baseline table, a sequence of :class:`MBConvStage`.
        include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation: as in keras.applications.
        variant: ``"b0"`` … ``"b7"`` instead of the three coefficients.
        stem: ``"imagenet"`` (stride-2 stem), ``"cifar"`` (stride 1, BN momentum
            0.9) or ``"auto"`` (CIFAR for inputs up to 64×64 unless ``weights``).
        bn_momentum: BatchNorm momentum (default 0.99, CIFAR 0.9).
        bn_epsilon: BatchNorm epsilon (1e-3).
        keras_applications: the keras.applications counterpart, for
            ``weights="imagenet"``.
        name: model name; default ``efficientnet-custom`` or the variant's
            (``efficientnetb0``), plus ``_cifar`` for the CIFAR stem.
    """
    # ---- validate everything before building a layer
    width, depth, size, dropout_rate = _resolve_coefficients(
        variant, width_coefficient, depth_coefficient, default_size, dropout_rate)
    dropout_rate = check_rate(dropout_rate, "dropout_rate")
    drop_connect_rate = check_rate(drop_connect_rate, "drop_connect_rate")
    depth_divisor = check_positive_int(depth_divisor, "depth_divisor")
    stages = _check_blocks_args(blocks_args)
    check_activation(activation, "activation", allow_none=False)
    shape = check_common_args(
        include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation,
        keras_applications=keras_applications, default_shape=(size, size, 3),
        name=name)
    stem = resolve_stem(stem, shape, weights)
    # Every pixel of the last feature map must exist: the input is at least the
    # network's total stride.
    check_input_shape(shape, min_size=STRIDE[stem])
    if bn_momentum is None:
        bn_momentum = BN_MOMENTUM[stem]
    bn_momentum, bn_epsilon = check_bn(bn_momentum, bn_epsilon)
    if name is None:
        name = f"efficientnet{variant.lower()}" if variant else "efficientnet-custom"
        if stem == "cifar":
            name += "_cifar"

    def filters(n):
        return round_filters(n, width, depth_divisor)

    # ---- stem: the model normalises its own 0–255 input
    x, inputs = model_input(input_tensor, shape)
    x = keras.layers.Rescaling(1.0 / 255.0, name="rescaling")(x)
    x = keras.layers.Normalization(axis=-1, name="normalization")(x)
    if weights == "imagenet":
        # keras.applications: its weights' Normalization stores the variance as the
        # std; this extra rescale turns (x - mean)/sqrt(std) into (x - mean)/std.
        x = keras.layers.Rescaling([1.0 / math.sqrt(s) for s in IMAGENET_STDDEV_RGB],
                                   name="rescaling_1")(x)
    if stem == "imagenet":
        x = keras.layers.ZeroPadding2D(_correct_pad(x, 3), name="stem_conv_pad")(x)
        x = keras.layers.Conv2D(filters(STEM_FILTERS), 3, strides=2, padding="valid",
                                use_bias=False, kernel_initializer=CONV_INITIALIZER,
                                name="stem_conv")(x)
    else:
        # CIFAR: keep 32×32 at full resolution through the stem.
        x = keras.layers.Conv2D(filters(STEM_FILTERS), 3, strides=1, padding="same",
                                use_bias=False, kernel_initializer=CONV_INITIALIZER,
                                name="stem_conv")(x)
    x = _bn(x, bn_momentum, bn_epsilon, "stem_bn")
    x = keras.layers.Activation(activation, name="stem_activation")(x)

    # ---- the scaled baseline table
    total = sum(round_repeats(s.repeats, depth) for s in stages)
    b = 0
    for i, stage in enumerate(stages):
        for j in range(round_repeats(stage.repeats, depth)):
            x = mbconv_block(
                x, filters(stage.filters_out), kernel_size=stage.kernel_size,
                strides=stage.strides if j == 0 else 1,
                expand_ratio=stage.expand_ratio, se_ratio=stage.se_ratio,
                drop_rate=drop_connect_rate * b / total, activation=activation,
                bn_momentum=bn_momentum, bn_epsilon=bn_epsilon,
                name=f"block{i + 1}{chr(ord('a') + j)}_")
            b += 1

    # ---- head: 1×1 conv to 1280·w, then the classifier
    x = keras.layers.Conv2D(filters(TOP_FILTERS), 1, padding="same", use_bias=False,
                            kernel_initializer=CONV_INITIALIZER, name="top_conv")(x)
    x = _bn(x, bn_momentum, bn_epsilon, "top_bn")
    x = keras.layers.Activation(activation, name="top_activation")(x)
    if include_top:
        x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = keras.layers.Dropout(dropout_rate, name="top_dropout")(x)
        x = keras.layers.Dense(classes, kernel_initializer=DENSE_INITIALIZER,
                               name="predictions")(x)
        x = keras.layers.Activation(classifier_activation or "linear", dtype="float32",
                                    name="predictions_activation")(x)
    else:
        x = classifier_head(x, include_top=False, pooling=pooling, classes=classes,
                            classifier_activation=classifier_activation)
    return finish_model(inputs, x, name=name, weights=weights,
                        keras_applications=keras_applications,
                        applications_kwargs=dict(include_top=include_top,
                                                 input_shape=shape, pooling=pooling))


# ------------------------------------------------------------- named constructors

def _constructor(variant):
    label = f"EfficientNet{variant.upper()}"

    def constructor(include_top=True, weights=None, input_tensor=None, input_shape=None,
                    pooling=None, classes=1000, classifier_activation="softmax",
                    name=None, *, stem="auto", **kwargs):
        # keras.applications' ImageNet weights fit only its own layout.
        app = label if stem in ("auto", "imagenet") and not kwargs else None
        return EfficientNet(variant=variant, include_top=include_top, weights=weights,
                            input_tensor=input_tensor, input_shape=input_shape,
                            pooling=pooling, classes=classes,
                            classifier_activation=classifier_activation, stem=stem,
                            keras_applications=app, name=name, **kwargs)

    width, depth, size, dropout = COMPOUND_SCALING[variant]
    constructor.__name__ = constructor.__qualname__ = label
    constructor.__doc__ = (
        f"EfficientNet-{variant.upper()} (width ×{width}, depth ×{depth}, "
        f"{size}×{size}, dropout {dropout}), keras.applications signature plus "
        "``stem``; see :func:`EfficientNet` for the other options.")
    return constructor


EfficientNetB0 = _constructor("b0")
EfficientNetB1 = _constructor("b1")
EfficientNetB2 = _constructor("b2")
EfficientNetB3 = _constructor("b3")
EfficientNetB4 = _constructor("b4")
EfficientNetB5 = _constructor("b5")
EfficientNetB6 = _constructor("b6")
EfficientNetB7 = _constructor("b7")

# keras.applications 3.x, weights=None, 1000 classes (the count includes the input
# Normalization's mean, variance and count and BatchNorm's moving statistics).
_REFERENCE_PARAMS = {
    "b0": 5_330_571, "b1": 7_856_239, "b2": 9_177_569, "b3": 12_320_535,
    "b4": 19_466_823, "b5": 30_562_527, "b6": 43_265_143, "b7": 66_658_687,
}
# keras.applications' table of its ImageNet weights (keras.io/api/applications).
_TOP1_SOURCE = "keras.applications (keras.io/api/applications)"
_TOP1 = {"b0": 77.1, "b1": 79.1, "b2": 80.1, "b3": 81.6, "b4": 82.9, "b5": 83.6,
         "b6": 84.0, "b7": 84.3}
_PAPER = "Tan & Le 2019, arXiv:1905.11946"


_KERAS = dict(family="efficientnet", paper=_PAPER, preprocessing="none",
              top1_source=_TOP1_SOURCE)


@register_model(reference_params=_REFERENCE_PARAMS["b0"], reference_input_shape=(224, 224, 3),
                default_input_shape=(224, 224, 3), keras_applications="EfficientNetB0",
                top1=_TOP1["b0"], **_KERAS)
def efficientnetb0(**kwargs):
    """EfficientNet-B0: the B0 table scaled ×1.0 wide, ×1.0 deep, at 224×224."""
    return EfficientNetB0(**kwargs)


@register_model(reference_params=_REFERENCE_PARAMS["b1"], reference_input_shape=(240, 240, 3),
                default_input_shape=(240, 240, 3), keras_applications="EfficientNetB1",
                top1=_TOP1["b1"], **_KERAS)
def efficientnetb1(**kwargs):
    """EfficientNet-B1: the B0 table scaled ×1.0 wide, ×1.1 deep, at 240×240."""
    return EfficientNetB1(**kwargs)


@register_model(reference_params=_REFERENCE_PARAMS["b2"], reference_input_shape=(260, 260, 3),
                default_input_shape=(260, 260, 3), keras_applications="EfficientNetB2",
                top1=_TOP1["b2"], **_KERAS)
def efficientnetb2(**kwargs):
    """EfficientNet-B2: the B0 table scaled ×1.1 wide, ×1.2 deep, at 260×260."""
    return EfficientNetB2(**kwargs)


@register_model(reference_params=_REFERENCE_PARAMS["b3"], reference_input_shape=(300, 300, 3),
                default_input_shape=(300, 300, 3), keras_applications="EfficientNetB3",
                top1=_TOP1["b3"], **_KERAS)
def efficientnetb3(**kwargs):
    """EfficientNet-B3: the B0 table scaled ×1.2 wide, ×1.4 deep, at 300×300."""
    return EfficientNetB3(**kwargs)


@register_model(reference_params=_REFERENCE_PARAMS["b4"], reference_input_shape=(380, 380, 3),
                default_input_shape=(380, 380, 3), keras_applications="EfficientNetB4",
                top1=_TOP1["b4"], **_KERAS)
def efficientnetb4(**kwargs):
    """EfficientNet-B4: the B0 table scaled ×1.4 wide, ×1.8 deep, at 380×380."""
    return EfficientNetB4(**kwargs)


@register_model(reference_params=_REFERENCE_PARAMS["b5"], reference_input_shape=(456, 456, 3),
                default_input_shape=(456, 456, 3), keras_applications="EfficientNetB5",
                top1=_TOP1["b5"], **_KERAS)
def efficientnetb5(**kwargs):
    """EfficientNet-B5: the B0 table scaled ×1.6 wide, ×2.2 deep, at 456×456."""
    return EfficientNetB5(**kwargs)


@register_model(reference_params=_REFERENCE_PARAMS["b6"], reference_input_shape=(528, 528, 3),
                default_input_shape=(528, 528, 3), keras_applications="EfficientNetB6",
                top1=_TOP1["b6"], **_KERAS)
def efficientnetb6(**kwargs):
    """EfficientNet-B6: the B0 table scaled ×1.8 wide, ×2.6 deep, at 528×528."""
    return EfficientNetB6(**kwargs)


@register_model(reference_params=_REFERENCE_PARAMS["b7"], reference_input_shape=(600, 600, 3),
                default_input_shape=(600, 600, 3), keras_applications="EfficientNetB7",
                top1=_TOP1["b7"], **_KERAS)
def efficientnetb7(**kwargs):
    """EfficientNet-B7: the B0 table scaled ×2.0 wide, ×3.1 deep, at 600×600."""
    return EfficientNetB7(**kwargs)
