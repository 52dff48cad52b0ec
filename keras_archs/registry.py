"""The model registry: the single list of every model keras-archs can build.

Each family module registers its named constructors with :func:`register_model`.
The CLI, the README table, the parameter-parity tests and the benchmarks all iterate
:func:`list_models`, so a model exists for the rest of the package once it is here.
"""

from __future__ import annotations

import difflib
import importlib
import fnmatch
import re
from dataclasses import dataclass, field
from typing import Callable

from keras_archs._validation import (
    check_bool, check_choice, check_input_shape, check_positive_int, check_seed)

__all__ = ["ModelInfo", "register_model", "create_model", "list_models", "model_info",
           "natural_key"]

# keras.applications `preprocess_input` modes, plus "unit" (pixels scaled to [0, 1],
# what the seed notebooks feed models trained from scratch) and "none" (the model
# rescales inside itself, as EfficientNet does).
PREPROCESSING_MODES = ("unit", "caffe", "tf", "torch", "none")


@dataclass(frozen=True)
class ModelInfo:
    """What the registry knows about one model.

    Attributes:
        name: registry name, e.g. ``"resnet50"``.
        family: family name, e.g. ``"resnet"``; also the module under ``models/``.
        paper: citation of the paper that introduced the architecture.
        reference_params: published parameter count at ``reference_input_shape`` with
            ``reference_classes`` outputs, or ``None`` if there is no reference.
        reference_source: where ``reference_params`` comes from.
        reference_input_shape: input shape the reference count was measured at.
        reference_counts_bn_statistics: whether the reference counts BatchNorm moving
            mean/variance (Keras does; PyTorch, hence torchvision, does not).
        reference_classes: number of classes of the reference count.
        default_input_shape: input shape used when ``create_model`` gets none.
        preprocessing: pixel preprocessing the pretrained weights expect
            (a keras.applications mode: ``"caffe"``, ``"tf"``, ``"torch"``,
            ``"none"``), or ``"unit"`` for [0, 1] scaling when there are no
            pretrained weights.
        keras_applications: name of the keras.applications counterpart, if any.
        torchvision: name of the torchvision constructor this model reproduces
            (same weights in, same logits out), if any, e.g. ``"resnet18"``.
        timm: name of the timm model this model reproduces, if any, e.g.
            ``"seresnet50"``.
        feature_layers: the stage layers ``create_model(..., features_only=True)``
            returns: ``None`` (derived from the graph, the default; see
            ``keras_archs.models._features``) or a function ``model -> layer names``
            for a family whose stage ends the graph does not show.
        top1: reference ImageNet top-1 accuracy (%) of the architecture at
            ``reference_input_shape``, for the accuracy-vs-operations chart; not
            measured here.
        top1_source: where ``top1`` comes from (keras.applications' table,
            torchvision's weights table, or the paper).
        builder: the constructor ``create_model`` calls.
    """

    name: str
    family: str
    paper: str
    builder: Callable = field(repr=False, compare=False)
    reference_params: int | None = None
    reference_source: str | None = None
    reference_input_shape: tuple[int, int, int] = (224, 224, 3)
    reference_classes: int = 1000
    reference_counts_bn_statistics: bool = True
    default_input_shape: tuple[int, int, int] = (224, 224, 3)
    preprocessing: str = "unit"
    keras_applications: str | None = None
    torchvision: str | None = None
    timm: str | None = None
    feature_layers: Callable | None = field(default=None, repr=False, compare=False)
    top1: float | None = None
    top1_source: str | None = None
    description: str = ""

    @property
    def torch_twins(self) -> tuple[str, ...]:
        """The PyTorch peers this model reproduces, as ``"torchvision.NAME"`` /
        ``"timm.NAME"``."""
        return tuple(f"{lib}.{peer}" for lib, peer in
                     (("torchvision", self.torchvision), ("timm", self.timm)) if peer)


_REGISTRY: dict[str, ModelInfo] = {}


def register_model(
    *,
    family: str,
    paper: str,
    name: str | None = None,
    reference_params: int | None = None,
    reference_source: str | None = None,
    reference_input_shape: tuple[int, int, int] = (224, 224, 3),
    reference_classes: int = 1000,
    reference_counts_bn_statistics: bool = True,
    default_input_shape: tuple[int, int, int] = (224, 224, 3),
    preprocessing: str = "unit",
    keras_applications: str | None = None,
    torchvision: str | None = None,
    timm: str | None = None,
    feature_layers: Callable | None = None,
    top1: float | None = None,
    top1_source: str | None = None,
):
    """Decorator that adds a model constructor to the registry.

    The constructor must accept the keras.applications keywords ``input_shape``,
    ``classes`` and ``weights`` (plus its own). Its registry name is ``name`` or the
    function's name; its first docstring line becomes the description.

    ```python
    @register_model(family="vgg", paper="Simonyan & Zisserman 2014, arXiv:1409.1556",
                    reference_params=138_357_544, keras_applications="VGG16")
    def vgg16(**kwargs):
        return VGG16(**kwargs)
    ```
    """
    check_choice(preprocessing, "preprocessing", PREPROCESSING_MODES)
    check_bool(reference_counts_bn_statistics, "reference_counts_bn_statistics")
    if feature_layers is not None and not callable(feature_layers):
        raise TypeError("feature_layers must be None or a function model -> layer names")
    if (top1 is None) != (top1_source is None):
        raise ValueError("top1 and top1_source go together: a reference accuracy "
                         "needs its source")
    if reference_params is not None and reference_source is None:
        reference_source = (
            f"keras.applications.{keras_applications}" if keras_applications else paper)

    def decorator(fn: Callable) -> Callable:
        model_name = name or fn.__name__
        if model_name in _REGISTRY:
            raise ValueError(f"model {model_name!r} is already registered")
        doc = (fn.__doc__ or "").strip().splitlines()
        _REGISTRY[model_name] = ModelInfo(
            name=model_name,
            family=family,
            paper=paper,
            builder=fn,
            reference_params=reference_params,
            reference_source=reference_source,
            reference_input_shape=tuple(reference_input_shape),
            reference_classes=reference_classes,
            reference_counts_bn_statistics=reference_counts_bn_statistics,
            default_input_shape=tuple(default_input_shape),
            preprocessing=preprocessing,
            keras_applications=keras_applications,
            torchvision=torchvision,
            timm=timm,
            feature_layers=feature_layers,
            top1=top1,
            top1_source=top1_source,
            description=doc[0] if doc else "",
        )
        return fn

    return decorator


def _ensure_loaded() -> None:
    # Importing the models package imports every family module, which runs its
    # @register_model decorators.
    importlib.import_module("keras_archs.models")


def _unknown(name: str) -> ValueError:
    names = sorted(_REGISTRY)
    close = difflib.get_close_matches(str(name).lower(), names, n=5, cutoff=0.5)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    return ValueError(
        f"Unknown model name {name!r}.{hint} "
        f"Run `keras-archs list` or keras_archs.list_models() to see all "
        f"{len(names)} models.")


def natural_key(name: str):
    """Sort key reading digit runs as numbers: resnet18 < resnet50 < resnet101."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part)
            for part in re.split(r"(\d+)", name) if part]


def list_models(pattern: str | None = None) -> list[str]:
    """Registry names in natural order (numbers by value: ``resnet18`` before
    ``resnet101``), optionally filtered by a shell-style ``pattern``.

    ``list_models("resnet*")`` → ``["resnet18", "resnet20", ..., "resnet152"]``.
    """
    _ensure_loaded()
    names = sorted(_REGISTRY, key=natural_key)
    if pattern:
        names = [n for n in names if fnmatch.fnmatch(n, pattern.lower())]
    return names


def model_info(name: str) -> ModelInfo:
    """The :class:`ModelInfo` of a registered model; unknown names raise ValueError."""
    _ensure_loaded()
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__}")
    try:
        return _REGISTRY[name.lower()]
    except KeyError:
        raise _unknown(name) from None


def create_model(
    name: str,
    input_shape: tuple[int, int, int] | None = None,
    num_classes: int = 1000,
    weights: str | None = None,
    *,
    features_only: bool = False,
    seed: int | None = None,
    **kwargs,
):
    """Build a registered model, or with ``features_only=True`` its feature pyramid.

    Args:
        name: a name from :func:`list_models`.
        input_shape: ``(height, width, channels)``; defaults to the model's
            ``default_input_shape``. Small inputs (32×32) select the CIFAR stem in
            families that have one.
        num_classes: size of the classifier (keras.applications calls it ``classes``).
        weights: ``None`` (random init), a local ``.weights.h5``/``.h5`` path, or
            ``"imagenet"`` where the keras.applications counterpart has weights.
        features_only: return the backbone's stage outputs instead of the classifier,
            as timm's ``features_only``: a model whose output is a dict in
            keras-hub's ``pyramid_outputs`` style, ``"P{k}"`` → the stage output at
            stride ``2**k``, for the strides 2 to 32 the model reaches at
            ``input_shape`` (``"P1"`` ... ``"P5"``), fine to coarse. The backbone is
            built with ``include_top=False``; its weights are shared.
        seed: ``None`` (initial weights from Keras' global random state) or an
            integer in [0, 2**32 - 1]: the model is built right after
            ``keras.utils.set_random_seed(seed)``, so the same seed gives the same
            initial weights, variable for variable, as Keras' initializers draw
            their seeds from Python's ``random``. That call is Keras' documented
            way and it is global: it also seeds Python's ``random``, NumPy, the
            backend's global RNG (``tf.random.set_seed``, and ``torch.manual_seed``
            under PyTorch) and resets Keras' global ``SeedGenerator``, for all
            code that runs after it (as the CLI's ``--seed`` does).
            ``create_model(name, ..., seed=S)`` is exactly
            ``keras.utils.set_random_seed(S); create_model(name, ...)``.
        **kwargs: passed to the family constructor (``include_top``, ``pooling``,
            ``classifier_activation``, family options, ...).

    Returns:
        A ``keras.Model``.

    ```python
    pyramid = create_model("resnet50", input_shape=(224, 224, 3), features_only=True)
    pyramid(images)["P5"].shape   # (batch, 7, 7, 2048); P2 is (batch, 56, 56, 256)
    ```
    """
    info = model_info(name)
    check_bool(features_only, "features_only")
    if input_shape is None:
        input_shape = info.default_input_shape
    input_shape = check_input_shape(input_shape)
    if "classes" in kwargs:
        raise TypeError("create_model takes num_classes=, not classes=")
    check_positive_int(num_classes, "num_classes")
    seed = check_seed(seed)
    if features_only:
        for key, allowed in (("include_top", False), ("pooling", None)):
            if kwargs.get(key, allowed) is not allowed:
                raise ValueError(
                    f"features_only=True returns the stage outputs, so {key} must be "
                    f"{allowed} (or left out), got {key}={kwargs[key]!r}")
        kwargs.update(include_top=False, pooling=None)
    if seed is not None:
        import keras

        keras.utils.set_random_seed(seed)
    model = info.builder(
        input_shape=tuple(input_shape), classes=num_classes, weights=weights, **kwargs)
    if not features_only:
        return model
    from keras_archs.models._features import feature_model

    return feature_model(model, info.feature_layers)
