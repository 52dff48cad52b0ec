"""Fault tolerance: a run killed with SIGKILL resumes where its backup left it, the
CSV log keeps exactly one row per epoch, and the result (weights, optimizer state,
step count, losses) equals an uninterrupted run's."""

import csv
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_archs.training import train
from keras_archs.training.fit import reconcile_log, restored_epoch

WORKER = Path(__file__).with_name("_worker.py")
REPO = Path(__file__).resolve().parents[2]


def _run(opts, timeout=240):
    env = dict(os.environ, PYTHONPATH=str(REPO), TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("TF_CONFIG", None)
    return subprocess.Popen([sys.executable, str(WORKER), json.dumps(opts)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env)


def _log_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _result(out):
    line = [x for x in out.splitlines() if x.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])


# Adam (two moment slots per variable), a cosine schedule with warm-up (a new rate
# every step) and a seeded pipeline shuffled, cropped and flipped anew every epoch: a
# resume that lost the optimizer's state, its step count or the data's position in
# its sequence of epochs would train differently from here on.
JOB = {"epochs": 5, "optimizer": "adam", "learning_rate": 0.01,
       "lr_schedule": "cosine", "seed": 3}
STEPS = 4  # 64 examples in batches of 16


@pytest.mark.slow
def test_sigkill_in_epoch_3_of_5_resumes_to_exactly_5_epochs(tmp_path, finish_process):
    run = tmp_path / "run"
    # An uninterrupted run of the same job, for reference, alongside the killed one.
    reference = _run({**JOB, "run_dir": str(tmp_path / "reference"),
                      "state_out": str(tmp_path / "reference.npz")})
    killed = _run({**JOB, "run_dir": str(run), "kill_at": [2, 1]})
    code, out = finish_process(killed, timeout=240)
    assert code == -signal.SIGKILL, out[-3000:]
    assert "KILLING at epoch 3 batch 1" in out
    assert [r["epoch"] for r in _log_rows(run / "log.csv")] == ["0", "1"]
    assert json.loads((run / "run.json").read_text())["status"] == "running"
    assert restored_epoch(run / "backup") == 2

    code, out = finish_process(_run({**JOB, "run_dir": str(run),
                                     "state_out": str(tmp_path / "resumed.npz")}),
                               timeout=240)
    assert code == 0, out[-3000:]
    assert "Resuming tiny in" in out and "after epoch 2 of 5" in out
    resumed = _result(out)
    assert resumed["epochs_run"] == 3  # epochs 3, 4 and 5; 1 and 2 were restored

    rows = _log_rows(run / "log.csv")
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2, 3, 4]  # none lost or repeated
    code, ref_out = finish_process(reference, timeout=240)
    assert code == 0, ref_out[-3000:]
    ref_rows = _log_rows(tmp_path / "reference" / "log.csv")
    # The optimizer counted every step of the 5 epochs, so the schedule stands
    # where the uninterrupted run's does.
    assert resumed["iterations"] == _result(ref_out)["iterations"] == 5 * STEPS
    # Weights, optimizer state and the data's epoch were restored exactly: the same
    # losses as a run that was never interrupted...
    np.testing.assert_allclose([float(r["loss"]) for r in rows],
                               [float(r["loss"]) for r in ref_rows], rtol=1e-6)
    # ...and the same final variables, the model's and Adam's moments alike.
    final, expected = np.load(tmp_path / "resumed.npz"), np.load(tmp_path / "reference.npz")
    assert sorted(final.files) == sorted(expected.files)
    moments = [k for k in expected.files if k.endswith(("_momentum", "_velocity"))]
    assert len(moments) == 2 * 4  # conv and dense kernels and biases
    assert all(np.abs(expected[k]).max() > 0 for k in moments)
    for key in expected.files:
        np.testing.assert_allclose(final[key], expected[key], rtol=1e-6, atol=1e-8,
                                   err_msg=key)
    # The last epoch's backup stays (to extend the run), without its previous copy.
    assert restored_epoch(run / "backup") == 5
    assert not list((run / "backup").glob("*.bkp"))
    assert json.loads((run / "run.json").read_text())["status"] == "finished"
    best = keras.saving.load_model(run / "best.keras", safe_mode=True)
    probs = best.predict(np.zeros((2, 8, 8, 3), "float32"), verbose=0)
    assert probs.shape == (2, 2)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-6)


def _write_log(path, epochs):
    path.write_text("epoch,accuracy,val_accuracy\n" + "".join(
        f"{e},0.{e + 1},0.{e + 5}\n" for e in epochs))


def test_reconcile_drops_rows_of_epochs_the_backup_does_not_hold(tmp_path, capsys):
    log = tmp_path / "log.csv"
    _write_log(log, [0, 1, 2])
    kept, best = reconcile_log(log, 2, "val_accuracy")
    assert (kept, best) == (2, 0.6)
    assert [r["epoch"] for r in _log_rows(log)] == ["0", "1"]
    assert "dropping 1 log row(s)" in capsys.readouterr().out
    assert reconcile_log(tmp_path / "missing.csv", 3, "val_accuracy") == (0, None)


def test_a_backup_torn_by_the_kill_falls_back_to_the_previous_one(tmp_path):
    backup = tmp_path / "backup"
    backup.mkdir()
    assert restored_epoch(backup) == 0
    (backup / "latest.weights.h5").write_bytes(b"torn")  # not an HDF5 file
    (backup / "training_metadata.json").write_text('{"epoch": 3, "batch": 0}')
    with pytest.raises(ValueError, match="is damaged .* pass overwrite=True"):
        restored_epoch(backup)  # Keras could not resume either
    (backup / "latest.weights.h5.bkp").write_bytes(b"")
    (backup / "training_metadata.json.bkp").write_text('{"epoch": 2, "batch": 0}')
    with pytest.raises(ValueError, match="neither 'latest.weights.h5' nor its previous"):
        restored_epoch(backup)  # Keras would copy the empty file back and fail on it
    import h5py

    h5py.File(backup / "latest.weights.h5.bkp", "w").close()  # a readable copy
    assert restored_epoch(backup) == 2


class _Crash(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise RuntimeError("simulated crash")


def _data():
    rng = np.random.RandomState(0)
    y = rng.randint(0, 2, 32).astype("int64")
    x = (rng.rand(32, 8, 8, 3) * 0.5 + y[:, None, None, None] * 0.4).astype("float32")
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(8)


def test_crash_after_logging_before_backup_does_not_duplicate_a_row(tmp_path,
                                                                   make_tiny):
    run = tmp_path / "run"
    with pytest.raises(RuntimeError, match="simulated crash"):
        train(make_tiny(), _data(), _data(), 4, run_dir=run, verbose=0,
              callbacks=[_Crash(2)])
    assert len(_log_rows(run / "log.csv")) == 2
    # As if the process died after epoch 2's log row but before its backup.
    (run / "backup" / "training_metadata.json").write_text('{"epoch": 1, "batch": 0}')
    (run / "backup" / "training_metadata.json.bkp").unlink()
    history = train(make_tiny(), _data(), _data(), 4, run_dir=run, verbose=0)
    assert len(history.history["loss"]) == 3  # epochs 2, 3, 4 (0-based 1..3)
    assert [int(r["epoch"]) for r in _log_rows(run / "log.csv")] == [0, 1, 2, 3]
