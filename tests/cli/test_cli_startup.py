"""Starting the command line: no TensorFlow for help, listing and argument errors;
TensorFlow's start-up noise silenced unless --verbose."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Runs the CLI in a fresh interpreter, then reports which heavy modules it imported.
_PROBE = """
import json, sys
from keras_archs.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
heavy = sorted(m for m in ("tensorflow", "keras", "jax") if m in sys.modules)
print("PROBE", json.dumps({"code": code, "heavy": heavy}))
"""


def _probe(*argv, cache_dir):
    env = dict(os.environ, PYTHONPATH=str(REPO), KERAS_ARCHS_CACHE_DIR=str(cache_dir))
    env.pop("KERAS_BACKEND", None)
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", _PROBE, *argv], capture_output=True,
                            text=True, timeout=600, env=env)
    seconds = time.perf_counter() - start
    line = [l for l in result.stdout.splitlines() if l.startswith("PROBE ")]
    assert line, (result.stdout[-2000:], result.stderr[-2000:])
    return json.loads(line[-1][len("PROBE "):]), result, seconds


@pytest.mark.parametrize("argv", [
    ("--help",), ("summary", "--help"), ("train", "--help"), ("transfer", "--help"),
    ("train", "lenet5", "--strategy", "foo"), ("summary", "lenet5", "--input-shape", "3x"),
    ("no-such-command",),
])
def test_help_and_argument_errors_import_no_keras_or_tensorflow(argv, tmp_path):
    report, result, seconds = _probe(*argv, cache_dir=tmp_path)
    assert report["heavy"] == [], report
    assert report["code"] == (0 if argv[-1] == "--help" else 2)
    print(f"{' '.join(argv)}: {seconds:.2f} s")


def test_list_does_not_import_tensorflow_cold_or_cached(tmp_path):
    # Cold: the catalog is built by importing the families under Keras' numpy
    # backend. Cached: not even Keras is imported.
    cold, result, cold_s = _probe("list", cache_dir=tmp_path)
    assert cold["code"] == 0 and "tensorflow" not in cold["heavy"], cold
    assert "vgg16" in result.stdout
    assert [p.name for p in tmp_path.iterdir()][0].startswith("catalog-")
    warm, result, warm_s = _probe("list", "resnet*", cache_dir=tmp_path)
    assert warm == {"code": 0, "heavy": []}
    assert "resnet18" in result.stdout
    print(f"list: {cold_s:.2f} s cold, {warm_s:.2f} s cached")


_NOISE = ("absl::InitializeLog", "oneDNN", "cuda drivers", "cuInit", "cpu_feature_guard")


@pytest.mark.slow
def test_tensorflow_start_up_is_silent_unless_verbose(run_cli):
    quiet = run_cli("summary", "lenet5", "--num-classes", "10")
    assert quiet.returncode == 0, quiet.stderr[-2000:]
    assert "parameters: 61,706" in quiet.stdout
    assert not [w for w in _NOISE if w in quiet.stderr], quiet.stderr
    loud = run_cli("summary", "lenet5", "--num-classes", "10", "--verbose")
    assert loud.returncode == 0
    # This machine's TensorFlow prints its absl start-up block (oneDNN is on).
    assert "absl::InitializeLog" in loud.stderr, loud.stderr[-2000:]
