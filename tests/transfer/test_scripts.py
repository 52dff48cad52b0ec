"""The `keras-archs transfer` command, examples/transfer_hub.py and the notebook, offline."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_cli_transfer_trains_both_phases(cli, tiny_hub, tmp_path):
    result = cli("transfer", "--backbone", f"hub:{tiny_hub.path}", "--dataset",
                 "digits", "--image-size", "16", "--epochs", "2",
                 "--fine-tune-epochs", "1", "--limit-batches", "2",
                 "--run-dir", tmp_path / "run")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "fine-tune epoch 3:" in result.stdout
    saved = json.loads((tmp_path / "run/history.json").read_text())
    assert saved["head_epochs"] == 2 and len(saved["history"]["loss"]) == 3
    assert (tmp_path / "run/head/best.keras").exists()
    assert (tmp_path / "run/fine_tune/log.csv").exists()


@pytest.mark.parametrize("args, message", [
    (["--backbone", "applications:NoSuchNet"],
     "'applications:NoSuchNet' is not a keras.applications model"),
    (["--backbone", "hub:https://tfhub.dev/google/imagenet/inception_v3/"
      "feature_vector/5"], "pass its local path as the handle"),
])
def test_cli_transfer_errors_are_one_line(cli, tmp_path, no_network, args, message):
    # no_network: the hub URL fails because the network is cut, on any machine.
    result = cli("transfer", *args, "--run-dir", tmp_path / "run")
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines()
              if line.startswith("keras-archs transfer: error:")]
    assert len(errors) == 1 and message in errors[0]
    if "tfhub.dev" in args[1]:  # the URL was refused by the cut network
        assert "cut by the test's no_network fixture" in errors[0]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "run").exists()


def test_example_transfer_hub_smoke(tiny_hub, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO), TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run(
        [sys.executable, str(REPO / "examples/transfer_hub.py"), "--handle",
         tiny_hub.path, "--image-size", "16", "--epochs", "1", "--fine-tune-epochs",
         "1", "--limit-batches", "2", "--run-dir", str(tmp_path / "run")],
        capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "after fine-tuning" in result.stdout
    assert (tmp_path / "run/curves.png").stat().st_size > 10_000
    saved = json.loads((tmp_path / "run/history.json").read_text())
    assert len(saved["history"]["val_accuracy"]) == 2


def test_notebook_has_one_parameters_cell(committed_notebook):
    cell = committed_notebook("transfer_inceptionv3.ipynb")
    # The committed outputs come from the offline stand-ins.
    assert "\nOFFLINE_STANDIN = True\n" in cell.source


@pytest.mark.slow
def test_notebook_smoke(tmp_path, monkeypatch, run_notebook):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    run_dir = tmp_path / "run"
    # The notebook's own offline stand-ins: a random-weight InceptionV3 exported as a
    # TF-Hub SavedModel and as a .weights.h5, then loaded through both paths.
    _, text = run_notebook("transfer_inceptionv3.ipynb", OFFLINE_STANDIN=True,
                           IMAGE_SIZE=75, EPOCHS=1, FINE_TUNE_EPOCHS=1, BATCH_SIZE=4,
                           LIMIT_BATCHES=1, RUN_EAGERLY=True, RUN_DIR=str(run_dir))
    standin = run_dir / "offline_standin"
    assert (standin / "inception_v3_feature_vector" / "saved_model.pb").is_file()
    assert (standin / "inception_v3_notop.weights.h5").is_file()
    assert f"random-weight stand-ins: {standin / 'inception_v3_feature_vector'}" in text
    summary = json.loads((run_dir / "summary.json").read_text())
    assert Path(summary["keras_archs"]).resolve().is_relative_to(REPO)
    assert summary["image_size"] == 75
    for name in ("hub", "applications"):
        assert summary[name]["epochs"] == 2
        assert 0.0 <= summary[name]["fine_tuned_val_accuracy"] <= 1.0
    assert summary["hub"]["unfrozen_layers"] == 1
    # Everything after mixed8 (the top two Inception blocks), BatchNorm excluded:
    # their 18 convolutions.
    assert summary["applications"]["unfrozen_layers"] == 18
    assert (run_dir / "transfer_curves.png").stat().st_size > 10_000
    assert (run_dir / "applications/fine_tune/best.keras").exists()
