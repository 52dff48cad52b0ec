"""ResNeXt: a ResNet whose bottleneck 3×3 is split into groups (cardinality).

Xie, Girshick, Dollár, Tu & He, "Aggregated Residual Transformations for Deep Neural
Networks", CVPR 2017, arXiv:1611.05431. A block aggregates ``C`` parallel paths of
width ``d`` (Fig. 3a); Fig. 3c shows that this equals one grouped convolution with
``C`` groups of ``d`` channels, which is how it is built here: :func:`resnext_block`
is the generic bottleneck unit with ``groups=C``. "32×4d" reads cardinality 32,
bottleneck width 4. More paths at the same cost beat deeper or wider ResNets.

Models: ResNeXt-50 (32×4d) and ResNeXt-101 (32×8d), torchvision's layout (stride in
the grouped 3×3, no convolution biases, BatchNorm epsilon 1e-5), so torchvision's
checkpoints load; and the paper's CIFAR ResNeXt-29 (§5.1: three stages of three
bottlenecks, 29 = 9·3 + 2 layers, outputs 256/512/1024, 8×64d and 16×64d).
"""

from __future__ import annotations

import numbers

from keras_archs._validation import check_positive_int
from keras_archs.models._residual import resnext_block
from keras_archs.models._resnet_builder import ResNet, imagenet_constructor
from keras_archs.registry import register_model

__all__ = ["resnext_block", "ResNeXt", "CifarResNeXt", "ResNeXt50_32x4d",
           "ResNeXt101_32x8d", "ResNeXt29_8x64d", "ResNeXt29_16x64d"]

_PAPER = "Xie et al. 2017, arXiv:1611.05431"
_TV = "torchvision {} (BatchNorm running statistics not counted)"


def ResNeXt(stack_sizes, cardinality=32, bottleneck_width=4, **kwargs):
    """Generic ResNeXt: :func:`ResNet` with bottlenecks of ``cardinality`` groups.

    The inner width of a stack with base width ``f`` (64, 128, 256, 512) is
    ``int(f * bottleneck_width / 64) * cardinality``, torchvision's formula; its
    output is ``4 f``. Defaults to torchvision's numerics (``preset="torchvision"``,
    stride in the 3×3); ``kwargs`` go to :func:`ResNet`.
    """
    cardinality = check_positive_int(cardinality, "cardinality")
    bottleneck_width = check_positive_int(bottleneck_width, "bottleneck_width")
    kwargs.setdefault("preset", "torchvision")
    kwargs.setdefault("stride_in_3x3", True)
    return ResNet("bottleneck", stack_sizes, groups=cardinality,
                  width_per_group=bottleneck_width, **kwargs)


ResNeXt50_32x4d = imagenet_constructor(
    "ResNeXt50_32x4d", "ResNeXt-50 (32×4d), torchvision's resnext50_32x4d.",
    base_name="resnext50_32x4d", depth=50, groups=32, width_per_group=4,
    preset="torchvision", stride_in_3x3=True)
ResNeXt101_32x8d = imagenet_constructor(
    "ResNeXt101_32x8d", "ResNeXt-101 (32×8d), torchvision's resnext101_32x8d.",
    base_name="resnext101_32x8d", depth=101, groups=32, width_per_group=8,
    preset="torchvision", stride_in_3x3=True)


def CifarResNeXt(depth=29, cardinality=8, bottleneck_width=64, include_top=True,
                 weights=None, input_tensor=None, input_shape=(32, 32, 3),
                 pooling=None, classes=10, classifier_activation="softmax", *,
                 name=None, **kwargs):
    """The paper's CIFAR ResNeXt (§5.1): depth 9n+2, three stages of n bottlenecks.

    A 3×3 64-channel stem, then stages with outputs 256, 512, 1024 on 32/16/8-pixel
    maps; the first stage's paths are ``bottleneck_width`` wide and every stage
    doubles them (inner widths ``cardinality · bottleneck_width · (1, 2, 4)``).
    BatchNorm momentum 0.9, epsilon 1e-5 (PyTorch's), as every CIFAR variant here.
    """
    if isinstance(depth, bool) or not isinstance(depth, numbers.Integral) \
            or depth < 11 or (depth - 2) % 9:
        raise ValueError(
            f"depth must be 9n + 2 with n >= 1 (three bottlenecks of three layers per "
            f"stage, plus stem and classifier: 11, 20, 29, ...), got {depth!r}")
    cardinality = check_positive_int(cardinality, "cardinality")
    bottleneck_width = check_positive_int(bottleneck_width, "bottleneck_width")
    n = (depth - 2) // 9
    if name is None:
        name = f"resnext{depth}_{cardinality}x{bottleneck_width}d"
    return ResNeXt((n, n, n), cardinality, bottleneck_width, filters=(64, 128, 256),
                   include_top=include_top, weights=weights, input_tensor=input_tensor,
                   input_shape=input_shape, pooling=pooling, classes=classes,
                   classifier_activation=classifier_activation, stem="cifar",
                   name=name, **kwargs)


def ResNeXt29_8x64d(**kwargs):
    """CIFAR ResNeXt-29 (8×64d): 34.4 M parameters in the paper's Table 7."""
    return CifarResNeXt(29, 8, 64, **kwargs)


def ResNeXt29_16x64d(**kwargs):
    """CIFAR ResNeXt-29 (16×64d): 68.1 M parameters in the paper's Table 7."""
    return CifarResNeXt(29, 16, 64, **kwargs)


# -------------------------------------------------------------------- registry

@register_model(top1=77.618,
                top1_source="torchvision's weights table (IMAGENET1K_V1 acc@1)",
                family="resnext", paper=_PAPER, reference_params=25_028_904,
                reference_source=_TV.format("resnext50_32x4d"),
                reference_counts_bn_statistics=False, torchvision="resnext50_32x4d",
                preprocessing="torch")
def resnext50_32x4d(**kwargs):
    """ResNeXt-50 (32×4d): ResNet-50's bottlenecks with 32 groups of width 4."""
    return ResNeXt50_32x4d(**kwargs)


@register_model(top1=79.312,
                top1_source="torchvision's weights table (IMAGENET1K_V1 acc@1)",
                family="resnext", paper=_PAPER, reference_params=88_791_336,
                reference_source=_TV.format("resnext101_32x8d"),
                reference_counts_bn_statistics=False, torchvision="resnext101_32x8d",
                preprocessing="torch")
def resnext101_32x8d(**kwargs):
    """ResNeXt-101 (32×8d): ResNet-101's bottlenecks with 32 groups of width 8."""
    return ResNeXt101_32x8d(**kwargs)


@register_model(family="resnext", paper=_PAPER, default_input_shape=(32, 32, 3))
def resnext29_8x64d(**kwargs):
    """CIFAR ResNeXt-29 (8×64d): 3 stages × 3 bottlenecks, outputs 256/512/1024."""
    return ResNeXt29_8x64d(**kwargs)


@register_model(family="resnext", paper=_PAPER, default_input_shape=(32, 32, 3))
def resnext29_16x64d(**kwargs):
    """CIFAR ResNeXt-29 (16×64d): 3 stages × 3 bottlenecks, 16 paths of width 64."""
    return ResNeXt29_16x64d(**kwargs)
