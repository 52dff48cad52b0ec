"""Transfer models: a pretrained backbone under a new classifier head.

``build_transfer_model`` takes its backbone from one of three places:

* ``"hub:<handle>"`` — a TF-Hub model (URL or local SavedModel) through
  :class:`~keras_archs.transfer.hub.HubFeatureExtractor`;
* ``"applications:<Name>"`` — any keras.applications model
  (``keras.applications.<Name>(include_top=False, weights=...)``);
* a keras-archs registry name — ``create_model(name, include_top=False, ...)``.

The model is ``raw pixels → ImagePreprocessing(the backbone's mode) → backbone →
[global pooling when the backbone returns a feature map] → dropout → Dense →
float32 softmax``. Preprocessing is part of the model (see
:mod:`keras_archs.transfer.preprocessing`): feed it images in [0, 255], e.g.
``load_dataset(..., normalization="none")``.

The recipe is the Keras transfer-learning guide's (Chollet, "Transfer learning &
fine-tuning", keras.io/guides/transfer_learning): freeze the backbone, train the new
head, then optionally unfreeze the top of the backbone at a low learning rate
(:mod:`keras_archs.transfer.finetune`).
"""

from __future__ import annotations

import os
import re

import keras

from keras_archs._validation import (
    check_bool, check_choice, check_input_shape, check_positive_int, check_rate)
from keras_archs.data.pipeline import NORMALIZATIONS
from keras_archs.transfer.preprocessing import ImagePreprocessing

__all__ = ["build_transfer_model", "applications_names", "applications_preprocessing",
           "APPLICATIONS_PREPROCESSING", "BACKBONE_PREFIXES"]

BACKBONE_PREFIXES = ("hub:", "applications:")
POOLINGS = ("avg", "max")

# keras.applications module → its preprocess_input mode. tests/transfer checks this
# table against every model's own preprocess_input.
APPLICATIONS_PREPROCESSING = {
    "vgg16": "caffe", "vgg19": "caffe", "resnet": "caffe",
    "inception_v3": "tf", "inception_resnet_v2": "tf", "xception": "tf",
    "mobilenet": "tf", "mobilenet_v2": "tf", "resnet_v2": "tf", "nasnet": "tf",
    "densenet": "torch",
    # These rescale inside the model (include_preprocessing / a Rescaling layer).
    "efficientnet": "none", "efficientnet_v2": "none", "convnext": "none",
    "mobilenet_v3": "none",
}
# TF-Hub image models take [0, 1] floats (the hub "image" input convention).
HUB_PREPROCESSING = "unit"


def applications_names() -> list[str]:
    """Every model constructor in ``keras.applications``, sorted."""
    return sorted(n for n in dir(keras.applications)
                  if n[:1].isupper() and callable(getattr(keras.applications, n)))


def _application(name: str):
    names = applications_names()
    if name not in names:
        import difflib

        close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise ValueError(
            f"backbone 'applications:{name}' is not a keras.applications model.{hint} "
            f"Valid names: {', '.join(names)}")
    return getattr(keras.applications, name)


def applications_preprocessing(name: str) -> str:
    """The ``preprocess_input`` mode of ``keras.applications.<name>``."""
    module = _application(name).__module__.rsplit(".", 1)[-1]
    if module not in APPLICATIONS_PREPROCESSING:
        raise ValueError(
            f"keras.applications.{name} (module {module}) has no known preprocessing "
            "mode; pass preprocessing= one of " + ", ".join(NORMALIZATIONS))
    return APPLICATIONS_PREPROCESSING[module]


def _check_weights(weights, kind: str, backbone: str):
    if weights is None or weights == "imagenet":
        return weights
    if not isinstance(weights, (str, os.PathLike)):
        raise TypeError(
            "weights must be None, 'imagenet' or a path to a .weights.h5 file, got "
            f"{type(weights).__name__}")
    if kind == "hub":
        raise ValueError(
            f"weights={os.fspath(weights)!r} does not apply to {backbone!r}: a TF-Hub "
            "backbone carries its own weights; leave weights at its default")
    from keras_archs.weights import check_weights_arg

    check_weights_arg(os.fspath(weights), keras_applications=None, include_top=False,
                      classes=1)
    return os.fspath(weights)


def _parse_backbone(backbone):
    if not isinstance(backbone, str) or not backbone:
        raise TypeError(
            "backbone must be a string: 'hub:<handle>', 'applications:<Name>' or a "
            f"keras-archs model name, got {backbone!r}")
    if backbone.startswith("hub:"):
        handle = backbone[len("hub:"):]
        if not handle:
            raise ValueError("backbone 'hub:' needs a handle, e.g. 'hub:/path/to/"
                             "saved_model' or 'hub:https://tfhub.dev/...'")
        return "hub", handle
    if backbone.startswith("applications:"):
        return "applications", backbone[len("applications:"):]
    from keras_archs.registry import model_info

    try:
        model_info(backbone)
    except ValueError as err:
        raise ValueError(
            f"backbone {backbone!r} is not 'hub:<handle>', 'applications:<Name>' or a "
            f"registered model. {err}") from None
    return "registry", backbone


def _hub_backbone(handle, input_shape, trainable, signature, output_key):
    from keras_archs.transfer.hub import HubFeatureExtractor

    layer = HubFeatureExtractor(handle, trainable=trainable, signature=signature,
                                output_key=output_key, name="backbone")
    if input_shape is None:
        # A SavedModel traced at one size (e.g. 299×299) fixes the model's input.
        fixed = [s.shape.as_list()[1:] for s in layer.input_specs
                 if s.shape.rank == 4]
        input_shape = tuple(fixed[0]) if fixed else (None, None, 3)
    return layer, input_shape


def _applications_backbone(name, input_shape, weights):
    constructor = _application(name)
    if weights not in (None, "imagenet"):
        # keras.applications would call model.load_weights(path) itself; ours names
        # the file and the mismatched layer instead of dumping Keras' variable values.
        from keras_archs.weights import load_weights

        model = _applications_backbone(name, input_shape, None)
        try:
            load_weights(model, weights)
        except ValueError as err:
            raise ValueError(f"backbone 'applications:{name}': {err}") from None
        return model
    try:
        return constructor(include_top=False, weights=weights, input_shape=input_shape)
    except ValueError as err:
        # keras.applications' own checks: minimum input size, channels, weights.
        raise ValueError(
            f"backbone 'applications:{name}' cannot be built with "
            f"input_shape={input_shape}, weights={weights!r}: {err}") from None
    except Exception as err:
        if weights != "imagenet":
            raise
        # The ImageNet download (keras.utils.get_file) failed: offline, proxy, ...
        raise ValueError(
            f"could not get the ImageNet weights of keras.applications.{name} "
            f"({type(err).__name__}: {str(err).splitlines()[0]}). Keras downloads them "
            "to ~/.keras/models on first use, which needs network access. On an "
            "offline machine pass weights='/path/to/file.weights.h5' (a local copy).") \
            from None


def build_transfer_model(backbone: str, num_classes: int, input_shape=None,
                         dropout: float = 0.2, trainable: bool = False,
                         weights="imagenet", *, pooling: str = "avg",
                         preprocessing: str = "auto", signature=None, output_key=None,
                         name: str | None = None) -> keras.Model:
    """A pretrained ``backbone`` under a new softmax classifier of ``num_classes``.

    Args:
        backbone: ``"hub:<handle>"`` (URL or local SavedModel),
            ``"applications:<Name>"`` (e.g. ``"applications:InceptionV3"``) or a
            keras-archs registry name (e.g. ``"vgg16"``).
        num_classes: size of the new classifier.
        input_shape: ``(height, width, channels)`` of the raw images. ``None``:
            the hub model's traced size if it has one, else any size
            (``(None, None, 3)``) for hub and keras.applications backbones, and the
            registry model's default input shape.
        dropout: dropout rate before the classifier (0 for none).
        trainable: whether the backbone's weights are trainable (False: the
            "feature extraction" phase; BatchNorm then runs in inference mode).
        weights: keras.applications and registry backbones: ``"imagenet"``
            (needs network access on first use), a local ``.weights.h5`` path of
            the backbone *without* top, or ``None`` (random). Hub backbones carry
            their own weights and ignore ``"imagenet"``/``None``.
        pooling: ``"avg"`` or ``"max"`` global pooling when the backbone returns a
            feature map (hub feature vectors are used as they are).
        preprocessing: ``"auto"`` (the backbone's own: keras.applications'
            ``preprocess_input`` mode, ``"unit"`` for hub models, the registry's
            ``preprocessing``) or a mode of
            :data:`~keras_archs.data.pipeline.NORMALIZATIONS`.
        signature, output_key: for hub backbones, see
            :class:`~keras_archs.transfer.hub.HubFeatureExtractor`.
        name: model name (default ``transfer_<backbone>``).

    Returns:
        A ``keras.Model`` taking float images in [0, 255]. Its backbone is the layer
        named ``"backbone"``; the head is ``avg_pool``/``max_pool`` (if any),
        ``head_dropout`` (if any), ``predictions``, ``predictions_activation``.
    """
    kind, ref = _parse_backbone(backbone)
    check_positive_int(num_classes, "num_classes")
    check_rate(dropout, "dropout")
    check_bool(trainable, "trainable")
    check_choice(pooling, "pooling", POOLINGS)
    if preprocessing != "auto":
        check_choice(preprocessing, "preprocessing", ("auto",) + NORMALIZATIONS)
    if input_shape is not None:
        input_shape = check_input_shape(input_shape)
    weights = _check_weights(weights, kind, backbone)
    if kind != "hub" and (signature is not None or output_key is not None):
        raise ValueError("signature and output_key apply only to 'hub:' backbones")

    if kind == "hub":
        mode = HUB_PREPROCESSING
        features, input_shape = _hub_backbone(ref, input_shape, trainable, signature,
                                              output_key)
    elif kind == "applications":
        mode = applications_preprocessing(ref)
        if input_shape is None:
            input_shape = (None, None, 3)
        features = _applications_backbone(ref, input_shape, weights)
    else:
        from keras_archs.registry import create_model, model_info

        info = model_info(ref)
        mode = info.preprocessing
        if input_shape is None:
            input_shape = info.default_input_shape
        try:
            features = create_model(ref, input_shape=input_shape, include_top=False,
                                    weights=weights)
        except RuntimeError as err:  # the ImageNet download failed (offline)
            raise ValueError(str(err)) from None
    if kind != "hub":
        features.name = "backbone"
        features.trainable = trainable
    if preprocessing != "auto":
        mode = preprocessing

    inputs = keras.Input(shape=input_shape, name="image")
    x = ImagePreprocessing(mode, name="preprocessing")(inputs)
    x = features(x)
    if len(x.shape) == 4:
        pool = (keras.layers.GlobalAveragePooling2D if pooling == "avg"
                else keras.layers.GlobalMaxPooling2D)
        x = pool(name=f"{pooling}_pool")(x)
    elif len(x.shape) != 2:
        raise ValueError(
            f"backbone {backbone!r} returns outputs of shape {tuple(x.shape)}; "
            "expected a feature vector (batch, features) or a feature map "
            "(batch, height, width, channels)")
    if dropout:
        x = keras.layers.Dropout(dropout, name="head_dropout")(x)
    x = keras.layers.Dense(num_classes, name="predictions")(x)
    # A separate float32 softmax keeps mixed-precision probabilities stable.
    outputs = keras.layers.Activation("softmax", dtype="float32",
                                      name="predictions_activation")(x)
    if name is None:
        name = "transfer_" + re.sub(r"[^0-9A-Za-z_]+", "_", ref.rsplit("/", 1)[-1]
                                    or kind).strip("_").lower()
    return keras.Model(inputs, outputs, name=name)

