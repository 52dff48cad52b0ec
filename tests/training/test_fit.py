"""train() and compare(): the files they promise, and never losing a user's results."""

import csv
import json

import keras
import pytest

from keras_archs.data import load_digits_demo
from keras_archs.training import compare, make_optimizer, train
from keras_archs.training.fit import SUMMARY_COLUMNS, unique_run_dir


@pytest.fixture(scope="module")
def digits():
    return (load_digits_demo("train", batch_size=128, seed=0),
            load_digits_demo("validation", batch_size=128))


def _rows(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def test_train_feeds_fit_without_the_autotune_thread(tmp_path, tiny_model, monkeypatch):
    # A user's own pipeline gets pipeline_options (its autotune thread stalled every
    # epoch's start), unless it set tf.data autotuning itself.
    import numpy as np
    import tensorflow as tf

    x = np.zeros((8, 8, 8, 3), "float32")  # tiny_model takes 8×8×3
    y = np.zeros((8,), "int64")
    plain = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
    chosen = tf.data.Options()
    chosen.autotune.enabled = True
    explicit = plain.with_options(chosen)
    assert plain.options().autotune.enabled is None
    seen = []
    fit = keras.Model.fit

    def spy(model, data, *args, validation_data=None, **kwargs):
        seen.append((data.options().autotune.enabled,
                     validation_data.options().autotune.enabled))
        return fit(model, data, *args, validation_data=validation_data, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", spy)
    train(tiny_model, plain, explicit, epochs=1, run_dir=tmp_path / "run", verbose=0)
    assert seen == [(False, True)]


def test_train_writes_run_files(tmp_path, digits, tiny_models):
    history = train("tiny4", *digits, epochs=2, optimizer="adam", input_shape=(32, 32, 3),
                    num_classes=10, run_dir=tmp_path / "run", verbose=0, train_examples=1438)
    run = tmp_path / "run"
    assert json.loads((run / "run.json").read_text())["model"] == "tiny4"
    rows = _rows(run / "log.csv")
    assert [int(r["epoch"]) for r in rows] == [0, 1]
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "epoch_seconds",
            "train_images_per_sec"} <= set(rows[0])
    assert float(rows[0]["train_images_per_sec"]) > 0
    # The last epoch's weights and optimizer state stay, to extend the run.
    assert sorted(p.name for p in (run / "backup").iterdir()) == [
        "latest.weights.h5", "training_metadata.json"]
    best = keras.saving.load_model(run / "best.keras", safe_mode=True)
    assert best.output_shape == (None, 10)
    assert len(history.history["loss"]) == 2


def test_finished_run_is_never_overwritten_silently(tmp_path, digits, tiny_models):
    run = tmp_path / "run"
    args = dict(epochs=1, input_shape=(32, 32, 3), num_classes=10, verbose=0)
    train("tiny4", *digits, run_dir=run, **args)
    before = (run / "log.csv").read_text()
    with pytest.raises(ValueError, match="already holds a finished run of 'tiny4'"):
        train("tiny4", *digits, run_dir=run, **args)
    with pytest.raises(ValueError, match="holds a run of model 'tiny4', not 'tiny8'"):
        train("tiny8", *digits, run_dir=run, **args)
    assert (run / "log.csv").read_text() == before
    train("tiny4", *digits, run_dir=run, overwrite=True, **args)
    assert len(_rows(run / "log.csv")) == 1


def test_foreign_directory_is_refused(tmp_path, digits, tiny_models):
    (tmp_path / "thesis.tex").write_text("precious")
    with pytest.raises(ValueError, match="is not a keras-archs run directory"):
        train("tiny4", *digits, epochs=1, input_shape=(32, 32, 3), num_classes=10,
              run_dir=tmp_path, verbose=0)
    assert (tmp_path / "thesis.tex").read_text() == "precious"


def test_compare_writes_every_promised_file(tmp_path, tiny_models, capsys):
    result = compare(tiny_models, dataset="digits", epochs=2, batch_size=256,
                     optimizer="adam", run_dir=tmp_path / "cmp", verbose=0)
    run = tmp_path / "cmp"
    assert result.run_dir == run
    for name in ("histories.json", "summary.csv", "curves.png"):
        assert (run / name).stat().st_size > 0
    saved = json.loads((run / "histories.json").read_text())
    assert saved["config"]["dataset"] == "digits"
    assert set(saved["histories"]) == set(tiny_models)
    assert all(len(h["val_accuracy"]) == 2 for h in saved["histories"].values())
    rows = _rows(run / "summary.csv")
    assert [r["model"] for r in rows] == tiny_models
    assert tuple(rows[0]) == SUMMARY_COLUMNS
    for name, row in zip(tiny_models, rows):
        model = keras.saving.load_model(run / name / "best.keras", safe_mode=True)
        assert int(row["params"]) == model.count_params()
        assert float(row["best_val_accuracy"]) == max(saved["histories"][name]["val_accuracy"])
        assert len(_rows(run / name / "log.csv")) == 2
    printed = capsys.readouterr().out
    assert "best_val_accuracy" in printed and "tiny8" in printed
    assert (run / "curves.png").read_bytes()[:4] == b"\x89PNG"


def test_compare_never_overwrites_previous_results(tmp_path, tiny_models):
    first = compare(["tiny4"], epochs=1, batch_size=512, run_dir=tmp_path / "cmp",
                    verbose=0, print_table=False)
    second = compare(["tiny4"], epochs=1, batch_size=512, run_dir=tmp_path / "cmp",
                     verbose=0, print_table=False)
    assert first.run_dir == tmp_path / "cmp"
    assert second.run_dir == tmp_path / "cmp-2"
    assert (first.run_dir / "histories.json").exists()
    assert unique_run_dir(tmp_path / "cmp") == tmp_path / "cmp-3"


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(names=[]), ValueError, "names must list at least one model"),
    (dict(names=["tiny4", "tiny4"]), ValueError, "must not repeat"),
    (dict(names=["tiny5"]), ValueError, "Unknown model name 'tiny5'"),
    (dict(epochs=0), ValueError, "epochs must be an integer >= 1"),
    (dict(batch_size=-1), ValueError, "batch_size must be an integer >= 1"),
    (dict(optimizer="lion"), ValueError, "optimizer must be one of sgd, momentum, adam"),
    (dict(dataset="imagenet"), ValueError, "dataset must be one of"),
])
def test_compare_bad_input(tmp_path, tiny_models, kwargs, error, words):
    args = dict(names=["tiny4"], epochs=1, run_dir=tmp_path / "x", verbose=0)
    args.update(kwargs)
    with pytest.raises(error, match=words):
        compare(**args)
    assert not (tmp_path / "x").exists()


def test_make_optimizer_defaults_follow_the_seed():
    sgd = make_optimizer()
    assert isinstance(sgd, keras.optimizers.SGD)
    assert float(sgd.learning_rate) == pytest.approx(0.01) and sgd.clipnorm == 1.0
    adam = keras.optimizers.Adam(3e-4)
    clone = make_optimizer(adam)
    assert clone is not adam and float(clone.learning_rate) == pytest.approx(3e-4)
    with pytest.raises(ValueError, match=r"learning_rate must be a number > 0, got 0\.0"):
        make_optimizer("adam", learning_rate=0)
