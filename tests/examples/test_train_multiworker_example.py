"""examples/train_multiworker.py: two localhost workers run `keras-archs train` together."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_example_trains_with_two_local_workers(tmp_path):
    # The smallest registry model: this tests the example's workflow, not a model.
    # Both workers on the CPU, on any machine: two processes sharing one GPU would
    # each try to take all of its memory.
    env = dict(os.environ, PYTHONPATH=str(REPO), TF_CPP_MIN_LOG_LEVEL="2",
               CUDA_VISIBLE_DEVICES="")
    env.pop("TF_CONFIG", None)
    result = subprocess.run(
        [sys.executable, str(REPO / "examples" / "train_multiworker.py"),
         "--model", "simple_cnn", "--epochs", "1", "--batch-size", "4",
         "--steps-per-epoch", "1", "--validation-steps", "1", "--run-dir", "runs/mw",
         "--timeout", "400"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=450)
    assert result.returncode == 0, (result.stdout[-3000:], result.stderr[-3000:])
    assert "worker exit codes: [0, 0]" in result.stdout
    assert "Strategy: MultiWorkerMirroredStrategy (2 replicas; 2 workers, this is " \
           "worker 0)" in result.stdout
    assert "with MultiWorkerMirroredStrategy (2 replica(s), global batch 8)" \
        in result.stdout
    for run in ("mw", "mw-worker1"):
        meta = json.loads((tmp_path / "runs" / run / "run.json").read_text())
        assert meta["status"] == "finished" and meta["replicas"] == 2
        assert len((tmp_path / "runs" / run / "log.csv").read_text().splitlines()) == 2
