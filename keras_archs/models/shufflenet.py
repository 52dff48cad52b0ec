"""ShuffleNet v1 and v2: group convolutions made cheap by shuffling channels.

* v1 — Zhang, Zhou, Lin & Sun, "ShuffleNet: An Extremely Efficient Convolutional
  Neural Network for Mobile Devices", CVPR 2018, arXiv:1707.01083.
* v2 — Ma, Zhang, Zheng & Sun, "ShuffleNet V2: Practical Guidelines for Efficient CNN
  Architecture Design", ECCV 2018, arXiv:1807.11164.

The ideas to see in the code:

* :func:`shufflenet_v1_unit` (v1, Figure 2): the 1×1 convolutions that dominate a
  bottleneck's cost become *group* convolutions (``groups`` g: g× fewer weights and
  multiply-adds), and a :class:`~keras_archs.layers.ChannelShuffle` after the first one
  lets each group of the second see every group of the first. The 3×3 convolution is
  depthwise, with no ReLU after it. A stride-2 unit concatenates a 3×3/2 average-pooled
  shortcut instead of adding it, so the width grows at no extra cost. Table 1 picks
  each g's widths so that the whole network costs about 140 MFLOPs (multiply-adds).
* :func:`shufflenet_v2_unit` (v2, Figure 3): the guidelines — equal input/output
  widths, no group convolutions, fewer branches, no element-wise add — give a unit
  that *splits* the channels in two (:class:`~keras_archs.layers.ChannelSplit`),
  passes one half through unchanged, transforms the other (1×1, depthwise 3×3, 1×1)
  and concatenates them, then shuffles with 2 groups. A stride-2 unit sends the whole
  input through two branches and doubles the width.

Models:

* ``shufflenet_v2_x0_5`` … ``shufflenet_v2_x2_0`` reproduce torchvision's
  ``shufflenet_v2_x0_5`` … ``x2_0`` (layout, padding, BatchNorm epsilon 1e-5), the
  widths of the v2 paper's Table 5; torchvision checkpoints load
  (:func:`shufflenet_v2_torch_keys`).
* ``shufflenet_v1``: g = 3, 1× (the paper's choice in its Table 2 comparisons);
  ``groups`` 1, 2, 3, 4 or 8 and ``width_multiplier`` (s×) select the other rows of
  Tables 1–2. No pretrained peer; conv1 keeps 24 channels at every width, as the
  paper's Table 1 lists it.
* CIFAR variants (``stem="cifar"``, automatic up to 64×64): conv1 3×3 with stride 1 and
  no max-pool (kuangliu/pytorch-cifar's ShuffleNet and ShuffleNetV2), so 32×32 inputs
  reach the last stage at 4×4.

BatchNorm: PyTorch's momentum (0.1, Keras 0.9) and epsilon 1e-5 everywhere.
"""

from __future__ import annotations

import keras

from keras_archs._validation import (
    check_bool, check_choice, check_int_sequence, check_model, check_name,
    check_positive_int, check_tensor_4d)
from keras_archs.layers import ChannelShuffle, ChannelSplit, conv_bn_act
from keras_archs.models._builder import (
    check_common_args, classifier_head, finish_model, model_input, resolve_stem)
from keras_archs.registry import register_model

__all__ = [
    "shufflenet_v1_unit", "shufflenet_v2_unit", "ShuffleNetV1", "ShuffleNetV2",
    "shufflenet_v2_torch_keys", "SHUFFLENET_V1_CHANNELS", "SHUFFLENET_V2_CHANNELS",
]

BN_MOMENTUM = 0.9  # PyTorch's 0.1 in Keras' convention
BN_EPSILON = 1e-5  # PyTorch's default, as torchvision's ShuffleNetV2
STAGE_REPEATS = (4, 8, 4)  # units in stages 2, 3, 4 (v1 Table 1, v2 Table 5)
STEM_CHANNELS = 24

# v1 Table 1: output channels of stages 2-4 for each number of groups g (1×).
SHUFFLENET_V1_CHANNELS = {
    1: (144, 288, 576),
    2: (200, 400, 800),
    3: (240, 480, 960),
    4: (272, 544, 1088),
    8: (384, 768, 1536),
}
SHUFFLENET_V1_WIDTHS = (0.25, 0.5, 1.0, 1.5, 2.0)  # v1 Table 2: ShuffleNet s×
# v2 Table 5 (= torchvision's stages_out_channels): stages 2-4 and conv5.
SHUFFLENET_V2_CHANNELS = {
    0.5: (48, 96, 192, 1024),
    1.0: (116, 232, 464, 1024),
    1.5: (176, 352, 704, 1024),
    2.0: (244, 488, 976, 2048),
}


def _bn(x, name):
    return keras.layers.BatchNormalization(momentum=BN_MOMENTUM, epsilon=BN_EPSILON,
                                           name=name)(x)


def _conv1x1(x, filters, *, groups=1, activation="relu", name):
    return conv_bn_act(x, filters, 1, groups=groups, activation=activation,
                       use_bias=False, bn_momentum=BN_MOMENTUM, bn_epsilon=BN_EPSILON,
                       name=name, conv_suffix="")


def _depthwise_bn(x, strides, *, name):
    """Depthwise 3×3 (no bias) → BatchNorm, no ReLU (both papers)."""
    if strides == 2:
        # PyTorch pads 1 on every side; Keras' "same" would pad only bottom/right.
        x = keras.layers.ZeroPadding2D(1, name=f"{name}_pad")(x)
    x = keras.layers.DepthwiseConv2D(3, strides=strides,
                                     padding="valid" if strides == 2 else "same",
                                     use_bias=False, name=name)(x)
    return _bn(x, f"{name}_bn")


def _check_unit_args(x, out_channels, strides, name):
    check_tensor_4d(x, "x")
    check_name(name, "name")
    out_channels = check_positive_int(out_channels, "out_channels")
    check_choice(strides, "strides", (1, 2))
    in_channels = x.shape[-1]
    if strides == 1 and in_channels != out_channels:
        raise ValueError(
            f"a stride-1 unit keeps the width: out_channels must equal the input's "
            f"{in_channels} channels (those of x), got {out_channels}")
    return in_channels, out_channels


def shufflenet_v1_unit(x, out_channels, *, groups, strides=1, group_first=True,
                       name):
    """ShuffleNet v1 unit (Figure 2(b), stride 1; 2(c), stride 2).

    1×1 group conv (``groups``) → BN → ReLU → channel shuffle → depthwise 3×3
    (``strides``) → BN → 1×1 group conv → BN; stride 1: add the input; stride 2:
    concatenate the 3×3/2 average-pooled input (the branch then produces
    ``out_channels - input channels``); ReLU. The bottleneck is ``out_channels / 4``.

    Args:
        x: input tensor.
        out_channels: channels out (a stride-1 unit keeps its input's).
        groups: group-convolution groups g; must divide the bottleneck and the
            branch's output channels.
        strides: 1 or 2.
        group_first: group the first 1×1 convolution (the paper does not in the
            first unit of stage 2, whose input has only 24 channels).
        name: layer-name prefix (``{name}_gconv1``, ``{name}_shuffle``, ...).
    """
    groups = check_positive_int(groups, "groups")
    check_bool(group_first, "group_first")
    in_channels, out_channels = _check_unit_args(x, out_channels, strides, name)
    mid = out_channels // 4
    branch = out_channels - in_channels if strides == 2 else out_channels
    first_groups = groups if group_first else 1
    for channels, what in ((mid, "bottleneck"), (branch, "output")):
        if channels < 1 or channels % groups:
            raise ValueError(
                f"groups ({groups}) must divide the {what} channels of unit {name!r} "
                f"({channels}), which come from out_channels={out_channels}, "
                f"strides={strides} and x's {in_channels} channels; pick groups and "
                "widths that divide")
    if in_channels % first_groups:
        raise ValueError(f"groups ({groups}) must divide the channels of x, the input "
                         f"of unit {name!r} ({in_channels}), unless group_first=False")

    y = _conv1x1(x, mid, groups=first_groups, name=f"{name}_gconv1")
    if groups > 1:
        y = ChannelShuffle(groups, name=f"{name}_shuffle")(y)
    y = _depthwise_bn(y, strides, name=f"{name}_dwconv")
    y = _conv1x1(y, branch, groups=groups, activation=None, name=f"{name}_gconv2")
    if strides == 1:
        y = keras.layers.Add(name=f"{name}_add")([x, y])
    else:
        shortcut = keras.layers.AveragePooling2D(
            3, strides=2, padding="same", name=f"{name}_shortcut_pool")(x)
        y = keras.layers.Concatenate(name=f"{name}_concat")([shortcut, y])
    return keras.layers.Activation("relu", name=f"{name}_relu")(y)


def shufflenet_v2_unit(x, out_channels, *, strides=1, name):
    """ShuffleNet v2 unit (Figure 3(c), stride 1; 3(d), stride 2).

    Stride 1: split the channels in halves; the first passes through, the second goes
    1×1 → BN → ReLU → depthwise 3×3 → BN → 1×1 → BN → ReLU. Stride 2: the whole input
    goes through that branch (with a stride-2 depthwise) and through a second one,
    depthwise 3×3/2 → BN → 1×1 → BN → ReLU; each gives ``out_channels / 2``.
    Then concatenate and shuffle with 2 groups (torchvision's ``InvertedResidual``).

    Args:
        x: input tensor.
        out_channels: channels out, even (a stride-1 unit keeps its input's).
        strides: 1 or 2.
        name: layer-name prefix (``{name}_branch1_dw``, ``{name}_branch2_pw1``, ...).
    """
    in_channels, out_channels = _check_unit_args(x, out_channels, strides, name)
    if out_channels % 2:
        raise ValueError(f"out_channels must be even (two halves), got {out_channels}")
    half = out_channels // 2
    if strides == 1:
        passthrough, y = ChannelSplit(2, name=f"{name}_split")(x)
    else:
        passthrough = _depthwise_bn(x, 2, name=f"{name}_branch1_dw")
        passthrough = _conv1x1(passthrough, half, name=f"{name}_branch1_pw")
        y = x
    y = _conv1x1(y, half, name=f"{name}_branch2_pw1")
    y = _depthwise_bn(y, strides, name=f"{name}_branch2_dw")
    y = _conv1x1(y, half, name=f"{name}_branch2_pw2")
    y = keras.layers.Concatenate(name=f"{name}_concat")([passthrough, y])
    return ChannelShuffle(2, name=f"{name}_shuffle")(y)


def _stem(x, stem):
    if stem == "cifar":
        return _stem_conv(x, strides=1)
    x = keras.layers.ZeroPadding2D(1, name="conv1_pad")(x)
    x = _stem_conv(x, strides=2)
    # MaxPool2d(3, 2, padding=1): zero padding equals PyTorch's -inf one after a ReLU.
    x = keras.layers.ZeroPadding2D(1, name="maxpool_pad")(x)
    return keras.layers.MaxPooling2D(3, strides=2, name="maxpool")(x)


def _stem_conv(x, *, strides):
    return conv_bn_act(x, STEM_CHANNELS, 3, strides=strides,
                       padding="valid" if strides == 2 else "same", use_bias=False,
                       bn_momentum=BN_MOMENTUM, bn_epsilon=BN_EPSILON, name="conv1",
                       conv_suffix="")


def _width_tag(width):
    """0.5 → ``x0_5``, 1.0 → ``x1_0``, 0.25 → ``x0_25`` (torchvision's naming)."""
    digits = f"{width:.2f}".rstrip("0")
    return "x" + (digits + "0" if digits.endswith(".") else digits).replace(".", "_")


def ShuffleNetV1(include_top=True, weights=None, input_tensor=None, input_shape=None,
                 pooling=None, classes=1000, classifier_activation="softmax", *,
                 groups=3, width_multiplier=1.0, stage_channels=None, stem="auto",
                 name=None):
    """ShuffleNet v1, keras.applications signature.

    Args:
        groups: g of the group convolutions: 1, 2, 3, 4 or 8 (Table 1), or any
            integer >= 1 with ``stage_channels``.
        width_multiplier: s of "ShuffleNet s×" (Table 2): 0.25, 0.5, 1, 1.5 or 2;
            scales the stage widths.
        stage_channels: output channels of stages 2, 3, 4 at 1× (default: Table 1's
            row for ``groups``).
        stem: ``"auto"`` (CIFAR up to 64×64), ``"imagenet"`` or ``"cifar"``.
        name: default ``shufflenet_v1_g{groups}_{width}`` (+ ``_cifar``).
    """
    groups = check_positive_int(groups, "groups")
    check_choice(width_multiplier, "width_multiplier", SHUFFLENET_V1_WIDTHS)
    if stage_channels is None:
        if groups not in SHUFFLENET_V1_CHANNELS:
            raise ValueError(
                f"groups must be one of {', '.join(map(str, SHUFFLENET_V1_CHANNELS))} "
                f"(the paper's Table 1) unless stage_channels is given, got {groups}")
        stage_channels = SHUFFLENET_V1_CHANNELS[groups]
    else:
        stage_channels = check_int_sequence(stage_channels, "stage_channels", length=3)
    widths = [int(round(c * width_multiplier)) for c in stage_channels]
    in_channels = STEM_CHANNELS
    for stage, width in enumerate(widths, start=2):
        first_groups = 1 if stage == 2 else groups
        for channels, what in ((width // 4, "bottleneck"), (width - in_channels,
                                                              "first unit's output")):
            if channels < 1 or channels % groups:
                raise ValueError(
                    f"groups ({groups}) must divide the {what} channels of stage "
                    f"{stage} ({channels}) of stage_channels {tuple(stage_channels)} "
                    f"at width_multiplier={width_multiplier}")
        if in_channels % first_groups or width % groups:
            raise ValueError(
                f"groups ({groups}) must divide stage {stage}'s channels ({width}) of "
                f"stage_channels {tuple(stage_channels)}")
        in_channels = width
    input_shape = check_common_args(
        include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation, name=name)
    stem = resolve_stem(stem, input_shape, weights)
    if name is None:
        name = f"shufflenet_v1_g{groups}_{_width_tag(width_multiplier)}"
        name += "_cifar" if stem == "cifar" else ""

    x, inputs = model_input(input_tensor, input_shape)
    x = _stem(x, stem)
    for stage, (repeats, width) in enumerate(zip(STAGE_REPEATS, widths), start=2):
        for unit in range(1, repeats + 1):
            x = shufflenet_v1_unit(
                x, width, groups=groups, strides=2 if unit == 1 else 1,
                group_first=not (stage == 2 and unit == 1),
                name=f"stage{stage}_unit{unit}")
    x = classifier_head(x, include_top=include_top, pooling=pooling, classes=classes,
                        classifier_activation=classifier_activation)
    return finish_model(inputs, x, name=name, weights=weights)


# Our v2 unit layer suffixes → torchvision InvertedResidual submodule indices.
_V2_TORCH = {
    "branch1_dw": "branch1.0", "branch1_dw_bn": "branch1.1",
    "branch1_pw": "branch1.2", "branch1_pw_bn": "branch1.3",
    "branch2_pw1": "branch2.0", "branch2_pw1_bn": "branch2.1",
    "branch2_dw": "branch2.3", "branch2_dw_bn": "branch2.4",
    "branch2_pw2": "branch2.5", "branch2_pw2_bn": "branch2.6",
}


def shufflenet_v2_torch_keys(model):
    """Our layer names → torchvision ``shufflenet_v2_*`` state_dict prefixes.

    ``conv1``/``conv1_bn`` → ``conv1.0``/``conv1.1``; ``stage2_unit1_branch1_dw`` →
    ``stage2.0.branch1.0``; ``stage3_unit4_branch2_pw2_bn`` → ``stage3.3.branch2.6``;
    ``conv5``/``conv5_bn`` → ``conv5.0``/``conv5.1``; ``predictions`` → ``fc``.
    """
    check_model(model)
    keys = {"predictions": "fc"}
    for layer in model.layers:
        name = layer.name
        if not layer.weights or name == "predictions":
            continue
        if name.startswith(("conv1", "conv5")):
            keys[name] = f"{name[:5]}.{1 if name.endswith('_bn') else 0}"
            continue
        stage, unit, part = name.split("_", 2)  # stage2, unit1, branch2_pw1_bn
        keys[name] = f"{stage}.{int(unit[4:]) - 1}.{_V2_TORCH[part]}"
    return keys


def ShuffleNetV2(include_top=True, weights=None, input_tensor=None, input_shape=None,
                 pooling=None, classes=1000, classifier_activation="softmax", *,
                 width_multiplier=1.0, stem="auto", name=None):
    """ShuffleNet v2, keras.applications signature; torchvision's layout.

    Args:
        width_multiplier: 0.5, 1.0, 1.5 or 2.0 (the v2 paper's Table 5 and
            torchvision's ``shufflenet_v2_x0_5`` … ``x2_0``).
        stem: ``"auto"`` (CIFAR up to 64×64), ``"imagenet"`` or ``"cifar"``.
        name: default ``shufflenet_v2_x1_0`` etc. (+ ``_cifar``).
    """
    check_choice(width_multiplier, "width_multiplier", tuple(SHUFFLENET_V2_CHANNELS))
    input_shape = check_common_args(
        include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation, name=name)
    stem = resolve_stem(stem, input_shape, weights)
    *widths, last = SHUFFLENET_V2_CHANNELS[width_multiplier]
    if name is None:
        name = f"shufflenet_v2_{_width_tag(width_multiplier)}"
        name += "_cifar" if stem == "cifar" else ""

    x, inputs = model_input(input_tensor, input_shape)
    x = _stem(x, stem)
    for stage, (repeats, width) in enumerate(zip(STAGE_REPEATS, widths), start=2):
        for unit in range(1, repeats + 1):
            x = shufflenet_v2_unit(x, width, strides=2 if unit == 1 else 1,
                                   name=f"stage{stage}_unit{unit}")
    x = _conv1x1(x, last, name="conv5")
    x = classifier_head(x, include_top=include_top, pooling=pooling, classes=classes,
                        classifier_activation=classifier_activation)
    return finish_model(inputs, x, name=name, weights=weights,
                        torch_keys=shufflenet_v2_torch_keys)


@register_model(family="shufflenet", paper="Zhang et al. 2017, arXiv:1707.01083")
def shufflenet_v1(**kwargs):
    """ShuffleNet v1 (g=3, 1×; groups= and width_multiplier= for Table 1-2's rows)."""
    return ShuffleNetV1(**kwargs)


# torchvision's ShuffleNet_V2_X*_Weights.IMAGENET1K_V1: meta["num_params"] and acc@1.
_V2 = dict(family="shufflenet", paper="Ma et al. 2018, arXiv:1807.11164",
           reference_counts_bn_statistics=False, preprocessing="torch")


@register_model(torchvision="shufflenet_v2_x0_5", reference_params=1_366_792,
                reference_source="torchvision ShuffleNet_V2_X0_5_Weights meta num_params",
                top1=60.552, top1_source="torchvision ShuffleNet_V2_X0_5_Weights.IMAGENET1K_V1",
                **_V2)
def shufflenet_v2_x0_5(**kwargs):
    """ShuffleNet v2 0.5×, torchvision's shufflenet_v2_x0_5."""
    return ShuffleNetV2(width_multiplier=0.5, **kwargs)


@register_model(torchvision="shufflenet_v2_x1_0", reference_params=2_278_604,
                reference_source="torchvision ShuffleNet_V2_X1_0_Weights meta num_params",
                top1=69.362, top1_source="torchvision ShuffleNet_V2_X1_0_Weights.IMAGENET1K_V1",
                **_V2)
def shufflenet_v2_x1_0(**kwargs):
    """ShuffleNet v2 1.0×, torchvision's shufflenet_v2_x1_0."""
    return ShuffleNetV2(width_multiplier=1.0, **kwargs)


@register_model(torchvision="shufflenet_v2_x1_5", reference_params=3_503_624,
                reference_source="torchvision ShuffleNet_V2_X1_5_Weights meta num_params",
                top1=72.996, top1_source="torchvision ShuffleNet_V2_X1_5_Weights.IMAGENET1K_V1",
                **_V2)
def shufflenet_v2_x1_5(**kwargs):
    """ShuffleNet v2 1.5×, torchvision's shufflenet_v2_x1_5."""
    return ShuffleNetV2(width_multiplier=1.5, **kwargs)


@register_model(torchvision="shufflenet_v2_x2_0", reference_params=7_393_996,
                reference_source="torchvision ShuffleNet_V2_X2_0_Weights meta num_params",
                top1=76.23, top1_source="torchvision ShuffleNet_V2_X2_0_Weights.IMAGENET1K_V1",
                **_V2)
def shufflenet_v2_x2_0(**kwargs):
    """ShuffleNet v2 2.0×, torchvision's shufflenet_v2_x2_0."""
    return ShuffleNetV2(width_multiplier=2.0, **kwargs)
