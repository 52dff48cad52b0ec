"""MobileNet v1/v2: keras.applications layout, counts and weight transfer, the PyTorch
twins' layouts and key maps, CIFAR variants, the blocks, and bad inputs."""

import numpy as np
import pytest

import keras

from keras_archs import create_model, model_info
from keras_archs.analysis.flops import count_params
from keras_archs.models import mobilenet as M

# Published counts: keras.applications 3.x at 224×224, 1000 classes (STYLE.md).
KERAS_APPLICATIONS = {"mobilenet": ("MobileNet", 4_253_864),
                      "mobilenetv2": ("MobileNetV2", 3_538_984)}
# PyTorch peers (BN running statistics not counted): timm 1.0.29 mobilenetv1_100
# (timm's model.num_params), torchvision 0.26 MobileNet_V2_Weights meta["num_params"].
TORCH = {"mobilenetv1_100": 4_231_976, "mobilenet_v2": 3_504_872}
_WEIGHTED = (keras.layers.Conv2D, keras.layers.BatchNormalization, keras.layers.Dense)


def _weighted(model):
    # DepthwiseConv2D is a subclass of Conv2D in Keras 3.
    return [(l.name, type(l).__name__) for l in model.layers
            if isinstance(l, _WEIGHTED)]


def _randomize(model, seed=0):
    """Random weights everywhere, including BN statistics (variance > 0)."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        values = []
        for w in layer.weights:
            shape = tuple(w.shape)
            if "variance" in w.path:
                values.append(rng.uniform(0.5, 1.5, shape))
            elif len(shape) > 1:
                fan_in = np.prod(shape[:-1]) if "depthwise" not in w.path \
                    else np.prod(shape[:2])
                values.append(rng.normal(0, np.sqrt(2 / fan_in), shape))
            else:
                values.append(rng.normal(0, 0.1, shape) + ("gamma" in w.path))
        if values:
            layer.set_weights([v.astype("float32") for v in values])


@pytest.mark.parametrize("name", sorted(KERAS_APPLICATIONS))
def test_keras_applications_names_order_count_and_forward_at_224(name):
    app, published = KERAS_APPLICATIONS[name]
    reference = getattr(keras.applications, app)(weights=None)
    model = create_model(name, input_shape=(224, 224, 3), num_classes=1000)
    assert model.count_params() == reference.count_params() == published
    assert model_info(name).reference_params == published
    # Same names and creation order of every weighted layer: what .weights.h5 keys on.
    assert _weighted(model) == _weighted(reference)
    assert model.name == reference.name  # "mobilenet_1.00_224", "mobilenetv2_1.00_224"
    probs = model(np.random.default_rng(0).random((1, 224, 224, 3), "float32"))
    assert probs.shape == (1, 1000)
    np.testing.assert_allclose(float(np.sum(probs)), 1.0, rtol=1e-5)


@pytest.mark.parametrize("app, ours, alpha", [
    ("MobileNet", M.MobileNet, 0.5),
    ("MobileNetV2", M.MobileNetV2, 1.4),   # α > 1 also widens the last 1×1 convolution
])
def test_width_multiplier_matches_keras_applications(app, ours, alpha):
    reference = getattr(keras.applications, app)(weights=None, alpha=alpha,
                                                 input_shape=(128, 128, 3))
    model = ours(alpha=alpha, input_shape=(128, 128, 3))
    assert model.count_params() == reference.count_params()
    assert _weighted(model) == _weighted(reference)


@pytest.mark.parametrize("app, ours", [("MobileNet", M.MobileNet),
                                       ("MobileNetV2", M.MobileNetV2)])
def test_keras_applications_weights_load_with_identical_outputs(tmp_path, app, ours):
    # 65×65: odd sizes exercise keras.applications' two padding rules (v1 always pads
    # bottom/right; v2's correct_pad pads symmetrically for odd maps).
    shape = (65, 65, 3)
    reference = getattr(keras.applications, app)(
        weights=None, input_shape=shape, classes=7, classifier_activation=None)
    _randomize(reference)
    path = tmp_path / f"{app}.weights.h5"
    reference.save_weights(path)
    # weights given: stem="auto" picks the ImageNet layout even at 65×65.
    model = ours(weights=str(path), input_shape=shape, classes=7,
                 classifier_activation=None)
    assert not model.name.endswith("_cifar")
    x = np.random.default_rng(1).uniform(-1, 1, (2, *shape)).astype("float32")
    expected = np.asarray(reference(x, training=False))
    actual = np.asarray(model(x, training=False))
    assert expected.std() > 1e-2  # random weights: a different model would not match
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-4 * expected.std())


def test_mobilenet_top_is_keras_applications_conv_head():
    model = M.MobileNet(input_shape=(224, 224, 3), classes=10, dropout=0.25)
    assert isinstance(model.get_layer("conv_preds"), keras.layers.Conv2D)
    assert model.get_layer("conv_preds").kernel_size == (1, 1)
    assert model.get_layer("dropout").rate == 0.25
    assert isinstance(model.get_layer("reshape_2"), keras.layers.Reshape)
    assert model.get_layer("predictions").dtype_policy.compute_dtype == "float32"
    assert model.output.shape == (None, 10)


@pytest.mark.parametrize("name, preset", [("mobilenetv1_100", "timm"),
                                          ("mobilenet_v2", "torchvision")])
def test_pytorch_twins_count_padding_and_batchnorm(name, preset):
    model = create_model(name, input_shape=(224, 224, 3), num_classes=1000)
    assert count_params(model, include_bn_statistics=False) == TORCH[name]
    info = model_info(name)
    assert info.reference_params == TORCH[name]
    assert (info.timm or info.torchvision) == name
    # PyTorch pads strided convolutions symmetrically: 1 on every side for 3×3.
    pads = [l for l in model.layers if isinstance(l, keras.layers.ZeroPadding2D)]
    assert len(pads) == 5 and all(p.padding == ((1, 1), (1, 1)) for p in pads)
    bns = [l for l in model.layers if isinstance(l, keras.layers.BatchNormalization)]
    assert {(b.epsilon, b.momentum) for b in bns} == {(1e-5, 0.9)}
    assert isinstance(model.get_layer("predictions"), keras.layers.Dense)
    probs = model(np.random.default_rng(0).random((1, 224, 224, 3), "float32"))
    assert probs.shape == (1, 1000)


def _check_torch_keys(model, keys):
    weighted = [l.name for l in model.layers if l.weights]
    assert set(weighted) <= set(keys)
    assert "predictions" in keys
    assert len(set(keys.values())) == len(keys)  # one layer per PyTorch module


def test_timm_mobilenetv1_keys():
    model = create_model("mobilenetv1_100", input_shape=(224, 224, 3))
    keys = M._timm_v1_keys(model)
    _check_torch_keys(model, keys)
    # timm's state_dict: conv_stem/bn1, blocks.{stage}.{i}.conv_dw/bn1/conv_pw/bn2,
    # classifier; stages of 1, 2, 2, 6, 2 blocks.
    assert keys["conv1"] == "conv_stem" and keys["conv1_bn"] == "bn1"
    assert keys["conv_dw_1"] == "blocks.0.0.conv_dw"
    assert keys["conv_dw_3_bn"] == "blocks.1.1.bn1"
    assert keys["conv_pw_11"] == "blocks.3.5.conv_pw"
    assert keys["conv_pw_13_bn"] == "blocks.4.1.bn2"
    assert keys["predictions"] == "classifier"


def test_torchvision_mobilenet_v2_keys():
    model = create_model("mobilenet_v2", input_shape=(224, 224, 3), include_top=False)
    keys = M._torchvision_v2_keys(model)
    _check_torch_keys(model, keys)
    # torchvision: features.0 stem, features.1 (t = 1: no expansion), features.18.
    assert keys["Conv1"] == "features.0.0" and keys["bn_Conv1"] == "features.0.1"
    assert keys["expanded_conv_depthwise"] == "features.1.conv.0.0"
    assert keys["expanded_conv_project"] == "features.1.conv.1"
    assert keys["expanded_conv_project_BN"] == "features.1.conv.2"
    assert keys["block_1_expand"] == "features.2.conv.0.0"
    assert keys["block_1_depthwise_BN"] == "features.2.conv.1.1"
    assert keys["block_16_project_BN"] == "features.17.conv.3"
    assert keys["Conv_1"] == "features.18.0" and keys["Conv_1_bn"] == "features.18.1"
    assert keys["predictions"] == "classifier.1"


@pytest.mark.parametrize("name, expected_name, final", [
    ("mobilenet", "mobilenet_1.00_32_cifar", 2),        # stride 16
    ("mobilenetv1_100", "mobilenetv1_100_cifar", 2),
    ("mobilenetv2", "mobilenetv2_1.00_32_cifar", 4),    # stride 8 (kuangliu)
])
def test_cifar_variants_forward_at_32(name, expected_name, final):
    model = create_model(name, input_shape=(32, 32, 3), num_classes=10)
    assert model.name == expected_name
    first = model.get_layer("conv1" if "v2" not in name else "Conv1")
    assert first.strides == (1, 1)
    last = "conv_pw_13_relu" if "v2" not in name else "out_relu"
    assert model.get_layer(last).output.shape[1:3] == (final, final)
    bns = [l for l in model.layers if isinstance(l, keras.layers.BatchNormalization)]
    assert {(b.momentum, b.epsilon) for b in bns} == {(0.9, 1e-5)}
    probs = model(np.random.default_rng(0).random((2, 32, 32, 3), "float32"))
    assert probs.shape == (2, 10)
    np.testing.assert_allclose(np.sum(probs, axis=1), 1.0, rtol=1e-5)


# ------------------------------------------------------------------------- blocks

def test_depthwise_separable_block_costs_what_the_paper_says():
    x = keras.Input((16, 16, 32))
    y = M.depthwise_separable_block(x, 64, name="ds")
    model = keras.Model(x, y)
    assert y.shape == (None, 16, 16, 64)
    names = [l.name for l in model.layers[1:]]
    assert names == ["ds_dw", "ds_dw_bn", "ds_dw_relu", "ds_pw", "ds_pw_bn",
                     "ds_pw_relu"]
    # D_K·D_K·M depthwise + M·N pointwise weights, vs D_K·D_K·M·N for a full conv.
    assert model.get_layer("ds_dw").count_params() == 3 * 3 * 32
    assert model.get_layer("ds_pw").count_params() == 32 * 64
    assert model.get_layer("ds_dw_relu").max_value == 6.0
    # Strided, keras.applications' names and its bottom/right padding:
    z = M.depthwise_separable_block(x, 64, alpha=0.5, strides=2, block_id=7)
    assert z.shape == (None, 8, 8, 32)
    pad = keras.Model(x, z).get_layer("conv_pad_7")
    assert pad.padding == ((0, 1), (0, 1))


def test_inverted_residual_block_linear_bottleneck_and_shortcut():
    x = keras.Input((16, 16, 24))
    y = M.inverted_residual_block(x, 24, expansion=6, strides=1, name="b")
    model = keras.Model(x, y)
    assert model.get_layer("b_expand").filters == 24 * 6
    assert isinstance(model.layers[-1], keras.layers.Add)  # same shape, stride 1
    # The projection is linear: the Add takes the BatchNorm output directly.
    assert model.layers[-1].input[1] is model.get_layer("b_project_BN").output
    # Stride 2 or a channel change: no shortcut.
    for kwargs in (dict(filters=24, strides=2), dict(filters=32, strides=1)):
        keras.backend.clear_session(free_memory=False)
        x = keras.Input((16, 16, 24))
        y = M.inverted_residual_block(x, expansion=6, name="b", **kwargs)
        layers = keras.Model(x, y).layers
        assert not any(isinstance(l, keras.layers.Add) for l in layers)
        assert layers[-1].name == "b_project_BN"
    # t = 1: no expansion convolution (MobileNetV2's first block).
    keras.backend.clear_session(free_memory=False)
    x = keras.Input((16, 16, 32))
    names = [l.name for l in keras.Model(
        x, M.inverted_residual_block(x, 16, expansion=1, block_id=0)).layers]
    assert "expanded_conv_expand" not in names and "expanded_conv_depthwise" in names


def test_make_divisible_rounds_like_the_reference_code():
    # torchvision's _round_to_multiple_of docstring: (83, 8) -> 80, (84, 8) -> 88.
    assert M.make_divisible(83, 8) == 80 and M.make_divisible(84, 8) == 88
    assert M.make_divisible(32 * 0.35, 8) == 16  # never below the divisor... 11.2 → 16
    assert M.make_divisible(3, 8) == 8


# --------------------------------------------------------------------- bad inputs

@pytest.fixture
def no_layers(monkeypatch):
    """Building any model input fails the test: validation must come first."""
    def fail(*args, **kwargs):
        raise AssertionError("a layer was built before the arguments were checked")

    monkeypatch.setattr(M, "model_input", fail)


@pytest.mark.parametrize("ctor", [M.MobileNet, M.MobileNetV2])
@pytest.mark.parametrize("alpha", [0, -0.5])
def test_alpha_must_be_positive(no_layers, ctor, alpha):
    with pytest.raises(ValueError, match="alpha"):
        ctor(alpha=alpha, input_shape=(224, 224, 3))


@pytest.mark.parametrize("expansion", [0, 0.5])
def test_expansion_below_one_is_rejected(expansion):
    x = keras.Input((16, 16, 8))
    with pytest.raises(ValueError, match="expansion"):
        M.inverted_residual_block(x, 8, expansion=expansion)
    with pytest.raises(ValueError, match="alpha"):
        M.depthwise_separable_block(x, 8, alpha=0)


@pytest.mark.parametrize("ctor, shape, stem, stride", [
    (M.MobileNet, (31, 31, 3), "imagenet", 32),
    (M.MobileNet, (15, 64, 3), "cifar", 16),
    (M.MobileNetV2, (16, 16, 3), "imagenet", 32),
    (M.MobileNetV2, (7, 7, 3), "cifar", 8),
])
def test_input_smaller_than_total_stride_is_rejected(no_layers, ctor, shape, stem,
                                                     stride):
    with pytest.raises(ValueError, match=f"input_shape.*at least {stride}"):
        ctor(input_shape=shape, stem=stem, include_top=False)


def test_bad_preset_and_dropout(no_layers, no_network):
    with pytest.raises(ValueError, match="preset.*'keras', 'timm'"):
        M.MobileNet(preset="torchvision")
    with pytest.raises(ValueError, match="dropout"):
        M.MobileNetV2(dropout=1.5)
    with pytest.raises(ValueError, match="weights='imagenet'"):
        M.MobileNet(preset="timm", weights="imagenet")


# ------------------------------------------------------------- attention="se"

def _se_params(channels, ratio=16):
    # Hu et al.: two 1×1 convolutions with biases, C → C/r → C.
    return 2 * channels * (channels // ratio) + channels // ratio + channels


def test_se_mobilenetv2_adds_exactly_the_analytic_se_parameters():
    plain = M.MobileNetV2(input_shape=(32, 32, 3), classes=10)
    keras.backend.clear_session(free_memory=False)
    se = M.MobileNetV2(input_shape=(32, 32, 3), classes=10, attention="se")
    # Expanded (depthwise) widths of the 17 blocks at α = 1: block 0 keeps the
    # stem's 32 channels (t = 1), every other block expands its input 6-fold
    # (paper Table 2: inputs 16, 24×2, 32×3, 64×4, 96×3, 160×3).
    expanded = [32] + [6 * c for c in (16, 24, 24, 32, 32, 32, 64, 64, 64, 64,
                                       96, 96, 96, 160, 160, 160)]
    assert se.count_params() - plain.count_params() == sum(map(_se_params, expanded))
    assert se.name == "se_" + plain.name
    # SE sits after the depthwise activation and feeds the projection.
    assert se.get_layer("block_3_se_squeeze").input is \
        se.get_layer("block_3_depthwise_relu").output
    assert se.get_layer("block_3_project").input is \
        se.get_layer("block_3_se_excite").output
    assert se.get_layer("block_3_se_reduce").filters == 144 // 16
    out = se.predict(np.zeros((1, 32, 32, 3), "float32"), verbose=0)
    assert out.shape == (1, 10)
    # The default leaves the twins' layers untouched.
    assert not any("_se_" in layer.name for layer in plain.layers)


def test_mobilenetv2_attention_takes_a_callable():
    calls = []

    def gate(x, name):
        calls.append((name, x.shape[-1]))
        return keras.layers.Activation("sigmoid", name=name)(x)

    model = M.MobileNetV2(input_shape=(32, 32, 3), include_top=False, alpha=0.5,
                          attention=gate)
    assert len(calls) == 17
    assert calls[0] == ("expanded_conv_se", 16) and calls[1] == ("block_1_se", 48)
    assert isinstance(model.get_layer("block_16_se"), keras.layers.Activation)


def test_inverted_residual_block_se_ratio_and_expanded_width():
    x = keras.Input((8, 8, 24))
    y = M.inverted_residual_block(x, 24, expansion=6, name="b", attention="se",
                                  se_ratio=8)
    model = keras.Model(x, y)
    assert model.get_layer("b_se_reduce").filters == 144 // 8
    assert model.get_layer("b_se_expand").filters == 144
    keras.backend.clear_session(free_memory=False)
    x = keras.Input((8, 8, 24))
    plain = keras.Model(x, M.inverted_residual_block(x, 24, expansion=6, name="b"))
    assert model.count_params() - plain.count_params() == _se_params(144, 8)


@pytest.mark.parametrize("kwargs, message", [
    (dict(attention="cbam"), "attention must be None, 'se' or a callable"),
    (dict(attention=16), "attention must be None, 'se' or a callable"),
    (dict(attention="se", se_ratio=33),
     "se_ratio must be at most the channel count 32"),
    (dict(attention="se", se_ratio=0), "se_ratio"),
    (dict(attention="se", weights="imagenet"), "attention must be None with weights"),
])
def test_mobilenetv2_bad_attention_is_rejected_before_any_layer(no_layers, kwargs,
                                                                  message, no_network):
    with pytest.raises(ValueError, match=message):
        M.MobileNetV2(input_shape=(32, 32, 3), **kwargs)


def test_inverted_residual_block_bad_attention(monkeypatch):
    x = keras.Input((8, 8, 16))

    def fail(*args, **kwargs):
        raise AssertionError("a layer was built before the arguments were checked")

    monkeypatch.setattr(M.keras.layers, "Conv2D", fail)
    monkeypatch.setattr(M.keras.layers, "DepthwiseConv2D", fail)
    with pytest.raises(ValueError, match="attention must be None, 'se' or a callable"):
        M.inverted_residual_block(x, 16, name="b", attention="eca")
    with pytest.raises(ValueError,
                       match="se_ratio must be at most the channel count 96"):
        M.inverted_residual_block(x, 16, name="b", attention="se", se_ratio=97)
    with pytest.raises(ValueError, match="attention needs name or block_id"):
        M.inverted_residual_block(x, 16, attention="se")
