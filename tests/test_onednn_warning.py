"""The import-time warning for the oneDNN trap (TensorFlow imported first)."""

import os
import subprocess
import sys

import pytest

import keras_archs
from keras_archs import _cpu_flags, _onednn_warning

AMD_EPYC = frozenset({"avx", "avx2", "fma", "avx512f"})  # no VNNI/BF16/AMX
CASCADE_LAKE = frozenset({"avx", "avx2", "avx512f", "avx512_vnni"})


@pytest.mark.parametrize("loaded,env,flags,warns", [
    (True, None, AMD_EPYC, True),           # the trap
    (False, None, AMD_EPYC, False),         # keras_archs first: it sets the variable
    (True, "1", AMD_EPYC, False),           # the user chose
    (True, "0", AMD_EPYC, False),
    (True, None, CASCADE_LAKE, False),      # TensorFlow enables oneDNN there itself
    (True, None, None, False),              # not Linux x86
    (True, None, frozenset({"neon"}), False),
])
def test_warns_only_when_tensorflow_came_first_on_a_cpu_without_default_onednn(
        loaded, env, flags, warns):
    message = _onednn_warning(loaded, env, flags)
    assert (message is not None) == warns
    if warns:
        assert "TF_ENABLE_ONEDNN_OPTS=1" in message and "5.6×" in message


def test_import_after_tensorflow_warns_once_as_this_cpu_requires():
    # On an AVX2-only CPU (this project's AMD CI machines) it must warn; on a CPU
    # with AVX512_VNNI TensorFlow already enables oneDNN and it must not.
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    code = ("import warnings; warnings.simplefilter('always');"
            "import tensorflow;"
            "import keras_archs")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, timeout=300, cwd=os.path.dirname(os.path.dirname(
                                keras_archs.__file__)))
    assert result.returncode == 0, result.stderr
    expected = _onednn_warning(True, None, _cpu_flags()) is not None
    assert result.stderr.count("OneDNNWarning") == (1 if expected else 0), result.stderr


def test_the_warning_is_a_filterable_category():
    assert issubclass(keras_archs.OneDNNWarning, UserWarning)
