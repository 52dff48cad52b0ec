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
"""

from __future__ import annotations

import keras

from keras_archs._validation import (
    check_choice, check_int_sequence, check_positive_int, check_same_length)
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
                    naming="seed", batch_norm=False, kernel_initializer="he_normal"):
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

    Returns:
        The block's output tensor, spatially halved.
    """
    check_positive_int(num_cnn, "num_cnn")
    check_positive_int(channel, "channel")
    check_positive_int(block_num, "block_num", minimum=0)
    check_choice(naming, "naming", NAMINGS)
    first = 0 if naming == "seed" else 1
    x = input_layer
    for i in range(first, first + num_cnn):
        x = conv_bn_act(x, channel, 3, activation="relu", batch_norm=batch_norm,
                        use_bias=True, kernel_initializer=kernel_initializer,
                        name=f"block{block_num}_conv{i}", conv_suffix="")
    pool = "pooling" if naming == "seed" else "pool"
    return keras.layers.MaxPooling2D((2, 2), strides=2, name=f"block{block_num}_{pool}")(x)


def VGG(num_cnn_list, channel_list=CHANNELS, include_top=True, weights=None,
        input_tensor=None, input_shape=None, pooling=None, classes=1000,
        classifier_activation="softmax", *, batch_norm=False, dropout=0.0,
        dense_units=4096, naming="keras", kernel_initializer="glorot_uniform",
        keras_applications=None, name="vgg"):
    """Generic VGG: one block per entry of ``num_cnn_list``/``channel_list``.

    The top is keras.applications': ``Flatten`` → ``fc1`` → ``fc2`` (``dense_units``
    each, ReLU, optional ``dropout`` — the paper uses 0.5) → ``predictions``.
    Every stage halves the input, so height and width must be at least
    ``2 ** len(num_cnn_list)``.
    """
    num_cnn_list = check_int_sequence(num_cnn_list, "num_cnn_list")
    channel_list = check_int_sequence(channel_list, "channel_list")
    check_same_length(num_cnn_list, "num_cnn_list", channel_list, "channel_list")
    check_choice(naming, "naming", NAMINGS)
    check_positive_int(dense_units, "dense_units")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout}")
    input_shape = check_common_args(
        include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation,
        keras_applications=keras_applications, min_size=2 ** len(num_cnn_list))

    x, inputs = model_input(input_tensor, input_shape)
    first = 0 if naming == "seed" else 1
    for i, (num_cnn, channel) in enumerate(zip(num_cnn_list, channel_list), start=first):
        x = build_vgg_block(x, num_cnn=num_cnn, channel=channel, block_num=i,
                            naming=naming, batch_norm=batch_norm,
                            kernel_initializer=kernel_initializer)
    x = classifier_head(x, include_top=include_top, pooling=pooling, classes=classes,
                        classifier_activation=classifier_activation,
                        hidden=(dense_units, dense_units), dropout=dropout, flatten=True)
    return finish_model(
        inputs, x, name=name, weights=weights, keras_applications=keras_applications,
        applications_kwargs=dict(include_top=include_top, input_shape=input_shape,
                                 pooling=pooling, classes=classes))


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


def _vgg_depth(depth, default_batch_norm, default_name):
    def constructor(include_top=True, weights=None, input_tensor=None, input_shape=None,
                    pooling=None, classes=1000, classifier_activation="softmax",
                    name=default_name, batch_norm=default_batch_norm, **kwargs):
        keras_app = f"VGG{depth}" if depth in (16, 19) and not batch_norm else None
        return VGG(CONFIGS[depth], CHANNELS, include_top=include_top, weights=weights,
                   input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                   classes=classes, classifier_activation=classifier_activation,
                   batch_norm=batch_norm, keras_applications=keras_app, name=name,
                   **kwargs)

    constructor.__name__ = f"VGG{depth}"
    constructor.__doc__ = (
        f"VGG-{depth}{' with BatchNorm' if default_batch_norm else ''} "
        f"(convolutions per block: {CONFIGS[depth]}), keras.applications signature.")
    return constructor


VGG11 = _vgg_depth(11, False, "vgg11")
VGG13 = _vgg_depth(13, False, "vgg13")
VGG16 = _vgg_depth(16, False, "vgg16")
VGG19 = _vgg_depth(19, False, "vgg19")

_PAPER = "Simonyan & Zisserman 2014, arXiv:1409.1556"
# torchvision's counts; PyTorch does not count BatchNorm running statistics.
_REFERENCES = {
    (11, False): (132_863_336, "torchvision vgg11"),
    (13, False): (133_047_848, "torchvision vgg13"),
    (16, False): (138_357_544, "keras.applications.VGG16"),
    (19, False): (143_667_240, "keras.applications.VGG19"),
    (11, True): (132_868_840, "torchvision vgg11_bn (BN running stats not counted)"),
    (13, True): (133_053_736, "torchvision vgg13_bn (BN running stats not counted)"),
    (16, True): (138_365_992, "torchvision vgg16_bn (BN running stats not counted)"),
    (19, True): (143_678_248, "torchvision vgg19_bn (BN running stats not counted)"),
}


def _register(depth, batch_norm):
    name = f"vgg{depth}{'_bn' if batch_norm else ''}"
    params, source = _REFERENCES[(depth, batch_norm)]
    constructor = _vgg_depth(depth, batch_norm, name)
    keras_app = f"VGG{depth}" if depth in (16, 19) and not batch_norm else None

    def build(**kwargs):
        return constructor(**kwargs)

    build.__doc__ = constructor.__doc__
    return register_model(
        name=name, family="vgg", paper=_PAPER, reference_params=params,
        reference_source=source, keras_applications=keras_app,
        reference_counts_bn_statistics=not batch_norm,
        preprocessing="caffe" if keras_app else "unit")(build)


for _depth in CONFIGS:
    for _bn in (False, True):
        _register(_depth, _bn)
