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

# TensorFlow leaves its oneDNN CPU kernels off on some x86 CPUs (AMD among them),
# where they train several times faster (benchmarks/throughput.py measures the
# ratio). Effective only if TensorFlow is not imported yet; set
# TF_ENABLE_ONEDNN_OPTS=0 to opt out.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

__version__ = "0.1.0"

_REGISTRY_API = ("ModelInfo", "create_model", "list_models", "model_info",
                 "register_model")
# TensorFlow-only (TF-Hub, tf.data): loaded only when one of these is used.
_TRANSFER_API = ("HubFeatureExtractor", "build_transfer_model", "fine_tune", "unfreeze")


def _family_exports() -> dict[str, str]:
    """Public name -> family module, from every family module's ``__all__``."""
    models = importlib.import_module("keras_archs.models")
    exports = {}
    for family in models.FAMILY_MODULES:
        module = importlib.import_module(f"keras_archs.models.{family}")
        for public in getattr(module, "__all__", ()):
            exports.setdefault(public, module.__name__)
    return exports


def __getattr__(name):
    if name in _REGISTRY_API:
        module = "keras_archs.registry"
    elif name in _TRANSFER_API:
        module = "keras_archs.transfer"
    elif name == "__all__":
        return [*_REGISTRY_API, *sorted(_family_exports()), *_TRANSFER_API]
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
