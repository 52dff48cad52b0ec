"""Training: one model (train), several side by side (compare).

Exports are lazy (PEP 562), so ``keras_archs.training.options`` and
``keras_archs.training.distribute`` import without Keras or TensorFlow: the command
line builds its ``--help`` from them.
"""

import importlib

_EXPORTS = {
    "ComparisonResult": "fit", "compare": "fit", "make_optimizer": "fit", "train": "fit",
    "EpochTimer": "callbacks",
    "get_strategy": "distribute", "global_batch_size": "distribute",
    "make_lr_schedule": "schedules",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'keras_archs.training' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *__all__})
