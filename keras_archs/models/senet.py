"""SE-ResNet and SE-ResNeXt: residual blocks gated by squeeze-and-excitation.

Hu, Shen, Albanie, Sun & Wu, "Squeeze-and-Excitation Networks", CVPR 2018,
arXiv:1709.01507. Each block's residual branch is rescaled channel by channel by a
gate computed from the branch itself (global pool → 1×1 reduce → ReLU → 1×1 expand →
sigmoid) before the addition. Here SE is not a family of its own: it is the
``attention=`` hook of the generic residual unit, so any ResNet or ResNeXt becomes
an SE net by configuration (``attention="se"`` or a callable).

Models: SE-ResNet-50/101 and SE-ResNeXt-50 (32×4d) in timm's layout (torchvision's
v1.5 ResNet with SE after the last BatchNorm, reduction ``make_divisible(C/16, 8)``,
modules ``layerN.M.se.fc1/fc2``), so timm's checkpoints load; and SE-ResNet-20/56/110,
the paper's CIFAR ResNets (He et al. §4.2) with SE (reduction 16) in every block.
"""

from __future__ import annotations

from keras_archs.models._residual import timm_se
from keras_archs.models._resnet_builder import imagenet_constructor
from keras_archs.models.resnet import CifarResNet
from keras_archs.registry import register_model

__all__ = ["SEResNet50", "SEResNet101", "SEResNeXt50_32x4d", "SEResNet20",
           "SEResNet56", "SEResNet110", "timm_se"]

_PAPER = "Hu et al. 2018, arXiv:1709.01507"
_TIMM = dict(preset="torchvision", stride_in_3x3=True, attention=timm_se)

SEResNet50 = imagenet_constructor(
    "SEResNet50", "SE-ResNet-50, timm's seresnet50.", base_name="seresnet50",
    depth=50, **_TIMM)
SEResNet101 = imagenet_constructor(
    "SEResNet101", "SE-ResNet-101, timm's seresnet101.", base_name="seresnet101",
    depth=101, **_TIMM)
SEResNeXt50_32x4d = imagenet_constructor(
    "SEResNeXt50_32x4d", "SE-ResNeXt-50 (32×4d), timm's seresnext50_32x4d.",
    base_name="seresnext50_32x4d", depth=50, groups=32, width_per_group=4, **_TIMM)


def _cifar(depth):
    def constructor(**kwargs):
        kwargs.setdefault("name", f"se_resnet{depth}")
        return CifarResNet(depth, attention="se", **kwargs)

    constructor.__name__ = constructor.__qualname__ = f"SEResNet{depth}"
    constructor.__doc__ = (f"CIFAR SE-ResNet-{depth}: ResNet-{depth} (He et al. §4.2) "
                           "with SE (reduction 16) before every addition.")
    return constructor


SEResNet20 = _cifar(20)
SEResNet56 = _cifar(56)
SEResNet110 = _cifar(110)


# -------------------------------------------------------------------- registry

# timm counts exclude BatchNorm running statistics, as torchvision's.
@register_model(top1=76.71,
                top1_source='Hu et al. 2018, Table 2 (single-crop top-1 error 23.29 %)',
                family="senet", paper=_PAPER, reference_params=28_088_024,
                reference_source="timm seresnet50 (BatchNorm running statistics "
                                 "not counted)",
                reference_counts_bn_statistics=False, timm="seresnet50",
                preprocessing="torch")
def seresnet50(**kwargs):
    """SE-ResNet-50: torchvision's ResNet-50 v1.5 with timm's SE in every block."""
    return SEResNet50(**kwargs)


# torchvision resnet101 (44,549,160) plus SE's 2·C·r + r + C per block (C the block
# output, r = C/16): 2,530,992 for the 3-4-6-3 blocks of seresnet50 (= timm's
# 28,088,024 - torchvision's 25,557,032) + 17 more 1024-channel blocks × 132,160.
@register_model(top1=77.62,
                top1_source='Hu et al. 2018, Table 2 (single-crop top-1 error 22.38 %)',
                family="senet", paper=_PAPER, reference_params=49_326_872,
                reference_source="timm seresnet101 = torchvision resnet101 "
                                 "44,549,160 + SE 4,777,712 (2·C·C/16 + C/16 + C per "
                                 "block; BN running statistics not counted)",
                reference_counts_bn_statistics=False, timm="seresnet101",
                preprocessing="torch")
def seresnet101(**kwargs):
    """SE-ResNet-101: torchvision's ResNet-101 v1.5 with timm's SE in every block."""
    return SEResNet101(**kwargs)


# torchvision resnext50_32x4d (25,028,904) plus the same SE as seresnet50 (2,530,992).
@register_model(family="senet", paper=_PAPER, reference_params=27_559_896,
                reference_source="timm seresnext50_32x4d = torchvision "
                                 "resnext50_32x4d 25,028,904 + SE 2,530,992 (BN "
                                 "running statistics not counted)",
                reference_counts_bn_statistics=False, timm="seresnext50_32x4d",
                preprocessing="torch")
def seresnext50_32x4d(**kwargs):
    """SE-ResNeXt-50 (32×4d): torchvision's ResNeXt-50 with timm's SE in every block."""
    return SEResNeXt50_32x4d(**kwargs)


_CIFAR = dict(family="senet", paper=_PAPER, default_input_shape=(32, 32, 3))


@register_model(**_CIFAR)
def se_resnet20(**kwargs):
    """CIFAR SE-ResNet-20: ResNet-20 with squeeze-and-excitation (reduction 16)."""
    return SEResNet20(**kwargs)


@register_model(**_CIFAR)
def se_resnet56(**kwargs):
    """CIFAR SE-ResNet-56: ResNet-56 with squeeze-and-excitation (reduction 16)."""
    return SEResNet56(**kwargs)


@register_model(**_CIFAR)
def se_resnet110(**kwargs):
    """CIFAR SE-ResNet-110: ResNet-110 with squeeze-and-excitation (reduction 16)."""
    return SEResNet110(**kwargs)
