"""Which registry models the suite treats as big, and how to ask for every model.

``make test`` stays within its time budget by giving the big models cheaper checks of
the same code: they are built and run once and their config goes through the ``.keras``
serialiser without their weights, and their layers are compared with their
keras.applications twin's without a weights file. ``make test-all``
(``KERAS_ARCHS_TEST_ALL_MODELS=1``) runs the full checks on every model. A model
registered later gets the full checks unless its registry entry makes it big.

A model is big by its parameters or by its depth. Keras builds, saves and loads a
model layer by layer, so a model's round trip costs about its layer count: on 2 cores
the deepest ones below took 7.5-13 s each, the ResNet-50s 4.5 s.
"""

import os

from keras_archs import model_info

ALL_MODELS_ENV = "KERAS_ARCHS_TEST_ALL_MODELS"

# Parameters at ImageNet size (the registry's reference count) above which a model is
# big: ResNet-101/152, ResNeXt-101, Wide ResNets, SE-ResNet-101, DPN-98,
# EfficientNet-B6/B7, NASNet-Large.
BIG = 40_000_000
# Families whose parameters sit mostly in a fully connected head (VGG-16: 124M of
# 138M), which the CIFAR build and include_top=False do not have: cheap to build.
HEAD_HEAVY_FAMILIES = {"vgg", "alexnet"}
# Layers in the CIFAR build (32×32, 10 classes) above which a model is deep.
DEEP_LAYERS = 450
# The models under BIG with more than DEEP_LAYERS layers, but each family's shallowest
# (NASNet-A Mobile, 661): every family keeps a full round trip. test_registry checks
# each has more than DEEP_LAYERS layers when it builds it.
DEEP = {"densenet161", "densenet169", "densenet201", "tv_densenet169", "tv_densenet201",
        "dpn92", "efficientnetb4", "efficientnetb5", "nasnet_cifar", "se_resnet110"}


def all_models_requested() -> bool:
    return os.environ.get(ALL_MODELS_ENV, "") not in ("", "0")


def is_big(name: str) -> bool:
    info = model_info(name)
    return name in DEEP or (
        (info.reference_params or 0) > BIG and info.family not in HEAD_HEAVY_FAMILIES)


def with_full_checks(names):
    """The ones of ``names`` that get the full checks: all but the big ones, or every
    one under ``make test-all``."""
    return [n for n in names if all_models_requested() or not is_big(n)]
