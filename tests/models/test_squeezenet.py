"""SqueezeNet 1.0/1.1: torchvision's counts and layout (ceil-mode pooling, the conv
classifier), the fire module, the CIFAR variant, the torch key map and bad inputs."""

import numpy as np
import pytest

import keras

from keras_archs import create_model, model_info
from keras_archs.analysis.flops import count_params
from keras_archs.models import squeezenet as S

# torchvision 0.26 SqueezeNet1_*_Weights meta["num_params"] (no BatchNorm at all, so
# Keras counts the same).
TORCHVISION = {"squeezenet1_0": 1_248_424, "squeezenet1_1": 1_235_496}


@pytest.mark.parametrize("name", sorted(TORCHVISION))
def test_count_layout_and_forward_at_224(name):
    model = create_model(name, input_shape=(224, 224, 3), num_classes=1000)
    assert model.count_params() == count_params(model, False) == TORCHVISION[name]
    assert model_info(name).reference_params == TORCHVISION[name]
    assert model_info(name).torchvision == name
    # torchvision's feature map before the classifier is 13×13 at 224 for both
    # versions (1.0: 109 → 54 → 27 → 13; 1.1: 111 → 55 → 27 → 13, ceil mode).
    assert model.get_layer("fire9_concat").output.shape[1:] == (13, 13, 512)
    assert isinstance(model.get_layer("predictions"), keras.layers.Conv2D)
    assert isinstance(model.get_layer("predictions_relu"), keras.layers.ReLU)
    probs = model(np.random.default_rng(0).random((1, 224, 224, 3), "float32"))
    assert probs.shape == (1, 1000)
    np.testing.assert_allclose(float(np.sum(probs)), 1.0, rtol=1e-5)


def _torch_max_pool_ceil(x, k=3, s=2):
    """Reference: PyTorch MaxPool2d(k, s, ceil_mode=True) on an NHWC array."""
    def out_size(n):
        o = -(-(n - k) // s) + 1
        return o - 1 if (o - 1) * s >= n else o

    h, w = x.shape[1:3]
    out = np.empty((x.shape[0], out_size(h), out_size(w), x.shape[3]), x.dtype)
    for i in range(out.shape[1]):
        for j in range(out.shape[2]):
            out[:, i, j] = x[:, i * s:i * s + k, j * s:j * s + k].max(axis=(1, 2))
    return out


@pytest.mark.parametrize("size", [7, 8, 54, 55])
def test_max_pool_matches_pytorch_ceil_mode(size):
    x = np.random.default_rng(size).random((1, size, size, 2)).astype("float32")
    inputs = keras.Input((size, size, 2))
    pooled = keras.Model(inputs, S._max_pool_ceil(inputs, "pool"))(x)
    np.testing.assert_array_equal(np.asarray(pooled), _torch_max_pool_ceil(x))


def test_fire_module():
    x = keras.Input((13, 13, 96))
    y = S.fire_module(x, 16, 64, 64, name="fire2")
    model = keras.Model(x, y)
    assert y.shape == (None, 13, 13, 128)
    assert [l.name for l in model.layers[1:]] == [
        "fire2_squeeze1x1", "fire2_squeeze1x1_relu", "fire2_expand1x1",
        "fire2_expand3x3", "fire2_expand1x1_relu", "fire2_expand3x3_relu",
        "fire2_concat"]
    # Table 1: s1x1 = 16, e1x1 = 64, e3x3 = 64 on 96 channels.
    assert model.count_params() == (96 * 16 + 16) + (16 * 64 + 64) + (9 * 16 * 64 + 64)


@pytest.mark.parametrize("version, fires, pools", [
    ("1_0", {"fire2": 3, "fire4": 5, "fire5": 7, "fire9": 12},
     ("pool1", "pool4", "pool8")),
    ("1_1", {"fire2": 3, "fire4": 6, "fire6": 9, "fire9": 12},
     ("pool1", "pool3", "pool5")),
])
def test_torch_keys_follow_torchvision_features(version, fires, pools):
    model = S.SqueezeNet(version, input_shape=(224, 224, 3))
    keys = S._torch_keys(model)
    assert {l.name for l in model.layers if l.weights} == set(keys)
    assert keys["conv1"] == "features.0" and keys["predictions"] == "classifier.1"
    for fire, index in fires.items():
        assert keys[f"{fire}_squeeze1x1"] == f"features.{index}.squeeze"
        assert keys[f"{fire}_expand3x3"] == f"features.{index}.expand3x3"
    assert all(isinstance(model.get_layer(p), keras.layers.MaxPooling2D) for p in pools)


@pytest.mark.parametrize("name", sorted(TORCHVISION))
def test_cifar_variant_forward_at_32(name):
    model = create_model(name, input_shape=(32, 32, 3), num_classes=10)
    assert model.name == f"{name}_cifar"
    assert model.get_layer("conv1").strides == (1, 1)
    assert model.get_layer("conv1").kernel_size == (3, 3)
    assert model.get_layer("fire9_concat").output.shape[1:3] == (4, 4)
    probs = model(np.random.default_rng(0).random((2, 32, 32, 3), "float32"))
    assert probs.shape == (2, 10)


@pytest.fixture
def no_layers(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("a layer was built before the arguments were checked")

    monkeypatch.setattr(S, "model_input", fail)


@pytest.mark.parametrize("version, shape, stem", [
    # Three 3×3 stride-2 pools need a 12×12 map after the first convolution
    # (12 → 6 → 3 → 1): 29 pixels for 1.0's 7×7/2, 25 for 1.1's 3×3/2, 12 for CIFAR.
    ("1_0", (28, 28, 3), "imagenet"),
    ("1_1", (24, 40, 3), "imagenet"),
    ("1_0", (11, 11, 3), "cifar"),
])
def test_input_too_small_is_rejected(no_layers, version, shape, stem):
    with pytest.raises(ValueError, match="input_shape.*at least"):
        S.SqueezeNet(version, input_shape=shape, stem=stem, include_top=False)


def test_smallest_inputs_build():
    for version, size, stem in (("1_0", 29, "imagenet"), ("1_1", 25, "imagenet"),
                                ("1_1", 12, "cifar")):
        keras.backend.clear_session(free_memory=False)
        model = S.SqueezeNet(version, input_shape=(size, size, 3), stem=stem)
        assert model.get_layer("fire9_concat").output.shape[1:3] == (1, 1)


def test_bad_version_and_dropout(no_layers):
    with pytest.raises(ValueError, match="version.*'1_0', '1_1'"):
        S.SqueezeNet("1_2")
    with pytest.raises(ValueError, match="dropout"):
        S.SqueezeNet(dropout=-0.1)
