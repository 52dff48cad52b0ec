"""Wide Residual Networks: fewer, wider residual blocks train faster and generalise.

Zagoruyko & Komodakis, "Wide Residual Networks", BMVC 2016, arXiv:1605.07146.
WRN-d-k is a CIFAR pre-activation ResNet of depth d = 6n + 4 whose three stages are
k times wider (16k, 32k, 64k channels), with dropout between the two 3×3
convolutions of each basic block (§2.4, the paper's 0.3). WRN-28-10 (36.5 M
parameters) beat 1001-layer ResNets on CIFAR. ``(depth - 4) % 6 == 0`` is the
official code's rule: 3 stages × n blocks × 2 convolutions, plus 4.

ImageNet: torchvision's Wide ResNet-50-2 and -101-2 are ResNet-50/101 v1.5 whose
bottleneck inner width is doubled (``width_per_group=128``); their checkpoints load.
"""

from __future__ import annotations

import numbers

import keras

from keras_archs._validation import check_positive_int, check_rate
from keras_archs.models._builder import (
    check_common_args, classifier_head, finish_model, model_input, resolve_stem)
from keras_archs.models._presets import _Names, resolve_preset
from keras_archs.models._residual import batch_norm, conv, residual_unit
from keras_archs.models._resnet_builder import (
    CIFAR_BN, imagenet_constructor)
from keras_archs.registry import register_model

__all__ = ["WideResNet", "WideResNet50_2", "WideResNet101_2", "WRN28_10", "WRN16_8"]

_PAPER = "Zagoruyko & Komodakis 2016, arXiv:1605.07146"
_TV = "torchvision {} (BatchNorm running statistics not counted)"

WideResNet50_2 = imagenet_constructor(
    "WideResNet50_2", "Wide ResNet-50-2, torchvision's wide_resnet50_2 (v1.5, "
    "bottleneck inner width doubled).", base_name="wide_resnet50_2", depth=50,
    width_per_group=128, preset="torchvision", stride_in_3x3=True)
WideResNet101_2 = imagenet_constructor(
    "WideResNet101_2", "Wide ResNet-101-2, torchvision's wide_resnet101_2.",
    base_name="wide_resnet101_2", depth=101, width_per_group=128,
    preset="torchvision", stride_in_3x3=True)


def WideResNet(depth=28, width=10, dropout_rate=0.3, include_top=True, weights=None,
               input_tensor=None, input_shape=(32, 32, 3), pooling=None, classes=10,
               classifier_activation="softmax", *, stem="cifar", name=None):
    """CIFAR WRN-``depth``-``width``: pre-activation basic blocks, dropout inside.

    A 3×3 16-channel stem; three stages of n = (depth - 4) / 6 blocks with
    16·width, 32·width, 64·width channels, the first block of stages 2 and 3
    strided; each block is BN → ReLU → 3×3 conv → BN → ReLU → dropout → 3×3 conv,
    plus a 1×1 projection of the normalised input where the width changes (the
    official code's ``convdim``); BN → ReLU → global average pool → classifier.
    No convolution biases; BatchNorm momentum 0.9, epsilon 1e-5 (PyTorch's).

    Layer names follow keras.applications' ResNetV2: ``conv1_conv``,
    ``conv2_block1_preact_bn``, ``conv2_block1_1_conv``, ``conv2_block1_1_dropout``,
    ``conv2_block1_0_conv`` (projection), ``post_bn``, ``predictions``.
    """
    if isinstance(depth, bool) or not isinstance(depth, numbers.Integral) \
            or depth < 10 or (depth - 4) % 6:
        raise ValueError(
            f"depth must be 6n + 4 with n >= 1 (10, 16, 22, 28, 40, ...), got "
            f"{depth!r}")
    width = check_positive_int(width, "width")
    dropout_rate = check_rate(dropout_rate, "dropout_rate")
    input_shape = check_common_args(
        include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation, default_shape=(32, 32, 3),
        name=name)
    if resolve_stem(stem, input_shape, weights=weights) != "cifar":
        raise ValueError(f"stem must be 'cifar' or 'auto' (WRN-d-k is a CIFAR "
                         f"network), got {stem!r}")
    n = (depth - 4) // 6
    preset = resolve_preset("torchvision", **CIFAR_BN)
    if name is None:
        name = f"wrn{depth}_{width}"

    x, inputs = model_input(input_tensor, input_shape)
    x = conv(x, 16, 3, preset=preset, name="conv1_conv")
    for s, channels in enumerate((16 * width, 32 * width, 64 * width)):
        for b in range(n):
            names = _Names("keras", prefix=f"conv{s + 2}_block{b + 1}", preact=True)
            x = residual_unit(
                x, (channels, channels), (3, 3), strides=2 if s and not b else 1,
                preact=True, shortcut="B", dropout_rate=dropout_rate, preset=preset,
                names=names)
    x = batch_norm(x, preset, "post_bn")
    x = keras.layers.Activation("relu", name="post_relu")(x)
    x = classifier_head(x, include_top=include_top, pooling=pooling, classes=classes,
                        classifier_activation=classifier_activation)
    return finish_model(inputs, x, name=name, weights=weights)


def WRN28_10(**kwargs):
    """WRN-28-10 (n = 4, widths 160/320/640): 36.5 M parameters in the paper."""
    return WideResNet(28, 10, **kwargs)


def WRN16_8(**kwargs):
    """WRN-16-8 (n = 2, widths 128/256/512): 11.0 M parameters in the paper."""
    return WideResNet(16, 8, **kwargs)


# -------------------------------------------------------------------- registry

@register_model(top1=78.468,
                top1_source="torchvision's weights table (IMAGENET1K_V1 acc@1)",
                family="wide_resnet", paper=_PAPER, reference_params=68_883_240,
                reference_source=_TV.format("wide_resnet50_2"),
                reference_counts_bn_statistics=False, torchvision="wide_resnet50_2",
                preprocessing="torch")
def wide_resnet50_2(**kwargs):
    """Wide ResNet-50-2: ResNet-50 v1.5 with twice as wide bottlenecks (torchvision)."""
    return WideResNet50_2(**kwargs)


@register_model(top1=78.848,
                top1_source="torchvision's weights table (IMAGENET1K_V1 acc@1)",
                family="wide_resnet", paper=_PAPER, reference_params=126_886_696,
                reference_source=_TV.format("wide_resnet101_2"),
                reference_counts_bn_statistics=False, torchvision="wide_resnet101_2",
                preprocessing="torch")
def wide_resnet101_2(**kwargs):
    """Wide ResNet-101-2: ResNet-101 v1.5 with twice as wide bottlenecks (torchvision)."""
    return WideResNet101_2(**kwargs)


@register_model(family="wide_resnet", paper=_PAPER, default_input_shape=(32, 32, 3))
def wrn28_10(**kwargs):
    """CIFAR WRN-28-10: pre-activation, widths 160/320/640, dropout 0.3 in blocks."""
    return WRN28_10(**kwargs)


@register_model(family="wide_resnet", paper=_PAPER, default_input_shape=(32, 32, 3))
def wrn16_8(**kwargs):
    """CIFAR WRN-16-8: pre-activation, widths 128/256/512, dropout 0.3 in blocks."""
    return WRN16_8(**kwargs)
