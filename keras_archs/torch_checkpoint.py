"""Reading PyTorch checkpoints without PyTorch: ``read_torch_checkpoint(path)``.

* ``.safetensors`` files are read through the ``safetensors`` package's numpy API.
* ``.pth``/``.pt``/``.bin`` files, as ``torch.save`` writes them (the zip format and
  the legacy pre-1.6 one), are read by :mod:`keras_archs._torch_pickle`, a restricted
  unpickler that rebuilds tensors and plain containers and refuses every other
  global before anything runs.

Either way the result is a flat ``{key: numpy.ndarray}`` state dict. Training
checkpoints that wrap the weights (``{"state_dict": ...}``, ``{"model": ...}``) are
unwrapped, and the ``module.`` prefix ``nn.DataParallel`` adds to every key is
removed. torch is never imported, even where it is installed: one code path for
everyone.
"""

from __future__ import annotations

import os

import numpy as np

__all__ = ["TORCH_SUFFIXES", "is_torch_checkpoint", "read_torch_checkpoint"]

TORCH_SUFFIXES = (".safetensors", ".pth", ".pt", ".bin")
# Keys under which training scripts store the model's state dict, most common first.
_WRAPPER_KEYS = ("state_dict", "model", "model_state_dict", "model_state", "net",
                 "module")


def is_torch_checkpoint(path) -> bool:
    """Whether ``path`` names a PyTorch checkpoint by its suffix."""
    return os.fspath(path).lower().endswith(TORCH_SUFFIXES)


def read_torch_checkpoint(path) -> dict[str, np.ndarray]:
    """The state dict stored in a PyTorch checkpoint, as numpy arrays.

    Args:
        path: a ``.safetensors``, ``.pth``, ``.pt`` or ``.bin`` file.

    Returns:
        ``{key: array}`` in the file's order, e.g. ``{"conv1.weight": (64, 3, 7, 7)
        float32 array, ...}``; bfloat16 tensors come back as float32.

    Raises:
        ValueError: the file is missing, empty, truncated, not a checkpoint, holds no
            state dict, or asks the unpickler for anything but tensors and plain
            containers (the message names the file and the cause).
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ValueError(f"checkpoint {path!r} does not exist or is not a file")
    if os.path.getsize(path) == 0:
        raise ValueError(f"checkpoint {path!r} is empty (0 bytes)")
    if path.lower().endswith(".safetensors"):
        state = _read_safetensors(path)
    else:
        from keras_archs._torch_pickle import load_torch_pickle

        state = load_torch_pickle(path)
    return _unwrap(state, path)


def _read_safetensors(path: str) -> dict[str, np.ndarray]:
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    try:
        return load_file(path)
    except (SafetensorError, OSError, ValueError) as err:
        raise ValueError(
            f"checkpoint {path!r} is not a readable .safetensors file "
            f"(truncated or corrupt?): {err}") from None


def _unwrap(obj, path: str) -> dict[str, np.ndarray]:
    """Find the state dict in a checkpoint and return it with plain string keys."""
    for _ in range(3):  # {"model": {"state_dict": ...}} at most
        if isinstance(obj, dict) and not _is_state_dict(obj):
            inner = next((obj[k] for k in _WRAPPER_KEYS
                          if k in obj and isinstance(obj[k], dict)), None)
            if inner is None:
                break
            obj = inner
    if not isinstance(obj, dict) or not _is_state_dict(obj):
        found = (f"a dict with keys {sorted(map(str, obj))[:8]}"
                 if isinstance(obj, dict) else type(obj).__name__)
        raise ValueError(
            f"checkpoint {path!r} holds no state dict of tensors (found {found}); "
            f"save one with torch.save(model.state_dict(), path)")
    state = {k: np.asarray(v) for k, v in obj.items()
             if isinstance(v, np.ndarray) or np.isscalar(v)}
    if all(k.startswith("module.") for k in state):
        state = {k[len("module."):]: v for k, v in state.items()}
    return state


def _is_state_dict(obj: dict) -> bool:
    arrays = [v for v in obj.values() if isinstance(v, np.ndarray)]
    return bool(obj) and all(isinstance(k, str) for k in obj) and \
        len(arrays) >= max(1, len(obj) // 2)
