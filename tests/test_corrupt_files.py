"""Corrupt and mismatched files: every entry point of keras-archs that reads a user's
file answers with a ValueError that names the file and what is wrong with it, and a
failed load leaves every file in the directory byte for byte as it was.

The entry points (found by grepping keras_archs for load_weights, load_model, h5py
and read_torch_checkpoint): ``create_model(weights=PATH)`` and every constructor
(through ``keras_archs.weights.load_weights``), ``load_weights`` and
``load_torch_weights`` themselves, ``read_torch_checkpoint``, ``build_transfer_model
(weights=PATH)`` with registry and keras.applications backbones, ``keras-archs
convert``, ``keras-archs transfer --weights`` and ``train(resume=True)`` /
``keras-archs train --resume`` on a run directory. Nothing in keras-archs loads a
``.keras`` file: given as ``weights=`` it is refused by name.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import re
import shutil
from pathlib import Path

import keras
import numpy as np
import pytest

from keras_archs import create_model
from keras_archs.cli import main
from keras_archs.torch_checkpoint import read_torch_checkpoint
from keras_archs.training import train
from keras_archs.weights import load_torch_weights, load_weights

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CHECKPOINTS = FIXTURES / "torch_checkpoints"
SHAPE = (32, 32, 3)


def _hashes(directory: Path) -> dict[str, str]:
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file()}


@contextlib.contextmanager
def unchanged(directory: Path):
    """Assert that no file under ``directory`` is created, removed or modified."""
    before = _hashes(directory)
    assert before, f"nothing to protect in {directory}"
    yield
    assert _hashes(directory) == before


@contextlib.contextmanager
def _raises_naming(path, *patterns):
    """pytest.raises(ValueError) whose one-paragraph message names ``path`` and
    matches every pattern."""
    with pytest.raises(ValueError) as info:
        yield info
    message = str(info.value)
    assert str(path) in message, message
    for pattern in patterns:
        assert re.search(pattern, message), f"{pattern!r} not in: {message}"
    assert "Traceback" not in message and len(message) < 1500, message


def _truncate(source: Path, target: Path, fraction=0.5) -> Path:
    data = source.read_bytes()
    target.write_bytes(data[:int(len(data) * fraction)])
    return target


# ------------------------------------------------------------------ Keras files

@pytest.fixture(scope="module")
def keras_files(tmp_path_factory):
    """resnet20 (CIFAR, 10 classes) saved as .weights.h5 and .keras, built once."""
    directory = tmp_path_factory.mktemp("keras_files")
    keras.utils.set_random_seed(0)
    model = create_model("resnet20", input_shape=SHAPE, num_classes=10)
    model.save_weights(directory / "resnet20.weights.h5")
    model.save(directory / "resnet20.keras")
    keras.backend.clear_session()
    return directory


@pytest.fixture
def user_dir(tmp_path, keras_files):
    """A directory of the user's: the good files plus truncated copies of each."""
    directory = tmp_path / "user"
    shutil.copytree(keras_files, directory)
    _truncate(directory / "resnet20.weights.h5", directory / "cut.weights.h5")
    _truncate(directory / "resnet20.keras", directory / "cut.keras")
    for name in ("state_dict.pth", "state_dict_legacy.pth", "state_dict.safetensors"):
        shutil.copy(CHECKPOINTS / name, directory / name)
        _truncate(CHECKPOINTS / name, directory / f"cut_{name}")
    return directory


def test_truncated_weights_file_is_named_before_any_layer_is_built(user_dir,
                                                                 monkeypatch):
    path = user_dir / "cut.weights.h5"
    built = []
    monkeypatch.setattr(keras.Model, "__init__", lambda *a, **k: built.append(1))
    with unchanged(user_dir):
        with _raises_naming(path, "truncated or corrupted"):
            create_model("resnet20", input_shape=SHAPE, num_classes=10, weights=path)
    assert not built  # the file is checked at the door, not after the build


def test_truncated_weights_file_through_load_weights(user_dir):
    model = create_model("resnet20", input_shape=SHAPE, num_classes=10)
    before = [w.numpy() for w in model.weights]
    with unchanged(user_dir):
        with _raises_naming(user_dir / "cut.weights.h5", "truncated or corrupted"):
            load_weights(model, user_dir / "cut.weights.h5")
    # Nothing was assigned: the file was refused before Keras read any of it.
    for w, b in zip(model.weights, before):
        np.testing.assert_array_equal(w.numpy(), b)


def test_corrupted_block_inside_a_whole_weights_file(user_dir, tmp_path):
    """A file of the right length whose data blocks are garbage: h5py opens it and
    fails while reading; our error still names the file."""
    source = (user_dir / "resnet20.weights.h5").read_bytes()
    damaged = bytearray(source)
    middle = len(damaged) // 2
    damaged[512:middle] = bytes(middle - 512)  # zero the B-trees and headers
    path = tmp_path / "zeroed.weights.h5"
    path.write_bytes(bytes(damaged))
    model = create_model("resnet20", input_shape=SHAPE, num_classes=10)
    with unchanged(tmp_path):
        with _raises_naming(path, r"cannot be read: it is truncated or corrupted "
                                  r"\(h5py: \w"):
            load_weights(model, path)


@pytest.mark.parametrize("filename", ["cut.keras", "resnet20.keras"])
def test_a_keras_file_given_as_weights_is_refused_by_name(user_dir, filename):
    path = user_dir / filename
    with unchanged(user_dir):
        with _raises_naming(path, r"must end in \.weights\.h5",
                            r"keras\.saving\.load_model"):
            create_model("resnet20", input_shape=SHAPE, num_classes=10, weights=path)


@pytest.mark.parametrize("name,kwargs,patterns", [
    # Same family, more blocks: the first mismatched layer and both shapes.
    ("resnet32", {}, [r"does not fit this architecture \(resnet32\)",
                      r"45 layers do not match \('conv2_block4_1_conv'",
                      r"'conv2_block4_1_conv': this model has shape \(3, 3, 16, 16\), "
                      r"the file \(3, 3, 16, 32\)"]),
    # Another family: the file's layers this model has no place for.
    ("lenet5", {}, [r"\(lenet5\): the file holds weights for 36 layers this model "
                    r"does not have \(stored in the file as 'batch_normalization', "
                    r"'batch_normalization_1', "]),
    # The same model with another head.
    ("resnet20", {"num_classes": 100},
     [r"layer 'predictions' does not match: this model has shape \(64, 100\), the "
      r"file \(64, 10\)"]),
    # Without its top, Keras alone would ignore the file's classifier silently.
    ("resnet20", {"include_top": False},
     [r"holds weights for 1 layer this model does not have \(stored in the file as "
      r"'dense'\)", "include_top"]),
])
def test_weights_of_another_architecture_name_the_layer_and_shapes(
        user_dir, name, kwargs, patterns):
    path = user_dir / "resnet20.weights.h5"
    with unchanged(user_dir):
        with _raises_naming(path, *patterns):
            create_model(name, input_shape=SHAPE, **{"num_classes": 10, **kwargs},
                         weights=path)


def test_the_weights_of_a_model_without_top_into_one_with_top(tmp_path):
    model = create_model("resnet20", input_shape=SHAPE, num_classes=10,
                         include_top=False)
    path = tmp_path / "notop.weights.h5"
    model.save_weights(path)
    with unchanged(tmp_path):
        with _raises_naming(path, r"layer 'predictions' does not match: this model's "
                                  r"layer has 2 weight arrays, the file's 0"):
            create_model("resnet20", input_shape=SHAPE, num_classes=10, weights=path)


# --------------------------------------------------------------- PyTorch files

@pytest.mark.parametrize("name", ["state_dict.pth", "state_dict_legacy.pth",
                                  "state_dict.safetensors"])
def test_truncated_pytorch_checkpoints(user_dir, name):
    path = user_dir / f"cut_{name}"
    cause = "not a readable .safetensors file" if name.endswith("safetensors") \
        else "cannot read PyTorch checkpoint"
    with unchanged(user_dir):
        with _raises_naming(path, cause):
            read_torch_checkpoint(path)
        with _raises_naming(path, cause):
            load_torch_weights(keras.Sequential([keras.Input((2,))]), path, {})
        with _raises_naming(path, cause):
            create_model("squeezenet1_1", input_shape=(64, 64, 3), num_classes=10,
                         weights=path)
    # The whole file reads: the damage is the truncation.
    assert read_torch_checkpoint(user_dir / name)


def _reference_state_dict(twin):
    """Zeros in the shapes of ``twin``'s real state dict (torchvision's keys)."""
    models = json.loads((FIXTURES / "torch_reference" / "reference.json").read_text())
    return {key: np.zeros(shape, np.float32)
            for key, shape, dtype in models["models"][twin]["state_dict"]
            if dtype.startswith("float")}


def test_pytorch_checkpoint_of_another_architecture(tmp_path):
    from safetensors.numpy import save_file

    path = tmp_path / "squeezenet1_0.safetensors"
    save_file(_reference_state_dict("torchvision.squeezenet1_0"), str(path))
    with unchanged(tmp_path):
        # squeezenet1_1 is 1_0 with a smaller stem and other pool positions.
        with _raises_naming(path, r"does not fit squeezenet1_1",
                            r"shape mismatch in 10 arrays: layer 'conv1' \(conv1/kernel\): this "
                            r"model has shape \(3, 3, 3, 64\), the checkpoint's "
                            r"'features\.0\.weight' has \(7, 7, 3, 96\)"):
            create_model("squeezenet1_1", input_shape=(64, 64, 3), weights=path)
        # A checkpoint of an unrelated net: the keys it lacks and the keys left over.
        tiny = CHECKPOINTS / "state_dict.pth"
        with _raises_naming(tiny, r"keys the model needs but the checkpoint lacks: "
                                  r"'features\.0\.weight'",
                            r"checkpoint keys left unused: 'conv\.weight'"):
            create_model("squeezenet1_1", input_shape=(64, 64, 3), weights=tiny)


# --------------------------------------------------------------- the command line

def _cli_error(capsys, *argv):
    assert main(list(map(str, argv))) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_convert_names_a_truncated_checkpoint_and_writes_nothing(user_dir, capsys):
    for name in ("cut_state_dict.pth", "cut_state_dict.safetensors"):
        with unchanged(user_dir):
            line = _cli_error(capsys, "convert", "squeezenet1_1", user_dir / name,
                              "--out", user_dir / "out.weights.h5",
                              "--input-shape", "64,64,3")
        assert str(user_dir / name) in line and "checkpoint" in line
        assert not list(user_dir.glob("*.partial-*"))


def test_transfer_cli_names_a_truncated_weights_file_before_loading_data(
        user_dir, capsys, monkeypatch):
    import keras_archs.data

    monkeypatch.setattr(keras_archs.data, "load_dataset",
                        lambda *a, **k: pytest.fail("data loaded before the check"))
    with unchanged(user_dir):
        line = _cli_error(capsys, "transfer", "--backbone", "resnet20", "--weights",
                          user_dir / "cut.weights.h5", "--run-dir",
                          user_dir / "transfer")
    assert str(user_dir / "cut.weights.h5") in line and "truncated" in line


def test_build_transfer_model_with_bad_files(user_dir):
    from keras_archs.transfer import build_transfer_model

    with unchanged(user_dir):
        for backbone in ("resnet20", "applications:MobileNet"):
            with _raises_naming(user_dir / "cut.weights.h5", "truncated or corrupted"):
                build_transfer_model(backbone, 10, input_shape=SHAPE,
                                     weights=user_dir / "cut.weights.h5")
        # keras.applications would print Keras' variable dump; ours names the layers.
        with _raises_naming(user_dir / "resnet20.weights.h5",
                            r"backbone 'applications:MobileNet'",
                            r"does not fit this architecture \(mobilenet_1\.00_32\): "
                            r"the file holds weights for 6 layers this model does not "
                            r"have \(stored in the file as 'conv2d_14', "):
            build_transfer_model("applications:MobileNet", 10, input_shape=SHAPE,
                                 weights=user_dir / "resnet20.weights.h5")


@pytest.fixture
def saved_model(tmp_path):
    """A TF-Hub-style SavedModel: one variable and a ``__call__`` over images."""
    import tensorflow as tf

    module = tf.Module()
    module.scale = tf.Variable(2.0)
    module.__call__ = tf.function(
        lambda images: tf.reduce_mean(images, axis=(1, 2)) * module.scale,
        input_signature=[tf.TensorSpec([None, None, None, 3], tf.float32)])
    path = tmp_path / "hub"
    tf.saved_model.save(module, str(path))
    return path


@pytest.mark.parametrize("damage", ["saved_model.pb", "variables"])
def test_damaged_hub_saved_model_is_named(saved_model, damage):
    from keras_archs.transfer import build_transfer_model

    if damage == "saved_model.pb":
        _truncate(saved_model / damage, saved_model / damage)
    else:
        for data in (saved_model / "variables").glob("variables.data-*"):
            _truncate(data, data, 0.2)
    with unchanged(saved_model):
        with _raises_naming(saved_model, "could not be loaded as a TF2 SavedModel"):
            build_transfer_model(f"hub:{saved_model}", 10, input_shape=SHAPE)


# --------------------------------------------------------- run directories (--resume)

def _tiny(classes=2):
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(4, 3, activation="relu", name="conv")(inputs)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    x = keras.layers.Dense(classes, name="predictions")(x)
    return keras.Model(inputs, keras.layers.Activation("softmax", name="act")(x),
                       name="tiny")


def _data():
    import tensorflow as tf

    rng = np.random.RandomState(0)
    y = rng.randint(0, 2, 16).astype("int64")
    x = rng.rand(16, 8, 8, 3).astype("float32")
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(8)


def _train(run, epochs=3, **kwargs):
    kwargs.setdefault("optimizer", "adam")
    return train(kwargs.pop("model", None) or _tiny(), _data(), _data(), epochs,
                 run_dir=run, verbose=0, **kwargs)


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """A run of the tiny model, 2 epochs with Adam, finished with its backup."""
    run = tmp_path_factory.mktemp("runs") / "run"
    keras.utils.set_random_seed(0)
    _train(run, epochs=2)
    keras.backend.clear_session()
    return run


@pytest.fixture
def run(tmp_path, finished_run):
    """A copy of the finished run, marked unfinished as if killed after epoch 2."""
    run = tmp_path / "run"
    shutil.copytree(finished_run, run)
    meta = json.loads((run / "run.json").read_text())
    meta["status"] = "running"
    meta["epochs"] = 3
    (run / "run.json").write_text(json.dumps(meta))
    return run


def _log_epochs(run):
    with open(run / "log.csv", newline="") as f:
        return [int(row["epoch"]) for row in csv.DictReader(f)]


def test_the_prepared_run_resumes(run):
    """The control: the undamaged copy resumes at epoch 3 (so the failures below are
    the damage's)."""
    history = _train(run)
    assert len(history.history["loss"]) == 1
    assert _log_epochs(run) == [0, 1, 2]


def _damage_backup(run, what):
    backup = run / "backup"
    if what == "weights cut":
        _truncate(backup / "latest.weights.h5", backup / "latest.weights.h5")
    elif what == "weights and previous copy cut":
        _truncate(backup / "latest.weights.h5", backup / "latest.weights.h5.bkp", 0.3)
        _truncate(backup / "latest.weights.h5", backup / "latest.weights.h5")
        (backup / "training_metadata.json.bkp").write_text('{"epoch": 1, "batch": 0}')
    elif what == "metadata cut":
        (backup / "training_metadata.json").write_text('{"epo')
    elif what == "metadata without epoch":
        (backup / "training_metadata.json").write_text('{"batch": 0}')
    elif what == "weights missing":
        (backup / "latest.weights.h5").unlink()
    elif what == "metadata missing":
        (backup / "training_metadata.json").unlink()


@pytest.mark.parametrize("what,patterns", [
    ("weights cut", ["weights file was cut short", "no previous copy"]),
    ("weights and previous copy cut", [r"neither 'latest\.weights\.h5' nor its "
                                       r"previous copy 'latest\.weights\.h5\.bkp'"]),
    ("metadata cut", [r"'training_metadata\.json' is not the JSON Keras writes "
                      r"\(JSONDecodeError"]),
    ("metadata without epoch", [r"'training_metadata\.json' is not the JSON Keras "
                                r"writes \(KeyError"]),
    ("weights missing", [r"records 2 finished epoch\(s\) .* but has no weights file",
                         "untrained"]),
    ("metadata missing", [r"has weights \('latest\.weights\.h5'\) but no "
                          r"'training_metadata\.json'"]),
])
def test_a_half_written_backup_is_refused_and_nothing_changes(run, what, patterns):
    _damage_backup(run, what)
    with unchanged(run):
        with _raises_naming(run / "backup", *patterns, "overwrite=True"):
            _train(run)


@pytest.mark.parametrize("status", ["running", "finished"])
def test_damaged_run_json(run, status):
    if status == "finished":
        (run / "run.json").write_text('{"model": "tiny", "status": "fini')
    else:
        (run / "run.json").write_text('["tiny"]')
    with unchanged(run):
        with _raises_naming(run / "run.json", "damaged" if status == "finished"
                            else "not the JSON object"):
            _train(run)


@pytest.mark.parametrize("keep", [["log.csv"], ["log.csv", "backup", "best.keras"]])
def test_run_directory_without_run_json(run, keep):
    for path in run.iterdir():
        if path.name not in keep:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    listed = ", ".join(sorted(p + "/" * (p == "backup") for p in keep))
    with unchanged(run):
        with _raises_naming(run, rf"is not empty \({re.escape(listed)}\) but has no "
                                 r"run\.json", "nothing was changed"):
            _train(run)


def test_empty_run_directory_starts_a_new_run(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    history = _train(run, epochs=1, resume=True)
    assert len(history.history["loss"]) == 1
    assert json.loads((run / "run.json").read_text())["status"] == "finished"
    assert _log_epochs(run) == [0]


def test_log_cut_in_its_last_row_resumes_and_the_row_is_rewritten(run, capsys):
    log = run / "log.csv"
    text = log.read_text()
    log.write_text(text + "2,0.5")  # the kill came while epoch 3's row was written
    history = _train(run)
    assert len(history.history["loss"]) == 1
    assert _log_epochs(run) == [0, 1, 2]
    assert "dropping 1 log row(s)" in capsys.readouterr().out


@pytest.mark.parametrize("content,patterns", [
    ("loss,accuracy\n0.5,0.5\n", [r"has no 'epoch' column"]),
    ("epoch,loss,accuracy\n0,0.5,0.1\n1,0.\n2,0.4,0.3\n", [r"damaged at line 3"]),
])
def test_damaged_log_is_refused_and_nothing_changes(run, content, patterns):
    (run / "log.csv").write_text(content)
    with unchanged(run):
        with _raises_naming(run / "log.csv", *patterns, "nothing was changed"):
            _train(run)


def test_resuming_with_another_number_of_classes_names_the_backup(run):
    with unchanged(run):
        with _raises_naming(run / "backup" / "latest.weights.h5",
                            r"layer 'predictions' \(predictions/kernel\): this model "
                            r"has shape \(4, 3\), the file \(4, 2\)",
                            "number of classes", "nothing was changed"):
            _train(run, model=_tiny(classes=3))


def test_resuming_with_another_optimizer_is_refused(run):
    with unchanged(run):
        with _raises_naming(run, r"started with optimizer='adam', and resuming it "
                                 r"with optimizer='sgd'", "nothing was changed"):
            _train(run, optimizer="sgd")


def test_cli_resume_of_a_directory_without_run_json(tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    (run / "log.csv").write_text("epoch,loss\n0,0.5\n")
    with unchanged(run):
        line = _cli_error(capsys, "train", "lenet5", "--resume", "--run-dir", run,
                          "--epochs", "1", "--steps-per-epoch", "1")
    assert f"--run-dir {str(run)!r} is not empty (log.csv) but has no run.json" in line
    assert "starting a new one" not in capsys.readouterr().out
