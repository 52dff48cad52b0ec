"""ResNet v1 and v2: very deep networks made trainable by identity shortcuts.

He, Zhang, Ren & Sun, "Deep Residual Learning for Image Recognition", CVPR 2016,
arXiv:1512.03385 (v1); He, Zhang, Ren & Sun, "Identity Mappings in Deep Residual
Networks", ECCV 2016, arXiv:1603.05027 (v2, pre-activation).

The idea to see in the code: every block computes ``x + F(x)``. The shortcut carries
the signal (and its gradient) past the block untouched, so adding blocks cannot make
the network worse at fitting its training set — the "degradation" plain deep nets
suffer from. v1 applies ReLU after the addition; v2 moves BatchNorm and ReLU *before*
each convolution so the shortcut path is a pure identity from input to output.

The blocks live in :mod:`keras_archs.models._residual` (one unit for every residual
family); this module is the generic builder :func:`ResNet` and the named models:

* ``resnet50``/``101``/``152`` and ``resnet50v2``/... are keras.applications'
  ResNet v1 (stride in the first 1×1, convolution biases, epsilon 1.001e-5) and v2:
  same layer names and layout, so their ``.weights.h5`` files load into ours;
* ``tv_resnet50``/``101``/``152`` are torchvision's "v1.5" (stride in the 3×3, no
  convolution biases, epsilon 1e-5, symmetric padding), and ``resnet18``/``34``
  torchvision's basic-block nets: their PyTorch checkpoints load (``torch_keys``);
* CIFAR: any model at ``stem="cifar"`` (a 3×3 stride-1 first convolution and no
  max-pool, chosen automatically for inputs up to 64×64 and recorded in
  ``model.name``), the paper's ResNet-20/32/44/56/110 (§4.2, 6n+2 layers) and the
  seed notebook's CIFAR-100 ResNet-50 (``resnet50_seed``, TF official-models layout).

BatchNorm: CIFAR variants and PyTorch twins use PyTorch's momentum 0.1 (Keras 0.9)
and epsilon 1e-5, as the references trained them; keras.applications' 0.99 lets
the moving statistics lag so far behind a short run that it validates at chance.
"""

from __future__ import annotations

import inspect
import math
import numbers
import re

import keras

from keras_archs._validation import (
    check_bool, check_choice, check_input_shape, check_int_sequence, check_positive_int,
    check_same_length)
from keras_archs.models._builder import (
    check_common_args, classifier_head, finish_model, model_input, resolve_stem)
from keras_archs.models._residual import (
    NAMINGS, PRESETS, SHORTCUTS, basic_block, batch_norm, block_letter,
    bottleneck_block, check_attention, check_groups, check_se_ratio, conv,
    conv_block, identity_block, resnext_block, resolve_preset, residual_unit,
    _Names)
from keras_archs.registry import register_model

__all__ = [
    "conv_block", "identity_block", "basic_block", "bottleneck_block", "resnext_block",
    "ResNet", "CifarResNet", "resnet_torch_keys",
    "ResNet18", "ResNet34", "ResNet50", "ResNet101", "ResNet152",
    "ResNet50V2", "ResNet101V2", "ResNet152V2",
    "TVResNet50", "TVResNet101", "TVResNet152",
    "ResNet20", "ResNet32", "ResNet44", "ResNet56", "ResNet110",
    "ResNet50Seed", "IMAGENET_DEPTHS", "SHORTCUTS", "NAMINGS", "PRESETS",
]

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


def _finish(inputs, outputs, *, torch_keys, **kwargs):
    # finish_model gains torch_keys with the PyTorch loader; pass it where it exists.
    if torch_keys is not None and \
            "torch_keys" in inspect.signature(finish_model).parameters:
        kwargs["torch_keys"] = torch_keys
    return finish_model(inputs, outputs, **kwargs)


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
    preset = resolve_preset(preset, kernel_initializer=kernel_initializer, l2=l2)
    # torchvision's basic nets and the TF official nets have no convolution biases.
    use_bias = preset.use_bias and kind == "bottleneck" if use_bias is None \
        else check_bool(use_bias, "use_bias")
    input_shape = check_common_args(
        include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation,
        keras_applications=keras_applications)
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
            f"and width must be at least {total_stride} (or use smaller strides, or "
            f"stem='cifar')")
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
    return _finish(
        inputs, x, name=name, weights=weights, keras_applications=keras_applications,
        applications_kwargs=dict(include_top=include_top, input_shape=input_shape,
                                 pooling=pooling, classes=classes),
        torch_keys=torch_keys)


def _depth_of(kind, stack_sizes):
    return sum(stack_sizes) * (2 if kind == "basic" else 3) + 2


def CifarResNet(depth=20, include_top=True, weights=None, input_tensor=None,
                input_shape=(32, 32, 3), pooling=None, classes=10,
                classifier_activation="softmax", *, shortcut="A", stem="cifar",
                name=None, **kwargs):
    """The paper's CIFAR-10 ResNet (§4.2): depth 6n+2, three stacks of n basic blocks.

    16/32/64 channels on 32/16/8-pixel maps, global average pooling, a 10-way
    classifier. ``shortcut="A"`` (the paper's CIFAR choice) zero-pads the new
    channels, so ResNet-20 has the paper's 0.27 M parameters: 269,722 trainable
    (as PyTorch counts), 271,098 in Keras, which also counts BatchNorm's moving
    statistics. ``"B"`` projects where the width changes (+2,944 parameters).
    ``attention="se"`` gives SE-ResNet (Hu et al. §6.1's CIFAR models).
    """
    if isinstance(depth, bool) or not isinstance(depth, numbers.Integral) \
            or depth < 8 or (depth - 2) % 6:
        raise ValueError(
            f"depth must be 6n + 2 with n >= 1 (20, 32, 44, 56, 110, ...), got "
            f"{depth!r}")
    n = (depth - 2) // 6
    if name is None:
        name = f"resnet{depth}" + ("" if stem in ("cifar", "auto") else f"_{stem}")
    return ResNet("basic", (n, n, n), CIFAR_FILTERS, include_top=include_top,
                  weights=weights, input_tensor=input_tensor, input_shape=input_shape,
                  pooling=pooling, classes=classes,
                  classifier_activation=classifier_activation, shortcut=shortcut,
                  stem=stem, name=name, **kwargs)


# ------------------------------------------------------------- named constructors

def imagenet_constructor(label, doc, *, base_name=None, keras_app=None, **config):
    """A keras.applications-style constructor over :func:`ResNet` with ``config``.

    The model is named ``base_name`` (``+ "_cifar"`` at the CIFAR stem); only the
    ImageNet layout has keras.applications' ImageNet weights.
    """
    def constructor(include_top=True, weights=None, input_tensor=None, input_shape=None,
                    pooling=None, classes=1000, classifier_activation="softmax",
                    name=None, *, stem="auto", **kwargs):
        shape = input_shape
        if input_tensor is not None and keras.backend.is_keras_tensor(input_tensor):
            shape = tuple(input_tensor.shape[1:])
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


_V15 = dict(preset="torchvision", stride_in_3x3=True)

ResNet18 = imagenet_constructor(
    "ResNet18", "ResNet-18 (basic blocks 2-2-2-2), torchvision's resnet18.", depth=18)
ResNet34 = imagenet_constructor(
    "ResNet34", "ResNet-34 (basic blocks 3-4-6-3), torchvision's resnet34.", depth=34)
ResNet50 = imagenet_constructor(
    "ResNet50", "ResNet-50 v1, keras.applications' ResNet50 (stride in the 1×1).",
    keras_app="ResNet50", depth=50)
ResNet101 = imagenet_constructor(
    "ResNet101", "ResNet-101 v1, keras.applications' ResNet101.",
    keras_app="ResNet101", depth=101)
ResNet152 = imagenet_constructor(
    "ResNet152", "ResNet-152 v1, keras.applications' ResNet152.",
    keras_app="ResNet152", depth=152)
ResNet50V2 = imagenet_constructor(
    "ResNet50V2", "ResNet-50 v2 (pre-activation), keras.applications' ResNet50V2.",
    keras_app="ResNet50V2", depth=50, preact=True)
ResNet101V2 = imagenet_constructor(
    "ResNet101V2", "ResNet-101 v2 (pre-activation), keras.applications' ResNet101V2.",
    keras_app="ResNet101V2", depth=101, preact=True)
ResNet152V2 = imagenet_constructor(
    "ResNet152V2", "ResNet-152 v2 (pre-activation), keras.applications' ResNet152V2.",
    keras_app="ResNet152V2", depth=152, preact=True)
TVResNet50 = imagenet_constructor(
    "TVResNet50", "ResNet-50 v1.5, torchvision's resnet50: stride in the 3×3, no "
    "convolution biases, BatchNorm epsilon 1e-5.", base_name="tv_resnet50", depth=50,
    **_V15)
TVResNet101 = imagenet_constructor(
    "TVResNet101", "ResNet-101 v1.5, torchvision's resnet101.",
    base_name="tv_resnet101", depth=101, **_V15)
TVResNet152 = imagenet_constructor(
    "TVResNet152", "ResNet-152 v1.5, torchvision's resnet152.",
    base_name="tv_resnet152", depth=152, **_V15)


def _cifar_constructor(depth):
    def constructor(include_top=True, weights=None, input_tensor=None,
                    input_shape=(32, 32, 3), pooling=None, classes=10,
                    classifier_activation="softmax", name=None, **kwargs):
        return CifarResNet(depth, include_top=include_top, weights=weights,
                           input_tensor=input_tensor, input_shape=input_shape,
                           pooling=pooling, classes=classes,
                           classifier_activation=classifier_activation, name=name,
                           **kwargs)

    constructor.__name__ = constructor.__qualname__ = f"ResNet{depth}"
    constructor.__doc__ = (f"CIFAR ResNet-{depth} (He et al. §4.2, n = "
                           f"{(depth - 2) // 6}); see :func:`CifarResNet`.")
    return constructor


ResNet20 = _cifar_constructor(20)
ResNet32 = _cifar_constructor(32)
ResNet44 = _cifar_constructor(44)
ResNet56 = _cifar_constructor(56)
ResNet110 = _cifar_constructor(110)


def ResNet50Seed(include_top=True, weights=None, input_tensor=None,
                 input_shape=(32, 32, 3), pooling=None, classes=100,
                 classifier_activation="softmax", name=None, *, stem="auto",
                 rescale_inputs=True, **kwargs):
    """The seed notebook's CIFAR-100 ResNet-50 (TF official-models layout, v1.5).

    ``preset="tf_official"``: L2(1e-4) on every kernel and the classifier bias,
    BatchNorm momentum 0.9 and epsilon 1e-5, He-normal init, no convolution biases;
    stride in the 3×3 convolutions, a float32 softmax, ``naming="tf_official"``
    (``res2a_branch2a``), and — instead of the seed's ``Lambda`` — a ``Rescaling``
    layer mapping [0, 1] images to 0–255 minus the ImageNet channel means.
    ``stem="imagenet"`` gives the official 224×224 stem.
    """
    shape = input_shape
    if input_tensor is not None and keras.backend.is_keras_tensor(input_tensor):
        shape = tuple(input_tensor.shape[1:])
    resolved = resolve_stem(stem, check_input_shape(shape or (32, 32, 3)),
                            weights=weights)
    if name is None:
        name = "resnet50_seed" + ("_cifar" if resolved == "cifar" else "")
    return ResNet(depth=50, include_top=include_top, weights=weights,
                  input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                  classes=classes, classifier_activation=classifier_activation,
                  stem=resolved, preset="tf_official", naming="tf_official",
                  stride_in_3x3=True, rescale_inputs=rescale_inputs, name=name,
                  **kwargs)


# -------------------------------------------------------------------- registry

_PAPER_V1 = "He et al. 2015, arXiv:1512.03385"
_PAPER_V2 = "He et al. 2016, arXiv:1603.05027"
_TV = "torchvision {} (BatchNorm running statistics not counted)"


@register_model(family="resnet", paper=_PAPER_V1, reference_params=11_689_512,
                reference_source=_TV.format("resnet18"),
                reference_counts_bn_statistics=False, torchvision="resnet18",
                preprocessing="torch")
def resnet18(**kwargs):
    """ResNet-18 (basic blocks 2-2-2-2), torchvision's resnet18 (its weights load)."""
    return ResNet18(**kwargs)


@register_model(family="resnet", paper=_PAPER_V1, reference_params=21_797_672,
                reference_source=_TV.format("resnet34"),
                reference_counts_bn_statistics=False, torchvision="resnet34",
                preprocessing="torch")
def resnet34(**kwargs):
    """ResNet-34 (basic blocks 3-4-6-3), torchvision's resnet34 (its weights load)."""
    return ResNet34(**kwargs)


@register_model(family="resnet", paper=_PAPER_V1, reference_params=25_636_712,
                keras_applications="ResNet50", preprocessing="caffe")
def resnet50(**kwargs):
    """ResNet-50 v1 (bottlenecks 3-4-6-3), keras.applications' layout and names."""
    return ResNet50(**kwargs)


@register_model(family="resnet", paper=_PAPER_V1, reference_params=44_707_176,
                keras_applications="ResNet101", preprocessing="caffe")
def resnet101(**kwargs):
    """ResNet-101 v1 (bottlenecks 3-4-23-3), keras.applications' layout and names."""
    return ResNet101(**kwargs)


@register_model(family="resnet", paper=_PAPER_V1, reference_params=60_419_944,
                keras_applications="ResNet152", preprocessing="caffe")
def resnet152(**kwargs):
    """ResNet-152 v1 (bottlenecks 3-8-36-3), keras.applications' layout and names."""
    return ResNet152(**kwargs)


@register_model(family="resnet", paper=_PAPER_V2, reference_params=25_613_800,
                keras_applications="ResNet50V2", preprocessing="tf")
def resnet50v2(**kwargs):
    """ResNet-50 v2 (pre-activation), keras.applications' layout and names."""
    return ResNet50V2(**kwargs)


@register_model(family="resnet", paper=_PAPER_V2, reference_params=44_675_560,
                keras_applications="ResNet101V2", preprocessing="tf")
def resnet101v2(**kwargs):
    """ResNet-101 v2 (pre-activation), keras.applications' layout and names."""
    return ResNet101V2(**kwargs)


@register_model(family="resnet", paper=_PAPER_V2, reference_params=60_380_648,
                keras_applications="ResNet152V2", preprocessing="tf")
def resnet152v2(**kwargs):
    """ResNet-152 v2 (pre-activation), keras.applications' layout and names."""
    return ResNet152V2(**kwargs)


@register_model(family="resnet", paper=_PAPER_V1, reference_params=25_557_032,
                reference_source=_TV.format("resnet50"),
                reference_counts_bn_statistics=False, torchvision="resnet50",
                preprocessing="torch")
def tv_resnet50(**kwargs):
    """ResNet-50 v1.5, torchvision's resnet50 (stride in the 3×3, no conv biases)."""
    return TVResNet50(**kwargs)


@register_model(family="resnet", paper=_PAPER_V1, reference_params=44_549_160,
                reference_source=_TV.format("resnet101"),
                reference_counts_bn_statistics=False, torchvision="resnet101",
                preprocessing="torch")
def tv_resnet101(**kwargs):
    """ResNet-101 v1.5, torchvision's resnet101 (stride in the 3×3, no conv biases)."""
    return TVResNet101(**kwargs)


@register_model(family="resnet", paper=_PAPER_V1, reference_params=60_192_808,
                reference_source=_TV.format("resnet152"),
                reference_counts_bn_statistics=False, torchvision="resnet152",
                preprocessing="torch")
def tv_resnet152(**kwargs):
    """ResNet-152 v1.5, torchvision's resnet152 (stride in the 3×3, no conv biases)."""
    return TVResNet152(**kwargs)


def _register_cifar(depth, constructor):
    # The paper gives only rounded counts (0.27 M … 1.7 M), so no exact reference.
    def build(**kwargs):
        return constructor(**kwargs)

    build.__doc__ = f"CIFAR ResNet-{depth} (6n+2, 16/32/64 channels, option-A shortcuts)."
    register_model(name=f"resnet{depth}", family="resnet", paper=_PAPER_V1,
                   default_input_shape=(32, 32, 3))(build)


for _depth, _ctor in ((20, ResNet20), (32, ResNet32), (44, ResNet44), (56, ResNet56),
                      (110, ResNet110)):
    _register_cifar(_depth, _ctor)


@register_model(family="resnet", paper=_PAPER_V1, reference_params=25_557_032,
                reference_input_shape=(224, 224, 3),
                reference_source="torchvision resnet50 (same layout: v1.5, no conv "
                                 "biases; BN running stats not counted)",
                reference_counts_bn_statistics=False, default_input_shape=(32, 32, 3))
def resnet50_seed(**kwargs):
    """The seed's CIFAR-100 ResNet-50: official-models layout, L2 1e-4, BN momentum 0.9."""
    return ResNet50Seed(**kwargs)
