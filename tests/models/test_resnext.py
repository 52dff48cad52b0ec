"""ResNeXt: torchvision twins, the paper's CIFAR ResNeXt-29, and the ImageNet models
built and run once."""

import numpy as np
import pytest

import keras

from keras_archs import create_model, model_info
from keras_archs.analysis import count_params


def conv_and_dense_params(model):
    """Weights of convolutions and classifier only (no BatchNorm), as papers count."""
    return sum(l.count_params() for l in model.layers
               if isinstance(l, (keras.layers.Conv2D, keras.layers.Dense)))


# Xie et al. 2017 (arXiv:1611.05431), Table 7 (CIFAR): ResNeXt-29 8×64d 34.4M and
# 16×64d 68.1M parameters. Convolution and classifier weights match these at the
# table's rounding (0.1 M); with BatchNorm's γ/β 16×64d has 68,155,210 (68.2 M).
@pytest.mark.parametrize("name, paper, exact", [
    ("resnext29_8x64d", 34.4e6, 34_426_698),
    pytest.param("resnext29_16x64d", 68.1e6, 68_155_210, marks=pytest.mark.slow),
])
def test_cifar_resnext29_matches_the_paper_and_runs(name, paper, exact):
    model = create_model(name, input_shape=(32, 32, 3), num_classes=10)
    assert model.name == name
    assert count_params(model, include_bn_statistics=False) == exact
    assert round(conv_and_dense_params(model) / 1e5) == round(paper / 1e5)
    # 29 = 9·3 + 2: 27 convolutions in bottlenecks + the stem + the classifier.
    convs = [l for l in model.layers if isinstance(l, keras.layers.Conv2D)
             and not l.name.endswith("_0_conv")]
    assert len(convs) + 1 == 29
    assert [model.get_layer(f"conv{s}_block3_out").output.shape[-1]
            for s in (2, 3, 4)] == [256, 512, 1024]
    out = model(np.random.rand(1, 32, 32, 3).astype("float32"), training=False)
    assert out.shape == (1, 10)


@pytest.mark.parametrize("name", [
    "resnext50_32x4d", pytest.param("resnext101_32x8d", marks=pytest.mark.slow)])
def test_imagenet_resnext_counts_and_runs_at_224(name):
    info = model_info(name)
    assert info.torchvision == name and info.family == "resnext"
    model = create_model(name, input_shape=(224, 224, 3), num_classes=1000)
    # torchvision: 25,028,904 and 88,791,336 (BatchNorm running statistics excluded).
    assert count_params(model, include_bn_statistics=False) == \
        {"resnext50_32x4d": 25_028_904, "resnext101_32x8d": 88_791_336}[name]
    assert model(np.zeros((1, 224, 224, 3), "float32")).shape == (1, 1000)
