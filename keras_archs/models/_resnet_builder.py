"""The generic ResNet builder: a stem, stacks of residual units, a head.

He et al., arXiv:1512.03385 (v1) and arXiv:1603.05027 (v2). :func:`ResNet` is driven
by configuration (block kind, stack sizes, widths, ``groups``, ``attention``,
``preset``, ``naming``), so ResNet, ResNeXt, Wide ResNet-50-2 and SE-ResNet are calls
of it; :func:`imagenet_constructor` turns a configuration into a keras.applications-
style constructor; :func:`resnet_torch_keys` maps its layers onto torchvision's and
timm's ResNet module names. The named models live in ``resnet.py``, ``resnext.py``,
``wide_resnet.py`` and ``senet.py``.
"""

from __future__ import annotations

import math
import numbers
import re

import keras

from keras_archs._validation import (
    check_bool, check_choice, check_initializer, check_input_shape, check_int_sequence,
    check_model, check_positive_int, check_same_length)
from keras_archs.models._builder import (
    check_common_args, classifier_head, finish_model, input_shape_of, model_input,
    resolve_stem)
from keras_archs.models._presets import NAMINGS, _Names, block_letter, resolve_preset
from keras_archs.models._residual import (
    SHORTCUTS, basic_block, batch_norm, bottleneck_block, check_attention,
    check_groups, check_se_ratio, conv, residual_unit)

__all__ = ["ResNet", "imagenet_constructor", "resnet_torch_keys", "stem_layers",
           "IMAGENET_DEPTHS", "IMAGENET_FILTERS", "CIFAR_FILTERS", "CIFAR_BN"]

IMAGENET_DEPTHS = {
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
    101: ("bottleneck", (3, 4, 23, 3)),
    152: ("bottleneck", (3, 8, 36, 3)),
}
IMAGENET_FILTERS = (64, 128, 256, 512)
CIFAR_FILTERS = (16, 32, 64)
EXPANSION = {"basic": 1, "bottleneck": 4}
# PyTorch's BatchNorm (momentum 0.1 = Keras 0.9, epsilon 1e-5): what the CIFAR
# references (He et al., kuangliu) train with.
CIFAR_BN = dict(bn_momentum=0.9, bn_epsilon=1e-5)
# The TF official-models ResNet-50 feeds [0, 1] images through this rescale (its
# Lambda layer); a Rescaling layer does the same and stays serialisable.
_OFFICIAL_CHANNEL_MEANS = (123.68, 116.78, 103.94)


# ----------------------------------------------------------------- PyTorch keys

_TORCH_KEYS = (
    (r"conv1_conv", "conv1"),
    (r"conv1_bn", "bn1"),
    (r"conv(\d+)_block(\d+)_0_conv", "layer{s}.{b}.downsample.0"),
    (r"conv(\d+)_block(\d+)_0_bn", "layer{s}.{b}.downsample.1"),
    (r"conv(\d+)_block(\d+)_(\d)_conv", "layer{s}.{b}.conv{i}"),
    (r"conv(\d+)_block(\d+)_(\d)_bn", "layer{s}.{b}.bn{i}"),
    (r"conv(\d+)_block(\d+)_se_reduce", "layer{s}.{b}.se.fc1"),
    (r"conv(\d+)_block(\d+)_se_expand", "layer{s}.{b}.se.fc2"),
    (r"predictions", "fc"),
)


def resnet_torch_keys(model):
    """Our layer → PyTorch module prefix, for torchvision's and timm's ResNets.

    torchvision and timm name a ResNet the same way (``conv1``, ``bn1``,
    ``layer1.0.conv1``, ``layer1.0.downsample.0``, ``layer1.0.se.fc1``, ``fc``);
    our ``conv{s}_block{b}_{i}_conv`` is stage ``s - 1``, block ``b - 1`` there.
    """
    check_model(model)
    keys = {"predictions": "fc"}
    for layer in model.layers:
        if not layer.weights:
            continue
        for pattern, template in _TORCH_KEYS:
            match = re.fullmatch(pattern, layer.name)
            if match:
                groups = [int(g) for g in match.groups()]
                fields = dict(zip("sbi", groups))
                if "s" in fields:
                    fields["s"] -= 1
                    fields["b"] -= 1
                keys[layer.name] = template.format(**fields)
                break
    return keys


# ------------------------------------------------------------- the generic builder

_BLOCK_FUNCTIONS = {"basic": basic_block, "bottleneck": bottleneck_block}


def _resolve_block_fn(block_fn):
    for kind, fn in _BLOCK_FUNCTIONS.items():
        if block_fn is fn:
            return kind
    if isinstance(block_fn, str) and block_fn in _BLOCK_FUNCTIONS:
        return block_fn
    raise ValueError(
        f"block_fn must be 'basic', 'bottleneck', basic_block or bottleneck_block, "
        f"got {block_fn!r}")


def stem_layers(x, *, stem, filters, preact, use_bias, naming, preset):
    """ImageNet stem (7×7/2 conv, 3×3/2 max-pool) or CIFAR stem (3×3/1 conv)."""
    keras_names = naming == "keras"
    name = "conv1_conv" if keras_names else "conv1"
    if stem == "imagenet":
        x = keras.layers.ZeroPadding2D(3, name="conv1_pad")(x)
        x = conv(x, filters, 7, strides=2, padding="valid", use_bias=use_bias,
                 preset=preset, name=name)
    else:
        # CIFAR stem (He et al. §4.2): 32×32 images are too small to lose 4× at once.
        x = conv(x, filters, 3, use_bias=use_bias, preset=preset, name=name)
    if not preact:
        x = batch_norm(x, preset, "conv1_bn" if keras_names else "bn_conv1")
        x = keras.layers.Activation("relu", name="conv1_relu" if keras_names
                                    else None)(x)
    if stem == "imagenet":
        if preset.padding == "same":
            x = keras.layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
        else:
            # Zero padding equals PyTorch's -inf padding here: the input is >= 0.
            x = keras.layers.ZeroPadding2D(1, name="pool1_pad")(x)
            x = keras.layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    return x


def _head(x, *, include_top, pooling, classes, classifier_activation, naming, preset):
    if not include_top or preset.head == "keras" and naming == "keras":
        return classifier_head(x, include_top=include_top, pooling=pooling,
                               classes=classes,
                               classifier_activation=classifier_activation)
    x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    official = preset.head == "tf_official"
    reg = keras.regularizers.L2(preset.l2) if official and preset.l2 else None
    x = keras.layers.Dense(
        classes, kernel_initializer=keras.initializers.RandomNormal(stddev=0.01)
        if official else "glorot_uniform", kernel_regularizer=reg,
        bias_regularizer=reg, name="fc1000" if naming == "tf_official"
        else "predictions")(x)
    return keras.layers.Activation(classifier_activation or "linear", dtype="float32",
                                   name="predictions_activation")(x)


def ResNet(block_fn=None, stack_sizes=None, filters=IMAGENET_FILTERS, include_top=True,
           weights=None, input_tensor=None, input_shape=None, pooling=None,
           classes=1000, classifier_activation="softmax", *, depth=None, preact=False,
           strides=None, stem="auto", stem_filters=None, shortcut="B", groups=1,
           width_per_group=None, attention=None, se_ratio=16, stride_in_3x3=None,
           preset=None, naming="keras", use_bias=None, bn_momentum=None,
           bn_epsilon=None, kernel_initializer=None, l2=None, rescale_inputs=False,
           keras_applications=None, name=None):
    """Generic ResNet: a stem, one stack of residual blocks per ``stack_sizes`` entry.

    ``ResNet("bottleneck", (3, 4, 6, 3))`` is ResNet-50; ``ResNet(depth=50)`` too;
    ``ResNet("bottleneck", (3, 4, 6, 3), groups=32, width_per_group=4,
    preset="torchvision", stride_in_3x3=True)`` is ResNeXt-50 (32×4d).

    Args:
        block_fn: ``"basic"``/``"bottleneck"`` or :func:`basic_block`/
            :func:`bottleneck_block`; implied by ``depth``.
        stack_sizes: blocks per stack; implied by ``depth``.
        filters: block width per stack (bottleneck blocks output four times it).
        include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation: as in keras.applications.
        depth: 18, 34, 50, 101 or 152 instead of ``block_fn``/``stack_sizes``.
        preact: ResNet v2 (pre-activation) instead of v1. v2 applies a stack's
            stride at the end of the previous stack, as keras.applications does.
        strides: stride of each stack; default 1 for the first, 2 for the others.
        stem: ``"imagenet"`` (7×7/2 conv + 3×3/2 max-pool), ``"cifar"`` (3×3/1
            conv) or ``"auto"`` (CIFAR for inputs up to 64×64 without weights).
        stem_filters: channels of the first convolution (default ``filters[0]``).
        shortcut: ``"A"``, ``"B"`` or ``"C"`` (the paper's options, §3.3).
        groups: groups (cardinality) of the bottleneck 3×3 convolutions (ResNeXt).
        width_per_group: bottleneck width as torchvision computes it,
            ``int(filters * width_per_group / 64) * groups`` (ResNeXt 32×4d: 4;
            Wide ResNet-50-2: 128); default: ``filters`` (plain ResNet).
        attention, se_ratio: ``None``, ``"se"`` or a callable ``(x, name) -> x``
            in every block (SE-ResNet), see :func:`basic_block`.
        stride_in_3x3: stride in the middle bottleneck conv (ResNet v1.5).
        preset: numerics, a key of :data:`PRESETS`; default keras.applications'
            for bottleneck nets, torchvision's for basic ones. At the CIFAR stem
            BatchNorm uses momentum 0.9 and epsilon 1e-5 whatever the preset.
            ``use_bias``, ``bn_momentum``, ``bn_epsilon``, ``kernel_initializer``
            and ``l2`` override it.
        naming: ``"keras"`` (keras.applications names) or ``"tf_official"``
            (``res2a_branch2a``, ``bn_conv1``, ``fc1000``); only renames.
        rescale_inputs: start with the TF official-models rescale of [0, 1] images
            to 0–255 minus the ImageNet channel means (a ``Rescaling`` layer).
        keras_applications: the keras.applications counterpart, for
            ``weights="imagenet"``.
        name: model name; default ``resnet{depth}`` (+ ``v2``, + ``_cifar``).
    """
    # ---- validate everything before building a layer
    if depth is not None:
        if isinstance(depth, bool) or not isinstance(depth, numbers.Integral) \
                or depth not in IMAGENET_DEPTHS:
            raise ValueError(
                f"depth must be one of {', '.join(map(str, IMAGENET_DEPTHS))}, got "
                f"{depth!r} (CIFAR ResNets of depth 6n+2: CifarResNet(depth=...))")
        if block_fn is not None or stack_sizes is not None:
            raise ValueError("pass either depth or block_fn and stack_sizes, not both")
        block_fn, stack_sizes = IMAGENET_DEPTHS[depth]
    if block_fn is None or stack_sizes is None:
        raise ValueError("ResNet needs block_fn and stack_sizes, or depth")
    kind = _resolve_block_fn(block_fn)
    stack_sizes = check_int_sequence(stack_sizes, "stack_sizes")
    filters = check_int_sequence(filters, "filters")
    check_same_length(filters, "filters", stack_sizes, "stack_sizes",
                      " (one width per stack)")
    if strides is None:
        strides = (1,) + (2,) * (len(stack_sizes) - 1)
    strides = check_int_sequence(strides, "strides")
    check_same_length(strides, "strides", stack_sizes, "stack_sizes",
                      " (one stride per stack)")
    stem_filters = filters[0] if stem_filters is None else \
        check_positive_int(stem_filters, "stem_filters")
    check_choice(shortcut, "shortcut", SHORTCUTS)
    check_choice(naming, "naming", NAMINGS)
    check_bool(preact, "preact")
    check_bool(stride_in_3x3, "stride_in_3x3", allow_none=True)
    check_bool(rescale_inputs, "rescale_inputs")
    groups = check_positive_int(groups, "groups")
    if width_per_group is None:
        widths = filters
    else:
        width_per_group = check_positive_int(width_per_group, "width_per_group")
        widths = tuple(int(f * width_per_group / 64) * groups for f in filters)
    if kind == "basic" and (groups != 1 or width_per_group is not None):
        raise ValueError("groups and width_per_group apply to bottleneck blocks; "
                         f"block_fn is {kind!r}")
    for width in widths:
        check_groups(groups, width)
    attention = check_attention(attention)
    out_channels = [f * EXPANSION[kind] for f in filters]
    check_se_ratio(se_ratio, min(out_channels), attention)
    if preset is None:
        preset = "keras_applications" if kind == "bottleneck" else "torchvision"
    check_initializer(kernel_initializer, "kernel_initializer")
    preset = resolve_preset(preset, kernel_initializer=kernel_initializer, l2=l2)
    # torchvision's basic nets and the TF official nets have no convolution biases.
    use_bias = preset.use_bias and kind == "bottleneck" if use_bias is None \
        else check_bool(use_bias, "use_bias")
    input_shape = check_common_args(
        include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation,
        keras_applications=keras_applications, name=name)
    stem = resolve_stem(stem, input_shape, weights=weights)
    if stem == "cifar":
        preset = resolve_preset(preset, **CIFAR_BN)
    preset = resolve_preset(preset, bn_momentum=bn_momentum, bn_epsilon=bn_epsilon)
    # Every stride halves (or more) the feature map; past the input size the last
    # stages would see a map smaller than one pixel per position.
    total_stride = (4 if stem == "imagenet" else 1) * math.prod(strides)
    if any(d is not None and d < total_stride for d in input_shape[:2]):
        raise ValueError(
            f"strides {strides} with the {stem} stem downsample by {total_stride}, "
            f"which would shrink input_shape {tuple(input_shape)} below 1×1: height "
            f"and width must be at least {total_stride} (or use smaller strides"
            f"{', or stem=' + repr('cifar') if stem == 'imagenet' else ''})")
    if name is None:
        name = f"resnet{_depth_of(kind, stack_sizes)}{'v2' if preact else ''}"
        if stem == "cifar":
            name += "_cifar"

    # ---- build
    x, inputs = model_input(input_tensor, input_shape)
    if rescale_inputs:
        x = keras.layers.Rescaling(
            255.0, offset=tuple(-m for m in _OFFICIAL_CHANNEL_MEANS), name="rescale")(x)
    x = stem_layers(x, stem=stem, filters=stem_filters, preact=preact,
                    use_bias=use_bias, naming=naming, preset=preset)
    if kind == "basic":
        kernels, stride_index = (3, 3), 0
    else:
        kernels = (1, 3, 1)
        stride_index = 1 if (preact if stride_in_3x3 is None else stride_in_3x3) else 0
    for s, (count, width) in enumerate(zip(stack_sizes, widths)):
        block_widths = (width, width) if kind == "basic" else \
            (width, width, EXPANSION[kind] * filters[s])
        for b in range(count):
            if preact:
                # TF-slim's (and keras.applications') v2 layout: downsample in the
                # last block of a stack, with the next stack's stride.
                stride = strides[s + 1] if b == count - 1 and s + 1 < len(strides) \
                    else 1
                if s == 0 and b == 0 and strides[0] != 1:
                    stride = strides[0]
            else:
                stride = strides[s] if b == 0 else 1
            names = _Names(naming, prefix=f"conv{s + 2}_block{b + 1}", stage=s + 2,
                           block=block_letter(b, count), preact=preact)
            x = residual_unit(
                x, block_widths, kernels, strides=stride, stride_index=stride_index,
                groups=groups, preact=preact, shortcut=shortcut, attention=attention,
                se_ratio=se_ratio, use_bias=use_bias, preset=preset, names=names)
    if preact:
        x = batch_norm(x, preset, "post_bn")
        x = keras.layers.Activation("relu", name="post_relu")(x)
    x = _head(x, include_top=include_top, pooling=pooling, classes=classes,
              classifier_activation=classifier_activation, naming=naming,
              preset=preset)
    # PyTorch twins are v1 with keras names (v2 and official names have none).
    torch_keys = resnet_torch_keys if naming == "keras" and not preact else None
    return finish_model(
        inputs, x, name=name, weights=weights, keras_applications=keras_applications,
        applications_kwargs=dict(include_top=include_top, input_shape=input_shape,
                                 pooling=pooling, classes=classes),
        torch_keys=torch_keys)


def _depth_of(kind, stack_sizes):
    return sum(stack_sizes) * (2 if kind == "basic" else 3) + 2


def imagenet_constructor(label, doc, *, base_name=None, keras_app=None, **config):
    """A keras.applications-style constructor over :func:`ResNet` with ``config``.

    The model is named ``base_name`` (``+ "_cifar"`` at the CIFAR stem); only the
    ImageNet layout has keras.applications' ImageNet weights.
    """
    def constructor(include_top=True, weights=None, input_tensor=None, input_shape=None,
                    pooling=None, classes=1000, classifier_activation="softmax",
                    name=None, *, stem="auto", **kwargs):
        shape = input_shape_of(input_tensor, input_shape)
        resolved = resolve_stem(stem, check_input_shape(shape or (224, 224, 3)),
                                weights=weights)
        app = keras_app if resolved == "imagenet" and not kwargs else None
        if name is None and base_name is not None:
            name = base_name + ("_cifar" if resolved == "cifar" else "")
        return ResNet(include_top=include_top, weights=weights,
                      input_tensor=input_tensor, input_shape=input_shape,
                      pooling=pooling, classes=classes,
                      classifier_activation=classifier_activation, stem=resolved,
                      keras_applications=app, name=name, **config, **kwargs)

    constructor.__name__ = constructor.__qualname__ = label
    constructor.__doc__ = doc + (
        "\n\n    keras.applications signature plus ``stem``; other keyword arguments "
        "go to :func:`ResNet`.")
    return constructor
