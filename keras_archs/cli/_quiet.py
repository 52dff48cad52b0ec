"""A quiet start for the command line: TensorFlow's log noise off unless ``--verbose``.

TensorFlow prints two kinds of noise. Its C++ side logs through absl before absl is
initialised ("WARNING: All log messages before absl::InitializeLog() is called are
written to STDERR", oneDNN, "Could not find cuda drivers"), straight to file
descriptor 2 and regardless of ``TF_CPP_MIN_LOG_LEVEL``; and later, after
initialisation, INFO to ERROR lines (``cuInit`` failing on a machine without a GPU)
that ``TF_CPP_MIN_LOG_LEVEL=3`` does filter. Its Python side warns through absl
logging (tfds) and ``warnings``.

:func:`configure` sets ``TF_CPP_MIN_LOG_LEVEL`` and installs a one-shot import hook:
whenever ``tensorflow`` is first imported (by Keras, tf.data, tfds — whichever comes
first), file descriptor 2 points at ``/dev/null`` for the duration of that import,
and afterwards absl's and TensorFlow's Python loggers are set to ERROR. Nothing is
imported early: commands that never need TensorFlow never load it.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.util
import logging
import os
import sys
import warnings

__all__ = ["configure", "stderr_silenced"]

# Python warnings from these packages are noise to a command-line user.
_NOISY_MODULES = r"(tensorflow|tensorflow_datasets|tensorflow_hub|keras|absl|jax|h5py|google)(\.|$)"


@contextlib.contextmanager
def stderr_silenced():
    """Point file descriptor 2 (C and C++ code's stderr too) at /dev/null."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _quiet_python_loggers():
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    try:
        from absl import logging as absl_logging
    except ImportError:
        return
    absl_logging.set_verbosity(absl_logging.ERROR)


class _QuietLoader(importlib.abc.Loader):
    """Wraps TensorFlow's package loader: its import runs with stderr silenced."""

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        # The package's own loader, not this wrapper, for importlib.resources & co.
        module.__loader__ = self._loader
        module.__spec__.loader = self._loader
        with stderr_silenced():
            self._loader.exec_module(module)
        _quiet_python_loggers()

    def __getattr__(self, name):
        return getattr(self._loader, name)


class _QuietTensorFlowFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname != "tensorflow":
            return None
        sys.meta_path[:] = [f for f in sys.meta_path if f is not self]
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


def configure(verbose: bool = False) -> None:
    """Silence TensorFlow's start-up and log noise (unless ``verbose``).

    Must run before TensorFlow is imported to silence its start-up; if it is already
    imported, only the Python loggers are quietened.
    """
    if verbose:
        return
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    warnings.filterwarnings("ignore", module=_NOISY_MODULES)
    if "tensorflow" in sys.modules:
        _quiet_python_loggers()
    elif not any(isinstance(f, _QuietTensorFlowFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _QuietTensorFlowFinder())
