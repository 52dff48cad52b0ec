"""build_transfer_model: hub, keras.applications and registry backbones under a new head."""

import importlib
import time

import keras
import numpy as np
import pytest

from keras_archs.transfer import (
    ImagePreprocessing, applications_names,
    applications_preprocessing, build_transfer_model)

INCEPTION_V3_NOTOP = 21_802_784  # keras.applications: 23,851,784 - (2048*1000 + 1000)


# One keras.applications model per module, e.g. InceptionV3 for inception_v3.
_MODULES = {getattr(keras.applications, n).__module__.rsplit(".", 1)[-1]: n
            for n in applications_names()}


@pytest.mark.parametrize("module", sorted(_MODULES))
def test_preprocessing_matches_keras_preprocess_input(module):
    pixels = np.random.default_rng(0).uniform(0, 255, (2, 8, 8, 3)).astype("float32")
    official = importlib.import_module(f"keras.applications.{module}").preprocess_input
    expected = np.asarray(official(pixels.copy()))
    layer = ImagePreprocessing(applications_preprocessing(_MODULES[module]))
    np.testing.assert_allclose(np.asarray(layer(pixels)), expected, rtol=1e-5,
                               atol=1e-4)


def test_every_keras_application_has_a_preprocessing_mode():
    names = applications_names()
    assert "InceptionV3" in names and "ResNet50" in names and len(names) >= 40
    modes = {name: applications_preprocessing(name) for name in names}
    assert modes["InceptionV3"] == "tf" and modes["VGG16"] == "caffe"
    assert modes["DenseNet121"] == "torch" and modes["EfficientNetB0"] == "none"


def test_hub_backbone_model(tiny_signature_hub):
    model = build_transfer_model(f"hub:{tiny_signature_hub.path}", 4,
                                 output_key="features")
    # The fixed 16×16 trace of the SavedModel becomes the model's input shape.
    assert model.input_shape == (None, 16, 16, 3)
    assert [layer.name for layer in model.layers] == [
        "image", "preprocessing", "backbone", "head_dropout", "predictions",
        "predictions_activation"]
    assert model.get_layer("preprocessing").mode == "unit"
    assert model.get_layer("predictions_activation").dtype_policy.compute_dtype == \
        "float32"
    assert model.get_layer("backbone").trainable is False
    x = np.random.default_rng(0).uniform(0, 255, (2, 16, 16, 3)).astype("float32")
    probs = model.predict(x, verbose=0)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_registry_backbone():
    model = build_transfer_model("vgg11", 10, input_shape=(32, 32, 3), weights=None,
                                 dropout=0.0)
    backbone = model.get_layer("backbone")
    assert backbone.output.shape == (None, 1, 1, 512)  # include_top=False
    # The registry's mode: vgg11's pretrained weights are torchvision's.
    assert model.get_layer("preprocessing").mode == "torch"
    assert [layer.name for layer in model.layers[-3:]] == [
        "avg_pool", "predictions", "predictions_activation"]
    assert model.count_params() == backbone.count_params() + 512 * 10 + 10
    assert not backbone.trainable and len(model.trainable_weights) == 2


def test_transfer_model_roundtrips_through_keras_file(tmp_path):
    model = build_transfer_model("vgg11", 10, input_shape=(32, 32, 3), weights=None)
    model.save(tmp_path / "transfer.keras")
    loaded = keras.saving.load_model(tmp_path / "transfer.keras", safe_mode=True)
    assert loaded.get_layer("preprocessing").mode == "torch"
    assert not loaded.get_layer("backbone").trainable
    x = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0),
                                  loaded.predict(x, verbose=0))


@pytest.mark.slow
def test_applications_inception_v3_with_local_weights(inception_hub):
    model = build_transfer_model("applications:InceptionV3", 10,
                                 input_shape=(75, 75, 3),
                                 weights=inception_hub.weights_path)
    backbone = model.get_layer("backbone")
    assert model.get_layer("preprocessing").mode == "tf"
    assert backbone.count_params() == INCEPTION_V3_NOTOP
    assert model.count_params() == INCEPTION_V3_NOTOP + 2048 * 10 + 10
    for ours, saved in zip(backbone.weights, inception_hub.model.weights):
        np.testing.assert_array_equal(ours.numpy(), saved.numpy())
    x = np.random.default_rng(0).uniform(0, 255, (1, 75, 75, 3)).astype("float32")
    features = keras.Model(model.input, model.get_layer("avg_pool").output)
    expected = inception_hub.model(x / 127.5 - 1.0, training=False).numpy()
    np.testing.assert_allclose(features(x).numpy(), expected.mean(axis=(1, 2)),
                               rtol=1e-4, atol=1e-5)


def test_bad_backbones_and_arguments(tiny_hub, tmp_path):
    with pytest.raises(ValueError, match="'applications:NoSuchNet' is not a "
                                         "keras.applications model.*InceptionV3"):
        build_transfer_model("applications:NoSuchNet", 10)
    with pytest.raises(ValueError, match="Did you mean InceptionV3"):
        build_transfer_model("applications:InceptionV2", 10)
    with pytest.raises(ValueError, match="applications:InceptionV3.*input_shape="
                                         r"\(32, 32, 3\).*75"):
        build_transfer_model("applications:InceptionV3", 10, input_shape=(32, 32, 3),
                             weights=None)
    with pytest.raises(ValueError, match="'nosuchnet' is not 'hub:<handle>'"):
        build_transfer_model("nosuchnet", 10)
    with pytest.raises(TypeError, match="backbone must be a string"):
        build_transfer_model(None, 10)
    with pytest.raises(ValueError, match="TF-Hub backbone carries its own weights"):
        build_transfer_model(f"hub:{tiny_hub.path}", 10, weights=str(tmp_path / "w.h5"))
    with pytest.raises(ValueError, match="weights file .* does not exist"):
        build_transfer_model("vgg11", 10, weights=str(tmp_path / "missing.weights.h5"))
    with pytest.raises(ValueError, match=r"dropout must be a number in \[0, 1\)"):
        build_transfer_model("vgg11", 10, dropout=1.5)
    with pytest.raises(ValueError, match="pooling must be one of 'avg', 'max'"):
        build_transfer_model("vgg11", 10, pooling="min")
    with pytest.raises(ValueError, match="num_classes must be"):
        build_transfer_model("vgg11", 0)
    with pytest.raises(ValueError, match="preprocessing must be one of"):
        build_transfer_model("vgg11", 10, preprocessing="imagenet")
    with pytest.raises(ValueError, match="handle '/no/such/dir' does not exist"):
        build_transfer_model("hub:/no/such/dir", 10)


def test_imagenet_weights_offline_fail_fast_with_local_path_advice(no_network):
    start = time.perf_counter()
    with pytest.raises(ValueError, match="weights='/path/to/file.weights.h5'") as err:
        build_transfer_model("applications:MobileNet", 10, input_shape=(32, 32, 3),
                             weights="imagenet")
    assert time.perf_counter() - start < 60
    # The download itself was attempted and failed on the cut network (not, say, a
    # validation error before it).
    assert "URL fetch failure" in str(err.value)
    assert "cut by the test's no_network fixture" in str(err.value)
