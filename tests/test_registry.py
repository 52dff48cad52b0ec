"""The registry, and facts every registered model must satisfy."""

import json
import zipfile

import keras
import numpy as np
import pytest

from keras_archs import ModelInfo, create_model, list_models, model_info
from keras_archs.registry import PREPROCESSING_MODES, natural_key
from keras_archs.weights import load_weights
from tests._sizes import (BIG, DEEP, DEEP_LAYERS, all_models_requested, is_big,
                          with_full_checks)

ALL_MODELS = list_models()


def test_list_models_is_sorted_naturally_and_filters_with_patterns():
    assert ALL_MODELS == sorted(ALL_MODELS, key=natural_key)
    assert list_models("resnet1*")[:2] == ["resnet18", "resnet101"]
    assert natural_key("resnet18") < natural_key("resnet50") < natural_key("resnet101")
    assert {"vgg16", "vgg19"} <= set(ALL_MODELS)
    assert list_models("vgg1?") == ["vgg11", "vgg13", "vgg16", "vgg19"]
    assert list_models("VGG16*") == ["vgg16", "vgg16_bn"]
    assert list_models("no-such-*") == []


def test_model_info_describes_the_model():
    info = model_info("vgg16")
    assert isinstance(info, ModelInfo)
    assert info.family == "vgg"
    assert "1409.1556" in info.paper
    assert info.reference_params == 138_357_544
    assert info.reference_source == "keras.applications.VGG16"
    assert info.keras_applications == "VGG16"
    assert info.preprocessing == "caffe"
    assert info.default_input_shape == (224, 224, 3)
    assert model_info("VGG16") is info


def test_unknown_name_lists_close_matches():
    with pytest.raises(ValueError, match=r"Unknown model name 'vgg61'\. Did you mean: .*vgg16"):
        create_model("vgg61")
    with pytest.raises(TypeError, match="name must be a string"):
        model_info(16)


def test_create_model_takes_num_classes_not_classes():
    with pytest.raises(TypeError, match="num_classes="):
        create_model("vgg11", classes=10)


@pytest.mark.parametrize("name", ALL_MODELS)
def test_model_info_is_complete(name):
    info = model_info(name)
    assert info.name == name and info.family and info.paper and info.description
    assert info.preprocessing in PREPROCESSING_MODES
    if info.reference_params is not None:
        assert info.reference_source


# Reference counts: tests/test_reference_counts.py builds every referenced model and
# compares its count with the published number, written there with its source.


def _all_layers(model):
    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from _all_layers(layer)


def _assert_same_outputs(result, expected):
    actual = keras.tree.flatten(result)
    assert len(actual) == len(expected)
    for a, b in zip(actual, expected):
        np.testing.assert_allclose(np.asarray(a), b, rtol=1e-5, atol=1e-6)


CIFAR_KWARGS = dict(input_shape=(32, 32, 3), num_classes=10, classifier_activation=None)
# Every model round-trips in full under `make test-all`; `make test` builds the big ones
# (tests/_sizes.py), runs them once and round-trips their config (their own code): the
# path of the values is Keras' and the same for every model.
# (Under `make test-all` the big ones take both, so neither list is empty.)
FULL_ROUND_TRIP = with_full_checks(ALL_MODELS)
CONFIG_ROUND_TRIP = [n for n in ALL_MODELS if is_big(n)]


def _check_cifar_build(name, model):
    """No Lambda, CIFAR BatchNorm presets, logits out."""
    assert not any(isinstance(layer, keras.layers.Lambda) for layer in _all_layers(model))
    # CIFAR-size models train with PyTorch's BatchNorm momentum 0.1 (Keras 0.9), as
    # their references do: with Keras' 0.99 a two-epoch ResNet-20 validated at chance.
    assert {layer.momentum for layer in _all_layers(model)
            if isinstance(layer, keras.layers.BatchNormalization)} <= {0.9}
    # Logits, not softmax (which saturates): every output ends in a linear activation.
    for output in model.outputs:
        last = output._keras_history.operation
        assert last.activation is keras.activations.linear, (name, last.name)
    assert tuple(model.outputs[0].shape) == (None, 10)


@pytest.mark.slow
@pytest.mark.parametrize("name", FULL_ROUND_TRIP)
def test_cifar_sized_model_runs_and_round_trips_through_keras_file(name, tmp_path):
    """The CIFAR variant at 32×32: no Lambda, CIFAR BatchNorm presets, and the same
    logits after a .keras round trip (safe_mode=True, no custom_objects) and after a
    .weights.h5 round trip (with keras_archs' loader)."""
    model = create_model(name, **CIFAR_KWARGS)
    _check_cifar_build(name, model)
    batch = np.random.default_rng(0).random((1, 32, 32, 3), dtype=np.float32)
    # Eager calls: tracing a predict function for a 150-layer graph costs more than
    # everything else in this test.
    expected = [np.asarray(t) for t in keras.tree.flatten(model(batch, training=False))]
    assert expected[0].shape == (1, 10)

    path = tmp_path / f"{name}.keras"
    model.save(path)
    restored = keras.saving.load_model(path, safe_mode=True)  # no custom_objects
    _assert_same_outputs(restored(batch, training=False), expected)

    # The .weights.h5 file Keras wrote into the .keras archive: the same writer as
    # model.save_weights (tested on its own elsewhere), without saving twice.
    weights = tmp_path / f"{name}.weights.h5"
    with zipfile.ZipFile(path) as archive:
        weights.write_bytes(archive.read("model.weights.h5"))
    # Into the model rebuilt from its config (by load_model; building a third copy
    # costs more than everything else here), with every weight moved off the saved
    # value first, so a variable the file does not fill would show.
    for variable in restored.weights:
        variable.assign(variable + keras.ops.ones_like(variable))
    # keras_archs' loader: Keras' load_weights plus its check that no layer of the
    # file is left over (so it must find every model's layers as Keras keys them).
    load_weights(restored, weights)
    # Bit-equal weights in the model whose logits were just checked equal: equal
    # logits, without another forward pass (0.5 s a model).
    for ours, saved in zip(restored.weights, model.weights):
        np.testing.assert_array_equal(ours.numpy(), saved.numpy(), err_msg=ours.path)


@pytest.mark.slow
@pytest.mark.parametrize("name", CONFIG_ROUND_TRIP)
def test_big_model_runs_and_its_config_round_trips(name):
    """The big models: built, one forward pass, and the config a .keras file holds
    (``serialize_keras_object``, through JSON) rebuilds the same layers and weight
    shapes with ``safe_mode=True`` and no custom_objects — in a StatelessScope, where
    nothing is initialised: the values' path is Keras' and the same for every model."""
    model = create_model(name, **CIFAR_KWARGS)
    _check_cifar_build(name, model)
    if name in DEEP:  # big by depth (tests/_sizes.py): the list must not go stale
        assert len(model.layers) > DEEP_LAYERS, (name, len(model.layers))
    batch = np.random.default_rng(0).random((1, 32, 32, 3), dtype=np.float32)
    outputs = keras.tree.flatten(model(batch, training=False))
    logits = keras.ops.convert_to_numpy(outputs[0])
    assert logits.shape == (1, 10) and np.isfinite(logits).all()
    config = json.loads(json.dumps(keras.saving.serialize_keras_object(model)))
    with keras.StatelessScope():
        restored = keras.saving.deserialize_keras_object(config, safe_mode=True)
    assert isinstance(restored, keras.Model)
    assert [(type(layer), layer.name) for layer in restored.layers] == \
        [(type(layer), layer.name) for layer in model.layers]
    assert [(v.path, tuple(v.shape)) for v in restored.weights] == \
        [(v.path, tuple(v.shape)) for v in model.weights]
    # Through JSON, as in the file: tuples come back as lists.
    assert json.loads(json.dumps(restored.get_config())) == \
        json.loads(json.dumps(model.get_config()))


def test_every_model_round_trips_in_full_or_by_config():
    assert set(FULL_ROUND_TRIP) | set(CONFIG_ROUND_TRIP) == set(ALL_MODELS)
    # Every family keeps at least one model with the full round trip.
    assert {model_info(n).family for n in FULL_ROUND_TRIP} == \
        {model_info(n).family for n in ALL_MODELS}
    assert DEEP <= set(ALL_MODELS)
    assert not any((model_info(n).reference_params or 0) > BIG for n in DEEP)
    assert {"resnet50", "efficientnetb0", "nasnetmobile"} <= set(FULL_ROUND_TRIP)
    assert "nasnetlarge" in CONFIG_ROUND_TRIP
    assert ("nasnetlarge" in FULL_ROUND_TRIP) is all_models_requested()
