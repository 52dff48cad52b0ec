"""AlexNet: the 2012 ImageNet winner — ReLU, dropout, overlapping max-pooling.

Krizhevsky, Sutskever & Hinton, "ImageNet Classification with Deep Convolutional
Neural Networks", NeurIPS 2012; single-tower layout of Krizhevsky, "One weird trick
for parallelizing convolutional neural networks", arXiv:1404.5997 (torchvision's
``alexnet``).

The ideas to see in the code: ReLU instead of tanh (trains several times faster),
dropout 0.5 in the two 4096-unit layers against over-fitting, and *overlapping*
pooling — 3×3 windows with stride 2, so neighbouring windows share a row.

The ImageNet model is torchvision's: 64-192-384-256-256 filters (the paper's two GPU
towers of 48-128-192-192-128 merged, one-weird-trick widths), 61,100,840 parameters at
224×224 with 1000 classes. Two differences from torchvision, neither changing a
weight: its ``AdaptiveAvgPool2d(6)`` is omitted (at 224×224 the map is already 6×6;
other sizes change the ``fc1`` input instead), and dropout follows ``fc1``/``fc2``
(the paper's "dropout in the first two fully-connected layers") rather than
preceding them. ``local_response_norm=True`` adds the paper's LRN after the first
two ReLUs (torchvision dropped it; the one-weird-trick paper found it unneeded).

The CIFAR variant (``stem="cifar"``, picked automatically for inputs up to 64×64)
replaces the 11×11/4 first convolution by a 3×3/1 one, so a 32×32 image is not
reduced to 7×7 in one step; the rest of the network is unchanged
(32 → pool 15 → pool 7 → pool 3, ``fc1`` sees 3×3×256).

``alexnet`` is torchvision's twin: a torchvision checkpoint loads through ``weights=``
(:func:`alexnet_torch_keys` maps ``features.0/3/6/8/10`` and ``classifier.1/4/6``; the
loader reorders ``fc1``'s rows from PyTorch's C,H,W flattening). Evaluation outputs
are torchvision's; in training the dropout positions differ as said above.
"""

from __future__ import annotations

import keras

from keras_archs._validation import (
    check_bool, check_input_shape, check_positive_int, check_rate)
from keras_archs.layers import LocalResponseNormalization
from keras_archs.models._builder import (
    check_common_args, classifier_head, finish_model, model_input, resolve_stem)
from keras_archs.registry import register_model

__all__ = ["AlexNet"]

FILTERS = (64, 192, 384, 256, 256)
# Smallest input side for which the last overlapping pool still has a 1×1 output:
# ImageNet stem 63 (+4 padding) → conv1 15 → pools 7, 3, 1; CIFAR stem 15 → 7 → 3 → 1.
_MIN_SIZE = {"imagenet": 63, "cifar": 15}


def AlexNet(include_top=True, weights=None, input_tensor=None, input_shape=None,
            pooling=None, classes=1000, classifier_activation="softmax", *,
            stem="auto", dropout=0.5, dense_units=4096, local_response_norm=False,
            name=None):
    """AlexNet (single tower), keras.applications signature.

    Layers: ``conv1`` (ImageNet: 11×11/4 after a 2-pixel zero padding, as
    torchvision; CIFAR: 3×3/1) → ``pool1`` → ``conv2`` (5×5) → ``pool2`` → ``conv3``,
    ``conv4``, ``conv5`` (3×3) → ``pool5`` → ``Flatten`` → ``fc1``, ``fc2``
    (``dense_units``, ReLU, ``dropout``) → ``predictions``. Pools are 3×3 with stride
    2 (overlapping), convolutions ``same``-padded with ReLU.

    Args:
        stem: ``"auto"`` (CIFAR stem up to 64×64 inputs, ImageNet stem at any size
            when ``weights`` are given), ``"imagenet"`` or ``"cifar"``; recorded in
            ``model.name`` (``alexnet`` / ``alexnet_cifar``).
        dropout: dropout rate after ``fc1`` and ``fc2`` (paper: 0.5).
        dense_units: width of ``fc1``/``fc2`` (paper: 4096).
        local_response_norm: add the paper's LRN (k=2, n=5, α=1e-4, β=0.75) after the
            ReLUs of ``conv1`` and ``conv2`` (layers ``norm1``, ``norm2``).
        name: model name; default from the stem.
    """
    check_bool(local_response_norm, "local_response_norm")
    check_rate(dropout, "dropout")
    check_positive_int(dense_units, "dense_units")
    input_shape = check_common_args(
        include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation, name=name, flatten_top=True)
    stem = resolve_stem(stem, input_shape, weights)
    check_input_shape(input_shape, min_size=_MIN_SIZE[stem])
    if name is None:
        name = "alexnet" if stem == "imagenet" else "alexnet_cifar"

    x, inputs = model_input(input_tensor, input_shape)
    if stem == "imagenet":
        x = keras.layers.ZeroPadding2D(2, name="conv1_pad")(x)
        x = keras.layers.Conv2D(FILTERS[0], 11, strides=4, activation="relu",
                                name="conv1")(x)
    else:
        x = keras.layers.Conv2D(FILTERS[0], 3, padding="same", activation="relu",
                                name="conv1")(x)
    if local_response_norm:
        x = LocalResponseNormalization(name="norm1")(x)
    x = keras.layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    x = keras.layers.Conv2D(FILTERS[1], 5, padding="same", activation="relu",
                            name="conv2")(x)
    if local_response_norm:
        x = LocalResponseNormalization(name="norm2")(x)
    x = keras.layers.MaxPooling2D(3, strides=2, name="pool2")(x)
    for i, filters in enumerate(FILTERS[2:], start=3):
        x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu",
                                name=f"conv{i}")(x)
    x = keras.layers.MaxPooling2D(3, strides=2, name="pool5")(x)
    x = classifier_head(x, include_top=include_top, pooling=pooling, classes=classes,
                        classifier_activation=classifier_activation,
                        hidden=(dense_units, dense_units), dropout=dropout, flatten=True)
    return finish_model(inputs, x, name=name, weights=weights,
                        torch_keys=alexnet_torch_keys)


# torchvision's alexnet.features: conv, ReLU, pool, conv, ReLU, pool, (conv, ReLU) × 3,
# pool; classifier: Dropout, Linear, ReLU, Dropout, Linear, ReLU, Linear.
_TORCH_FEATURES = {"conv1": 0, "conv2": 3, "conv3": 6, "conv4": 8, "conv5": 10}


def alexnet_torch_keys(model) -> dict[str, str]:
    """Our layer → torchvision alexnet's module (``features.<i>``, ``classifier.<i>``)."""
    keys = {name: f"features.{i}" for name, i in _TORCH_FEATURES.items()}
    keys.update(fc1="classifier.1", fc2="classifier.4", predictions="classifier.6")
    return keys


@register_model(top1=56.522,
                top1_source="torchvision's weights table (IMAGENET1K_V1 acc@1)",
                family="alexnet",
                paper="Krizhevsky et al. 2012, NeurIPS; single tower: arXiv:1404.5997",
                reference_params=61_100_840, reference_source="torchvision alexnet",
                default_input_shape=(224, 224, 3), torchvision="alexnet",
                preprocessing="torch")
def alexnet(**kwargs):
    """AlexNet (single tower, torchvision layout): ReLU, dropout, overlapping pooling."""
    return AlexNet(**kwargs)
