"""keras-archs: a Keras 3 functional-API cookbook of classic and modern CNNs.

Public API: the registry (``create_model``, ``list_models``, ``model_info``) and the
block functions and builders of each family.
"""

from keras_archs.registry import ModelInfo, create_model, list_models, model_info, register_model
from keras_archs.models.vgg import VGG, VGG11, VGG13, VGG16, VGG19, build_vgg, build_vgg_block

__version__ = "0.1.0"

__all__ = [
    "ModelInfo", "create_model", "list_models", "model_info", "register_model",
    "VGG", "VGG11", "VGG13", "VGG16", "VGG19", "build_vgg", "build_vgg_block",
]
