"""ResNet v1 and v2: very deep networks made trainable by identity shortcuts.

He, Zhang, Ren & Sun, "Deep Residual Learning for Image Recognition", CVPR 2016,
arXiv:1512.03385 (v1); He, Zhang, Ren & Sun, "Identity Mappings in Deep Residual
Networks", ECCV 2016, arXiv:1603.05027 (v2, pre-activation).

The idea to see in the code: every block computes ``x + F(x)``. The shortcut carries
the signal (and its gradient) past the block untouched, so adding blocks cannot make
the network worse at fitting its training set — the "degradation" plain deep nets
suffer from. v1 applies ReLU after the addition; v2 moves BatchNorm and ReLU *before*
each convolution so the shortcut path is a pure identity from input to output.

The blocks live in :mod:`keras_archs.models._residual` (one unit for every residual
family), the generic builder :func:`ResNet` in ``_resnet_builder.py``; this module
holds the named models:

* ``resnet50``/``101``/``152`` and ``resnet50v2``/... are keras.applications'
  ResNet v1 (stride in the first 1×1, convolution biases, epsilon 1.001e-5) and v2:
  same layer names and layout, so their ``.weights.h5`` files load into ours;
* ``tv_resnet50``/``101``/``152`` are torchvision's "v1.5" (stride in the 3×3, no
  convolution biases, epsilon 1e-5, symmetric padding), and ``resnet18``/``34``
  torchvision's basic-block nets: their PyTorch checkpoints load (``torch_keys``);
* CIFAR: any model at ``stem="cifar"`` (a 3×3 stride-1 first convolution and no
  max-pool, chosen automatically for inputs up to 64×64 and recorded in
  ``model.name``), the paper's ResNet-20/32/44/56/110 (§4.2, 6n+2 layers) and the
  seed notebook's CIFAR-100 ResNet-50 (``resnet50_seed``, TF official-models layout).

BatchNorm: CIFAR variants and PyTorch twins use PyTorch's momentum 0.1 (Keras 0.9)
and epsilon 1e-5, as the references trained them; keras.applications' 0.99 lets
the moving statistics lag so far behind a short run that it validates at chance.
"""

from __future__ import annotations

import numbers

from keras_archs._validation import check_input_shape
from keras_archs.models._builder import input_shape_of, resolve_stem
from keras_archs.models._presets import NAMINGS, PRESETS
from keras_archs.models._residual import (
    SHORTCUTS, basic_block, bottleneck_block, conv_block, identity_block,
    resnext_block)
from keras_archs.models._resnet_builder import (
    CIFAR_FILTERS, IMAGENET_DEPTHS, ResNet, imagenet_constructor, resnet_torch_keys)
from keras_archs.registry import register_model

__all__ = [
    "conv_block", "identity_block", "basic_block", "bottleneck_block", "resnext_block",
    "ResNet", "CifarResNet", "resnet_torch_keys",
    "ResNet18", "ResNet34", "ResNet50", "ResNet101", "ResNet152",
    "ResNet50V2", "ResNet101V2", "ResNet152V2",
    "TVResNet50", "TVResNet101", "TVResNet152",
    "ResNet20", "ResNet32", "ResNet44", "ResNet56", "ResNet110",
    "ResNet50Seed", "IMAGENET_DEPTHS", "SHORTCUTS", "NAMINGS", "PRESETS",
]


# ------------------------------------------------------------- CIFAR ResNets

def CifarResNet(depth=20, include_top=True, weights=None, input_tensor=None,
                input_shape=(32, 32, 3), pooling=None, classes=10,
                classifier_activation="softmax", *, shortcut="A", stem="cifar",
                name=None, **kwargs):
    """The paper's CIFAR-10 ResNet (§4.2): depth 6n+2, three stacks of n basic blocks.

    16/32/64 channels on 32/16/8-pixel maps, global average pooling, a 10-way
    classifier. ``shortcut="A"`` (the paper's CIFAR choice) zero-pads the new
    channels, so ResNet-20 has the paper's 0.27 M parameters: 269,722 trainable
    (as PyTorch counts), 271,098 in Keras, which also counts BatchNorm's moving
    statistics. ``"B"`` projects where the width changes (+2,944 parameters).
    ``attention="se"`` gives SE-ResNet (Hu et al. §6.1's CIFAR models).
    """
    if isinstance(depth, bool) or not isinstance(depth, numbers.Integral) \
            or depth < 8 or (depth - 2) % 6:
        raise ValueError(
            f"depth must be 6n + 2 with n >= 1 (20, 32, 44, 56, 110, ...), got "
            f"{depth!r}")
    n = (depth - 2) // 6
    if name is None:
        name = f"resnet{depth}" + ("" if stem in ("cifar", "auto") else f"_{stem}")
    return ResNet("basic", (n, n, n), CIFAR_FILTERS, include_top=include_top,
                  weights=weights, input_tensor=input_tensor, input_shape=input_shape,
                  pooling=pooling, classes=classes,
                  classifier_activation=classifier_activation, shortcut=shortcut,
                  stem=stem, name=name, **kwargs)


# ------------------------------------------------------------- named constructors
_V15 = dict(preset="torchvision", stride_in_3x3=True)

ResNet18 = imagenet_constructor(
    "ResNet18", "ResNet-18 (basic blocks 2-2-2-2), torchvision's resnet18.", depth=18)
ResNet34 = imagenet_constructor(
    "ResNet34", "ResNet-34 (basic blocks 3-4-6-3), torchvision's resnet34.", depth=34)
ResNet50 = imagenet_constructor(
    "ResNet50", "ResNet-50 v1, keras.applications' ResNet50 (stride in the 1×1).",
    keras_app="ResNet50", depth=50)
ResNet101 = imagenet_constructor(
    "ResNet101", "ResNet-101 v1, keras.applications' ResNet101.",
    keras_app="ResNet101", depth=101)
ResNet152 = imagenet_constructor(
    "ResNet152", "ResNet-152 v1, keras.applications' ResNet152.",
    keras_app="ResNet152", depth=152)
ResNet50V2 = imagenet_constructor(
    "ResNet50V2", "ResNet-50 v2 (pre-activation), keras.applications' ResNet50V2.",
    keras_app="ResNet50V2", depth=50, preact=True)
ResNet101V2 = imagenet_constructor(
    "ResNet101V2", "ResNet-101 v2 (pre-activation), keras.applications' ResNet101V2.",
    keras_app="ResNet101V2", depth=101, preact=True)
ResNet152V2 = imagenet_constructor(
    "ResNet152V2", "ResNet-152 v2 (pre-activation), keras.applications' ResNet152V2.",
    keras_app="ResNet152V2", depth=152, preact=True)
TVResNet50 = imagenet_constructor(
    "TVResNet50", "ResNet-50 v1.5, torchvision's resnet50: stride in the 3×3, no "
    "convolution biases, BatchNorm epsilon 1e-5.", base_name="tv_resnet50", depth=50,
    **_V15)
TVResNet101 = imagenet_constructor(
    "TVResNet101", "ResNet-101 v1.5, torchvision's resnet101.",
    base_name="tv_resnet101", depth=101, **_V15)
TVResNet152 = imagenet_constructor(
    "TVResNet152", "ResNet-152 v1.5, torchvision's resnet152.",
    base_name="tv_resnet152", depth=152, **_V15)


def _cifar_constructor(depth):
    def constructor(include_top=True, weights=None, input_tensor=None,
                    input_shape=(32, 32, 3), pooling=None, classes=10,
                    classifier_activation="softmax", name=None, **kwargs):
        return CifarResNet(depth, include_top=include_top, weights=weights,
                           input_tensor=input_tensor, input_shape=input_shape,
                           pooling=pooling, classes=classes,
                           classifier_activation=classifier_activation, name=name,
                           **kwargs)

    constructor.__name__ = constructor.__qualname__ = f"ResNet{depth}"
    constructor.__doc__ = (f"CIFAR ResNet-{depth} (He et al. §4.2, n = "
                           f"{(depth - 2) // 6}); see :func:`CifarResNet`.")
    return constructor


ResNet20 = _cifar_constructor(20)
ResNet32 = _cifar_constructor(32)
ResNet44 = _cifar_constructor(44)
ResNet56 = _cifar_constructor(56)
ResNet110 = _cifar_constructor(110)


def ResNet50Seed(include_top=True, weights=None, input_tensor=None,
                 input_shape=(32, 32, 3), pooling=None, classes=100,
                 classifier_activation="softmax", name=None, *, stem="auto",
                 rescale_inputs=True, **kwargs):
    """The seed notebook's CIFAR-100 ResNet-50 (TF official-models layout, v1.5).

    ``preset="tf_official"``: L2(1e-4) on every kernel and the classifier bias,
    BatchNorm momentum 0.9 and epsilon 1e-5, He-normal init, no convolution biases;
    stride in the 3×3 convolutions, a float32 softmax, ``naming="tf_official"``
    (``res2a_branch2a``), and — instead of the seed's ``Lambda`` — a ``Rescaling``
    layer mapping [0, 1] images to 0–255 minus the ImageNet channel means.
    ``stem="imagenet"`` gives the official 224×224 stem.
    """
    shape = input_shape_of(input_tensor, input_shape)
    resolved = resolve_stem(stem, check_input_shape(shape or (32, 32, 3)),
                            weights=weights)
    if name is None:
        name = "resnet50_seed" + ("_cifar" if resolved == "cifar" else "")
    return ResNet(depth=50, include_top=include_top, weights=weights,
                  input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                  classes=classes, classifier_activation=classifier_activation,
                  stem=resolved, preset="tf_official", naming="tf_official",
                  stride_in_3x3=True, rescale_inputs=rescale_inputs, name=name,
                  **kwargs)


# -------------------------------------------------------------------- registry

_PAPER_V1 = "He et al. 2015, arXiv:1512.03385"
_PAPER_V2 = "He et al. 2016, arXiv:1603.05027"
_TV = "torchvision {} (BatchNorm running statistics not counted)"


@register_model(top1=69.758,
                top1_source="torchvision's weights table (IMAGENET1K_V1 acc@1)",
                family="resnet", paper=_PAPER_V1, reference_params=11_689_512,
                reference_source=_TV.format("resnet18"),
                reference_counts_bn_statistics=False, torchvision="resnet18",
                preprocessing="torch")
def resnet18(**kwargs):
    """ResNet-18 (basic blocks 2-2-2-2), torchvision's resnet18 (its weights load)."""
    return ResNet18(**kwargs)


@register_model(top1=73.314,
                top1_source="torchvision's weights table (IMAGENET1K_V1 acc@1)",
                family="resnet", paper=_PAPER_V1, reference_params=21_797_672,
                reference_source=_TV.format("resnet34"),
                reference_counts_bn_statistics=False, torchvision="resnet34",
                preprocessing="torch")
def resnet34(**kwargs):
    """ResNet-34 (basic blocks 3-4-6-3), torchvision's resnet34 (its weights load)."""
    return ResNet34(**kwargs)


@register_model(top1=74.9,
                top1_source="keras.applications' table (keras.io/api/applications)",
                family="resnet", paper=_PAPER_V1, reference_params=25_636_712,
                keras_applications="ResNet50", preprocessing="caffe")
def resnet50(**kwargs):
    """ResNet-50 v1 (bottlenecks 3-4-6-3), keras.applications' layout and names."""
    return ResNet50(**kwargs)


@register_model(top1=76.4,
                top1_source="keras.applications' table (keras.io/api/applications)",
                family="resnet", paper=_PAPER_V1, reference_params=44_707_176,
                keras_applications="ResNet101", preprocessing="caffe")
def resnet101(**kwargs):
    """ResNet-101 v1 (bottlenecks 3-4-23-3), keras.applications' layout and names."""
    return ResNet101(**kwargs)


@register_model(top1=76.6,
                top1_source="keras.applications' table (keras.io/api/applications)",
                family="resnet", paper=_PAPER_V1, reference_params=60_419_944,
                keras_applications="ResNet152", preprocessing="caffe")
def resnet152(**kwargs):
    """ResNet-152 v1 (bottlenecks 3-8-36-3), keras.applications' layout and names."""
    return ResNet152(**kwargs)


@register_model(top1=76.0,
                top1_source="keras.applications' table (keras.io/api/applications)",
                family="resnet", paper=_PAPER_V2, reference_params=25_613_800,
                keras_applications="ResNet50V2", preprocessing="tf")
def resnet50v2(**kwargs):
    """ResNet-50 v2 (pre-activation), keras.applications' layout and names."""
    return ResNet50V2(**kwargs)


@register_model(top1=77.2,
                top1_source="keras.applications' table (keras.io/api/applications)",
                family="resnet", paper=_PAPER_V2, reference_params=44_675_560,
                keras_applications="ResNet101V2", preprocessing="tf")
def resnet101v2(**kwargs):
    """ResNet-101 v2 (pre-activation), keras.applications' layout and names."""
    return ResNet101V2(**kwargs)


@register_model(top1=78.0,
                top1_source="keras.applications' table (keras.io/api/applications)",
                family="resnet", paper=_PAPER_V2, reference_params=60_380_648,
                keras_applications="ResNet152V2", preprocessing="tf")
def resnet152v2(**kwargs):
    """ResNet-152 v2 (pre-activation), keras.applications' layout and names."""
    return ResNet152V2(**kwargs)


@register_model(top1=76.13,
                top1_source="torchvision's weights table (IMAGENET1K_V1 acc@1)",
                family="resnet", paper=_PAPER_V1, reference_params=25_557_032,
                reference_source=_TV.format("resnet50"),
                reference_counts_bn_statistics=False, torchvision="resnet50",
                preprocessing="torch")
def tv_resnet50(**kwargs):
    """ResNet-50 v1.5, torchvision's resnet50 (stride in the 3×3, no conv biases)."""
    return TVResNet50(**kwargs)


@register_model(top1=77.374,
                top1_source="torchvision's weights table (IMAGENET1K_V1 acc@1)",
                family="resnet", paper=_PAPER_V1, reference_params=44_549_160,
                reference_source=_TV.format("resnet101"),
                reference_counts_bn_statistics=False, torchvision="resnet101",
                preprocessing="torch")
def tv_resnet101(**kwargs):
    """ResNet-101 v1.5, torchvision's resnet101 (stride in the 3×3, no conv biases)."""
    return TVResNet101(**kwargs)


@register_model(top1=78.312,
                top1_source="torchvision's weights table (IMAGENET1K_V1 acc@1)",
                family="resnet", paper=_PAPER_V1, reference_params=60_192_808,
                reference_source=_TV.format("resnet152"),
                reference_counts_bn_statistics=False, torchvision="resnet152",
                preprocessing="torch")
def tv_resnet152(**kwargs):
    """ResNet-152 v1.5, torchvision's resnet152 (stride in the 3×3, no conv biases)."""
    return TVResNet152(**kwargs)


# The paper's Table 6 gives rounded counts (0.27 M … 1.7 M); the exact counts are
# derived from the layout by hand (tests/models/test_resnet.py), for 10 classes at
# 32×32, BatchNorm statistics not counted (as PyTorch counts).
_CIFAR = dict(family="resnet", paper=_PAPER_V1, reference_input_shape=(32, 32, 3),
              reference_classes=10, reference_counts_bn_statistics=False,
              reference_source="derived from the layout by hand (He et al. 2015, "
                               "Table 6, rounds to two digits)",
              default_input_shape=(32, 32, 3))


@register_model(reference_params=269_722, **_CIFAR)
def resnet20(**kwargs):
    """CIFAR ResNet-20 (6n+2, n = 3, 16/32/64 channels, option-A shortcuts)."""
    return ResNet20(**kwargs)


@register_model(reference_params=464_154, **_CIFAR)
def resnet32(**kwargs):
    """CIFAR ResNet-32 (6n+2, n = 5, 16/32/64 channels, option-A shortcuts)."""
    return ResNet32(**kwargs)


@register_model(reference_params=658_586, **_CIFAR)
def resnet44(**kwargs):
    """CIFAR ResNet-44 (6n+2, n = 7, 16/32/64 channels, option-A shortcuts)."""
    return ResNet44(**kwargs)


@register_model(reference_params=853_018, **_CIFAR)
def resnet56(**kwargs):
    """CIFAR ResNet-56 (6n+2, n = 9, 16/32/64 channels, option-A shortcuts)."""
    return ResNet56(**kwargs)


@register_model(reference_params=1_727_962, **_CIFAR)
def resnet110(**kwargs):
    """CIFAR ResNet-110 (6n+2, n = 18, 16/32/64 channels, option-A shortcuts)."""
    return ResNet110(**kwargs)


@register_model(family="resnet", paper=_PAPER_V1, reference_params=25_557_032,
                reference_input_shape=(224, 224, 3),
                reference_source="torchvision resnet50 (same layout: v1.5, no conv "
                                 "biases; BN running stats not counted)",
                reference_counts_bn_statistics=False, default_input_shape=(32, 32, 3))
def resnet50_seed(**kwargs):
    """The seed's CIFAR-100 ResNet-50: official-models layout, L2 1e-4, BN momentum 0.9."""
    return ResNet50Seed(**kwargs)
