"""notebooks/vgg16_vs_vgg19_cifar10.ipynb: one parameters cell, and runs end to end.

The smoke run uses the notebook's own parameters: a few SYNTHETIC images in tfds'
CIFAR-10 format, 1 eager epoch of 2 batches. It still builds and trains the real
VGG-16 and VGG-19.
"""

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = "vgg16_vs_vgg19_cifar10.ipynb"


def test_notebook_has_one_parameters_cell(committed_notebook):
    tagged = committed_notebook(NOTEBOOK)
    for name in ("dataset", "data_dir", "synthetic_examples", "epochs", "batch_size",
                 "optimizer", "learning_rate", "steps_per_epoch", "output_dir"):
        assert f"\n{name} = " in "\n" + tagged.source


@pytest.mark.slow
def test_notebook_runs_in_smoke_mode(tmp_path, monkeypatch, run_notebook):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    out_dir = tmp_path / "results"
    # The CIFAR-10 code path (the committed outputs cover the digits one), eagerly:
    # tracing VGG's train and test steps would take longer than the steps. Plain SGD
    # has no slot variables: the checkpoints train() writes are a third of Adam's.
    nb, text = run_notebook(NOTEBOOK, dataset="cifar10", synthetic_examples=48, epochs=1,
                            batch_size=8, steps_per_epoch=2, validation_steps=1,
                            optimizer="sgd", learning_rate=0.01, run_eagerly=True,
                            output_dir=str(out_dir))
    assert f"python: {sys.executable}" in text
    assert f"keras_archs: {REPO / 'keras_archs'}" in text
    assert "SYNTHETIC random-pixel data" in text
    # The two real architectures, with the seed builder's parameter counts.
    assert "vgg16: 5 blocks of (2, 2, 3, 3, 3) convolutions, 33,638,218 parameters" in text
    assert "vgg19: 5 blocks of (2, 2, 4, 4, 4) convolutions, 38,947,914 parameters" in text
    # The comparison table, one row per model, printed and saved.
    table = (out_dir / "summary.txt").read_text()
    assert table.splitlines()[0].split() == [
        "model", "params", "best_val_accuracy", "best_epoch", "final_val_loss",
        "seconds_per_epoch", "images_per_sec"]
    assert [ln.split()[0] for ln in table.splitlines()[2:]] == ["vgg16", "vgg19"]
    assert table.strip() in text
    # Figures: example images and the curves, shown inline and saved.
    for name in ("examples.png", "curves.png"):
        assert (out_dir / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    images = [o for c in nb.cells for o in c.get("outputs", [])
              if "image/png" in o.get("data", {})]
    assert len(images) >= 2
    # Each model trained 1 epoch, logged by the library's train().
    for name in ("vgg16", "vgg19"):
        log = (out_dir / name / "log.csv").read_text().splitlines()
        assert len(log) == 2 and log[0].startswith("epoch")
        assert (out_dir / name / "best.keras").exists()
