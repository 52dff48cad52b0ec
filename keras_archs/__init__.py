"""keras-archs: a Keras 3 functional-API cookbook of classic and modern CNNs.

Public API: the registry (``create_model``, ``list_models``, ``model_info``), the block
functions and builders of every family (each family module's ``__all__``), and the
transfer-learning helpers.

Everything is exported lazily: ``import keras_archs`` imports neither Keras nor
TensorFlow, so the command line starts fast; ``keras_archs.ResNet50`` imports the
family that defines it on first use. A new family module under ``models/`` is
exported without an edit here.
"""

import importlib
import importlib.util
import os
import sys
import warnings


class OneDNNWarning(UserWarning):
    """TensorFlow was imported first, so keras_archs could not turn oneDNN on."""


# TensorFlow turns its oneDNN CPU kernels on by default only on x86 CPUs with one of
# these (Intel Cascade Lake and newer); elsewhere (AMD EPYC without them, older
# Intel) they stay off unless TF_ENABLE_ONEDNN_OPTS=1 is set before TensorFlow loads.
_ONEDNN_DEFAULT_FLAGS = frozenset(
    {"avx512_vnni", "avx512_bf16", "avx_vnni", "amx_tile", "amx_int8", "amx_bf16"})


def _cpu_flags(path="/proc/cpuinfo") -> frozenset | None:
    """The first CPU's flags on Linux x86, else None (nothing to say elsewhere)."""
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return None


def _onednn_warning(tensorflow_loaded: bool, env_value, flags) -> str | None:
    """The warning to give at import, or None: TensorFlow already imported, the
    variable unset, and an x86 CPU on which TensorFlow leaves oneDNN off."""
    if not tensorflow_loaded or env_value is not None or flags is None:
        return None
    if "avx2" not in flags or flags & _ONEDNN_DEFAULT_FLAGS:
        return None
    return (
        "TensorFlow was imported before keras_archs with TF_ENABLE_ONEDNN_OPTS unset, "
        "and on this CPU (no AVX512_VNNI, AVX512_BF16, AVX_VNNI or AMX) TensorFlow "
        "then leaves its oneDNN kernels off: training runs several times slower "
        "(ResNet-50 at 32×32 trained 5.6× slower on this project's AMD CI machine). "
        "Import keras_archs before TensorFlow or Keras, or set "
        "TF_ENABLE_ONEDNN_OPTS=1 before they load. Silence this with "
        "warnings.filterwarnings('ignore', category=keras_archs.OneDNNWarning).")


_message = _onednn_warning("tensorflow" in sys.modules,
                           os.environ.get("TF_ENABLE_ONEDNN_OPTS"), _cpu_flags()
                           if "tensorflow" in sys.modules else None)
if _message:
    warnings.warn(_message, OneDNNWarning, stacklevel=2)
del _message
# Effective only if TensorFlow is not imported yet; TF_ENABLE_ONEDNN_OPTS=0 opts out.
# benchmarks/throughput.py measures what it is worth.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

__version__ = "0.1.0"

_REGISTRY_API = ("ModelInfo", "create_model", "list_models", "model_info",
                 "register_model")
_OWN = ("OneDNNWarning",)
# TensorFlow-only (TF-Hub, tf.data): loaded only when one of these is used.
_TRANSFER_API = ("HubFeatureExtractor", "build_transfer_model", "fine_tune", "unfreeze")


def _family_exports() -> dict[str, str]:
    """Public name -> module, from the ``__all__`` of ``layers`` (shared blocks such
    as ``se_block``) and of every family module."""
    models = importlib.import_module("keras_archs.models")
    exports = {}
    for module_name in ("keras_archs.layers", *(f"keras_archs.models.{family}"
                                                 for family in models.FAMILY_MODULES)):
        module = importlib.import_module(module_name)
        for public in getattr(module, "__all__", ()):
            exports.setdefault(public, module.__name__)
    return exports


def __getattr__(name):
    if name in _REGISTRY_API:
        module = "keras_archs.registry"
    elif name in _TRANSFER_API:
        module = "keras_archs.transfer"
    elif name == "__all__":
        return [*_REGISTRY_API, *_OWN, *sorted(_family_exports()), *_TRANSFER_API]
    elif name.startswith("_"):
        raise AttributeError(name)
    elif importlib.util.find_spec(f"keras_archs.{name}") is not None:
        # A submodule (keras_archs.models, .data, ...) not imported yet.
        return importlib.import_module(f"keras_archs.{name}")
    else:
        module = _family_exports().get(name)
        if module is None:
            raise AttributeError(f"module 'keras_archs' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *__getattr__("__all__")})
