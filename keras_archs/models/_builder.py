"""The parts every family constructor shares, in keras.applications' conventions.

A family constructor validates its arguments with :func:`check_common_args`, gets its
input from :func:`model_input`, builds its body with block functions, ends with
:func:`classifier_head` and returns :func:`finish_model` — so ``include_top``,
``weights``, ``input_tensor``, ``pooling``, ``classes`` and ``classifier_activation``
behave the same in every family.
"""

from __future__ import annotations

import keras

from keras_archs._validation import (
    check_activation, check_bool, check_choice, check_input_shape, check_name,
    check_positive_int)
from keras_archs.weights import check_weights_arg, load_weights

__all__ = ["check_common_args", "input_shape_of", "model_input", "classifier_head",
           "finish_model", "resolve_stem", "STEMS"]

POOLINGS = (None, "avg", "max")
STEMS = ("auto", "imagenet", "cifar")
# Inputs at or below this size get the CIFAR stem when stem="auto".
CIFAR_MAX_SIZE = 64


def check_common_args(*, include_top, weights, input_tensor, input_shape, pooling,
                      classes, classifier_activation, keras_applications=None,
                      min_size=1, default_shape=(224, 224, 3), name=None,
                      flatten_top=False):
    """Validate the keras.applications arguments; returns the resolved input shape.

    ``name`` is the model's name (``None``: the builder's default); ``flatten_top``
    says the classifier flattens the feature map (VGG, AlexNet, LeNet), so with
    ``include_top=True`` the height and width must be fixed.
    """
    check_bool(include_top, "include_top")
    check_choice(pooling, "pooling", POOLINGS)
    check_positive_int(classes, "classes (num_classes)")
    check_activation(classifier_activation, "classifier_activation")
    check_name(name, "name", allow_none=True)
    if keras_applications is not None and (
            not isinstance(keras_applications, str)
            or not callable(getattr(keras.applications, keras_applications, None))):
        raise ValueError(
            "keras_applications must be None or the name of a keras.applications "
            f"constructor such as 'ResNet50', got {keras_applications!r}")
    check_weights_arg(weights, keras_applications=keras_applications,
                      include_top=include_top, classes=classes,
                      classifier_activation=classifier_activation)
    input_shape = input_shape_of(input_tensor, input_shape)
    if input_shape is None:
        input_shape = default_shape
    shape = check_input_shape(
        input_shape, min_size=min_size,
        name="input_shape" if input_tensor is None else "input_tensor's shape")
    if flatten_top and include_top and None in shape[:2]:
        raise ValueError(
            f"input_shape {shape} has no fixed height and width, which the "
            "classifier's Flatten needs with include_top=True; give them, or use "
            "include_top=False")
    return shape


def input_shape_of(input_tensor, input_shape):
    """The input shape a constructor builds for: ``input_tensor``'s (checked against
    ``input_shape`` when both are given) or ``input_shape``; ``None`` if neither."""
    if input_tensor is None:
        return input_shape
    if not keras.backend.is_keras_tensor(input_tensor):
        raise TypeError(
            "input_tensor must be a Keras tensor (from keras.Input or a layer "
            f"output), got {type(input_tensor).__name__}")
    shape = tuple(input_tensor.shape[1:])
    if len(shape) != 3:
        raise ValueError(
            "input_tensor must be 4-D (batch, height, width, channels), got shape "
            f"{tuple(input_tensor.shape)}")
    if input_shape is not None:
        check_input_shape(input_shape)
        if tuple(input_shape) != shape:
            raise ValueError(
                f"input_shape {tuple(input_shape)} does not match input_tensor's shape "
                f"{shape}")
    return shape


def resolve_stem(stem: str, input_shape, weights=None) -> str:
    """``"auto"`` → ``"cifar"`` for inputs of at most 64×64 pixels, else ``"imagenet"``.

    When ``weights`` are given, ``"auto"`` is ``"imagenet"`` at any size: pretrained
    weights (keras.applications', PyTorch's) were made for the ImageNet layout, and
    keras.applications builds that layout for every input size, so
    ``ResNet50(include_top=False, weights=..., input_shape=(64, 64, 3))`` behaves as
    there. Pass ``stem="cifar"`` to load weights saved from a CIFAR-stem model.
    """
    check_choice(stem, "stem", STEMS)
    if stem != "auto":
        return stem
    if weights is not None:
        return "imagenet"
    h, w = input_shape[0], input_shape[1]
    if h is not None and w is not None and max(h, w) <= CIFAR_MAX_SIZE:
        return "cifar"
    return "imagenet"


def model_input(input_tensor, input_shape):
    """Returns ``(x, inputs)``: the tensor to build on and the model's inputs."""
    if input_tensor is None:
        x = keras.Input(shape=input_shape, name="input_layer")
        return x, x
    return input_tensor, keras.utils.get_source_inputs(input_tensor)


def classifier_head(x, *, include_top, pooling, classes, classifier_activation,
                    hidden=(), dropout=0.0, flatten=False, hidden_activation="relu",
                    top_dropout=0.0):
    """Top of a classifier, or the pooled/unpooled features when ``include_top=False``.

    With ``include_top``: pooling (``Flatten`` if ``flatten`` else global average) →
    optional ``top_dropout`` (GoogLeNet's dropout before its only classifier layer) →
    optional hidden ``Dense`` layers ``fc1, fc2, ...`` (``hidden_activation``, ReLU
    unless a family says otherwise, e.g. LeNet-5's tanh) with dropout →
    ``predictions`` ``Dense`` → a separate float32 ``Activation`` so mixed-precision
    models return float32 probabilities.
    """
    if include_top:
        if flatten:
            x = keras.layers.Flatten(name="flatten")(x)
        else:
            x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if top_dropout:
            x = keras.layers.Dropout(top_dropout, name="top_dropout")(x)
        for i, units in enumerate(hidden, start=1):
            x = keras.layers.Dense(units, activation=hidden_activation, name=f"fc{i}")(x)
            if dropout:
                x = keras.layers.Dropout(dropout, name=f"fc{i}_dropout")(x)
        x = keras.layers.Dense(classes, name="predictions")(x)
        return keras.layers.Activation(
            classifier_activation or "linear", dtype="float32",
            name="predictions_activation")(x)
    if pooling == "avg":
        return keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if pooling == "max":
        return keras.layers.GlobalMaxPooling2D(name="max_pool")(x)
    return x


def finish_model(inputs, outputs, *, name, weights, keras_applications=None,
                 applications_kwargs=None, torch_keys=None):
    """Wrap ``inputs → outputs`` in a ``keras.Model`` and load ``weights``.

    ``torch_keys`` is, for a model with a PyTorch twin, the callable
    ``torch_keys(model) -> {our layer name: PyTorch module prefix}`` that lets a
    checkpoint of the twin load (see :func:`keras_archs.weights.load_torch_weights`).
    """
    model = keras.Model(inputs, outputs, name=name)
    load_weights(model, weights, keras_applications=keras_applications,
                 applications_kwargs=applications_kwargs, torch_keys=torch_keys)
    return model
