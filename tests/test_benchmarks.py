"""Benchmarks run (smoke mode) and print their tables; no timing is asserted."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


# The smallest registry model: the smoke runs test the benchmark, not a model.
MODEL = "simple_cnn"


def _row(script):
    """Run ``benchmarks/<script> --models MODEL --smoke``; return MODEL's table row."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    result = subprocess.run(
        [sys.executable, f"benchmarks/{script}", "--models", MODEL, "--smoke"],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    row = next(line for line in result.stdout.splitlines() if line.startswith(MODEL))
    return row.strip()


@pytest.mark.slow
def test_throughput_benchmark_prints_its_ratio_table():
    assert re.fullmatch(MODEL + r"\s+[\d.]+/s\s+[\d.]+/s\s+[\d.]+x", _row("throughput.py"))


@pytest.mark.slow
def test_distributed_benchmark_prints_its_ratio_table():
    # float32, mixed (and its ratio), mirrored x2 (and its ratio)
    assert re.fullmatch(MODEL + r"\s+[\d.]+/s\s+[\d.]+/s\s+[\d.]+x\s+[\d.]+/s\s+[\d.]+x",
                        _row("distributed.py"))


@pytest.mark.slow
def test_vs_applications_benchmark_prints_ratios_and_cpu_utilisation():
    env = dict(os.environ, PYTHONPATH=str(REPO))
    result = subprocess.run(
        [sys.executable, "benchmarks/vs_applications.py", "--models", "vgg16", "--smoke"],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert re.search(r"oneDNN (on|off)", lines[0])
    row = next(line for line in lines if line.startswith("vgg16 "))
    # images/s ours, theirs, ratio, the control's ratio; the same for inference; and
    # the graph comparison (VGG-16 is keras.applications' layer for layer)
    assert re.fullmatch(r"vgg16\s+VGG16\s+(([\d.]+/s\s+){2}([\d.]+x\s+){2}){2}same ops",
                        row.strip())
    assert re.search(r"vgg16 training: [\d.]+ GFLOP/s of a [\d.]+ GFLOP/s matmul peak = "
                     r"\d+% CPU utilisation", result.stdout)
