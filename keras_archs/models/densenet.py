"""DenseNet: every layer sees the feature maps of every earlier layer in its block.

Huang, Liu, van der Maaten & Weinberger, "Densely Connected Convolutional Networks",
CVPR 2017, arXiv:1608.06993.

The idea to see in the code: a dense layer does not replace its input, it *appends*
``growth_rate`` (k) new channels to it (``Concatenate``), so layer ℓ of a block sees
``k0 + (ℓ-1)·k`` channels — everything computed before it. Features are reused instead
of re-learnt, which is why DenseNet-121 needs 8 M parameters where ResNet-50 needs 25 M.
The bottleneck layer (the "B" of DenseNet-BC) is BN-ReLU-1×1 conv (4k)-BN-ReLU-3×3
conv (k); transition layers between blocks (BN-ReLU-1×1 conv-2×2 average pool)
compress the channels by θ (the "C", θ = 0.5) and halve the map.

Registry models and their twins (a twin's defaults reproduce its peer exactly):

* ``densenet121``, ``densenet169``, ``densenet201``: keras.applications'
  ``DenseNet121``/``169``/``201`` — same layer names, same layer creation order, same
  parameter counts (8,062,504; 14,307,880; 20,242,984), BatchNorm epsilon 1.001e-5
  and Keras' momentum 0.99. A keras.applications ``.weights.h5`` (or
  ``weights="imagenet"``) loads with identical outputs.
* ``tv_densenet121``, ``tv_densenet169``, ``tv_densenet201`` and ``densenet161``:
  torchvision's ``densenet121``/``169``/``201``/``161`` — the same graph and layer
  names, but PyTorch's BatchNorm preset (epsilon 1e-5, momentum 0.1 = Keras 0.9),
  and a PyTorch checkpoint of the torchvision model loads through :func:`torch_keys`.
  *Why separate names:* the layouts are identical, but a twin is a name whose
  defaults reproduce its peer, and the BatchNorm epsilon (1.001e-5 vs 1e-5) and
  momentum (0.99 vs 0.9) differ, so one set of defaults cannot be both peers.
  DenseNet-161 (k = 48, 96 initial features) is not in keras.applications, so its
  plain name is the torchvision twin.
* ``densenet_bc100``: the paper's CIFAR DenseNet-BC (L = 100, k = 12, θ = 0.5; Table 2:
  0.8 M parameters): a 3×3 convolution to 2k channels, three dense blocks of 16
  bottleneck layers on 32/16/8-pixel maps.

Every registry DenseNet takes ``stem="cifar"`` (chosen automatically for inputs up to
64×64): the paper's CIFAR stem, one 3×3 stride-1 convolution and no pooling, and
PyTorch's BatchNorm momentum 0.9 (with Keras' 0.99 a short CIFAR run validates at
chance). ``model.name`` records the stem (``densenet121_cifar``).
"""

from __future__ import annotations

import re

import keras

from keras_archs._validation import (
    check_bn, check_bool, check_choice, check_input_shape, check_int_sequence,
    check_min_spatial, check_name, check_number, check_positive_int, check_rate,
    check_tensor_4d)
from keras_archs.models._builder import (
    check_common_args, classifier_head, finish_model, input_shape_of, model_input,
    resolve_stem)
from keras_archs.registry import register_model

__all__ = [
    "dense_layer", "dense_block", "transition_block", "DenseNet", "CifarDenseNet",
    "DenseNet121", "DenseNet161", "DenseNet169", "DenseNet201", "DenseNetBC100",
]  # torch_keys stays module-level: every twin family has one

PAPER = "Huang et al. 2017, arXiv:1608.06993"
# BatchNorm (momentum, epsilon) of the peer each preset reproduces.
PRESETS = {
    "keras": (0.99, 1.001e-5),       # keras.applications.DenseNet*
    "torchvision": (0.9, 1e-5),      # torchvision.models.densenet* (PyTorch momentum 0.1)
}
# BatchNorm momentum of the CIFAR layout (stem="cifar"), as PyTorch CIFAR training.
CIFAR_MOMENTUM = 0.9


# ----------------------------------------------------------------------------- blocks

def _bn(x, momentum, epsilon, name):
    return keras.layers.BatchNormalization(momentum=momentum, epsilon=epsilon,
                                           name=name)(x)


def dense_layer(x, growth_rate, *, name, bottleneck=True, bn_size=4,
                bn_momentum=0.99, bn_epsilon=1.001e-5):
    """One dense layer: ``concat([x, H(x)])`` with ``H(x)`` of ``growth_rate`` channels.

    With ``bottleneck`` (DenseNet-B): BN-ReLU-1×1 conv (``bn_size``·k)-BN-ReLU-3×3 conv
    (k); without: BN-ReLU-3×3 conv (k). Layer names are keras.applications'
    ``conv_block``: ``{name}_0_bn``, ``{name}_0_relu``, ``{name}_1_conv``,
    ``{name}_1_bn``, ``{name}_1_relu``, ``{name}_2_conv``, ``{name}_concat``.
    """
    check_tensor_4d(x)
    check_name(name, "name")
    growth_rate = check_positive_int(growth_rate, "growth_rate")
    bn_size = check_positive_int(bn_size, "bn_size")
    check_bool(bottleneck, "bottleneck")
    check_bn(bn_momentum, bn_epsilon)
    # Pre-activation: BN-ReLU come before each convolution (the paper's composite H).
    y = _bn(x, bn_momentum, bn_epsilon, f"{name}_0_bn")
    y = keras.layers.Activation("relu", name=f"{name}_0_relu")(y)
    if bottleneck:
        y = keras.layers.Conv2D(bn_size * growth_rate, 1, use_bias=False,
                                name=f"{name}_1_conv")(y)
        y = _bn(y, bn_momentum, bn_epsilon, f"{name}_1_bn")
        y = keras.layers.Activation("relu", name=f"{name}_1_relu")(y)
    y = keras.layers.Conv2D(growth_rate, 3, padding="same", use_bias=False,
                            name=f"{name}_2_conv")(y)
    return keras.layers.Concatenate(axis=-1, name=f"{name}_concat")([x, y])


def dense_block(x, num_layers, growth_rate, name, *, bottleneck=True, bn_size=4,
                bn_momentum=0.99, bn_epsilon=1.001e-5):
    """DenseNet dense block: each layer sees every earlier feature map.

    ``num_layers`` dense layers named ``{name}_block1``, ``{name}_block2``, ...; the
    output has ``input channels + num_layers · growth_rate`` channels.
    """
    check_tensor_4d(x)
    check_name(name, "name")
    num_layers = check_positive_int(num_layers, "num_layers")
    growth_rate = check_positive_int(growth_rate, "growth_rate")
    for i in range(1, num_layers + 1):
        x = dense_layer(x, growth_rate, name=f"{name}_block{i}", bottleneck=bottleneck,
                        bn_size=bn_size, bn_momentum=bn_momentum,
                        bn_epsilon=bn_epsilon)
    return x


def _check_compression(compression):
    return check_number(compression, "compression", minimum=0.0, maximum=1.0,
                        include_minimum=False)


def transition_block(x, compression=0.5, name="transition", *, bn_momentum=0.99,
                     bn_epsilon=1.001e-5):
    """Transition between dense blocks: BN-ReLU-1×1 conv (⌊θ·m⌋ channels)-2×2 avg pool.

    ``compression`` is the paper's θ in (0, 1] (θ < 1 is DenseNet-C). Names are
    keras.applications': ``{name}_bn``, ``{name}_relu``, ``{name}_conv``,
    ``{name}_pool``.
    """
    check_tensor_4d(x)
    check_name(name, "name")
    compression = _check_compression(compression)
    check_bn(bn_momentum, bn_epsilon)
    check_min_spatial(x, 2, "x", " for the transition's 2×2 average pooling")
    channels = int(x.shape[-1] * compression)
    if channels < 1:
        raise ValueError(f"compression {compression} leaves no channel of x's "
                         f"{x.shape[-1]} channels")
    x = _bn(x, bn_momentum, bn_epsilon, f"{name}_bn")
    x = keras.layers.Activation("relu", name=f"{name}_relu")(x)
    x = keras.layers.Conv2D(channels, 1, use_bias=False, name=f"{name}_conv")(x)
    return keras.layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


# ------------------------------------------------------------------ PyTorch key map

_DENSE_LAYER_KEYS = {"0_bn": "norm1", "1_conv": "conv1", "1_bn": "norm2",
                     "2_conv": "conv2"}


def torch_keys(model) -> dict[str, str]:
    """Our layer names → torchvision ``DenseNet`` module prefixes, for every layer with
    weights (the contract of :func:`keras_archs.models._builder.finish_model`).

    ``conv1_conv``/``conv1_bn`` → ``features.conv0``/``norm0``;
    ``conv{s}_block{j}_{0_bn,1_conv,1_bn,2_conv}`` →
    ``features.denseblock{s-1}.denselayer{j}.{norm1,conv1,norm2,conv2}``;
    ``pool{s}_{bn,conv}`` → ``features.transition{s-1}.{norm,conv}``; ``bn`` →
    ``features.norm5``; ``predictions`` → ``classifier``.
    """
    keys = {"predictions": "classifier"}
    for layer in model.layers:
        if not layer.weights:
            continue
        name = layer.name
        if name in ("conv1_conv", "conv1_bn"):
            keys[name] = "features.conv0" if name == "conv1_conv" else "features.norm0"
        elif name == "bn":
            keys[name] = "features.norm5"
        elif m := re.fullmatch(r"conv(\d+)_block(\d+)_(0_bn|1_conv|1_bn|2_conv)", name):
            keys[name] = (f"features.denseblock{int(m[1]) - 1}.denselayer{m[2]}."
                          f"{_DENSE_LAYER_KEYS[m[3]]}")
        elif m := re.fullmatch(r"pool(\d+)_(bn|conv)", name):
            keys[name] = (f"features.transition{int(m[1]) - 1}."
                          f"{'norm' if m[2] == 'bn' else 'conv'}")
        elif name != "predictions":
            raise ValueError(f"layer {name!r} has no torchvision DenseNet counterpart")
    return keys


# --------------------------------------------------------------------------- builder

def DenseNet(blocks, growth_rate=32, include_top=True, weights=None, input_tensor=None,
             input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax", name=None, *, stem="auto",
             init_features=None, compression=0.5, bottleneck=True, bn_size=4,
             preset="keras", bn_momentum=None, bn_epsilon=None,
             keras_applications=None):
    """Generic DenseNet: a stem, one dense block per ``blocks`` entry, transitions
    between them, BN-ReLU, and the classifier.

    ``DenseNet((6, 12, 24, 16))`` is keras.applications' DenseNet-121.

    Args:
        blocks: dense layers per dense block, e.g. ``(6, 12, 24, 16)``.
        growth_rate: k, channels each dense layer adds (>= 1).
        include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation, name: as in keras.applications (``weights``
            also takes a keras.applications ``.weights.h5``, and, for the
            torchvision preset, a torchvision checkpoint once the loader is there).
        stem: ``"imagenet"`` (7×7/2 conv-BN-ReLU, 3×3/2 max-pool), ``"cifar"``
            (3×3/1 conv, no pooling — the paper's CIFAR stem) or ``"auto"``
            (CIFAR for inputs up to 64×64 when no weights are given).
        init_features: channels of the stem convolution; default ``2 * growth_rate``
            (64 for k = 32, 96 for DenseNet-161's k = 48, 24 for DenseNet-BC k = 12).
        compression: θ of the transition layers, in (0, 1].
        bottleneck: 1×1 bottleneck convolutions in the dense layers (DenseNet-B).
        bn_size: bottleneck width in multiples of k (4 in the paper).
        preset: ``"keras"`` (BN epsilon 1.001e-5, momentum 0.99) or
            ``"torchvision"`` (1e-5, 0.9). The CIFAR stem uses momentum 0.9.
        bn_momentum, bn_epsilon: override the preset.
        keras_applications: the keras.applications counterpart, for
            ``weights="imagenet"``.
    """
    # ---- validate everything before building a layer
    blocks = check_int_sequence(blocks, "blocks")
    growth_rate = check_positive_int(growth_rate, "growth_rate")
    init_features = 2 * growth_rate if init_features is None else \
        check_positive_int(init_features, "init_features")
    compression = _check_compression(compression)
    check_bool(bottleneck, "bottleneck")
    bn_size = check_positive_int(bn_size, "bn_size")
    check_choice(preset, "preset", tuple(PRESETS))
    input_shape = check_common_args(
        include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation,
        keras_applications=keras_applications, name=name)
    stem = resolve_stem(stem, input_shape, weights)
    momentum, epsilon = PRESETS[preset]
    if stem == "cifar":
        momentum = CIFAR_MOMENTUM
    if bn_momentum is not None:
        momentum = check_rate(bn_momentum, "bn_momentum")
    if bn_epsilon is not None:
        epsilon = check_number(bn_epsilon, "bn_epsilon", minimum=0.0,
                               include_minimum=False)
    channels = init_features
    for n in blocks[:-1]:
        channels = int((channels + n * growth_rate) * compression)
        if channels < 1:
            raise ValueError(f"compression {compression} leaves a transition with no "
                             "channels; use a larger compression or growth_rate")
    total_stride = (4 if stem == "imagenet" else 1) * 2 ** (len(blocks) - 1)
    if any(d is not None and d < total_stride for d in input_shape[:2]):
        raise ValueError(
            f"{len(blocks)} dense blocks with the {stem} stem downsample by "
            f"{total_stride}: input_shape {tuple(input_shape)} needs height and width "
            f"of at least {total_stride}")
    if name is None:
        name = "densenet" + ("_cifar" if stem == "cifar" else "")

    # ---- build
    x, inputs = model_input(input_tensor, input_shape)
    if stem == "imagenet":
        # Explicit symmetric padding + "valid", as keras.applications (and PyTorch's
        # padding=3 / padding=1); max-pool after ReLU, so zero padding equals -inf.
        x = keras.layers.ZeroPadding2D(3, name="zero_padding2d")(x)
        x = keras.layers.Conv2D(init_features, 7, strides=2, use_bias=False,
                                name="conv1_conv")(x)
        x = _bn(x, momentum, epsilon, "conv1_bn")
        x = keras.layers.Activation("relu", name="conv1_relu")(x)
        x = keras.layers.ZeroPadding2D(1, name="zero_padding2d_1")(x)
        x = keras.layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    else:
        # The paper's CIFAR stem (§3): one 3×3 convolution; the first dense layer's
        # BN-ReLU follows it.
        x = keras.layers.Conv2D(init_features, 3, padding="same", use_bias=False,
                                name="conv1_conv")(x)
    options = dict(bottleneck=bottleneck, bn_size=bn_size, bn_momentum=momentum,
                   bn_epsilon=epsilon)
    for i, num_layers in enumerate(blocks):
        x = dense_block(x, num_layers, growth_rate, name=f"conv{i + 2}", **options)
        if i != len(blocks) - 1:
            x = transition_block(x, compression, name=f"pool{i + 2}",
                                 bn_momentum=momentum, bn_epsilon=epsilon)
    x = _bn(x, momentum, epsilon, "bn")
    x = keras.layers.Activation("relu", name="relu")(x)
    x = classifier_head(x, include_top=include_top, pooling=pooling, classes=classes,
                        classifier_activation=classifier_activation)
    return finish_model(
        inputs, x, name=name, weights=weights, keras_applications=keras_applications,
        applications_kwargs=dict(include_top=include_top, input_shape=input_shape,
                                 pooling=pooling, classes=classes),
        torch_keys=torch_keys)


def CifarDenseNet(depth=100, growth_rate=12, include_top=True, weights=None,
                  input_tensor=None, input_shape=(32, 32, 3), pooling=None, classes=10,
                  classifier_activation="softmax", name=None, *, compression=0.5,
                  bottleneck=True, **kwargs):
    """The paper's CIFAR DenseNet (§3, Table 2): three equal dense blocks.

    ``depth`` L counts the convolutions plus the classifier: with bottleneck layers
    (two convolutions each) L = 6n + 4, without L = 3n + 4, n layers per block.
    ``CifarDenseNet(100, 12)`` is DenseNet-BC (L = 100, k = 12), 0.8 M parameters.
    """
    check_bool(bottleneck, "bottleneck")
    per_layer = 6 if bottleneck else 3
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < per_layer + 4 \
            or (depth - 4) % per_layer:
        rule = "6n + 4 (bottleneck=True: 40, 100, 190, ...)" if bottleneck else \
            "3n + 4 (bottleneck=False: 40, 100, ...)"
        raise ValueError(f"depth must be {rule}, got {depth!r}")
    n = (depth - 4) // per_layer
    compression = _check_compression(compression)
    if name is None:
        kind = ("b" if bottleneck else "") + ("c" if compression < 1 else "")
        name = f"densenet_{kind}{depth}" if kind else f"densenet{depth}"
    return DenseNet((n, n, n), growth_rate, include_top=include_top, weights=weights,
                    input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                    classes=classes, classifier_activation=classifier_activation,
                    name=name, stem=kwargs.pop("stem", "cifar"),
                    compression=compression, bottleneck=bottleneck, **kwargs)


# ------------------------------------------------------------- named constructors

def _constructor(label, blocks, growth_rate, keras_app):
    def constructor(include_top=True, weights=None, input_tensor=None, input_shape=None,
                    pooling=None, classes=1000, classifier_activation="softmax",
                    name=None, *, stem="auto", preset="keras", **kwargs):
        shape = input_shape_of(input_tensor, input_shape)
        resolved = resolve_stem(stem, check_input_shape(shape or (224, 224, 3)),
                                weights)
        check_choice(preset, "preset", tuple(PRESETS))
        # Only the ImageNet layout with keras.applications' preset is
        # keras.applications' model (and has its ImageNet weights).
        app = keras_app if resolved == "imagenet" and preset == "keras" \
            and not kwargs else None
        if name is None:
            # torchvision's preset of a model keras.applications also has is the
            # registry's tv_ twin; DenseNet-161 has only the torchvision one.
            tv = preset == "torchvision" and keras_app is not None
            name = f"{'tv_' if tv else ''}densenet{label}" + \
                ("_cifar" if resolved == "cifar" else "")
        return DenseNet(blocks, growth_rate, include_top=include_top, weights=weights,
                        input_tensor=input_tensor, input_shape=input_shape,
                        pooling=pooling, classes=classes,
                        classifier_activation=classifier_activation, name=name,
                        stem=resolved, preset=preset, keras_applications=app, **kwargs)

    constructor.__name__ = constructor.__qualname__ = f"DenseNet{label}"
    constructor.__doc__ = (
        f"DenseNet-{label} (blocks {blocks}, k = {growth_rate}), keras.applications "
        "signature plus ``stem`` and ``preset`` (``\"keras\"`` or "
        "``\"torchvision\"``); see :func:`DenseNet` for the other options.")
    return constructor


DenseNet121 = _constructor("121", (6, 12, 24, 16), 32, "DenseNet121")
DenseNet169 = _constructor("169", (6, 12, 32, 32), 32, "DenseNet169")
DenseNet201 = _constructor("201", (6, 12, 48, 32), 32, "DenseNet201")
DenseNet161 = _constructor("161", (6, 12, 36, 24), 48, None)


def DenseNetBC100(**kwargs):
    """CIFAR DenseNet-BC (L = 100, k = 12, θ = 0.5); see :func:`CifarDenseNet`."""
    return CifarDenseNet(100, 12, **kwargs)


# ------------------------------------------------------------------------ registry

_TV_SOURCE = "torchvision 0.26 DenseNet{}_Weights.IMAGENET1K_V1 num_params"
_TV_TOP1_SOURCE = "torchvision 0.26 DenseNet{}_Weights.IMAGENET1K_V1 acc@1"


@register_model(top1=75.0,
                top1_source="keras.applications' table (keras.io/api/applications)",
                family="densenet", paper=PAPER, reference_params=8_062_504,
                keras_applications="DenseNet121", preprocessing="torch")
def densenet121(**kwargs):
    """DenseNet-121, keras.applications' layout, names and BatchNorm preset."""
    return DenseNet121(**kwargs)


@register_model(top1=76.2,
                top1_source="keras.applications' table (keras.io/api/applications)",
                family="densenet", paper=PAPER, reference_params=14_307_880,
                keras_applications="DenseNet169", preprocessing="torch")
def densenet169(**kwargs):
    """DenseNet-169, keras.applications' layout, names and BatchNorm preset."""
    return DenseNet169(**kwargs)


@register_model(top1=77.3,
                top1_source="keras.applications' table (keras.io/api/applications)",
                family="densenet", paper=PAPER, reference_params=20_242_984,
                keras_applications="DenseNet201", preprocessing="torch")
def densenet201(**kwargs):
    """DenseNet-201, keras.applications' layout, names and BatchNorm preset."""
    return DenseNet201(**kwargs)


@register_model(family="densenet", paper=PAPER, reference_params=7_978_856,
                reference_source=_TV_SOURCE.format(121),
                reference_counts_bn_statistics=False, torchvision="densenet121",
                preprocessing="torch", top1=74.434,
                top1_source=_TV_TOP1_SOURCE.format(121))
def tv_densenet121(**kwargs):
    """DenseNet-121 with torchvision's BatchNorm preset (eps 1e-5): its twin."""
    return DenseNet121(preset="torchvision", **kwargs)


@register_model(family="densenet", paper=PAPER, reference_params=28_681_000,
                reference_source=_TV_SOURCE.format(161),
                reference_counts_bn_statistics=False, torchvision="densenet161",
                preprocessing="torch", top1=77.138,
                top1_source=_TV_TOP1_SOURCE.format(161))
def densenet161(**kwargs):
    """DenseNet-161 (k = 48, 96 initial features), torchvision's twin."""
    return DenseNet161(preset="torchvision", **kwargs)


@register_model(family="densenet", paper=PAPER, reference_params=14_149_480,
                reference_source=_TV_SOURCE.format(169),
                reference_counts_bn_statistics=False, torchvision="densenet169",
                preprocessing="torch", top1=75.600,
                top1_source=_TV_TOP1_SOURCE.format(169))
def tv_densenet169(**kwargs):
    """DenseNet-169 with torchvision's BatchNorm preset (eps 1e-5): its twin."""
    return DenseNet169(preset="torchvision", **kwargs)


@register_model(family="densenet", paper=PAPER, reference_params=20_013_928,
                reference_source=_TV_SOURCE.format(201),
                reference_counts_bn_statistics=False, torchvision="densenet201",
                preprocessing="torch", top1=76.896,
                top1_source=_TV_TOP1_SOURCE.format(201))
def tv_densenet201(**kwargs):
    """DenseNet-201 with torchvision's BatchNorm preset (eps 1e-5): its twin."""
    return DenseNet201(preset="torchvision", **kwargs)


@register_model(family="densenet", paper=PAPER, default_input_shape=(32, 32, 3),
                reference_input_shape=(32, 32, 3), reference_classes=10)
def densenet_bc100(**kwargs):
    """CIFAR DenseNet-BC (L = 100, k = 12, θ = 0.5), the paper's 0.8 M-parameter net."""
    return DenseNetBC100(**kwargs)
