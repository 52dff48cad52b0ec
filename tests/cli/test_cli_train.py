"""``keras-archs train`` on the embedded digits: a mixed-precision run through the real
console script, the rest through ``main()`` in this process (the ``cli`` fixture)."""

import csv
import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_archs.training.fit import prepare_run_dir

# The console script runs on this machine's devices: `--strategy auto` and
# `--mixed-precision` pick by device, and the tests expect what this machine picks
# (the choice itself is checked for both devices in tests/training/test_train.py).
GPUS = len(tf.config.list_physical_devices("GPU"))
REPLICAS = max(GPUS, 1)
STRATEGY = "MirroredStrategy" if GPUS > 1 else "default"
DEVICE = "GPU" if GPUS else "CPU"
DEVICE_POLICY = "mixed_float16" if GPUS else "mixed_bfloat16"


@pytest.mark.slow
def test_train_on_digits_mixed_precision_cosine(run_cli, tmp_path):
    # The smallest registered model; two batches per epoch keep it quick.
    result = run_cli("train", "simple_cnn", "--dataset", "digits", "--epochs", "2",
                     "--batch-size", "8", "--steps-per-epoch", "2",
                     "--validation-steps", "1", "--mixed-precision",
                     "--lr-schedule", "cosine", "--warmup-epochs", "1",
                     "--run-dir", "out")
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    if GPUS > 1:
        assert f"Strategy: MirroredStrategy ({GPUS} replicas; /device:GPU:0, " in out
    else:
        assert f"Strategy: default (1 replica; /device:{DEVICE}:0)" in out
    assert "Epoch 2/2" in out and "━" in out  # Keras progress bars
    assert f"trained simple_cnn on digits: 2 epoch(s) this session with {STRATEGY} " \
           f"({REPLICAS} replica(s), global batch {8 * REPLICAS}); best val_accuracy" \
        in out
    assert "results in out: run.json, log.csv, best.keras" in out
    run = tmp_path / "out"
    # backup/ keeps the last epoch, so --resume with more --epochs can continue.
    assert sorted(p.name for p in run.iterdir()) == ["backup", "best.keras", "log.csv",
                                                      "run.json"]
    assert sorted(p.name for p in (run / "backup").iterdir()) == [
        "latest.weights.h5", "training_metadata.json"]
    with open(run / "log.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["epoch"] for r in rows] == ["0", "1"]
    assert float(rows[1]["train_images_per_sec"]) > 0
    meta = json.loads((run / "run.json").read_text())
    assert meta["model"] == "simple_cnn" and meta["dataset"] == "digits"
    assert meta["status"] == "finished" and meta["mixed_precision"] == DEVICE_POLICY
    assert meta["lr_schedule"] == "cosine"
    assert meta["global_batch_size"] == 8 * REPLICAS
    assert meta["strategy"] == STRATEGY
    # XLA: off on CPU (slower there), Keras' "auto" on a GPU.
    assert meta["jit_compile"] == ("auto" if GPUS else False)

    model = keras.saving.load_model(run / "best.keras", safe_mode=True)
    conv = model.get_layer("conv1")
    assert conv.compute_dtype == DEVICE_POLICY.removeprefix("mixed_")
    assert conv.kernel.dtype == "float32"
    probs = model.predict(np.zeros((1, 32, 32, 3), "float32"), verbose=0)
    assert probs.dtype == np.float32 and probs.shape == (1, 10)
    np.testing.assert_allclose(probs.sum(), 1.0, rtol=1e-5)


def _error_line(result):
    assert result.returncode == 2, (result.stdout[-2000:], result.stderr[-2000:])
    assert "Traceback" not in result.stderr
    return result.stderr.strip().splitlines()[-1]


@pytest.mark.slow
def test_float16_is_refused_without_a_gpu_before_anything_is_written(cli, tmp_path):
    # With a bad TF_CONFIG too, the first error shows which check ran first: the
    # float16 refusal on a machine without a GPU; on a GPU float16 is accepted and
    # the cluster description is the next thing refused.
    result = cli("train", "vgg11", "--mixed-precision", "mixed_float16",
                 "--strategy", "multiworker", "--run-dir", "fp16",
                 env={"TF_CONFIG": '{"cluster": '})
    line = _error_line(result)
    if GPUS:
        assert line.startswith("keras-archs train: error: TF_CONFIG is not valid JSON")
    else:
        assert line.startswith("keras-archs train: error: --mixed-precision "
                               "mixed_float16 is unsupported here: float16 compute "
                               "needs a GPU")
    assert not (tmp_path / "fp16").exists()


def test_train_bad_inputs_print_one_line_and_change_nothing(cli, tmp_path):
    other = tmp_path / "other"
    prepare_run_dir(other, model_name="vgg13", config={"status": "running"})
    (other / "log.csv").write_text("epoch,loss\n0,2.3\n")
    before = {p.name: p.read_bytes() for p in other.iterdir()}
    line = _error_line(cli("train", "vgg11", "--run-dir", other, "--resume"))
    assert "holds a run of model 'vgg13', not 'vgg11'" in line
    assert {p.name: p.read_bytes() for p in other.iterdir()} == before

    line = _error_line(cli("train", "vgg11", "--strategy", "multiworker",
                           env={"TF_CONFIG": '{"cluster": '}))
    assert line.startswith("keras-archs train: error: TF_CONFIG is not valid JSON")


def _log_epochs(run):
    with open(run / "log.csv", newline="") as f:
        return [int(r["epoch"]) for r in csv.DictReader(f)]


@pytest.mark.slow
def test_resume_starts_fresh_then_extends_a_finished_run(cli, tmp_path):
    quick = ("--steps-per-epoch", "2", "--validation-steps", "1", "--batch-size", "16",
             "--run-dir", "out")
    first = cli("train", "simple_cnn", "--epochs", "1", "--resume", *quick)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "--resume: no run in out yet; starting a new one" in first.stdout
    run = tmp_path / "out"
    meta = json.loads((run / "run.json").read_text())
    # The rate SGD actually used (the default), not null.
    assert meta["learning_rate"] == 0.01 and meta["optimizer"] == "sgd"
    assert meta["status"] == "finished" and _log_epochs(run) == [0]

    more = cli("train", "simple_cnn", "--epochs", "3", "--resume", *quick)
    assert more.returncode == 0, more.stderr[-2000:]
    assert "Resuming simple_cnn in out after epoch 1 of 3" in more.stdout
    assert "Epoch 2/3" in more.stdout and "Epoch 1/3" not in more.stdout
    assert "2 epoch(s) this session" in more.stdout
    assert _log_epochs(run) == [0, 1, 2]  # appended, one row per epoch
    meta = json.loads((run / "run.json").read_text())
    assert meta["status"] == "finished" and meta["epochs_completed"] == 3
    assert meta["epochs"] == 3 and meta["created"]

    again = cli("train", "simple_cnn", "--epochs", "3", "--resume", *quick)
    line = _error_line(again)
    assert "already holds a finished run of 'simple_cnn' (3 epochs); pass --epochs N " \
           "with N > 3 and --resume to train it further" in line
    assert _log_epochs(run) == [0, 1, 2]
