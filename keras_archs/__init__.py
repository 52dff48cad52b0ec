"""keras-archs: a Keras 3 functional-API cookbook of classic and modern CNNs.

Public API: the registry (``create_model``, ``list_models``, ``model_info``) and the
block functions and builders of each family.
"""

import os

# TensorFlow leaves its oneDNN CPU kernels off on some CPUs (AMD among them); on this
# project's 2-core AMD CI machine they train VGG-16 2.5x faster (20 -> 50 img/s,
# benchmarks/README.md). Effective only if TensorFlow is not imported yet; set
# TF_ENABLE_ONEDNN_OPTS=0 to opt out.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

from keras_archs.registry import (  # noqa: E402
    ModelInfo, create_model, list_models, model_info, register_model)
from keras_archs.models.vgg import (  # noqa: E402
    VGG, VGG11, VGG13, VGG16, VGG19, build_vgg, build_vgg_block)
from keras_archs.models.resnet import (  # noqa: E402
    CifarResNet, ResNet, ResNet18, ResNet20, ResNet32, ResNet34, ResNet44, ResNet50,
    ResNet50Seed, ResNet50V2, ResNet56, ResNet101, ResNet101V2, ResNet110, ResNet152,
    ResNet152V2, basic_block, bottleneck_block, conv_block, identity_block)
from keras_archs.models.lenet import LeNet5, SimpleCNN  # noqa: E402
from keras_archs.models.alexnet import AlexNet  # noqa: E402
from keras_archs.models.googlenet import (  # noqa: E402
    GoogLeNet, compile_googlenet, googlenet_aux_targets, googlenet_inference_model,
    inception_v1_block, naive_inception_block)
from keras_archs.transfer import (  # noqa: E402
    HubFeatureExtractor, build_transfer_model, fine_tune, unfreeze)

__version__ = "0.1.0"

__all__ = [
    "ModelInfo", "create_model", "list_models", "model_info", "register_model",
    "VGG", "VGG11", "VGG13", "VGG16", "VGG19", "build_vgg", "build_vgg_block",
    "ResNet", "CifarResNet", "ResNet18", "ResNet34", "ResNet50", "ResNet101",
    "ResNet152", "ResNet50V2", "ResNet101V2", "ResNet152V2", "ResNet20", "ResNet32",
    "ResNet44", "ResNet56", "ResNet110", "ResNet50Seed", "basic_block",
    "bottleneck_block", "conv_block", "identity_block",
    "LeNet5", "SimpleCNN", "AlexNet", "GoogLeNet", "compile_googlenet",
    "googlenet_aux_targets", "googlenet_inference_model", "inception_v1_block",
    "naive_inception_block",
    "HubFeatureExtractor", "build_transfer_model", "fine_tune", "unfreeze",
]
