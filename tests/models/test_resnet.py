"""ResNet v1/v2: published parameter counts, keras.applications weight transfer, CIFAR
variants, the seed's blocks and model, serialisation, and every bad input."""

import numpy as np
import pytest

import keras

from keras_archs import create_model, list_models, model_info
from keras_archs.analysis.flops import count_params
from keras_archs.layers import ChannelZeroPadding, zero_pad_shortcut
from keras_archs.models import _residual, _resnet_builder
from keras_archs.models import resnet as R

# Published counts (STYLE.md): keras.applications 3.x at 224×224, 1000 classes.
KERAS_APPLICATIONS = {
    "resnet50": 25_636_712,
    "resnet101": 44_707_176,
    "resnet152": 60_419_944,
    "resnet50v2": 25_613_800,
}
# torchvision (PyTorch does not count BatchNorm running statistics).
TORCHVISION = {"resnet18": 11_689_512, "resnet34": 21_797_672}


def _fast(name):
    return pytest.param(name, marks=pytest.mark.slow) if name in (
        "resnet101", "resnet152") else name


@pytest.mark.parametrize("name", [_fast(n) for n in KERAS_APPLICATIONS])
def test_param_count_matches_keras_applications(name):
    model = create_model(name, input_shape=(224, 224, 3), num_classes=1000)
    assert model.name == name
    assert model.count_params() == KERAS_APPLICATIONS[name]
    assert model_info(name).reference_params == KERAS_APPLICATIONS[name]


@pytest.mark.parametrize("name", sorted(TORCHVISION))
def test_basic_resnets_match_torchvision(name):
    model = create_model(name, input_shape=(224, 224, 3), num_classes=1000)
    # Exact without BN running statistics, which is how torchvision counts ...
    assert count_params(model, include_bn_statistics=False) == TORCHVISION[name]
    # ... and so within 1 % of it as Keras counts (which adds them).
    assert model.count_params() != TORCHVISION[name]
    assert abs(model.count_params() / TORCHVISION[name] - 1) < 0.01
    assert model_info(name).reference_counts_bn_statistics is False


def test_seed_resnet50_matches_torchvision_resnet50_layout():
    # The official-models ResNet-50 has no convolution biases, like torchvision's
    # resnet50 (25,557,032 without BN running statistics).
    model = create_model("resnet50_seed", input_shape=(224, 224, 3), num_classes=1000)
    assert count_params(model, include_bn_statistics=False) == 25_557_032
    assert model.name == "resnet50_seed"


def _cifar_resnet_params(depth, num_classes=10):
    """Option-A CIFAR ResNet (He et al. §4.2) counted from its layout by hand."""
    n = (depth - 2) // 6
    convs = 3 * 3 * 3 * 16                                   # stem
    convs += 2 * n * 9 * 16 * 16                             # stack 1
    convs += 9 * 16 * 32 + (2 * n - 1) * 9 * 32 * 32         # stack 2
    convs += 9 * 32 * 64 + (2 * n - 1) * 9 * 64 * 64         # stack 3
    bn_channels = 16 + 2 * n * (16 + 32 + 64)
    head = 64 * num_classes + num_classes
    return convs + head + 2 * bn_channels, convs + head + 4 * bn_channels


# The paper's Table 6 rounds to two significant digits.
PAPER_CIFAR = {20: 0.27e6, 32: 0.46e6, 44: 0.66e6, 56: 0.85e6, 110: 1.7e6}


@pytest.mark.parametrize("depth", sorted(PAPER_CIFAR))
def test_cifar_resnets_count_and_forward(depth):
    model = create_model(f"resnet{depth}", input_shape=(32, 32, 3), num_classes=10)
    trainable, total = _cifar_resnet_params(depth)
    assert model.count_params() == total
    assert count_params(model, include_bn_statistics=False) == trainable
    assert round(trainable / PAPER_CIFAR[depth], 1) == 1.0  # within the rounding
    assert len([l for l in model.layers if isinstance(l, keras.layers.Conv2D)]) \
        == depth - 1  # 6n+2 = convolutions + the classifier
    probs = model(np.random.rand(1, 32, 32, 3).astype("float32"), training=False)
    assert probs.shape == (1, 10)
    np.testing.assert_allclose(np.sum(probs), 1.0, rtol=1e-5)


def test_resnet20_exact_and_option_b():
    # 0.27 M in the paper; 269,722 trainable, 271,098 with BN moving statistics.
    assert _cifar_resnet_params(20) == (269_722, 271_098)
    model = R.CifarResNet(20, shortcut="B")
    # two 1×1 projections + their BatchNorms (16→32 and 32→64)
    extra = 16 * 32 + 4 * 32 + 32 * 64 + 4 * 64
    assert model.count_params() == 271_098 + extra
    assert "conv3_block1_0_conv" in [l.name for l in model.layers]


@pytest.mark.parametrize("name, expected", [
    ("resnet18", "resnet18_cifar"),
    ("resnet50", "resnet50_cifar"),
    ("resnet50v2", "resnet50v2_cifar"),
])
def test_cifar_stem_forward_pass(name, expected):
    model = create_model(name, input_shape=(32, 32, 3), num_classes=10)
    assert model.name == expected
    names = [l.name for l in model.layers]
    assert "pool1_pool" not in names
    assert model.get_layer("conv1_conv").kernel_size == (3, 3)
    assert model.get_layer("conv1_conv").strides == (1, 1)
    probs = model(np.random.rand(1, 32, 32, 3).astype("float32"), training=False)
    assert probs.shape == (1, 10)
    # The last stage runs on 4×4 maps: 32 / (2·2·2).
    last = "post_relu" if "v2" in name else "conv5_block2_out" if name == "resnet18" \
        else "conv5_block3_out"
    assert model.get_layer(last).output.shape[1:3] == (4, 4)


def test_stem_argument_overrides_auto():
    model = R.ResNet18(input_shape=(64, 64, 3), classes=5, stem="imagenet")
    assert model.name == "resnet18"
    assert model.get_layer("conv1_conv").kernel_size == (7, 7)
    assert "pool1_pool" in [l.name for l in model.layers]


@pytest.mark.slow
@pytest.mark.parametrize("app, ours", [("ResNet50", R.ResNet50),
                                       ("ResNet50V2", R.ResNet50V2)])
def test_keras_applications_weights_load_with_identical_logits(tmp_path, app, ours):
    # Logits (classifier_activation=None), not softmax outputs, which saturate.
    reference = getattr(keras.applications, app)(
        weights=None, input_shape=(64, 64, 3), classes=7, classifier_activation=None)
    path = tmp_path / f"{app}.weights.h5"
    reference.save_weights(path)
    model = ours(weights=str(path), input_shape=(64, 64, 3), classes=7, stem="imagenet",
                 classifier_activation=None)
    ours_named = [l.name for l in model.layers if l.weights]
    assert ours_named == [l.name for l in reference.layers if l.weights]
    x = np.random.RandomState(0).uniform(-100, 150, (2, 64, 64, 3)).astype("float32")
    expected = np.asarray(reference(x, training=False))
    # Random weights are not symmetric: a different model would not match.
    assert expected.std() > 1e-4
    np.testing.assert_allclose(np.asarray(model(x, training=False)), expected,
                               rtol=1e-5, atol=1e-5 * np.abs(expected).max())


def test_v2_layout_is_pre_activation():
    model = R.ResNet50V2(input_shape=(32, 32, 3), classes=10, stem="cifar")
    names = [l.name for l in model.layers]
    assert "post_bn" in names and "conv1_bn" not in names
    assert isinstance(model.get_layer("conv2_block1_out"), keras.layers.Add)
    assert "conv2_block1_preact_bn" in names
    # The stride of stack 3 sits in the last block of stack 2 (keras.applications).
    assert model.get_layer("conv2_block3_2_conv").strides == (2, 2)
    assert model.get_layer("conv5_block3_2_conv").strides == (1, 1)


# ------------------------------------------------------------------ seed blocks

def _seed_input(channels=64):
    return keras.Input((8, 8, channels))


def test_seed_blocks_names_strides_and_regularisation():
    inputs = _seed_input()
    x = R.conv_block(inputs, 3, [64, 64, 256], stage=2, block="a", strides=(2, 2))
    x = R.identity_block(x, 3, [64, 64, 256], stage=2, block="b")
    model = keras.Model(inputs, x)
    names = {l.name for l in model.layers}
    for branch in ("2a", "2b", "2c", "1"):
        assert f"res2a_branch{branch}" in names and f"bn2a_branch{branch}" in names
    for branch in ("2a", "2b", "2c"):
        assert f"res2b_branch{branch}" in names
    assert "res2b_branch1" not in names
    # v1.5: the stride is in the 3×3 convolution, and in the projection.
    assert model.get_layer("res2a_branch2a").strides == (1, 1)
    assert model.get_layer("res2a_branch2b").strides == (2, 2)
    assert model.get_layer("res2a_branch1").strides == (2, 2)
    assert model.output.shape == (None, 4, 4, 256)
    bn = model.get_layer("bn2a_branch2b")
    assert (bn.momentum, bn.epsilon) == (0.9, 1e-5)
    conv = model.get_layer("res2a_branch2b")
    assert conv.use_bias is False
    assert isinstance(conv.kernel_regularizer, keras.regularizers.L2)
    assert len(model.losses) == 7  # one L2 term per convolution kernel


def test_seed_blocks_keras_naming_and_options():
    inputs = _seed_input()
    x = R.conv_block(inputs, 3, (64, 64, 256), 2, "a", strides=1, naming="keras",
                     use_l2_regularizer=False, batch_norm_decay=0.99,
                     batch_norm_epsilon=1e-3)
    x = R.identity_block(x, 3, (64, 64, 256), 2, "b", naming="keras")
    model = keras.Model(inputs, x)
    names = [l.name for l in model.layers]
    for expected in ("conv2_block1_0_conv", "conv2_block1_1_conv", "conv2_block1_1_bn",
                     "conv2_block1_out", "conv2_block2_3_conv", "conv2_block2_out"):
        assert expected in names
    assert model.get_layer("conv2_block1_1_conv").kernel_regularizer is None
    assert model.get_layer("conv2_block1_1_bn").epsilon == 1e-3


def test_basic_and_bottleneck_blocks():
    inputs = _seed_input(32)
    x = R.basic_block(inputs, 32, name="s1b1")
    assert x.shape == (None, 8, 8, 32)
    y = R.basic_block(x, 64, strides=2, name="s2b1")
    assert y.shape == (None, 4, 4, 64)
    z = R.bottleneck_block(y, 16, name="s3b1")
    assert z.shape == (None, 4, 4, 64)
    a = R.basic_block(y, 128, strides=2, shortcut="A", name="s4b1")
    model = keras.Model(inputs, [z, a])
    names = [l.name for l in model.layers]
    assert "s1b1_0_conv" not in names  # same shape: identity shortcut
    assert "s2b1_0_conv" in names      # new width: projection (option B)
    assert "s4b1_0_conv" not in names and "s4b1_0_pad" in names  # option A
    assert isinstance(model.get_layer("s4b1_0_pad"), ChannelZeroPadding)
    seed = R.basic_block(inputs, 64, naming="tf_official", stage=3, block="a")
    seed_names = [l.name for l in keras.Model(inputs, seed).layers]
    for expected in ("res3a_branch2a", "bn3a_branch2b", "res3a_branch1"):
        assert expected in seed_names


def test_option_a_shortcut_is_subsample_plus_zero_channels():
    inputs = keras.Input((4, 4, 2))
    model = keras.Model(inputs, zero_pad_shortcut(inputs, 6, 2, name="sc"))
    x = np.random.rand(1, 4, 4, 2).astype("float32")
    out = model.predict(x, verbose=0)
    assert out.shape == (1, 2, 2, 6)
    np.testing.assert_array_equal(out[..., 2:4], x[:, ::2, ::2, :])
    assert not out[..., :2].any() and not out[..., 4:].any()
    layer = ChannelZeroPadding(1, 3, name="p")
    assert ChannelZeroPadding.from_config(layer.get_config()).get_config() == \
        layer.get_config()


def test_seed_model_has_no_lambda_and_rescales_like_the_seed():
    model = create_model("resnet50_seed", input_shape=(32, 32, 3), num_classes=100)
    assert model.name == "resnet50_seed_cifar"
    assert not any(isinstance(l, keras.layers.Lambda) for l in model.layers)
    for name in ("res2a_branch2a", "bn2a_branch2a", "res2a_branch1", "res5c_branch2c",
                 "conv1", "bn_conv1", "fc1000"):
        model.get_layer(name)
    rescale = model.get_layer("rescale")
    x = np.random.rand(1, 32, 32, 3).astype("float32")
    expected = x * 255.0 - np.array([123.68, 116.78, 103.94], "float32")
    np.testing.assert_allclose(np.asarray(rescale(x)), expected, rtol=1e-6, atol=1e-4)
    assert model.get_layer("bn3a_branch2b").momentum == 0.9
    assert model.get_layer("predictions_activation").dtype_policy.name == "float32"
    # L2 on every conv kernel (53) plus the classifier kernel and bias.
    assert len(model.losses) == 55


def test_softmax_is_float32_under_mixed_precision():
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = R.CifarResNet(8, classes=3)
        out = model(np.random.rand(1, 32, 32, 3).astype("float32"))
        assert model.get_layer("conv1_conv").compute_dtype == "float16"
        assert keras.backend.standardize_dtype(out.dtype) == "float32"
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_registry_lists_the_family():
    names = list_models("resnet*")
    for expected in ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
                     "resnet50v2", "resnet101v2", "resnet152v2", "resnet20",
                     "resnet32", "resnet44", "resnet56", "resnet110", "resnet50_seed"):
        assert expected in names
    info = model_info("resnet50")
    assert (info.keras_applications, info.preprocessing) == ("ResNet50", "caffe")
    assert model_info("resnet50v2").preprocessing == "tf"


# -------------------------------------------------------------------- bad input

@pytest.fixture
def no_build(monkeypatch):
    """Fail the test if anything reaches layer construction."""
    def boom(*args, **kwargs):
        raise AssertionError("a layer was built before the bad input was rejected")

    monkeypatch.setattr(_resnet_builder, "model_input", boom)
    monkeypatch.setattr(_resnet_builder, "residual_unit", boom)
    monkeypatch.setattr(_residual, "residual_unit", boom)


@pytest.mark.parametrize("call, words", [
    (lambda: R.ResNet(depth=19), "depth must be one of 18, 34, 50, 101, 152"),
    (lambda: R.ResNet(depth="50"), "depth"),
    (lambda: R.CifarResNet(21), "depth must be 6n \\+ 2"),
    (lambda: R.CifarResNet(2), "depth must be 6n \\+ 2"),
    (lambda: R.ResNet("basic", (2, 2), filters=(64, 128, 256)),
     "filters and stack_sizes must have the same length"),
    (lambda: R.ResNet("basic", (2, 2), filters=(64, 0)), "filters entries must be >= 1"),
    (lambda: R.ResNet("basic", (2, 2), filters=(64, -8)), "filters"),
    (lambda: R.ResNet("basic", (2, 0), filters=(64, 64)), "stack_sizes"),
    (lambda: R.ResNet("basic", (2, 2), filters=(8, 8), strides=(1, 2, 2)),
     "strides and stack_sizes must have the same length"),
    (lambda: R.ResNet("basic", (1, 1, 1), filters=(8, 8, 8), strides=(4, 4, 4),
                      input_shape=(32, 32, 3)), "would shrink input_shape"),
    (lambda: R.ResNet18(input_shape=(16, 16, 3), stem="imagenet"), "strides"),
    (lambda: R.ResNet("resnet", (2, 2), filters=(8, 8)), "block_fn must be"),
    (lambda: R.ResNet(depth=18, shortcut="D"), "shortcut must be one of"),
    (lambda: R.ResNet(depth=18, naming="caffe"), "naming must be one of"),
    (lambda: R.ResNet(depth=18, stem="tiny"), "stem must be one of"),
    (lambda: R.ResNet(depth=18, bn_momentum=1.5), "bn_momentum"),
    (lambda: R.ResNet(depth=18, bn_epsilon=0), "bn_epsilon"),
    (lambda: R.ResNet(depth=18, preset="seed"), "preset must be one of"),
    (lambda: R.ResNet(depth=18, pooling="sum"), "pooling must be one of"),
    (lambda: R.ResNet18(input_shape=(32, 32, 3), weights="imagenet"),
     "keras.applications counterpart"),
    (lambda: R.ResNet50(input_shape=(32, 32, 3), weights="imagenet", stem="cifar"),
     "keras.applications counterpart"),
])
def test_bad_model_arguments_raise_before_building(no_build, call, words, no_network):
    with pytest.raises((ValueError, TypeError), match=words):
        call()


@pytest.mark.parametrize("call, words", [
    (lambda x: R.conv_block(x, 3, [64, 64], 2, "a"), "filters must have 3 entries"),
    (lambda x: R.conv_block(x, 3, [64, 0, 256], 2, "a"), "filters entries must be >= 1"),
    (lambda x: R.conv_block(x, 0, [64, 64, 256], 2, "a"), "kernel_size"),
    (lambda x: R.conv_block(x, 3, [64, 64, 256], 2, "a", strides=(2, 1)), "strides"),
    (lambda x: R.conv_block(x, 3, [64, 64, 256], 2, 1), "block must be"),
    (lambda x: R.identity_block(x, 3, [64, 64, 128], 2, "b"),
     "filters\\[2\\] = 128 channels"),
    (lambda x: R.basic_block(x, 0, name="b"), "filters"),
    (lambda x: R.bottleneck_block(x, 16, shortcut="Z", name="b"), "shortcut"),
    (lambda x: R.bottleneck_block(x, 16, strides=0, name="b"), "strides"),
    (lambda x: R.basic_block("not a tensor", 8, name="b"), "4-D Keras tensor"),
    (lambda x: R.basic_block(x, 8), "name must be a string"),
    (lambda x: R.basic_block(x, 8, naming="tf_official", stage=2), "block must be"),
    (lambda x: R.conv_block(x, 3, [64, 64, 256], 2, "a", batch_norm_decay=1.0),
     "batch_norm_decay"),
])
def test_bad_block_arguments_raise_before_building(no_build, call, words):
    with pytest.raises((ValueError, TypeError), match=words):
        call(_seed_input())


@pytest.mark.slow
def test_imagenet_weights_delegate_to_keras_applications(monkeypatch, no_network):
    # Offline stand-in for the download: keras.applications' own ResNet50V2 with
    # random weights; ours must receive every weight, by layer name.
    original = keras.applications.ResNet50V2
    built = {}

    def offline(weights, **kwargs):
        assert weights == "imagenet"
        built["model"] = original(weights=None, **kwargs)
        return built["model"]

    monkeypatch.setattr(keras.applications, "ResNet50V2", offline)
    model = R.ResNet50V2(weights="imagenet", include_top=False, pooling="avg",
                         input_shape=(64, 64, 3), stem="imagenet")
    x = np.random.RandomState(1).uniform(-1, 1, (1, 64, 64, 3)).astype("float32")
    np.testing.assert_allclose(model(x, training=False), built["model"](x, training=False),
                               atol=1e-5)


def test_input_tensor_and_headless_outputs():
    inputs = keras.Input((32, 32, 3), name="image")
    model = R.CifarResNet(8, input_tensor=inputs, include_top=False, pooling="max")
    assert model.inputs[0].name == inputs.name
    assert model.output.shape == (None, 64)
    features = R.ResNet18(include_top=False, input_shape=(32, 32, 3))
    assert features.output.shape == (None, 4, 4, 512)
