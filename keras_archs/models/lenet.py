"""LeNet-5 and the seed's small CIFAR baseline CNN: convolution, pooling, dense layers.

LeCun, Bottou, Bengio & Haffner, "Gradient-Based Learning Applied to Document
Recognition", Proc. IEEE 86(11), 1998.

The idea to see in the code: a convolution learns local features, a pooling
("subsampling") layer makes them tolerant to small shifts, and a few fully connected
layers classify — conv 5×5 ×6 → pool → conv 5×5 ×16 → pool → 120 → 84 → classes on a
32×32 input. Everything since is a variation of this recipe.

Deviations from the 1998 network, all in the direction of what courses teach today:

* C3 is fully connected to S2's six maps (2,416 weights) instead of the paper's
  hand-picked connection table (1,516), so every framework can express it;
* S2/S4 are plain average (or max) pooling; the paper's subsampling units had a
  trainable coefficient and bias each;
* C5 is a ``Dense(120)`` on the flattened 5×5×16 map — the same 48,120 weights as
  the paper's 5×5 convolution on a 32×32 input;
* the activation is ``tanh`` (the paper scaled it, 1.7159·tanh(2a/3)) and the output is
  a softmax classifier instead of Euclidean RBF units.

``activation="relu", pooling_type="max"`` gives the modern variant.

``simple_cnn`` is the seed notebook's CIFAR-100 baseline (conv16 → pool → conv32 →
pool → dense 256 → classes): the smallest model in the registry, a sanity check
that a pipeline learns at all.
"""

from __future__ import annotations

import keras

from keras_archs._validation import check_choice
from keras_archs.models._builder import (
    check_common_args, classifier_head, finish_model, model_input)
from keras_archs.registry import register_model

__all__ = ["LeNet5", "SimpleCNN", "LENET_ACTIVATIONS", "LENET_POOLINGS"]

LENET_ACTIVATIONS = ("tanh", "relu")
LENET_POOLINGS = ("average", "max")
_POOL_LAYERS = {"average": keras.layers.AveragePooling2D, "max": keras.layers.MaxPooling2D}


def LeNet5(include_top=True, weights=None, input_tensor=None, input_shape=None,
           pooling=None, classes=10, classifier_activation="softmax", *,
           activation="tanh", pooling_type="average", name="lenet5"):
    """LeNet-5 for 32×32 inputs (keras.applications signature, ``classes=10``).

    Layers: ``c1`` (5×5 conv, 6 maps, 32→28) → ``s2`` (2×2 pool, →14) → ``c3`` (5×5
    conv, 16 maps, →10) → ``s4`` (2×2 pool, →5) → ``fc1`` (C5, 120) → ``fc2`` (F6, 84)
    → ``predictions``. With ``include_top=False`` the model ends at ``s4``.

    Args:
        activation: ``"tanh"`` (1998) or ``"relu"`` (modern).
        pooling_type: ``"average"`` (1998 subsampling) or ``"max"`` (modern). Not to be
            confused with ``pooling``, keras.applications' pooling of the features when
            ``include_top=False``.

    Parameters on 32×32×1 with 10 classes: 61,706 (32×32×3: 62,006).
    """
    check_choice(activation, "activation", LENET_ACTIVATIONS)
    check_choice(pooling_type, "pooling_type", LENET_POOLINGS)
    # Two valid 5×5 convolutions and two 2×2 pools: 16 → 12 → 6 → 2 → 1 is the least.
    input_shape = check_common_args(
        include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation, min_size=16,
        default_shape=(32, 32, 1), name=name, flatten_top=True)

    pool = _POOL_LAYERS[pooling_type]
    x, inputs = model_input(input_tensor, input_shape)
    x = keras.layers.Conv2D(6, 5, activation=activation, name="c1")(x)
    x = pool(2, name="s2")(x)
    x = keras.layers.Conv2D(16, 5, activation=activation, name="c3")(x)
    x = pool(2, name="s4")(x)
    x = classifier_head(x, include_top=include_top, pooling=pooling, classes=classes,
                        classifier_activation=classifier_activation, hidden=(120, 84),
                        hidden_activation=activation, flatten=True)
    return finish_model(inputs, x, name=name, weights=weights)


def SimpleCNN(include_top=True, weights=None, input_tensor=None, input_shape=None,
              pooling=None, classes=100, classifier_activation="softmax", *,
              name="simple_cnn"):
    """The seed's CIFAR-100 baseline: conv16 → pool → conv32 → pool → dense 256.

    The seed did not fix the details; we use what the Keras CNN tutorial it follows
    uses: 3×3 ``valid`` convolutions with ReLU and 2×2 max-pooling (32→30→15→13→6),
    then ``Flatten`` → ``fc1`` (256, ReLU) → ``predictions``. Parameters on 32×32×3:
    325,956 with 100 classes, 302,826 with 10.
    """
    # Two valid 3×3 convolutions and two 2×2 pools need at least 10 pixels.
    input_shape = check_common_args(
        include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation, min_size=10,
        default_shape=(32, 32, 3), name=name, flatten_top=True)
    x, inputs = model_input(input_tensor, input_shape)
    x = keras.layers.Conv2D(16, 3, activation="relu", name="conv1")(x)
    x = keras.layers.MaxPooling2D(2, name="pool1")(x)
    x = keras.layers.Conv2D(32, 3, activation="relu", name="conv2")(x)
    x = keras.layers.MaxPooling2D(2, name="pool2")(x)
    x = classifier_head(x, include_top=include_top, pooling=pooling, classes=classes,
                        classifier_activation=classifier_activation, hidden=(256,),
                        flatten=True)
    return finish_model(inputs, x, name=name, weights=weights)


@register_model(family="lenet", paper="LeCun et al. 1998, Proc. IEEE 86(11)",
                reference_params=61_706, reference_input_shape=(32, 32, 1),
                reference_classes=10,
                reference_source="derived from the layout by hand: C1 156, C3 2,416 "
                                 "(full connection), C5 48,120, F6 10,164, output 850",
                default_input_shape=(32, 32, 1))
def lenet5(**kwargs):
    """LeNet-5 (1998): two 5×5 convolutions with pooling, then 120 → 84 → classes."""
    return LeNet5(**kwargs)


@register_model(family="lenet", name="simple_cnn",
                paper="seed CIFAR-100 baseline (conv-pool ×2 + dense, after LeCun 1998)",
                reference_params=325_956, reference_input_shape=(32, 32, 3),
                reference_classes=100,
                reference_source="derived from the layout by hand: conv 448 + 4,640, "
                                 "fc1 295,168, predictions 25,700 (100 classes)",
                default_input_shape=(32, 32, 3))
def simple_cnn(**kwargs):
    """Seed CIFAR-100 baseline: conv16 → pool → conv32 → pool → dense 256 → classes."""
    return SimpleCNN(**kwargs)
