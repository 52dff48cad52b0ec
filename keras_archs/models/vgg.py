"""VGG: very deep networks of stacked 3×3 convolutions.

Simonyan & Zisserman, "Very Deep Convolutional Networks for Large-Scale Image
Recognition", ICLR 2015, arXiv:1409.1556.

The idea to see in the code: depth from repeating one tiny block — ``num_cnn`` 3×3
convolutions then a 2×2 max-pool — with the channel count doubling after each pool.
VGG-16 and VGG-19 differ only in ``num_cnn_list``: (2, 2, 3, 3, 3) vs (2, 2, 4, 4, 4).

Two naming schemes, one implementation:

* the seed notebook's ``build_vgg_block``/``build_vgg`` keep their names
  (``block0_conv0`` … ``block0_pooling``, zero-based) and He-normal initialisation;
* the registry models (``VGG16`` …) use keras.applications' names (``block1_conv1``,
  ``block1_pool``, ``fc1``, ``fc2``, ``predictions``) and initialisation, so its
  weights load into ours.

Every registry VGG is also torchvision's (``vgg11`` … ``vgg19_bn``): same layers,
BatchNorm with PyTorch's epsilon 1e-5 and momentum 0.1 (Keras 0.9), so a torchvision
checkpoint loads through ``weights=`` (:func:`vgg_torch_keys` maps the layers). At
224×224 torchvision's ``AdaptiveAvgPool2d(7)`` sees a 7×7 map and does nothing, so
ours has none; the loader reorders ``fc1``'s rows from PyTorch's C,H,W flattening.
torchvision's weights expect its input normalisation (mode ``"torch"``), also for
``vgg16``/``vgg19``, whose ``model_info(...).preprocessing`` is keras.applications'
``"caffe"`` (the ``weights="imagenet"`` files). torchvision also puts dropout 0.5
after ``fc1`` and ``fc2``; the registry models keep keras.applications' none
(``dropout=0.5`` restores it; inference is the same either way).
"""

from __future__ import annotations

import keras

from keras_archs._validation import (
    check_bn, check_bool, check_choice, check_initializer, check_int_sequence,
    check_min_spatial, check_positive_int, check_rate, check_same_length, check_tensor_4d)
from keras_archs.layers import conv_bn_act
from keras_archs.models._builder import (
    check_common_args, classifier_head, finish_model, model_input)
from keras_archs.registry import register_model

__all__ = ["build_vgg_block", "build_vgg", "VGG", "VGG11", "VGG13", "VGG16", "VGG19"]

NAMINGS = ("seed", "keras")

CONFIGS = {
    11: (1, 1, 2, 2, 2),
    13: (2, 2, 2, 2, 2),
    16: (2, 2, 3, 3, 3),
    19: (2, 2, 4, 4, 4),
}
CHANNELS = (64, 128, 256, 512, 512)


def build_vgg_block(input_layer, num_cnn=3, channel=64, block_num=1, *,
                    naming="seed", batch_norm=False, kernel_initializer="he_normal",
                    bn_momentum=0.9, bn_epsilon=1e-5):
    """One VGG block: ``num_cnn`` 3×3 ``same`` convolutions with ReLU, then 2×2 max-pool.

    Args:
        input_layer: input tensor.
        num_cnn: number of convolutions in the block.
        channel: filters of every convolution in the block.
        block_num: block index used in layer names.
        naming: ``"seed"`` → ``block{n}_conv{i}`` (i from 0) and ``block{n}_pooling``,
            the seed notebook's names; ``"keras"`` → ``block{n}_conv{i}`` (i from 1)
            and ``block{n}_pool``, keras.applications' names.
        batch_norm: insert BatchNorm between each convolution and its ReLU
            (the ``vgg16_bn`` variant of torchvision).
        kernel_initializer: the seed uses He-normal, keras.applications Glorot.
        bn_momentum, bn_epsilon: BatchNorm's, PyTorch's by default (momentum 0.1 in
            PyTorch's convention is Keras' 0.9), as torchvision's ``vgg*_bn``.

    Returns:
        The block's output tensor, spatially halved.
    """
    check_tensor_4d(input_layer, "input_layer")
    check_positive_int(num_cnn, "num_cnn")
    check_positive_int(channel, "channel")
    check_positive_int(block_num, "block_num", minimum=0)
    check_choice(naming, "naming", NAMINGS)
    check_bool(batch_norm, "batch_norm")
    check_bn(bn_momentum, bn_epsilon)
    check_initializer(kernel_initializer, "kernel_initializer")
    check_min_spatial(input_layer, 2, "input_layer", " for the block's 2×2 max-pool")
    first = 0 if naming == "seed" else 1
    x = input_layer
    for i in range(first, first + num_cnn):
        x = conv_bn_act(x, channel, 3, activation="relu", batch_norm=batch_norm,
                        use_bias=True, kernel_initializer=kernel_initializer,
                        bn_momentum=bn_momentum, bn_epsilon=bn_epsilon,
                        name=f"block{block_num}_conv{i}", conv_suffix="")
    pool = "pooling" if naming == "seed" else "pool"
    return keras.layers.MaxPooling2D((2, 2), strides=2, name=f"block{block_num}_{pool}")(x)


def VGG(num_cnn_list, channel_list=CHANNELS, include_top=True, weights=None,
        input_tensor=None, input_shape=None, pooling=None, classes=1000,
        classifier_activation="softmax", *, batch_norm=False, dropout=0.0,
        dense_units=4096, naming="keras", kernel_initializer="glorot_uniform",
        bn_momentum=0.9, bn_epsilon=1e-5, keras_applications=None, name="vgg"):
    """Generic VGG: one block per entry of ``num_cnn_list``/``channel_list``.

    The top is keras.applications': ``Flatten`` → ``fc1`` → ``fc2`` (``dense_units``
    each, ReLU, optional ``dropout`` — the paper uses 0.5) → ``predictions``.
    Every stage halves the input, so height and width must be at least
    ``2 ** len(num_cnn_list)``. A PyTorch checkpoint of the torchvision VGG with the
    same configuration loads through ``weights=`` (see :func:`vgg_torch_keys`).
    """
    num_cnn_list = check_int_sequence(num_cnn_list, "num_cnn_list")
    channel_list = check_int_sequence(channel_list, "channel_list")
    check_same_length(num_cnn_list, "num_cnn_list", channel_list, "channel_list")
    check_choice(naming, "naming", NAMINGS)
    check_positive_int(dense_units, "dense_units")
    check_rate(dropout, "dropout")
    check_bool(batch_norm, "batch_norm")
    check_bn(bn_momentum, bn_epsilon)
    check_initializer(kernel_initializer, "kernel_initializer")
    input_shape = check_common_args(
        include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation,
        keras_applications=keras_applications, min_size=2 ** len(num_cnn_list),
        name=name, flatten_top=True)

    x, inputs = model_input(input_tensor, input_shape)
    first = 0 if naming == "seed" else 1
    for i, (num_cnn, channel) in enumerate(zip(num_cnn_list, channel_list), start=first):
        x = build_vgg_block(x, num_cnn=num_cnn, channel=channel, block_num=i,
                            naming=naming, batch_norm=batch_norm,
                            kernel_initializer=kernel_initializer,
                            bn_momentum=bn_momentum, bn_epsilon=bn_epsilon)
    x = classifier_head(x, include_top=include_top, pooling=pooling, classes=classes,
                        classifier_activation=classifier_activation,
                        hidden=(dense_units, dense_units), dropout=dropout, flatten=True)
    return finish_model(
        inputs, x, name=name, weights=weights, keras_applications=keras_applications,
        applications_kwargs=dict(include_top=include_top, input_shape=input_shape,
                                 pooling=pooling, classes=classes),
        torch_keys=vgg_torch_keys)


def vgg_torch_keys(model) -> dict[str, str]:
    """Our layer → torchvision's module: ``features.<i>`` and ``classifier.0/3/6``.

    torchvision's ``features`` is one ``nn.Sequential`` (conv, [bn], ReLU per
    convolution, a max-pool per block), so ``i`` counts those modules in our layer
    order; its ``classifier`` is Linear, ReLU, Dropout, Linear, ReLU, Dropout, Linear.
    """
    keys, index = {}, 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            keys[layer.name] = f"features.{index}"
            # a ReLU fused into the convolution (no BatchNorm) is its own module there
            fused = keras.activations.serialize(layer.activation) == "relu"
            index += 2 if fused else 1
        elif isinstance(layer, (keras.layers.BatchNormalization, keras.layers.Activation,
                                keras.layers.MaxPooling2D)):
            if isinstance(layer, keras.layers.BatchNormalization):
                keys[layer.name] = f"features.{index}"
            if layer.name != "predictions_activation":
                index += 1
    keys.update(fc1="classifier.0", fc2="classifier.3", predictions="classifier.6")
    return keys


def build_vgg(input_shape=(32, 32, 3), num_cnn_list=(2, 2, 3, 3, 3),
              channel_list=(64, 128, 256, 512, 512), num_classes=10, *,
              batch_norm=False, dropout=0.0, naming="seed",
              kernel_initializer="he_normal", name="vgg"):
    """The seed notebook's VGG builder: VGG-16 on 32×32 CIFAR-10 by default.

    ``build_vgg(num_cnn_list=(2, 2, 4, 4, 4))`` is VGG-19. With the defaults the model
    has 33,638,218 parameters (VGG-16's 14.7 M convolution weights plus the two
    4096-unit fully connected layers on a 1×1×512 feature map).
    """
    return VGG(num_cnn_list, channel_list, input_shape=input_shape, classes=num_classes,
               batch_norm=batch_norm, dropout=dropout, naming=naming,
               kernel_initializer=kernel_initializer, name=name)


def _vgg(depth, include_top=True, weights=None, input_tensor=None, input_shape=None,
         pooling=None, classes=1000, classifier_activation="softmax", *,
         batch_norm=False, name=None, **kwargs):
    """VGG-``depth`` with keras.applications' signature (shared by VGG11 … VGG19)."""
    check_bool(batch_norm, "batch_norm")
    # keras.applications has VGG16 and VGG19 (without BatchNorm), for weights="imagenet"
    keras_app = f"VGG{depth}" if not batch_norm and hasattr(
        keras.applications, f"VGG{depth}") else None
    return VGG(CONFIGS[depth], CHANNELS, include_top=include_top, weights=weights,
               input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
               classes=classes, classifier_activation=classifier_activation,
               batch_norm=batch_norm, keras_applications=keras_app,
               name=name or f"vgg{depth}{'_bn' if batch_norm else ''}", **kwargs)


def VGG11(*args, **kwargs):
    """VGG-11 (configuration A, 1-1-2-2-2 convolutions); ``batch_norm=True`` for BN."""
    return _vgg(11, *args, **kwargs)


def VGG13(*args, **kwargs):
    """VGG-13 (configuration B, 2-2-2-2-2 convolutions); ``batch_norm=True`` for BN."""
    return _vgg(13, *args, **kwargs)


def VGG16(*args, **kwargs):
    """VGG-16 (configuration D, 2-2-3-3-3 convolutions), keras.applications' VGG16."""
    return _vgg(16, *args, **kwargs)


def VGG19(*args, **kwargs):
    """VGG-19 (configuration E, 2-2-4-4-4 convolutions), keras.applications' VGG19."""
    return _vgg(19, *args, **kwargs)


_PAPER = "Simonyan & Zisserman 2014, arXiv:1409.1556"
# Reference counts: torchvision's (BatchNorm running statistics not counted) or
# keras.applications'.


@register_model(top1=69.02,
                top1_source="torchvision's weights table (IMAGENET1K_V1 acc@1)",
                family="vgg", paper=_PAPER, reference_params=132_863_336,
                reference_source="torchvision vgg11", torchvision="vgg11",
                preprocessing="torch")
def vgg11(**kwargs):
    """VGG-11 (configuration A): 8 convolutions and 3 fully connected layers."""
    return VGG11(**kwargs)


@register_model(top1=69.928,
                top1_source="torchvision's weights table (IMAGENET1K_V1 acc@1)",
                family="vgg", paper=_PAPER, reference_params=133_047_848,
                reference_source="torchvision vgg13", torchvision="vgg13",
                preprocessing="torch")
def vgg13(**kwargs):
    """VGG-13 (configuration B): 10 convolutions and 3 fully connected layers."""
    return VGG13(**kwargs)


@register_model(top1=71.3,
                top1_source="keras.applications' table (keras.io/api/applications)",
                family="vgg", paper=_PAPER, reference_params=138_357_544,
                keras_applications="VGG16", torchvision="vgg16", preprocessing="caffe")
def vgg16(**kwargs):
    """VGG-16 (configuration D): 13 convolutions and 3 fully connected layers."""
    return VGG16(**kwargs)


@register_model(top1=71.3,
                top1_source="keras.applications' table (keras.io/api/applications)",
                family="vgg", paper=_PAPER, reference_params=143_667_240,
                keras_applications="VGG19", torchvision="vgg19", preprocessing="caffe")
def vgg19(**kwargs):
    """VGG-19 (configuration E): 16 convolutions and 3 fully connected layers."""
    return VGG19(**kwargs)


@register_model(top1=70.37,
                top1_source="torchvision's weights table (IMAGENET1K_V1 acc@1)",
                family="vgg", paper=_PAPER, reference_params=132_868_840,
                reference_source="torchvision vgg11_bn (BN running stats not counted)",
                reference_counts_bn_statistics=False, torchvision="vgg11_bn",
                preprocessing="torch")
def vgg11_bn(**kwargs):
    """VGG-11 with BatchNorm after every convolution (torchvision's vgg11_bn)."""
    return VGG11(batch_norm=True, **kwargs)


@register_model(top1=71.586,
                top1_source="torchvision's weights table (IMAGENET1K_V1 acc@1)",
                family="vgg", paper=_PAPER, reference_params=133_053_736,
                reference_source="torchvision vgg13_bn (BN running stats not counted)",
                reference_counts_bn_statistics=False, torchvision="vgg13_bn",
                preprocessing="torch")
def vgg13_bn(**kwargs):
    """VGG-13 with BatchNorm after every convolution (torchvision's vgg13_bn)."""
    return VGG13(batch_norm=True, **kwargs)


@register_model(top1=73.36,
                top1_source="torchvision's weights table (IMAGENET1K_V1 acc@1)",
                family="vgg", paper=_PAPER, reference_params=138_365_992,
                reference_source="torchvision vgg16_bn (BN running stats not counted)",
                reference_counts_bn_statistics=False, torchvision="vgg16_bn",
                preprocessing="torch")
def vgg16_bn(**kwargs):
    """VGG-16 with BatchNorm after every convolution (torchvision's vgg16_bn)."""
    return VGG16(batch_norm=True, **kwargs)


@register_model(top1=74.218,
                top1_source="torchvision's weights table (IMAGENET1K_V1 acc@1)",
                family="vgg", paper=_PAPER, reference_params=143_678_248,
                reference_source="torchvision vgg19_bn (BN running stats not counted)",
                reference_counts_bn_statistics=False, torchvision="vgg19_bn",
                preprocessing="torch")
def vgg19_bn(**kwargs):
    """VGG-19 with BatchNorm after every convolution (torchvision's vgg19_bn)."""
    return VGG19(batch_norm=True, **kwargs)
