"""What the subprocess benchmarks share: their common options and the worker run.

Each measurement runs in a fresh Python process (TensorFlow reads its oneDNN switch,
logical devices and dtype policy once per process) and prints its result as a JSON
line last.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys


def add_common_args(parser, *, models, batch_help=None):
    """The options every throughput benchmark takes."""
    parser.add_argument("--models", nargs="+", default=list(models))
    parser.add_argument("--batch-size", type=int, default=32, help=batch_help)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--smoke", action="store_true", help="tiny run for the tests")


def images_per_sec(worker: str, args, env=None, label: str = "worker") -> float:
    """Run ``worker`` (Python source) with ``args``; return its images/s."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", **(env or {}))
    out = subprocess.run([sys.executable, "-c", worker, *map(str, args)],
                         capture_output=True, text=True, env=env)
    if out.returncode:
        raise RuntimeError(f"{label} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])["images_per_sec"]
