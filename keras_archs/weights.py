"""Loading weights into keras-archs models: local files and keras.applications' ImageNet.

``weights`` is ``None``, ``"imagenet"`` or a path:

* a path to a Keras 3 ``.weights.h5`` (``model.save_weights``) or a legacy ``.h5``
  weights file (the format keras.applications downloads) is checked for existence and
  format, then loaded; a file that does not fit the architecture raises a ValueError
  naming *our* layer, not Keras' internal ``conv2d_7`` path;
* ``"imagenet"`` builds the keras.applications counterpart with
  ``weights="imagenet"`` so Keras' own machinery downloads and caches the file, and
  copies it layer by layer (our layer names are keras.applications'). Offline, the
  download fails and we say so, with the local-path alternative.
"""

from __future__ import annotations

import os
import re
import warnings

import keras

__all__ = ["check_weights_arg", "load_weights"]

_WEIGHT_SUFFIXES = (".weights.h5", ".h5", ".hdf5")


def check_weights_arg(weights, *, keras_applications: str | None, include_top: bool,
                      classes: int, classifier_activation=None) -> None:
    """Validate ``weights`` before any layer is built (raises ValueError/TypeError)."""
    if weights is None:
        return
    if not isinstance(weights, (str, os.PathLike)):
        raise TypeError(
            "weights must be None, 'imagenet' or a path to a .weights.h5 file, got "
            f"{type(weights).__name__}")
    weights = os.fspath(weights)
    if weights == "imagenet":
        if keras_applications is None:
            raise ValueError(
                "weights='imagenet' is only available for models with a "
                "keras.applications counterpart; this one has none. Pass weights=None "
                "or a path to a .weights.h5 file.")
        if include_top and classes != 1000:
            raise ValueError(
                "weights='imagenet' with include_top=True needs classes=1000 (the "
                f"ImageNet classifier), got classes={classes}. Use include_top=False "
                "for a new head.")
        if include_top and classifier_activation not in ("softmax", None):
            raise ValueError(
                "weights='imagenet' with include_top=True needs "
                "classifier_activation='softmax' or None, got "
                f"{classifier_activation!r}")
        return
    if not os.path.exists(weights):
        raise ValueError(
            f"weights file {weights!r} does not exist. weights must be None, "
            "'imagenet' or the path of an existing .weights.h5 file.")
    if not os.path.isfile(weights):
        raise ValueError(f"weights path {weights!r} is a directory, not a weights file")
    if not weights.endswith(_WEIGHT_SUFFIXES):
        raise ValueError(
            f"weights file {weights!r} must end in .weights.h5 (Keras 3 "
            "save_weights) or .h5 (legacy Keras weights)")
    import h5py

    if not h5py.is_hdf5(weights):
        raise ValueError(f"weights file {weights!r} is not an HDF5 weights file")


def _keras_paths(model) -> dict[str, str]:
    """Map the paths Keras 3 uses inside a .weights.h5 file to our layer names.

    Keras keys a layer's variables by its class name and position among layers of
    the same class (``layers/conv2d_3/vars``), not by its name.
    """
    used: dict[str, int] = {}
    paths = {}
    for layer in model.layers:
        key = re.sub(r"(?<!^)(?=[A-Z])", "_", type(layer).__name__).lower()
        if key in used:
            used[key] += 1
            key = f"{key}_{used[key]}"
        else:
            used[key] = 0
        paths[key] = layer.name
    return paths


def _describe_mismatch(message: str, model) -> str:
    """Turn Keras' load error into 'layer X: expected shape A, file has B'."""
    names = re.findall(r"<\w+ name=([^,>]+)", message)
    if names:
        unique = list(dict.fromkeys(repr(n) for n in names))
        where = f"layer{'s' if len(unique) > 1 else ''} {', '.join(unique)}"
    else:
        paths = _keras_paths(model)
        hits = [k for k in sorted(paths, key=len, reverse=True)
                if re.search(rf"\b{re.escape(k)}\b", message)]
        where = (f"layer {paths[hits[0]]!r} (stored in the file as {hits[0]!r})"
                 if hits else "one or more layers")
    shapes = re.search(r"variable\.shape=(\([^)]*\)), Received: value\.shape=(\([^)]*\))",
                       message)
    if shapes:
        where += f": this model has shape {shapes.group(1)}, the file {shapes.group(2)}"
    return where


def load_weights(model, weights, *, keras_applications: str | None = None,
                 applications_kwargs: dict | None = None) -> None:
    """Load ``weights`` (``None``, ``"imagenet"`` or a path) into ``model``."""
    if weights is None:
        return
    weights = os.fspath(weights)
    if weights == "imagenet":
        _load_imagenet(model, keras_applications, applications_kwargs or {})
        return
    try:
        with warnings.catch_warnings():
            # Keras warns about every container it skips before raising; the error
            # below says what matters.
            warnings.filterwarnings("ignore", message="Skipping nested container")
            model.load_weights(weights)
    except (ValueError, KeyError) as err:
        raise ValueError(
            f"weights file {weights!r} does not fit this architecture ({model.name}): "
            f"{_describe_mismatch(str(err), model)}") from err


def _load_imagenet(model, keras_applications: str, kwargs: dict) -> None:
    constructor = getattr(keras.applications, keras_applications)
    try:
        reference = constructor(weights="imagenet", **kwargs)
    except Exception as err:  # the download: URLError, HTTPError, OSError, ...
        raise RuntimeError(
            f"could not get the ImageNet weights of keras.applications."
            f"{keras_applications} ({type(err).__name__}: {err}). Keras downloads them "
            "to ~/.keras/models on first use, which needs network access. On an "
            "offline machine, copy the file there or pass weights='/path/to/file"
            ".weights.h5'.") from err
    for layer in model.layers:
        if not layer.weights:
            continue
        try:
            source = reference.get_layer(layer.name)
        except ValueError:
            raise ValueError(
                f"keras.applications.{keras_applications} has no layer named "
                f"{layer.name!r}; ImageNet weights cannot be copied into this "
                "configuration") from None
        layer.set_weights(source.get_weights())
