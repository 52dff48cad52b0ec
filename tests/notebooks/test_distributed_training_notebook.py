"""notebooks/distributed_training.ipynb runs top to bottom in a smoke configuration."""

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = "distributed_training.ipynb"


def test_notebook_has_one_parameters_cell(committed_notebook):
    committed_notebook(NOTEBOOK)


@pytest.mark.slow
def test_notebook_trains_on_two_logical_cpus(tmp_path, monkeypatch, run_notebook):
    # The notebook demonstrates mirroring over two logical CPU devices (and bfloat16,
    # the CPU's mixed precision): its kernel sees no GPU, on any machine.
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    _, text = run_notebook(NOTEBOOK, EPOCHS=2, IMAGE_SIZE=8, RUN_DIR="run")
    assert f"keras_archs from: {REPO / 'keras_archs' / '__init__.py'}" in text
    assert "Strategy: MirroredStrategy (2 replicas; /device:CPU:0, /device:CPU:1)" \
        in text
    assert "per-replica batch 32 x 2 replicas = global batch 64" in text
    assert "conv1 computes in bfloat16 with float32 weights" in text
    assert "global policy afterwards: float32" in text

    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["replicas"] == 2 and summary["global_batch"] == 64
    for label in ("default", "mirrored"):
        loss = summary["loss"][label]["loss"]
        assert len(loss) == 2 and loss[1] < loss[0]
        log = (tmp_path / "run" / label / "log.csv").read_text().splitlines()
        assert len(log) == 3
    # Same weights and examples, different shuffle order: close, not identical.
    assert summary["max_loss_difference"] < 0.1
    assert (tmp_path / "run" / "mixed" / "best.keras").exists()
