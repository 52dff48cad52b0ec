"""Loading weights into keras-archs models: Keras files, keras.applications' ImageNet
weights and PyTorch checkpoints of a model's torchvision/timm twin.

``weights`` is ``None``, ``"imagenet"`` or a path:

* a path to a Keras 3 ``.weights.h5`` (``model.save_weights``) or a legacy ``.h5``
  weights file (the format keras.applications downloads) is checked for existence and
  format, then loaded; a file that does not fit the architecture raises a ValueError
  naming *our* layer, not Keras' internal ``conv2d_7`` path;
* ``"imagenet"`` builds the keras.applications counterpart with
  ``weights="imagenet"`` so Keras' own machinery downloads and caches the file, and
  copies it layer by layer (our layer names are keras.applications'). Offline, the
  download fails and we say so, with the local-path alternative;
* a PyTorch checkpoint (``.safetensors``, ``.pth``, ``.pt``, ``.bin``) of the model's
  torchvision/timm twin is read without torch (:mod:`keras_archs.torch_checkpoint`)
  and mapped onto our layers by :func:`load_torch_weights`: the family says which
  PyTorch module feeds each of its layers (its ``torch_keys``), and the layouts are
  converted here, once for every family.
"""

from __future__ import annotations

import os
import re
import warnings

import keras
import numpy as np

from keras_archs.torch_checkpoint import (
    TORCH_SUFFIXES, is_torch_checkpoint, read_torch_checkpoint)

__all__ = ["check_weights_arg", "load_weights", "load_torch_weights",
           "read_torch_checkpoint", "CLASSIFIER_LAYERS"]

_WEIGHT_SUFFIXES = (".weights.h5", ".h5", ".hdf5")
# The layers of classifier_head (its hidden fc1, fc2, ... and predictions): with
# include_top=False or another number of classes a PyTorch checkpoint's classifier is
# left out of a load, and the load says so.
CLASSIFIER_LAYERS = ("predictions", "fc1", "fc2", "fc3")


def check_weights_arg(weights, *, keras_applications: str | None, include_top: bool,
                      classes: int, classifier_activation=None) -> None:
    """Validate ``weights`` before any layer is built (raises ValueError/TypeError)."""
    if weights is None:
        return
    if not isinstance(weights, (str, os.PathLike)):
        raise TypeError(
            "weights must be None, 'imagenet' or the path of a .weights.h5 file or a "
            f"PyTorch checkpoint, got {type(weights).__name__}")
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
            "'imagenet' or the path of an existing .weights.h5 file or PyTorch "
            "checkpoint.")
    if not os.path.isfile(weights):
        raise ValueError(f"weights path {weights!r} is a directory, not a weights file")
    if is_torch_checkpoint(weights):
        return
    if not weights.endswith(_WEIGHT_SUFFIXES):
        raise ValueError(
            f"weights file {weights!r} must end in .weights.h5 (Keras 3 "
            "save_weights), .h5 (legacy Keras weights) or "
            f"{', '.join(TORCH_SUFFIXES)} (a PyTorch checkpoint of the model's twin)")
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
                 applications_kwargs: dict | None = None, torch_keys=None) -> None:
    """Load ``weights`` (``None``, ``"imagenet"`` or a path) into ``model``.

    ``torch_keys`` is the family's map from our layers to its PyTorch twin's modules
    (see :func:`load_torch_weights`); ``None`` where the model has no PyTorch twin.
    """
    if weights is None:
        return
    weights = os.fspath(weights)
    if weights == "imagenet":
        _load_imagenet(model, keras_applications, applications_kwargs or {})
        return
    if is_torch_checkpoint(weights):
        if torch_keys is None:
            raise ValueError(
                f"{model.name} has no PyTorch twin, so the checkpoint {weights!r} "
                "cannot be mapped onto it. Models that load PyTorch checkpoints: "
                f"{', '.join(_models_with_torch_twins())}.")
        load_torch_weights(model, weights, torch_keys)
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
    # Layers keras.applications leaves unnamed (EfficientNet's input Normalization)
    # take session-counter names ("normalization_3") there: those pair in order.
    ours = [layer for layer in model.layers if layer.weights]
    theirs = {layer.name: layer for layer in reference.layers if layer.weights}
    ours_names = {layer.name for layer in ours}
    unmatched = [layer for name, layer in theirs.items() if name not in ours_names]
    for layer in ours:
        source = theirs.get(layer.name)
        if source is None and unmatched and type(unmatched[0]) is type(layer):
            source = unmatched.pop(0)
        if source is None:
            raise ValueError(
                f"keras.applications.{keras_applications} has no layer named "
                f"{layer.name!r}; ImageNet weights cannot be copied into this "
                "configuration")
        layer.set_weights(source.get_weights())
        if isinstance(layer, keras.layers.Normalization):
            layer.finalize_state()  # set_weights alone leaves its cached mean/var


# ------------------------------------------------------------- PyTorch checkpoints

def _models_with_torch_twins() -> list[str]:
    from keras_archs.registry import list_models, model_info

    return [n for n in list_models() if model_info(n).torch_twins]


def load_torch_weights(model, checkpoint, torch_keys) -> None:
    """Copy a PyTorch state dict into ``model``, converting layouts.

    Args:
        model: a keras-archs model whose architecture is the checkpoint's.
        checkpoint: a checkpoint path (see :func:`read_torch_checkpoint`) or a
            ``{key: array}`` state dict.
        torch_keys: ``{our layer name: PyTorch module prefix}`` or a callable
            ``torch_keys(model)`` returning it; it names every layer of ours that has
            weights, and the classifier (``"predictions"``, and ``"fc1"``, ``"fc2"``
            where the head has hidden layers) even when the model has none.

    Per layer class: ``Conv2D`` takes ``{prefix}.weight`` (O, I/groups, kh, kw) as
    (kh, kw, I/groups, O) and ``{prefix}.bias``; ``DepthwiseConv2D`` takes
    (C·m, 1, kh, kw) as (kh, kw, C, m); ``Dense`` takes the transposed weight, with
    the rows of a Dense fed by a ``Flatten`` of an H×W×C map reordered from
    PyTorch's (C, H, W) flattening to Keras' (H, W, C); ``BatchNormalization`` takes
    ``weight``, ``bias``, ``running_mean`` and ``running_var``.

    Every checkpoint key must be used (``num_batches_tracked`` aside) and every layer
    with weights filled, or a ``ValueError`` lists what is left and nothing is
    assigned. The classifier is skipped, with one warning, when the model has none
    (``include_top=False``) or another number of classes.
    """
    label = repr(os.fspath(checkpoint)) if isinstance(checkpoint, (str, os.PathLike)) \
        else "the state dict"
    state = read_torch_checkpoint(checkpoint) \
        if isinstance(checkpoint, (str, os.PathLike)) else dict(checkpoint)
    mapping = torch_keys(model) if callable(torch_keys) else dict(torch_keys)
    layers = {layer.name: layer for layer in model.layers}

    empty = [name for name, layer in layers.items()
             if layer.weights and name not in mapping]
    used, missing, mismatched, skipped, assignments = set(), [], [], [], []
    for name, prefix in mapping.items():
        layer = layers.get(name)
        if layer is None and name not in CLASSIFIER_LAYERS:
            raise ValueError(f"torch_keys names layer {name!r}, which {model.name} "
                             "does not have")
        keys = [k for k in state if k.startswith(prefix + ".")]
        if layer is None:
            skipped.append((name, prefix, "the model has no classifier"))
            used.update(keys)
            continue
        pairs = _torch_arrays(layer, prefix, state, missing)
        if pairs is None:
            continue
        bad = [(var, key, value) for var, key, value in pairs
               if tuple(var.shape) != value.shape]
        if bad and name == "predictions":
            var, key, value = bad[0]
            skipped.append((name, prefix, f"the model has {var.shape[-1]} classes, "
                                          f"the checkpoint {value.shape[-1]}"))
            used.update(keys)
            continue
        for var, key, value in bad:
            mismatched.append(f"layer {name!r} ({var.path}): this model has shape "
                              f"{tuple(var.shape)}, the checkpoint's {key!r} has "
                              f"{value.shape}")
        used.update(key for _, key, _ in pairs)
        assignments.extend((var, value) for var, _, value in pairs)

    unused = [k for k in state if k not in used and not k.endswith("num_batches_tracked")]
    problems = []
    if mismatched:
        problems.append("shape mismatch: " + "; ".join(mismatched[:10]))
    if missing:
        problems.append("keys the model needs but the checkpoint lacks: "
                        + _listing(missing))
    if unused:
        problems.append("checkpoint keys left unused: " + _listing(unused))
    if empty:
        problems.append("layers left empty: " + _listing(empty))
    if problems:
        raise ValueError(
            f"checkpoint {label} does not fit {model.name} (is it a checkpoint of this "
            f"model's PyTorch twin?): " + ". ".join(problems))
    for var, value in assignments:
        var.assign(value.astype(var.dtype))
    if skipped:
        names = ", ".join(f"{name!r} (checkpoint {prefix!r})" for name, prefix, _ in skipped)
        warnings.warn(
            f"loaded every layer of {model.name} from {label} except the classifier: "
            f"{names}; {skipped[-1][2]}", stacklevel=3)


def _listing(names, limit=12) -> str:
    names = list(names)
    more = f" … and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(map(repr, names[:limit])) + more


def _torch_arrays(layer, prefix, state, missing):
    """``[(variable, checkpoint key, converted array)]`` for one layer, or None."""
    def get(leaf):
        key = f"{prefix}.{leaf}"
        if key not in state:
            missing.append(key)
            return key, None
        return key, np.asarray(state[key])

    pairs = []

    def take(var, leaf, convert=lambda a: a):
        key, value = get(leaf)
        if value is not None:
            pairs.append((var, key, convert(value)))

    if isinstance(layer, keras.layers.DepthwiseConv2D):
        multiplier = layer.depth_multiplier
        take(layer.kernel, "weight", lambda w: w.reshape(
            w.shape[0] // multiplier, multiplier, *w.shape[2:]).transpose(2, 3, 0, 1))
        if layer.use_bias:
            take(layer.bias, "bias")
    elif isinstance(layer, keras.layers.Conv2D):
        take(layer.kernel, "weight", lambda w: w.transpose(2, 3, 1, 0))
        if layer.use_bias:
            take(layer.bias, "bias")
    elif isinstance(layer, keras.layers.Dense):
        feature_map = _flattened_map_shape(layer)
        take(layer.kernel, "weight", lambda w: _dense_kernel(w, feature_map))
        if layer.use_bias:
            take(layer.bias, "bias")
    elif isinstance(layer, keras.layers.BatchNormalization):
        if layer.scale:
            take(layer.gamma, "weight")
        if layer.center:
            take(layer.beta, "bias")
        take(layer.moving_mean, "running_mean")
        take(layer.moving_variance, "running_var")
    else:
        raise ValueError(
            f"layer {layer.name!r} ({type(layer).__name__}) has no PyTorch conversion; "
            "PyTorch twins are built from Conv2D, DepthwiseConv2D, Dense and "
            "BatchNormalization layers")
    return pairs


def _dense_kernel(weight, feature_map):
    if feature_map is None:
        return weight.T
    h, w, c = feature_map
    # PyTorch flattens (C, H, W); Keras flattens (H, W, C).
    return weight.reshape(-1, c, h, w).transpose(2, 3, 1, 0).reshape(h * w * c, -1)


def _flattened_map_shape(dense):
    """(H, W, C) of the map a Dense layer sees through a Flatten, or None."""
    tensor = dense.input
    while True:
        producer = tensor._keras_history.operation
        if isinstance(producer, keras.layers.Flatten):
            shape = tuple(producer.input.shape[1:])
            return shape if len(shape) == 3 and shape[0] * shape[1] > 1 else None
        if isinstance(producer, keras.layers.Dropout):
            tensor = producer.input
            continue
        return None
