"""benchmarks/pipeline.py runs end to end in smoke mode and prints its tables.

No timing assertion: the figures belong in benchmarks/README.md, not in a test.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow  # a subprocess importing TensorFlow and training VGG-11 two steps
def test_pipeline_benchmark_smoke_prints_tables(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO), TF_CPP_MIN_LOG_LEVEL="2",
               TMPDIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "pipeline.py"), "--smoke"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "SYNTHETIC cifar10 (64 train images" in out  # says it is not real CIFAR
    # (a): both passes over all 64 training images, with tf.data autotuning off (as
    # the library builds it) and on.
    for label in ("", ", autotune on"):
        assert re.search(rf"epoch 1 \(decode \+ cache\){label}\s+64\s", out)
        assert re.search(rf"epoch 2 \(cached\){label}\s+64\s", out)
        assert re.search(rf"first batch of an epoch{label}\s+8\s", out)
    # (b): the three ways of feeding fit, 2 steps each, and the ratios of their times.
    assert re.search(r"in-memory tensors\s+2\s", out)
    assert re.search(r"load_cifar pipeline\s+2\s", out)
    assert re.search(r"load_cifar pipeline, autotune on\s+2\s", out)
    ratio = re.search(r"stall ratio \(pipeline / in-memory\): (\d+\.\d+)", out)
    assert ratio and float(ratio.group(1)) > 0
    assert re.search(r"stall ratio with tf.data autotune on: \d+\.\d+", out)
    # The synthetic dataset lived in a temporary directory and is gone.
    assert not any(p.name.startswith("bench_cifar_") for p in tmp_path.iterdir())
