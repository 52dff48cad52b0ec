"""Inception v3: keras.applications' twin (names, order, weights) and torchvision's."""

import json
from pathlib import Path

import keras
import numpy as np
import pytest

from keras_archs import InceptionLayers, InceptionV3, create_model, model_info
from keras_archs.analysis import count_params
from keras_archs.models import inception as inception_module
from keras_archs.weights import load_torch_weights

REPO = Path(__file__).resolve().parents[2]

# keras.applications.InceptionV3(weights=None): 23,851,784 (STYLE.md; also built below).
KERAS_INCEPTION_V3 = 23_851_784
# torchvision.models.inception_v3(aux_logits=False): 23,834,568 parameters as PyTorch
# counts them (BN γ/β, no running statistics); torchvision's weights meta says
# 27,161,264 because it includes the auxiliary head (3,326,696 more).
TORCHVISION_INCEPTION_V3 = 23_834_568


def _must_not_build(*args, **kwargs):
    raise AssertionError("a layer was built before the arguments were validated")


def test_keras_twin_names_order_count_and_weights_file(tmp_path):
    """Built at 75×75 (the count does not depend on the input size): same parameter
    count as keras.applications, same layers in the same order with the same names, and
    a .weights.h5 saved from keras.applications loads with identical logits."""
    reference = keras.applications.InceptionV3(
        weights=None, input_shape=(75, 75, 3), classifier_activation=None)
    assert reference.count_params() == KERAS_INCEPTION_V3
    reference.get_layer("predictions").set_weights(
        [np.random.default_rng(0).normal(0, 0.05, w.shape).astype("float32")
         for w in reference.get_layer("predictions").get_weights()])
    path = tmp_path / "inception_v3.weights.h5"
    reference.save_weights(path)

    model = create_model("inception_v3", input_shape=(75, 75, 3),
                         classifier_activation=None, weights=path)
    assert model.count_params() == KERAS_INCEPTION_V3
    assert [(type(layer).__name__, layer.name) for layer in model.layers][:-1] \
        == [(type(layer).__name__, layer.name) for layer in reference.layers]
    assert model.layers[-1].name == "predictions_activation"
    x = np.random.default_rng(1).random((1, 75, 75, 3), dtype="float32")
    np.testing.assert_array_equal(np.asarray(model(x)), np.asarray(reference(x)))


def test_imagenet_weights_copied_by_order_not_by_automatic_names(monkeypatch, tmp_path):
    """keras.applications names InceptionV3's layers automatically, so after another
    auto-named Conv2D its first convolution is conv2d_1, not conv2d: the copy must
    follow creation order. (The download is replaced by random weights offline.)
    The file keras.applications downloads is a legacy .h5: saved in that format, it
    loads through weights=path with the same outputs."""
    built, original = [], keras.applications.InceptionV3

    def offline_inception(weights, **kwargs):
        assert weights == "imagenet"
        keras.layers.Conv2D(1, 1)  # shifts Keras' automatic names by one
        built.append(original(weights=None, **kwargs))
        return built[-1]

    monkeypatch.setattr(keras.applications, "InceptionV3", offline_inception)
    model = InceptionV3(include_top=False, weights="imagenet", input_shape=(75, 75, 3),
                        pooling="avg")
    assert model.output.shape[1:] == (2048,)  # 75×75, the smallest input: 1×1 at mixed10
    reference = built[0]
    assert reference.layers[1].name == "conv2d_1" and model.layers[1].name == "conv2d"
    x = np.random.default_rng(2).random((1, 75, 75, 3), dtype="float32")
    features = keras.Model(reference.input, reference.output)(x)
    np.testing.assert_allclose(np.asarray(model(x)),
                               np.asarray(keras.ops.mean(features, axis=(1, 2))),
                               rtol=1e-6, atol=1e-6)

    import h5py
    from keras.src.legacy.saving import legacy_h5_format

    path = tmp_path / "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, reference)
    from_file = InceptionV3(include_top=False, weights=path, input_shape=(75, 75, 3),
                            pooling="avg")
    np.testing.assert_array_equal(np.asarray(from_file(x)), np.asarray(model(x)))


def test_imagenet_offline_fails_with_the_local_path_alternative(monkeypatch):
    def no_network(**kwargs):
        raise OSError("URL fetch failure")

    monkeypatch.setattr(keras.applications, "InceptionV3", no_network)
    monkeypatch.setattr(inception_module, "model_input", _must_not_build)
    with pytest.raises(RuntimeError, match="weights='/path/to/file.weights.h5'"):
        InceptionV3(include_top=False, weights="imagenet", input_shape=(75, 75, 3))


def test_torchvision_twin_layout_and_count():
    """torchvision Inception3: BasicConv2d = conv (no bias) + BN(eps=0.001, with γ) +
    ReLU; F.avg_pool2d(3, 1, padding=1) in the pool branches; dropout 0.5; fc."""
    model = create_model("tv_inception_v3", input_shape=(75, 75, 3))
    assert model_info("tv_inception_v3").torchvision == "inception_v3"
    assert model_info("inception_v3").keras_applications == "InceptionV3"
    assert count_params(model, include_bn_statistics=False) == TORCHVISION_INCEPTION_V3
    bns = [layer for layer in model.layers
           if isinstance(layer, keras.layers.BatchNormalization)]
    assert len(bns) == 94
    assert {(bn.scale, bn.epsilon, bn.momentum) for bn in bns} == {(True, 1e-3, 0.9)}
    assert model.get_layer("Mixed_5b_avg_pool_pad").padding == ((1, 1), (1, 1))
    assert model.get_layer("Mixed_5b_avg_pool").padding == "valid"
    assert model.get_layer("top_dropout").rate == 0.5
    for layer, shape in (("maxpool2", (7, 7, 192)), ("Mixed_5d", (7, 7, 288)),
                         ("Mixed_6e", (3, 3, 768)), ("Mixed_7c", (1, 1, 2048))):
        assert model.get_layer(layer).output.shape[1:] == shape
    keys = inception_module.inception_v3_torch_keys(model)
    assert keys["Conv2d_1a_3x3_conv"] == "Conv2d_1a_3x3.conv"
    assert keys["Mixed_6b_branch7x7dbl_5_bn"] == "Mixed_6b.branch7x7dbl_5.bn"
    assert keys["Mixed_7c_branch3x3dbl_3b_conv"] == "Mixed_7c.branch3x3dbl_3b.conv"
    assert keys["predictions"] == "fc"
    assert set(keys) == {layer.name for layer in model.layers if layer.weights}
    probs = model(np.random.rand(1, 75, 75, 3).astype("float32"))
    assert probs.shape == (1, 1000)
    np.testing.assert_allclose(np.asarray(probs).sum(), 1.0, rtol=1e-5)


def test_torchvision_aux_head_loads_torchvisions_aux_keys():
    """aux_logits=True adds torchvision's AuxLogits (5×5/3 average pool, conv 128,
    conv 5×5 768, global average, fc 768→1000): 27,161,264 parameters, torchvision's
    Inception_V3_Weights num_params; every key of a torchvision state dict with
    AuxLogits finds a layer."""
    model = create_model("tv_inception_v3", aux_logits=True, classifier_activation=None)
    assert model.output_names == ["predictions_activation", "aux"]
    assert count_params(model, include_bn_statistics=False) == 27_161_264
    assert model.get_layer("AuxLogits_conv1_conv").output.shape[1:] == (1, 1, 768)
    path = REPO / "tests" / "fixtures" / "torch_reference" / "reference.json"
    shapes = [(key, tuple(shape)) for key, shape, dtype in json.loads(
        path.read_text())["models"]["torchvision.inception_v3"]["state_dict"]
        if dtype.startswith("float")]
    for conv, c_in, c_out, k in (("conv0", 768, 128, 1), ("conv1", 128, 768, 5)):
        shapes += [(f"AuxLogits.{conv}.conv.weight", (c_out, c_in, k, k))]
        shapes += [(f"AuxLogits.{conv}.bn.{leaf}", (c_out,))
                   for leaf in ("weight", "bias", "running_mean", "running_var")]
    shapes += [("AuxLogits.fc.weight", (1000, 768)), ("AuxLogits.fc.bias", (1000,))]
    rng = np.random.default_rng(0)
    state = {key: rng.normal(0, 0.1, shape).astype("float32") for key, shape in shapes}
    load_torch_weights(model, state, inception_module.inception_v3_torch_keys)
    np.testing.assert_array_equal(model.get_layer("AuxLogits_conv1_conv").kernel.numpy(),
                                  state["AuxLogits.conv1.conv.weight"].transpose(2, 3, 1, 0))
    np.testing.assert_array_equal(model.get_layer("AuxLogits_fc").kernel.numpy(),
                                  state["AuxLogits.fc.weight"].T)


def test_pool_branch_counts_padding_like_pytorch():
    """On a map of ones, PyTorch's count_include_pad=True gives 4/9 in the corners and
    6/9 on the edges; Keras' "same" average pool gives 1 everywhere."""
    inputs = keras.Input((4, 4, 1))
    torch_like = keras.Model(
        inputs, InceptionLayers("torchvision").avg_pool(inputs, name="p"))(
        np.ones((1, 4, 4, 1), "float32")).numpy()[0, :, :, 0]
    np.testing.assert_allclose(torch_like[0, 0], 4 / 9, rtol=1e-6)
    np.testing.assert_allclose(torch_like[0, 1], 6 / 9, rtol=1e-6)
    np.testing.assert_allclose(torch_like[1, 1], 1.0, rtol=1e-6)
    keras_like = keras.Model(inputs, InceptionLayers("keras").avg_pool(inputs, name="p"))(
        np.ones((1, 4, 4, 1), "float32")).numpy()
    np.testing.assert_allclose(keras_like, 1.0, rtol=1e-6)


def test_blocks_output_widths():
    """Widths of the paper's modules as released: A 224 + pool features, B 288 + 480,
    C 768, D 768 + 512, E 2048; reductions halve the grid (valid 3×3/2)."""
    layers = InceptionLayers("torchvision")
    x35 = keras.Input((35, 35, 192))
    assert inception_module.inception_a(
        x35, 32, layers=layers, name="a", keras_name=None).shape[1:] == (35, 35, 256)
    x35b = keras.Input((35, 35, 288))
    assert inception_module.inception_b(
        x35b, layers=layers, name="b", keras_name=None).shape[1:] == (17, 17, 768)
    x17 = keras.Input((17, 17, 768))
    assert inception_module.inception_c(
        x17, 128, layers=layers, name="c", keras_name=None).shape[1:] == (17, 17, 768)
    assert inception_module.inception_d(
        x17, layers=layers, name="d", keras_name=None).shape[1:] == (8, 8, 1280)
    x8 = keras.Input((8, 8, 1280))
    assert inception_module.inception_e(
        x8, layers=layers, name="e", keras_name=None,
        keras_split_name=None).shape[1:] == (8, 8, 2048)


def test_cifar_variant_at_32x32():
    """Stride-1 stem without max-pools: 32 → 32 (35×35-grid modules) → 15 (mixed3)
    → 7 (mixed8); same layers and count as the ImageNet model; BN momentum 0.9,
    epsilon 1e-5."""
    model = create_model("inception_v3", input_shape=(32, 32, 3), num_classes=10)
    assert model.name == "inception_v3_cifar"
    assert model.count_params() == KERAS_INCEPTION_V3 - 2048 * 990 - 990
    # Only mixed3's and mixed8's max-pools are left (the ImageNet model has 4).
    assert sum(isinstance(layer, keras.layers.MaxPooling2D) for layer in model.layers) == 2
    for layer, side in (("mixed2", 32), ("mixed3", 15), ("mixed8", 7), ("mixed10", 7)):
        assert model.get_layer(layer).output.shape[1] == side
    bns = {(layer.momentum, layer.epsilon) for layer in model.layers
           if isinstance(layer, keras.layers.BatchNormalization)}
    assert bns == {(0.9, 1e-5)}
    assert model(np.random.rand(1, 32, 32, 3).astype("float32")).shape == (1, 10)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(input_shape=(74, 74, 3)), ValueError,
     r"input_shape must be at least 75×75 with the imagenet stem .*stem='cifar'"),
    (dict(input_shape=(32, 32, 3), stem="imagenet"), ValueError, r"at least 75×75"),
    (dict(input_shape=(6, 6, 3)), ValueError, r"at least 7×7 with the cifar stem"),
    (dict(stem="small"), ValueError, "stem must be one of"),
    (dict(preset="tf"), ValueError, "preset must be one of 'keras', 'torchvision'"),
    (dict(dropout=1.0), ValueError, "dropout must be a number in"),
    (dict(preset="torchvision", weights="imagenet"), ValueError,
     "only available for models with a keras.applications counterpart"),
    (dict(weights="imagenet", classes=10), ValueError, "needs classes=1000"),
    (dict(aux_logits=True), ValueError, "aux_logits=True needs preset='torchvision'"),
    (dict(preset="torchvision", aux_logits=True, input_shape=(298, 298, 3)), ValueError,
     r"aux_logits=True needs a fixed input of at least 299×299"),
    (dict(preset="torchvision", aux_logits=True, include_top=False), ValueError,
     "aux_logits=True needs include_top=True"),
    (dict(aux_logits=1), TypeError, "aux_logits must be True or False"),
])
def test_bad_input_raises_before_building(kwargs, error, match, monkeypatch):
    monkeypatch.setattr(inception_module, "model_input", _must_not_build)
    with pytest.raises(error, match=match):
        InceptionV3(**kwargs)
