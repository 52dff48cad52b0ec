"""SE-ResNet / SE-ResNeXt: timm twins and the CIFAR SE-ResNets, SE by configuration."""

import numpy as np
import pytest

from keras_archs import create_model, model_info
from keras_archs.analysis import count_params
from keras_archs.models._resnet_builder import resnet_torch_keys


def _se_params(channels, reduced):
    return 2 * channels * reduced + reduced + channels


@pytest.mark.parametrize("depth", [20, pytest.param(56, marks=pytest.mark.slow), 110])
def test_cifar_se_resnet_is_resnet_plus_se_and_runs(depth):
    plain = create_model(f"resnet{depth}", input_shape=(32, 32, 3), num_classes=10)
    model = create_model(f"se_resnet{depth}", input_shape=(32, 32, 3), num_classes=10)
    n = (depth - 2) // 6
    # One SE per block, reduction 16, on 16/32/64 channels.
    extra = n * sum(_se_params(c, c // 16) for c in (16, 32, 64))
    assert model.count_params() - plain.count_params() == extra
    assert model.name == f"se_resnet{depth}"
    assert model.get_layer("conv4_block1_se_reduce").filters == 4
    out = model(np.random.rand(1, 32, 32, 3).astype("float32"), training=False)
    assert out.shape == (1, 10)


# timm seresnet50: 28,088,024 (its model card / reference.json). The other two are
# torchvision's base counts plus the SE modules: resnet101 44,549,160 + 4,777,712
# and resnext50_32x4d 25,028,904 + 2,530,992 (= 28,088,024 - 25,557,032).
@pytest.mark.parametrize("name, params", [
    ("seresnet50", 28_088_024),
    pytest.param("seresnet101", 49_326_872, marks=pytest.mark.slow),
    pytest.param("seresnext50_32x4d", 27_559_896, marks=pytest.mark.slow),
])
def test_imagenet_se_nets_count_and_run_at_224(name, params):
    info = model_info(name)
    assert info.timm == name and info.family == "senet"
    model = create_model(name, input_shape=(224, 224, 3), num_classes=1000)
    assert count_params(model, include_bn_statistics=False) == params
    # timm's SE: after bn3, before the addition; fc1/fc2 are our reduce/expand.
    names = [l.name for l in model.layers]
    assert names.index("conv2_block1_3_bn") < names.index("conv2_block1_se_squeeze") \
        < names.index("conv2_block1_add")
    keys = resnet_torch_keys(model)
    assert keys["conv5_block3_se_reduce"] == "layer4.2.se.fc1"
    assert keys["conv5_block3_se_expand"] == "layer4.2.se.fc2"
    assert model.get_layer("conv5_block3_se_reduce").filters == 128
    assert model(np.zeros((1, 224, 224, 3), "float32")).shape == (1, 1000)
