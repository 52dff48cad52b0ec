"""VGG: the seed API, keras.applications parity, weights, and bad input."""

import h5py
import keras
import numpy as np
import pytest

from keras_archs import VGG16, VGG19, build_vgg, build_vgg_block, create_model


def _conv_layers(model):
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]


def test_build_vgg_seed_defaults_is_vgg16_on_cifar10():
    model = build_vgg()
    assert model.input_shape == (None, 32, 32, 3)
    assert model.output_shape == (None, 10)
    assert model.count_params() == 33_638_218
    assert len(_conv_layers(model)) == 13


def test_build_vgg_seed_positional_order_and_vgg19():
    model = build_vgg((32, 32, 3), [2, 2, 4, 4, 4], [64, 128, 256, 512, 512], 10)
    assert len(_conv_layers(model)) == 16
    # one more 3x3 conv in blocks 3, 4 and 5 than VGG-16
    extra = (256 * 256 * 9 + 256) + 2 * (512 * 512 * 9 + 512)
    assert model.count_params() == 33_638_218 + extra == 38_947_914


def test_seed_block_keeps_seed_layer_names():
    inputs = keras.Input((32, 32, 3))
    out = build_vgg_block(inputs, num_cnn=2, channel=8, block_num=0)
    model = keras.Model(inputs, out)
    assert [layer.name for layer in model.layers[1:]] == [
        "block0_conv0", "block0_conv1", "block0_pooling"]
    assert model.output_shape == (None, 16, 16, 8)


def test_registry_vgg_uses_keras_applications_layer_names():
    ours = VGG16(input_shape=(32, 32, 3), classes=10)
    theirs = keras.applications.VGG16(weights=None, input_shape=(32, 32, 3), classes=10)
    ours_weighted = [layer.name for layer in ours.layers if layer.weights]
    theirs_weighted = [layer.name for layer in theirs.layers if layer.weights]
    assert ours_weighted == theirs_weighted
    assert {"block1_conv1", "block1_pool", "fc1", "fc2", "predictions"} <= {
        layer.name for layer in ours.layers}


@pytest.mark.parametrize("constructor, expected", [(VGG16, 138_357_544), (VGG19, 143_667_240)])
def test_imagenet_param_counts_match_keras_applications(constructor, expected):
    model = constructor(weights=None)
    assert model.input_shape == (None, 224, 224, 3)
    assert model.output_shape == (None, 1000)
    assert model.count_params() == expected


def test_batchnorm_variant_matches_torchvision_count():
    model = create_model("vgg16_bn", input_shape=(224, 224, 3))
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert trainable == 138_365_992  # torchvision vgg16_bn (BN statistics are buffers)
    assert any(isinstance(layer, keras.layers.BatchNormalization) for layer in model.layers)


def test_include_top_false_and_pooling():
    features = VGG16(include_top=False, input_shape=(64, 64, 3))
    assert features.output_shape == (None, 2, 2, 512)
    pooled = VGG16(include_top=False, pooling="avg", input_shape=(64, 64, 3))
    assert pooled.output_shape == (None, 512)


def test_input_tensor_is_used():
    inputs = keras.Input((32, 32, 3))
    model = VGG16(input_tensor=inputs, include_top=False, pooling="max")
    assert model.inputs[0] is inputs
    assert model.output_shape == (None, 512)


def test_softmax_is_float32_activation_layer():
    model = VGG16(input_shape=(32, 32, 3), classes=10)
    last = model.layers[-1]
    assert isinstance(last, keras.layers.Activation)
    assert last.dtype_policy.compute_dtype == "float32"
    probs = model(np.random.rand(2, 32, 32, 3).astype("float32"))
    np.testing.assert_allclose(np.sum(probs, axis=-1), 1.0, rtol=1e-5)


def test_keras_applications_weights_load_with_identical_logits(tmp_path):
    # Logits (classifier_activation=None), not softmax outputs, which saturate.
    theirs = keras.applications.VGG16(weights=None, input_shape=(32, 32, 3), classes=10,
                                      classifier_activation=None)
    path = tmp_path / "vgg16.weights.h5"
    theirs.save_weights(path)
    ours = VGG16(weights=str(path), input_shape=(32, 32, 3), classes=10,
                 classifier_activation=None)
    batch = np.random.default_rng(0).random((4, 32, 32, 3), dtype=np.float32) * 255
    expected = np.asarray(theirs(batch, training=False))
    assert expected.std() > 0.01  # logits that differ between images and classes
    np.testing.assert_allclose(np.asarray(ours(batch, training=False)), expected,
                               rtol=1e-5, atol=1e-5 * np.abs(expected).max())


def test_imagenet_weights_are_copied_by_layer_name(monkeypatch, no_network):
    """weights='imagenet' builds keras.applications' model (which downloads) and copies
    layer by layer; the download itself is replaced by a random-weights model here."""
    reference = keras.applications.VGG16(weights=None, include_top=False,
                                         input_shape=(32, 32, 3))
    calls = {}

    def fake_vgg16(weights, **kwargs):
        calls.update(kwargs, weights=weights)
        return reference

    monkeypatch.setattr(keras.applications, "VGG16", fake_vgg16)
    ours = VGG16(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    assert calls["weights"] == "imagenet" and calls["include_top"] is False
    for layer in ours.layers:
        for mine, ref in zip(layer.get_weights(), reference.get_layer(layer.name).get_weights()):
            np.testing.assert_array_equal(mine, ref)


def test_imagenet_download_failure_is_one_clear_error(monkeypatch, no_network):
    def offline(**kwargs):
        raise OSError("URL fetch failure: Name or service not known")

    monkeypatch.setattr(keras.applications, "VGG16", offline)
    with pytest.raises(RuntimeError, match="weights='/path/to/file.weights.h5'"):
        VGG16(weights="imagenet", include_top=False, input_shape=(32, 32, 3))


@pytest.fixture
def no_layers_built(monkeypatch):
    """Fail the test if any Keras layer is constructed: validation must come first."""

    def forbidden(self, *args, **kwargs):
        raise AssertionError(f"{type(self).__name__} was built before validation")

    for cls in (keras.layers.Conv2D, keras.layers.Dense, keras.layers.InputLayer):
        monkeypatch.setattr(cls, "__init__", forbidden)


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(num_cnn_list=(2, 2, 3), channel_list=(64, 128)), ValueError,
     "num_cnn_list and channel_list must have the same length, got 3 and 2"),
    (dict(num_cnn_list=(), channel_list=()), ValueError, "num_cnn_list must not be empty"),
    (dict(num_cnn_list=(2, 0, 3, 3, 3)), ValueError, "num_cnn_list entries must be >= 1"),
    (dict(channel_list=(64, -128, 256, 512, 512)), ValueError, "channel_list entries must be >= 1"),
    (dict(num_cnn_list=(2, 2.5, 3, 3, 3)), TypeError, "num_cnn_list must contain only integers"),
    (dict(num_cnn_list="22333"), TypeError, "num_cnn_list must be a list or tuple"),
    (dict(input_shape=(16, 16, 3)), ValueError, "input_shape height must be at least 32"),
    (dict(input_shape=(32, 32)), ValueError, "input_shape must be (height, width, channels)"),
    (dict(num_classes=0), ValueError, "classes (num_classes) must be an integer >= 1"),
])
def test_bad_input_raises_before_any_layer_is_built(no_layers_built, kwargs, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        build_vgg(**kwargs)


def test_bad_weights_paths_are_rejected_before_building(no_layers_built, tmp_path,
                                                        no_network):
    with pytest.raises(ValueError, match="does not exist"):
        VGG16(weights=str(tmp_path / "missing.weights.h5"))
    text = tmp_path / "notes.txt"
    text.write_text("not weights")
    with pytest.raises(ValueError, match="must end in .weights.h5"):
        VGG16(weights=str(text))
    fake = tmp_path / "fake.weights.h5"
    fake.write_text("not hdf5")
    with pytest.raises(ValueError, match="is not an HDF5 weights file"):
        VGG16(weights=str(fake))
    with pytest.raises(ValueError, match="is a directory"):
        VGG16(weights=str(tmp_path))
    with pytest.raises(ValueError, match="needs classes=1000"):
        VGG16(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="pooling must be one of None, 'avg', 'max'"):
        VGG16(pooling="mean")


def test_weights_that_do_not_fit_name_the_layer(tmp_path):
    path = tmp_path / "vgg19.weights.h5"
    VGG19(input_shape=(32, 32, 3), classes=10).save_weights(path)
    assert h5py.is_hdf5(path)
    # VGG-19's file holds 16 convolutions, VGG-16 has 13: the three left over are named
    # as the file keys them (Keras numbers layers of a class in creation order).
    with pytest.raises(ValueError, match=r"vgg19\.weights\.h5' does not fit this "
                                         r"architecture \(vgg16\): the file holds weights "
                                         r"for 3 layers this model does not have"):
        VGG16(input_shape=(32, 32, 3), classes=10, weights=str(path))


# --- the torchvision twins -----------------------------------------------------------

# torchvision/models/vgg.py (0.26): cfgs "A", "B", "D", "E" and make_layers, which
# appends Conv2d, [BatchNorm2d], ReLU per number and MaxPool2d per "M" to one Sequential.
_TORCHVISION_CFGS = {
    11: [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    13: [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    16: [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512,
         512, "M"],
    19: [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
         512, 512, 512, 512, "M"],
}


def _torchvision_feature_indices(depth, batch_norm):
    modules = []
    for v in _TORCHVISION_CFGS[depth]:
        modules += ["pool"] if v == "M" else (
            ["conv", "bn", "relu"] if batch_norm else ["conv", "relu"])
    return ([i for i, m in enumerate(modules) if m == "conv"],
            [i for i, m in enumerate(modules) if m == "bn"])


@pytest.mark.parametrize("depth", [11, 13, 16, 19])
@pytest.mark.parametrize("batch_norm", [False, True])
def test_torch_keys_follow_torchvisions_sequential_indices(depth, batch_norm):
    from keras_archs import model_info
    from keras_archs.models.vgg import vgg_torch_keys

    name = f"vgg{depth}{'_bn' if batch_norm else ''}"
    assert model_info(name).torchvision == name
    model = create_model(name, input_shape=(32, 32, 3), include_top=False)
    keys = vgg_torch_keys(model)
    conv_idx, bn_idx = _torchvision_feature_indices(depth, batch_norm)
    convs = [layer.name for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    bns = [layer.name for layer in model.layers
           if isinstance(layer, keras.layers.BatchNormalization)]
    assert [keys[n] for n in convs] == [f"features.{i}" for i in conv_idx]
    assert [keys[n] for n in bns] == [f"features.{i}" for i in bn_idx]
    assert {k: keys[k] for k in ("fc1", "fc2", "predictions")} == {
        "fc1": "classifier.0", "fc2": "classifier.3", "predictions": "classifier.6"}
    for layer in bns:
        bn = model.get_layer(layer)
        # PyTorch's BatchNorm2d: eps 1e-5, momentum 0.1 (Keras' 0.9)
        assert (bn.epsilon, bn.momentum) == (1e-5, 0.9)


def _torch_layout_state_dict(model, keys, seed=0):
    """Random weights for ``model`` in PyTorch's layouts, under torchvision's keys."""
    rng = np.random.default_rng(seed)
    state = {}
    for name, prefix in keys.items():
        if name not in [layer.name for layer in model.layers]:
            continue
        for var in model.get_layer(name).weights:
            value = rng.standard_normal(var.shape).astype(np.float32) * 0.05
            leaf = {"kernel": "weight", "bias": "bias", "gamma": "weight", "beta": "bias",
                    "moving_mean": "running_mean",
                    "moving_variance": "running_var"}[var.name]
            if var.name == "moving_variance":
                value = np.abs(value) + 0.5
            if value.ndim == 4:
                value = value.transpose(3, 2, 0, 1)
            elif value.ndim == 2:
                value = value.T
            state[f"{prefix}.{leaf}"] = np.ascontiguousarray(value)
    return state


@pytest.fixture
def vgg11_top_free(tmp_path):
    """vgg11 without top at 32×32 and a matching checkpoint in torchvision's keys."""
    from keras_archs.models.vgg import vgg_torch_keys

    model = create_model("vgg11", input_shape=(32, 32, 3), include_top=False)
    return _torch_layout_state_dict(model, vgg_torch_keys(model))


def _save(state, path):
    from safetensors.numpy import save_file

    save_file(state, str(path))
    return str(path)


def test_torchvision_checkpoint_loads_into_the_matching_layers(vgg11_top_free, tmp_path):
    path = _save(vgg11_top_free, tmp_path / "vgg11.safetensors")
    with pytest.warns(UserWarning, match="except the classifier: 'fc1' \\(checkpoint "
                                         "'classifier.0'\\).*the model has no classifier"):
        model = create_model("vgg11", input_shape=(32, 32, 3), include_top=False,
                             weights=path)
    np.testing.assert_array_equal(
        np.asarray(model.get_layer("block3_conv2").kernel),
        vgg11_top_free["features.8.weight"].transpose(2, 3, 1, 0))
    np.testing.assert_array_equal(np.asarray(model.get_layer("block3_conv2").bias),
                                  vgg11_top_free["features.8.bias"])


def test_checkpoint_of_another_architecture_lists_the_keys(tmp_path):
    resnet_like = {"conv1.weight": np.zeros((64, 3, 7, 7), np.float32),
                   "bn1.weight": np.ones(64, np.float32),
                   "layer1.0.conv1.weight": np.zeros((64, 64, 3, 3), np.float32),
                   "fc.weight": np.zeros((1000, 512), np.float32)}
    path = _save(resnet_like, tmp_path / "resnet18.safetensors")
    with pytest.raises(ValueError) as err:
        create_model("vgg11", input_shape=(32, 32, 3), weights=path)
    message = str(err.value)
    assert "resnet18.safetensors" in message and "does not fit vgg11" in message
    assert "keys the model needs but the checkpoint lacks: 'features.0.weight'" in message
    # (safetensors stores keys sorted)
    assert "checkpoint keys left unused: 'bn1.weight', 'conv1.weight', 'fc.weight', " \
           "'layer1.0.conv1.weight'" in message


def test_shape_mismatch_names_both_shapes(vgg11_top_free, tmp_path):
    state = dict(vgg11_top_free)
    state["features.3.weight"] = np.zeros((128, 32, 3, 3), np.float32)  # in: 64
    path = _save(state, tmp_path / "bad.safetensors")
    with pytest.raises(ValueError, match=r"layer 'block2_conv1' .*this model has shape "
                                         r"\(3, 3, 64, 128\), the checkpoint's "
                                         r"'features.3.weight' has \(3, 3, 32, 128\)"):
        create_model("vgg11", input_shape=(32, 32, 3), include_top=False, weights=path)


def test_code_execution_checkpoint_is_refused_through_create_model(monkeypatch):
    from pathlib import Path

    import os
    calls = []
    path = Path(__file__).parents[1] / "fixtures" / "torch_checkpoints" / \
        "refuse_code_execution.pth"
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a))
    with pytest.raises(ValueError, match=r"refusing to load .*refuse_code_execution.pth"
                                         r".*'posix.system' \(os.system\)"):
        create_model("vgg11", input_shape=(32, 32, 3), include_top=False,
                     weights=str(path))
    assert calls == []
