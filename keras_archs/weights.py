"""Loading weights into keras-archs models: Keras files, keras.applications' ImageNet
weights and PyTorch checkpoints of a model's torchvision/timm twin.

``weights`` is ``None``, ``"imagenet"`` or a path:

* a path to a Keras 3 ``.weights.h5`` (``model.save_weights``) or a legacy ``.h5``
  weights file (the format keras.applications downloads) is checked for existence and
  format and opened read-only before any layer is built, then loaded. Every failure
  is a ValueError naming the file: a truncated or corrupted file (h5py's own error
  is an OSError or RuntimeError deep inside Keras), a file that does not fit the
  architecture (naming *our* layer and both shapes, not Keras' internal
  ``conv2d_7`` path and a dump of variable values), and a file holding weights for
  layers the model does not have, which Keras alone ignores without a word (the
  file of a deeper model, or of the same model with its classifier on top);
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
        hint = (" A .keras file is a whole saved model: load it with "
                "keras.saving.load_model(path), or write its weights with "
                "model.save_weights('NAME.weights.h5')."
                if weights.endswith(".keras") else "")
        raise ValueError(
            f"weights file {weights!r} must end in .weights.h5 (Keras 3 "
            "save_weights), .h5 (legacy Keras weights) or "
            f"{', '.join(TORCH_SUFFIXES)} (a PyTorch checkpoint of the model's twin)."
            + hint)
    _check_hdf5_file(weights)


def _check_hdf5_file(path: str) -> None:
    """Open ``path`` read-only as HDF5: a truncated or foreign file fails here, with
    its name, before any layer is built (h5py alone says "Unable to synchronously
    open file (truncated file: eof = ...)")."""
    import h5py

    if not h5py.is_hdf5(path):
        raise ValueError(
            f"weights file {path!r} is not an HDF5 weights file (it does not start "
            "with the HDF5 signature: another format, or not a weights file)")
    try:
        with h5py.File(path, "r"):
            pass
    except _H5_READ_ERRORS as err:
        raise _corrupted(path, err) from None


# What h5py raises on a damaged file ("truncated file", "bad local heap signature",
# "wrong B-tree signature"), depending on where the damage is.
_H5_READ_ERRORS = (OSError, RuntimeError)


def _corrupted(path: str, err) -> ValueError:
    return ValueError(f"weights file {path!r} cannot be read: it is truncated or "
                      f"corrupted (h5py: {_first_line(err)})")


def _first_line(err) -> str:
    lines = str(err).strip().splitlines()
    return lines[0] if lines else type(err).__name__


def _snake_case(name: str) -> str:
    """Keras' ``naming.to_snake_case``: ``DepthwiseConv2D`` → ``depthwise_conv2d``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _keras_paths(model) -> dict[str, str]:
    """Map the paths Keras 3 uses inside a .weights.h5 file to our layer names.

    Keras keys a layer's variables by its class name and position among layers of
    the same class (``layers/conv2d_3/vars``), not by its name.
    """
    used: dict[str, int] = {}
    paths = {}
    for layer in model.layers:
        key = _snake_case(type(layer).__name__)
        if key in used:
            used[key] += 1
            key = f"{key}_{used[key]}"
        else:
            used[key] = 0
        paths[key] = layer.name
    return paths


def _file_layer_keys(path: str) -> list[str]:
    """The ``layers/<key>`` entries of a Keras 3 ``.weights.h5`` file that hold arrays."""
    import h5py

    keys = []
    with h5py.File(path, "r") as f:
        group = f.get("layers")
        if not isinstance(group, h5py.Group):
            return keys
        for key, item in group.items():
            found = []
            if isinstance(item, h5py.Group):
                item.visit(lambda name, item=item: found.append(name)
                           if isinstance(item[name], h5py.Dataset) else None)
            if found:
                keys.append(key)
    return keys


def _extra_file_layers(path: str, model) -> list[str]:
    """Layers a Keras 3 weights file holds weights for and ``model`` does not have.

    Keras fills every layer of the model from the file but ignores what is left
    over, so the file of a larger model (more blocks, a classifier on top) would
    load into a smaller one without a word.
    """
    ours = _keras_paths(model)

    def order(key):  # conv2d, conv2d_1, conv2d_2, ..., conv2d_10: the file's layer order
        base, _, n = key.rpartition("_")
        return (base, int(n)) if n.isdigit() else (key, -1)

    return sorted((key for key in _file_layer_keys(path) if key not in ours), key=order)


_MISMATCH_LIMIT = 8


def _file_mismatches(model, path) -> list[str]:
    """What keeps the Keras 3 ``.weights.h5`` file ``path`` from loading into ``model``,
    read from the file's array shapes only (no data): ``[]`` when it fits.

    Each entry names our layer (and the file's key for it) and the mismatch; layers
    the file has and the model lacks are listed too. Layers that are models
    themselves (nested models) are left to Keras' own load.
    """
    import h5py

    path = os.fspath(path)
    problems = []
    ours = _keras_paths(model)
    layers = {layer.name: layer for layer in model.layers}
    with h5py.File(path, "r") as f:
        stored = f.get("layers")
        stored = stored if isinstance(stored, h5py.Group) else {}
        for key, name in ours.items():
            layer = layers[name]
            if isinstance(layer, keras.Model):
                continue
            variables = list(layer._trainable_variables) + list(
                layer._non_trainable_variables)
            group = stored.get(f"{key}/vars") if key in stored else None
            arrays = [] if group is None else [group[str(i)] for i in range(len(group))
                                               if str(i) in group]
            if len(arrays) != len(variables):
                problems.append(
                    f"layer {name!r} (stored in the file as {key!r}): this model has "
                    f"{len(variables)} weight arrays, the file {len(arrays)}")
                continue
            for var, array in zip(variables, arrays):
                if tuple(var.shape) != tuple(array.shape):
                    problems.append(
                        f"layer {name!r} ({var.path}): this model has shape "
                        f"{tuple(var.shape)}, the file {tuple(array.shape)}")
    extra = _extra_file_layers(path, model)
    if extra:
        problems.append(_extra_layers_message(extra))
    return problems


def _extra_layers_message(extra) -> str:
    return (f"the file holds weights for {len(extra)} layer{'s' * (len(extra) > 1)} "
            f"this model does not have (stored in the file as "
            f"{_listing(extra, _MISMATCH_LIMIT)})")


def _describe_mismatch(message: str, model) -> str:
    """Turn Keras' load error into 'N layers: 'a', 'b', ...; 'a': this model has
    shape A, the file B' (Keras prints variable values and its internal names)."""
    names = list(dict.fromkeys(re.findall(r"<\w+ name=([^,>]+)", message)))
    if names:
        shown = ", ".join(map(repr, names[:_MISMATCH_LIMIT]))
        more = f" and {len(names) - _MISMATCH_LIMIT} more" if len(names) > _MISMATCH_LIMIT \
            else ""
        where = (f"{len(names)} layers do not match ({shown}{more})" if len(names) > 1
                 else f"layer {names[0]!r} does not match")
        first = names[0]
    else:
        paths = _keras_paths(model)
        hits = [k for k in sorted(paths, key=len, reverse=True)
                if re.search(rf"\b{re.escape(k)}\b", message)]
        first = paths[hits[0]] if hits else None
        where = (f"layer {first!r} (stored in the file as {hits[0]!r}) does not match"
                 if hits else "one or more layers do not match")
    shapes = re.search(r"variable\.shape=(\([^)]*\)), Received: value\.shape=(\([^)]*\))",
                       message)
    counts = re.search(r"expected (\d+) variables, but received (\d+) variables", message)
    if shapes:
        where += (f"; {first!r}: this model has shape {shapes.group(1)}, the file "
                  f"{shapes.group(2)}" if len(names) > 1 else
                  f": this model has shape {shapes.group(1)}, the file {shapes.group(2)}")
    elif counts:
        detail = (f"this model's layer has {counts.group(1)} weight arrays, the file's "
                  f"{counts.group(2)}")
        where += f"; {first!r}: {detail}" if len(names) > 1 else f": {detail}"
    else:  # e.g. h5py's own words for a damaged block inside one layer's group
        reason = re.search(r"Example error message for object <[^>]*>:\s*\n\s*(.+)",
                           message)
        where += f" ({(reason.group(1) if reason else _first_line(message))[:200]})"
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
    # Also when called directly (not through a constructor): a missing, foreign or
    # truncated file is named here, not by h5py deep inside Keras.
    check_weights_arg(weights, keras_applications=None, include_top=False, classes=1)
    try:
        extra = _extra_file_layers(weights, model) if weights.endswith(".weights.h5") \
            else []
    except _H5_READ_ERRORS as err:
        raise _corrupted(weights, err) from None
    if extra:
        raise ValueError(
            f"weights file {weights!r} does not fit this architecture ({model.name}): "
            f"{_extra_layers_message(extra)}; is it the file of another model, or of "
            "this model with another include_top or number of blocks?")
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
    except _H5_READ_ERRORS as err:  # h5py: a damaged block found while reading
        raise _corrupted(weights, err) from None


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
            where the head has hidden layers) even when the model has none. A
            callable may carry ``optional_prefixes``: checkpoint key prefixes of heads
            the model may be built without (auxiliary classifiers), whose keys are
            then left out with a warning instead of failing the load.

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
    # Heads a family builds only on request (GoogLeNet's and Inception-v3's auxiliary
    # classifiers, which torchvision's ImageNet files carry): their keys may go unused.
    optional = tuple(getattr(torch_keys, "optional_prefixes", ()))
    dropped = sorted({k.split(".")[0] for k in unused if k.startswith(optional)}) \
        if optional else []
    unused = [k for k in unused if not (optional and k.startswith(optional))]
    problems = []
    if mismatched:
        more = f" (and {len(mismatched) - 3} more)" if len(mismatched) > 3 else ""
        problems.append(f"shape mismatch in {len(mismatched)} arrays: "
                        + "; ".join(mismatched[:3]) + more)
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
    if dropped:
        warnings.warn(
            f"{model.name} was built without the checkpoint's optional heads "
            f"{', '.join(map(repr, dropped))}: their weights were not loaded (build it "
            "with aux_logits=True to load them)", stacklevel=3)
    if skipped:
        names = ", ".join(f"{name!r} (checkpoint {prefix!r})" for name, prefix, _ in skipped)
        warnings.warn(
            f"loaded every layer of {model.name} from {label} except the classifier: "
            f"{names}; {skipped[-1][2]}", stacklevel=3)


def _listing(names, limit=6) -> str:
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
    if weight.ndim == 4 and weight.shape[2:] == (1, 1):
        # A 1×1-convolution classifier after global pooling (timm's DPN): a Dense.
        weight = weight[:, :, 0, 0]
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
