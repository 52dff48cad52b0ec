"""Shared test fixtures. Everything here works offline."""

import os
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

import keras  # noqa: E402
import pytest  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _fresh_keras_session():
    """Each test starts with fresh layer-name counters and a fixed seed."""
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    yield
    keras.backend.clear_session()


def _console_script(name="keras-archs") -> str:
    script = Path(sys.executable).parent / name
    if not script.exists():
        pytest.fail(f"console script {script} is missing: is the package installed "
                    "(pip install -e .)?")
    return str(script)


@pytest.fixture
def run_cli(tmp_path):
    """Run the real `keras-archs` console script; returns the CompletedProcess.

    PYTHONPATH points at this checkout so the script imports the code under test even
    when the venv's editable install points at another checkout.
    """

    def run(*args, timeout=600, cwd=None, env=None):
        full_env = dict(os.environ, PYTHONPATH=str(REPO), TF_CPP_MIN_LOG_LEVEL="2")
        full_env.update(env or {})
        return subprocess.run(
            [_console_script(), *map(str, args)], capture_output=True, text=True,
            timeout=timeout, cwd=cwd or tmp_path, env=full_env)

    return run
