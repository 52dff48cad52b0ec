"""MNASNet-B1: torchvision's counts for every width, its layout (kernels, expansions,
BatchNorm), the torch key map, the CIFAR variant and bad inputs."""

import numpy as np
import pytest

import keras

from keras_archs import create_model, model_info
from keras_archs.analysis.flops import count_params
from keras_archs.models import mnasnet as N

# torchvision 0.26 MNASNet*_Weights meta["num_params"] (BN running stats not counted).
TORCHVISION = {"mnasnet0_5": 2_218_512, "mnasnet0_75": 3_170_208,
               "mnasnet1_0": 4_383_312, "mnasnet1_3": 6_282_256}


@pytest.mark.parametrize("name", sorted(TORCHVISION))
def test_counts_match_torchvision(name):
    model = create_model(name, input_shape=(224, 224, 3), num_classes=1000)
    assert count_params(model, include_bn_statistics=False) == TORCHVISION[name]
    info = model_info(name)
    assert info.reference_params == TORCHVISION[name] and info.torchvision == name
    assert model.name == name


def test_mnasnet1_0_layout_and_forward_at_224():
    model = create_model("mnasnet1_0", input_shape=(224, 224, 3))
    depthwise = [l for l in model.layers if isinstance(l, keras.layers.DepthwiseConv2D)]
    # Separable block + 3+3+3+2+4+1 inverted residuals; kernels per stage (Fig. 7).
    assert [l.kernel_size[0] for l in depthwise] == [3] * 4 + [5] * 6 + [3] * 2 \
        + [5] * 4 + [3]
    assert model.get_layer("block_1_expand").filters == 16 * 3     # t = 3
    assert model.get_layer("block_7_expand").filters == 40 * 6     # t = 6
    # No shortcut in the separable block (32 → 16); one in the repeated blocks.
    names = {l.name for l in model.layers}
    assert "expanded_conv_add" not in names and "block_2_add" in names
    assert "block_1_add" not in names                              # stride 2
    # torchvision: BatchNorm2d(momentum=1 - 0.9997), eps 1e-5; ReLU, not ReLU6.
    bns = [l for l in model.layers if isinstance(l, keras.layers.BatchNormalization)]
    assert {(b.momentum, b.epsilon) for b in bns} == {(0.9997, 1e-5)}
    assert all(l.max_value is None for l in model.layers
               if isinstance(l, keras.layers.ReLU))
    pads = [l for l in model.layers if isinstance(l, keras.layers.ZeroPadding2D)]
    assert sorted({p.padding[0] for p in pads}) == [(1, 1), (2, 2)]  # k // 2
    assert model.get_layer("top_dropout").rate == 0.2
    assert model.get_layer("out_relu").output.shape[1:] == (7, 7, 1280)
    probs = model(np.random.default_rng(0).random((1, 224, 224, 3), "float32"))
    assert probs.shape == (1, 1000)


def test_torch_keys_follow_torchvision_layers():
    model = create_model("mnasnet0_5", input_shape=(224, 224, 3))
    keys = N._torch_keys(model)
    weighted = {l.name for l in model.layers if l.weights}
    assert weighted == set(keys)
    assert len(set(keys.values())) == len(keys)
    # torchvision's state_dict: layers.0/1 stem, 3/4/6/7 separable block,
    # layers.{8..13}.{i}.layers.{0,1,3,4,6,7}, layers.14/15 head, classifier.1.
    assert keys["Conv1"] == "layers.0" and keys["bn_Conv1"] == "layers.1"
    assert keys["expanded_conv_depthwise"] == "layers.3"
    assert keys["expanded_conv_project_BN"] == "layers.7"
    assert keys["block_1_expand"] == "layers.8.0.layers.0"
    assert keys["block_4_depthwise"] == "layers.9.0.layers.3"
    assert keys["block_16_project_BN"] == "layers.13.0.layers.7"
    assert keys["Conv_1"] == "layers.14" and keys["Conv_1_bn"] == "layers.15"
    assert keys["predictions"] == "classifier.1"


def test_cifar_variant_forward_at_32():
    model = create_model("mnasnet1_0", input_shape=(32, 32, 3), num_classes=10)
    assert model.name == "mnasnet1_0_cifar"
    assert model.get_layer("Conv1").strides == (1, 1)
    assert model.get_layer("out_relu").output.shape[1:3] == (4, 4)
    bns = [l for l in model.layers if isinstance(l, keras.layers.BatchNormalization)]
    assert {b.momentum for b in bns} == {0.9}
    probs = model(np.random.default_rng(0).random((2, 32, 32, 3), "float32"))
    assert probs.shape == (2, 10)


@pytest.fixture
def no_layers(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("a layer was built before the arguments were checked")

    monkeypatch.setattr(N, "model_input", fail)


@pytest.mark.parametrize("alpha", [0, -1.0])
def test_alpha_must_be_positive(no_layers, alpha):
    with pytest.raises(ValueError, match="alpha"):
        N.MNASNet(alpha)


@pytest.mark.parametrize("shape, stem, stride", [((31, 31, 3), "imagenet", 32),
                                                 ((7, 32, 3), "cifar", 8)])
def test_input_smaller_than_total_stride_is_rejected(no_layers, shape, stem, stride):
    with pytest.raises(ValueError, match=f"input_shape.*at least {stride}"):
        N.MNASNet(input_shape=shape, stem=stem)
