"""Which registry models the suite treats as big, and how to ask for every model.

``make test`` stays within its time budget by giving the big models cheaper checks of
the same code: they are built and run once and their config goes through the ``.keras``
serialiser without their weights, and their layers are compared with their
keras.applications twin's without a weights file. ``make test-all`` (``KERAS_ARCHS_TEST_ALL_MODELS=1``) runs the full
checks on every model. A model registered later is covered either way: it is big or
not by its registry entry, with no edit here.
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


def all_models_requested() -> bool:
    return os.environ.get(ALL_MODELS_ENV, "") not in ("", "0")


def is_big(name: str) -> bool:
    info = model_info(name)
    return (info.reference_params or 0) > BIG and info.family not in HEAD_HEAVY_FAMILIES
