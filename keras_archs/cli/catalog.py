"""The registry's metadata for commands that only read it (``keras-archs list``).

The registry is filled by importing the family modules, which import Keras — with
the TensorFlow backend, TensorFlow: 5–10 s on a laptop CPU for a command that prints
a table. So ``list`` reads a cached copy of every :class:`~keras_archs.registry.ModelInfo`
(all fields but the builder), stored as JSON in the user's cache directory under a key
that hashes the source of ``registry.py`` and every module under ``models/``: any
edit to a family, or a new one, makes a new key, and the next ``list`` rebuilds it
(the four most recent are kept).

Rebuilding imports the families with Keras' ``"numpy"`` backend when Keras is not
imported yet: registering models builds nothing, so the backend does not matter, and
the numpy backend loads no TensorFlow. ``$KERAS_ARCHS_CACHE_DIR`` overrides the cache
directory (default ``$XDG_CACHE_HOME/keras-archs`` or ``~/.cache/keras-archs``); where
it cannot be written, every ``list`` rebuilds. Any other command that loaded the
registry anyway writes the catalog on its way out, so ``list`` is rarely cold.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import hashlib
import json
import os
import sys
from pathlib import Path

__all__ = ["catalog", "list_infos", "cache_dir", "store_if_loaded"]

_PREFIX = "catalog-"
_KEEP = 4


def cache_dir() -> Path:
    if os.environ.get("KERAS_ARCHS_CACHE_DIR"):
        return Path(os.environ["KERAS_ARCHS_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"),
                                                            ".cache")
    return Path(base) / "keras-archs"


def _source_key() -> str:
    import keras_archs

    package = Path(keras_archs.__file__).parent
    digest = hashlib.sha1(keras_archs.__version__.encode())
    for path in [package / "registry.py",
                 *sorted((package / "models").rglob("*.py"))]:
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def _build() -> dict[str, dict]:
    if "keras" not in sys.modules:
        # Metadata only: no backend work happens, so skip loading TensorFlow.
        os.environ["KERAS_BACKEND"] = "numpy"
    from keras_archs import registry

    registry._ensure_loaded()
    entries = {}
    for name, info in registry._REGISTRY.items():
        fields = {f.name: getattr(info, f.name) for f in dataclasses.fields(info)
                  if f.name != "builder"}
        entries[name] = fields
    return entries


def _store(path: Path, entries) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(entries, indent=1))
        os.replace(tmp, path)
        # Keep a few: several checkouts or versions may share the cache directory.
        files = sorted(path.parent.glob(f"{_PREFIX}*.json"),
                       key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[_KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only cache only costs speed


def catalog() -> dict[str, dict]:
    """``{name: ModelInfo fields except builder}`` for every registered model."""
    path = cache_dir() / f"{_PREFIX}{_source_key()}.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        pass
    entries = json.loads(json.dumps(_build()))  # the same types as a cached read
    _store(path, entries)
    return entries


def store_if_loaded() -> None:
    """Write the catalog if this process has imported the families anyway (after
    ``summary``, ``train``, ...), so a later ``list`` finds it: a few milliseconds."""
    if "keras_archs.models" not in sys.modules:
        return
    path = cache_dir() / f"{_PREFIX}{_source_key()}.json"
    if not path.exists():
        _store(path, json.loads(json.dumps(_build())))


def _natural_key(name: str):
    from keras_archs.registry import natural_key

    return natural_key(name)


def list_infos(pattern: str | None = None) -> list[dict]:
    """The catalog entries matching ``pattern``, in :func:`list_models` order."""
    entries = catalog()
    names = sorted(entries, key=_natural_key)
    if pattern:
        names = [n for n in names if fnmatch.fnmatch(n, pattern.lower())]
    return [entries[n] for n in names]
