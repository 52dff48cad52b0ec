"""DenseNet: keras.applications layout, counts and weight transfer; the torchvision
twins' preset, counts and key map; the CIFAR DenseNet-BC; the blocks; bad input.

Output parity with torchvision's densenet121 is checked by the generic
tests/models/test_torch_parity.py (``tv_densenet121`` declares the twin)."""

import numpy as np
import pytest

import keras

from keras_archs import create_model, list_models, model_info
from keras_archs.analysis import count_params
from keras_archs.models import densenet as D

# keras.applications 3.x, weights=None, 224×224, 1000 classes (STYLE.md), counting
# BatchNorm moving statistics as Keras does.
KERAS_APPLICATIONS = {"densenet121": 8_062_504, "densenet169": 14_307_880,
                      "densenet201": 20_242_984}
# torchvision 0.26 weights metadata (``DenseNet*_Weights.IMAGENET1K_V1``
# "num_params"; densenet121's also in the PyTorch reference made with torchvision
# 0.26): PyTorch does not count BatchNorm running statistics.
TORCHVISION = {"tv_densenet121": 7_978_856, "densenet161": 28_681_000,
               "tv_densenet169": 14_149_480, "tv_densenet201": 20_013_928}


def _randomise(model, seed=0):
    """Random values in every variable (positive moving variances), so a wrong
    BatchNorm wiring or epsilon would show in the outputs."""
    rng = np.random.default_rng(seed)
    for v in model.weights:
        shape = tuple(v.shape)
        if v.path.endswith("moving_variance"):
            value = rng.uniform(0.5, 1.5, shape)
        elif v.path.endswith(("gamma",)):
            value = rng.uniform(0.5, 1.5, shape)
        elif len(shape) <= 1:
            value = rng.normal(0.0, 0.1, shape)
        else:
            value = rng.normal(0.0, np.sqrt(2.0 / np.prod(shape[:-1])), shape)
        v.assign(value.astype("float32"))


@pytest.mark.slow
def test_densenet121_is_keras_applications_and_its_weights_load(tmp_path):
    """Same weighted layers in the same creation order, the published count, and a
    keras.applications .weights.h5 gives identical logits at 224×224."""
    reference = keras.applications.DenseNet121(weights=None, classifier_activation=None)
    _randomise(reference)
    path = tmp_path / "densenet121.weights.h5"
    reference.save_weights(path)
    model = create_model("densenet121", weights=str(path), classifier_activation=None)
    assert model.count_params() == reference.count_params() == 8_062_504
    weighted = [(l.name, type(l).__name__) for l in model.layers if l.weights]
    assert weighted == [(l.name, type(l).__name__) for l in reference.layers
                        if l.weights]
    x = np.random.default_rng(1).normal(0, 1, (1, 224, 224, 3)).astype("float32")
    expected = np.asarray(reference(x, training=False))
    actual = np.asarray(model(x, training=False))
    assert actual.shape == (1, 1000)
    assert expected.std() > 1e-2  # random weights: a miswired model would not match
    np.testing.assert_allclose(actual, expected, rtol=0,
                               atol=1e-5 * np.abs(expected).max())
    bn = model.get_layer("conv1_bn")
    assert (bn.epsilon, bn.momentum) == (1.001e-5, 0.99)


def test_published_counts_are_declared_in_the_registry():
    """tests/test_registry.py builds every registry model and checks its count
    against ``reference_params``; here: those are the published numbers."""
    for name, count in KERAS_APPLICATIONS.items():
        info = model_info(name)
        assert (info.reference_params, info.reference_counts_bn_statistics) == \
            (count, True)
        assert info.reference_source == f"keras.applications.{info.keras_applications}"
    for name, count in TORCHVISION.items():
        info = model_info(name)
        assert (info.reference_params, info.reference_counts_bn_statistics) == \
            (count, False)
        assert info.torchvision == name.removeprefix("tv_")
        assert info.keras_applications is None
        assert "torchvision" in info.reference_source


def _check_torchvision_twin(model, name):
    assert model.name == name
    assert count_params(model, include_bn_statistics=False) == TORCHVISION[name]
    bns = [l for l in model.layers if isinstance(l, keras.layers.BatchNormalization)]
    assert {(l.epsilon, l.momentum) for l in bns} == {(1e-5, 0.9)}
    keys = D.torch_keys(model)
    weighted = [l.name for l in model.layers if l.weights]
    assert set(keys) == set(weighted)
    assert len(set(keys.values())) == len(keys)  # one PyTorch module per layer
    return keys


def test_tv_densenet121_preset_count_and_key_map():
    keys = _check_torchvision_twin(create_model("tv_densenet121"), "tv_densenet121")
    assert keys["conv1_conv"] == "features.conv0"
    assert keys["conv1_bn"] == "features.norm0"
    assert keys["conv2_block1_0_bn"] == "features.denseblock1.denselayer1.norm1"
    assert keys["conv2_block6_1_conv"] == "features.denseblock1.denselayer6.conv1"
    assert keys["conv4_block3_1_bn"] == "features.denseblock3.denselayer3.norm2"
    assert keys["conv5_block16_2_conv"] == "features.denseblock4.denselayer16.conv2"
    assert keys["pool2_bn"] == "features.transition1.norm"
    assert keys["pool4_conv"] == "features.transition3.conv"
    assert keys["bn"] == "features.norm5"
    assert keys["predictions"] == "classifier"
    # torchvision's densenet121 has 242 modules with parameters (727 state_dict
    # keys): conv0, norm0, 58 dense layers × (norm1, conv1, norm2, conv2),
    # 3 transitions × (norm, conv), norm5, classifier.
    assert len(keys) == 2 + 58 * 4 + 3 * 2 + 1 + 1


@pytest.mark.slow
def test_densenet161_is_torchvisions():
    """torchvision's DenseNet-161: k = 48, 96 initial features, blocks 6/12/36/24."""
    model = create_model("densenet161")
    keys = _check_torchvision_twin(model, "densenet161")
    assert model.get_layer("conv1_conv").filters == 96
    assert model.get_layer("conv2_block1_2_conv").filters == 48
    assert model.get_layer("conv2_block1_1_conv").filters == 4 * 48
    assert model.get_layer("bn").input.shape[-1] == 2208  # torchvision's classifier input
    assert keys["conv4_block36_2_conv"] == "features.denseblock3.denselayer36.conv2"


def test_densenet_bc100_is_the_papers_cifar_net():
    model = create_model("densenet_bc100", input_shape=(32, 32, 3), num_classes=10)
    # Huang et al. Table 2: DenseNet-BC (L = 100, k = 12) has 0.8 M parameters.
    trainable = count_params(model, include_bn_statistics=False)
    assert round(trainable / 1e6, 1) == 0.8
    assert trainable == 769_162
    # 2k = 24 stem channels; 16 bottleneck layers of +12 per block; θ = 0.5:
    # 24 + 192 = 216 → 108 + 192 = 300 → 150 + 192 = 342.
    assert model.get_layer("conv1_conv").kernel_size == (3, 3)
    assert model.get_layer("conv1_conv").filters == 24
    assert model.get_layer("pool2_conv").filters == 108
    assert model.get_layer("pool3_conv").filters == 150
    assert model.get_layer("bn").input.shape[1:] == (8, 8, 342)
    assert "pool4_conv" not in [l.name for l in model.layers]  # three blocks
    assert {l.momentum for l in model.layers
            if isinstance(l, keras.layers.BatchNormalization)} == {0.9}
    y = model(np.zeros((2, 32, 32, 3), "float32"), training=False)
    assert y.shape == (2, 10)
    np.testing.assert_allclose(np.asarray(y).sum(axis=1), 1.0, rtol=1e-5)


def test_cifar_stem_for_registry_densenets():
    model = create_model("densenet121", input_shape=(32, 32, 3), num_classes=10)
    assert model.name == "densenet121_cifar"
    names = [l.name for l in model.layers]
    assert "pool1" not in names and "conv1_bn" not in names
    assert model.get_layer("conv1_conv").kernel_size == (3, 3)
    assert model.get_layer("conv1_conv").strides == (1, 1)
    assert model.get_layer("bn").input.shape[1:3] == (4, 4)
    assert {l.momentum for l in model.layers
            if isinstance(l, keras.layers.BatchNormalization)} == {0.9}
    # An explicit ImageNet stem keeps keras.applications' layout at any size.
    assert D.DenseNet121(input_shape=(64, 64, 3), stem="imagenet",
                         include_top=False).name == "densenet121"


def test_blocks_grow_and_compress():
    x = keras.Input((8, 8, 20))
    y = D.dense_block(x, 3, 5, name="b")
    assert y.shape[1:] == (8, 8, 20 + 3 * 5)
    z = D.transition_block(y, 0.6, name="t")
    assert z.shape[1:] == (4, 4, int(35 * 0.6))
    w = D.dense_layer(x, 4, name="plain", bottleneck=False)
    assert w.shape[-1] == 24
    model = keras.Model(x, [y, z, w])
    names = [l.name for l in model.layers]
    assert ["b_block1_0_bn", "b_block1_0_relu", "b_block1_1_conv", "b_block1_1_bn",
            "b_block1_1_relu", "b_block1_2_conv", "b_block1_concat"] == \
        [n for n in names if n.startswith("b_block1")]
    assert model.get_layer("b_block1_1_conv").filters == 4 * 5  # bottleneck 4k
    assert "plain_1_conv" not in names
    # Each dense layer passes its input through unchanged and appends k channels.
    batch = np.random.default_rng(0).normal(size=(1, 8, 8, 20)).astype("float32")
    out = model(batch, training=False)[0]
    np.testing.assert_array_equal(np.asarray(out)[..., :20], batch)


def test_registry_lists_the_family():
    assert set(list_models("*densenet*")) >= {
        "densenet121", "densenet169", "densenet201", "densenet161", "tv_densenet121",
        "tv_densenet169", "tv_densenet201", "densenet_bc100"}
    for name, app in (("densenet121", "DenseNet121"), ("densenet201", "DenseNet201")):
        info = model_info(name)
        assert (info.keras_applications, info.torchvision) == (app, None)
        assert info.reference_params == KERAS_APPLICATIONS[name]


# -------------------------------------------------------------------- bad input

@pytest.fixture
def no_build(monkeypatch):
    """Fail the test if anything reaches layer construction."""
    def boom(*args, **kwargs):
        raise AssertionError("a layer was built before the bad input was rejected")

    monkeypatch.setattr(D, "model_input", boom)
    monkeypatch.setattr(D, "_bn", boom)


BAD_MODEL_ARGUMENTS = [
    (lambda: D.DenseNet((6, 12), growth_rate=0), "growth_rate must be an integer >= 1"),
    (lambda: D.DenseNet((6, 12), growth_rate=2.5), "growth_rate"),
    (lambda: D.DenseNet((6, 12), compression=0), r"compression must be a number in \(0"),
    (lambda: D.DenseNet((6, 12), compression=1.5), r"compression .*1\.0\]"),
    (lambda: D.DenseNet((6, 0)), "blocks entries must be >= 1"),
    (lambda: D.DenseNet(()), "blocks must not be empty"),
    (lambda: D.DenseNet((6, 12), bn_size=0), "bn_size"),
    (lambda: D.DenseNet((6, 12), preset="timm"), "preset must be one of"),
    (lambda: D.DenseNet((6, 12), stem="tiny"), "stem must be one of"),
    (lambda: D.DenseNet((2, 2, 2, 2, 2), input_shape=(32, 32, 3), stem="imagenet"),
     "downsample by 64"),
    (lambda: D.CifarDenseNet(101), r"depth must be 6n \+ 4"),
    (lambda: D.CifarDenseNet(41, bottleneck=False), r"depth must be 3n \+ 4"),
    (lambda: D.CifarDenseNet(100, growth_rate=0), "growth_rate"),
    (lambda: D.CifarDenseNet(100, compression=-0.5), "compression"),
    (lambda: D.DenseNet121(preset="caffe"), "preset must be one of"),
    (lambda: D.DenseNet121(input_shape=(32, 32, 3), weights="imagenet", stem="cifar"),
     "keras.applications counterpart"),
    (lambda: create_model("tv_densenet121", weights="imagenet"),
     "keras.applications counterpart"),
]


# One test per list, not one per case: fewer per-test set-ups.
def test_bad_model_arguments_raise_before_building(no_build):
    for call, words in BAD_MODEL_ARGUMENTS:
        with pytest.raises((ValueError, TypeError), match=words):
            call()


BAD_BLOCK_ARGUMENTS = [
    (lambda x: D.dense_block(x, 2, 0, name="b"), "growth_rate must be an integer >= 1"),
    (lambda x: D.dense_block(x, 0, 12, name="b"), "num_layers"),
    (lambda x: D.dense_layer(x, 12, name="b", bn_size=0), "bn_size"),
    (lambda x: D.transition_block(x, 0.0, name="t"), "compression"),
    (lambda x: D.transition_block(x, 1.01, name="t"), "compression"),
    (lambda x: D.transition_block("tensor", 0.5, name="t"), "4-D Keras tensor"),
]


def test_bad_block_arguments_raise_before_building(no_build):
    for call, words in BAD_BLOCK_ARGUMENTS:
        with pytest.raises((ValueError, TypeError), match=words):
            call(keras.Input((8, 8, 16)))
