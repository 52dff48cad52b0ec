"""notebooks/distributed_training.ipynb runs top to bottom in a smoke configuration."""

import json
import os
import sys
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "distributed_training.ipynb"


def test_notebook_is_committed_clean_with_a_parameters_cell():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert [c for c in code if "parameters" in c.metadata.get("tags", [])]


@pytest.mark.slow
def test_notebook_trains_on_two_logical_cpus(tmp_path, monkeypatch):
    papermill = pytest.importorskip("papermill")
    # The "python3" kernel is started with this interpreter (jupyter_client maps a
    # kernelspec's "python" to sys.executable), and imports this checkout.
    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent),
                                                 os.environ["PATH"]]))
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK), str(out), parameters={"EPOCHS": 2, "RUN_DIR": "run"},
        kernel_name="python3", cwd=str(tmp_path), progress_bar=False)

    text = "\n".join(o.get("text", "") for c in nbformat.read(out, as_version=4).cells
                     if c.cell_type == "code" for o in c.outputs)
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
