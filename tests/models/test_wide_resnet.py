"""Wide ResNet: the CIFAR WRN-d-k of Zagoruyko & Komodakis and torchvision's
WRN-50-2/101-2 twins."""

import numpy as np
import pytest

import keras

from keras_archs import create_model, model_info
from keras_archs.analysis import count_params
from keras_archs.models.wide_resnet import WideResNet


def conv_and_dense_params(model):
    return sum(l.count_params() for l in model.layers
               if isinstance(l, (keras.layers.Conv2D, keras.layers.Dense)))


# Zagoruyko & Komodakis 2016 (arXiv:1605.07146), Table 4: WRN-16-8 11.0M and
# WRN-28-10 36.5M parameters (CIFAR-10, rounded to 0.1 M).
@pytest.mark.parametrize("name, paper, exact, width", [
    ("wrn16_8", 11.0e6, 10_961_370, 8),
    ("wrn28_10", 36.5e6, 36_479_194, 10),
])
def test_cifar_wrn_matches_the_paper_and_runs(name, paper, exact, width):
    model = create_model(name, input_shape=(32, 32, 3), num_classes=10)
    assert count_params(model, include_bn_statistics=False) == exact
    assert round(exact / 1e5) == round(paper / 1e5)
    assert round(conv_and_dense_params(model) / 1e5) == round(paper / 1e5)
    assert model.get_layer("conv2_block1_1_conv").filters == 16 * width
    assert model.get_layer("conv4_block1_1_conv").filters == 64 * width
    # Pre-activation, dropout 0.3 between the two convolutions, strided first blocks.
    assert model.get_layer("conv2_block1_1_dropout").rate == 0.3
    assert model.get_layer("conv3_block1_1_conv").strides == (2, 2)
    assert model.get_layer("post_relu").output.shape[1:] == (8, 8, 64 * width)
    out = model(np.random.rand(1, 32, 32, 3).astype("float32"), training=False)
    assert out.shape == (1, 10)


def test_wrn_depth_and_dropout_are_configurable():
    model = WideResNet(depth=10, width=1, dropout_rate=0.0, classes=3)
    names = [l.name for l in model.layers]
    assert "conv2_block1_0_conv" not in names  # 16 → 16: identity shortcut (k = 1)
    assert "conv3_block1_0_conv" in names
    assert not any(isinstance(l, keras.layers.Dropout) for l in model.layers)
    assert model.name == "wrn10_1"


@pytest.mark.slow
@pytest.mark.parametrize("name, params", [
    ("wide_resnet50_2", 68_883_240), ("wide_resnet101_2", 126_886_696)])
def test_imagenet_wide_resnet_counts_and_runs_at_224(name, params):
    # torchvision's counts (BatchNorm running statistics excluded).
    assert model_info(name).torchvision == name
    model = create_model(name, input_shape=(224, 224, 3), num_classes=1000)
    assert count_params(model, include_bn_statistics=False) == params
    assert model.get_layer("conv2_block1_2_conv").filters == 128  # 2 × 64
    assert model(np.zeros((1, 224, 224, 3), "float32")).shape == (1, 1000)
