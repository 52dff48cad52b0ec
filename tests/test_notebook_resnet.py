"""notebooks/resnet50_cifar100.ipynb: one parameters cell, and runs end to end (smoke size).

The notebook loads ``load_dataset(dataset)``; CIFAR-100 needs the tfds loader and the
data, so the smoke run uses the offline ``digits`` set — same code path, 10 classes.
"""

import json
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = "resnet50_cifar100.ipynb"


def test_notebook_has_one_parameters_cell(committed_notebook):
    tagged = committed_notebook(NOTEBOOK)
    # The committed outputs are a digits run; the cell says how to run the seed experiment.
    assert '\ndataset = "digits"' in tagged.source
    assert 'dataset = "cifar100", epochs = 30, batch_size = 128' in tagged.source
    nb = nbformat.read(REPO / "notebooks" / NOTEBOOK, as_version=4)
    assert "Lambda(" not in "".join(c.source for c in nb.cells if c.cell_type == "code")


@pytest.mark.slow
def test_notebook_smoke_run(tmp_path, run_notebook):
    run_dir = tmp_path / "run"
    _, text = run_notebook(NOTEBOOK, dataset="digits", epochs=1, batch_size=8,
                           train_steps=2, val_steps=2, run_eagerly=True,
                           run_dir=str(run_dir))

    results = json.loads((run_dir / "results.json").read_text())
    # The kernel ran this worktree's code, not another install.
    assert Path(results["keras_archs_file"]).resolve().is_relative_to(REPO)
    assert results["dataset"] == "digits"
    assert results["num_classes"] == 10
    assert results["model"] == "resnet50_seed_cifar"
    # ResNet-50 (seed layout, 25,557,032 + 53,120 BN statistics at 224×224 with 1000
    # classes) with a 3×3 instead of 7×7 stem and a 10-way classifier.
    expected = 25_557_032 + 53_120 - (49 - 9) * 3 * 64 - 2049 * 1000 + 2049 * 10
    assert results["params"] == expected
    assert results["epochs_run"] == 1
    assert set(results["history"]) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert 0.0 <= results["best_val_accuracy"] <= 1.0
    for name in ("best.keras", "log.csv", "curves.png", "run.json"):
        assert (run_dir / name).is_file(), name
    assert len((run_dir / "log.csv").read_text().strip().splitlines()) == 2

    assert "resnet50_seed_cifar: 23,573,962 parameters" in text
    assert "measured in this run" in text
