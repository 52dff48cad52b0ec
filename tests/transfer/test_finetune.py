"""unfreeze and the two-phase fine_tune recipe."""

import json

import keras
import numpy as np
import pytest

from keras_archs.data import load_dataset
from keras_archs.transfer import (
    build_transfer_model, fine_tune, freeze_backbone, get_backbone, unfreeze)


def _toy_transfer_model():
    """A transfer-model-shaped net: a conv/BN backbone named "backbone" + head."""
    inputs = keras.Input((16, 16, 3))
    x = inputs
    for i in range(1, 4):
        x = keras.layers.Conv2D(4, 3, padding="same", name=f"conv{i}")(x)
        x = keras.layers.BatchNormalization(name=f"bn{i}")(x)
        x = keras.layers.ReLU(name=f"relu{i}")(x)
    backbone = keras.Model(inputs, x, name="backbone")
    outer = keras.Input((16, 16, 3))
    y = keras.layers.GlobalAveragePooling2D(name="avg_pool")(backbone(outer))
    y = keras.layers.Dense(3, name="predictions")(y)
    return keras.Model(outer, keras.layers.Activation("softmax", dtype="float32")(y))


def _trainable_names(model):
    return [layer.name for layer in get_backbone(model).layers
            if layer.trainable and layer.weights]


def _snapshot(layers):
    return {layer.name: [np.array(w.numpy(), copy=True) for w in layer.weights]
            for layer in layers if layer.weights}


def test_unfreeze_everything_but_batchnorm():
    model = _toy_transfer_model()
    freeze_backbone(model)
    assert _trainable_names(model) == []
    assert unfreeze(model) == ["conv1", "conv2", "conv3"]
    assert _trainable_names(model) == ["conv1", "conv2", "conv3"]
    assert model.get_layer("predictions").trainable
    assert all(not get_backbone(model).get_layer(f"bn{i}").trainable for i in (1, 2, 3))
    assert unfreeze(model, keep_batchnorm_frozen=False) == [
        "conv1", "bn1", "conv2", "bn2", "conv3", "bn3"]


def test_unfreeze_last_n_and_from_layer_name():
    model = _toy_transfer_model()
    freeze_backbone(model)
    # The last 3 layers with weights are conv3, bn3 (kept frozen) and bn2 (frozen).
    assert unfreeze(model, 3) == ["conv3"]
    assert _trainable_names(model) == ["conv3"]
    assert unfreeze(model, "conv2") == ["conv2", "conv3"]
    assert _trainable_names(model) == ["conv2", "conv3"]


def test_unfrozen_fit_keeps_batchnorm_and_early_layers_fixed():
    model = _toy_transfer_model()
    freeze_backbone(model)
    unfreeze(model, "conv3")
    backbone = get_backbone(model)
    before = _snapshot(backbone.layers)
    model.compile("adam", "sparse_categorical_crossentropy")
    x = np.random.default_rng(0).uniform(0, 1, (8, 16, 16, 3)).astype("float32")
    model.fit(x, np.arange(8) % 3, epochs=2, batch_size=4, verbose=0)
    after = _snapshot(backbone.layers)
    for name in ("conv1", "bn1", "conv2", "bn2", "bn3"):  # incl. moving mean/var
        for old, new in zip(before[name], after[name]):
            np.testing.assert_array_equal(old, new, err_msg=name)
    assert not np.array_equal(before["conv3"][0], after["conv3"][0])


def test_unfreeze_bad_arguments(tiny_hub):
    model = _toy_transfer_model()
    with pytest.raises(ValueError, match="last_n must be an integer >= 1"):
        unfreeze(model, 0)
    with pytest.raises(ValueError, match="last_n must be at most 6"):
        unfreeze(model, 7)
    with pytest.raises(ValueError, match="'conv9' is not a layer of 'backbone'.*conv1"):
        unfreeze(model, "conv9")
    hub_model = build_transfer_model(f"hub:{tiny_hub.path}", 3, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match="can only be unfrozen whole"):
        unfreeze(hub_model, 2)
    assert unfreeze(hub_model) == ["backbone"]
    assert len(hub_model.get_layer("backbone").trainable_weights) == 4


def test_fine_tune_two_phases_on_digits(tiny_hub, tmp_path):
    common = dict(batch_size=64, image_size=16, normalization="none", seed=0)
    train_ds = load_dataset("digits", "train", **common).take(3)
    val_ds = load_dataset("digits", "validation", **common).take(2)
    model = build_transfer_model(f"hub:{tiny_hub.path}", 10, input_shape=(16, 16, 3))
    hub = model.get_layer("backbone")
    start = _snapshot([hub])["backbone"]
    result = fine_tune(model, train_ds, val_ds, epochs=2, fine_tune_epochs=1,
                       learning_rate=1e-2, run_dir=tmp_path / "run", verbose=0)
    assert result.head_epochs == 2
    assert len(result.history["val_accuracy"]) == 3
    assert result.unfrozen == ["backbone"]
    # Phase 1 left the backbone alone; phase 2 (whole hub model unfrozen) changed it.
    head_best = keras.saving.load_model(tmp_path / "run/head/best.keras", safe_mode=True)
    for old, new in zip(start, head_best.get_layer("backbone").weights):
        np.testing.assert_array_equal(old, new.numpy())
    assert not np.array_equal(start[0], hub.weights[0].numpy())
    assert (tmp_path / "run/fine_tune/log.csv").read_text().count("\n") == 2
    saved = json.loads((tmp_path / "run/history.json").read_text())
    assert saved["head_epochs"] == 2 and saved["fine_tune_learning_rate"] == 1e-4
    with pytest.raises(ValueError, match="already holds a fine-tuning run"):
        fine_tune(model, train_ds, val_ds, epochs=1, run_dir=tmp_path / "run")
