"""Dual Path Networks: a residual path and a dense path computed by the same block.

Chen, Li, Xiao, Jin, Yan & Feng, "Dual Path Networks", NeurIPS 2017,
arXiv:1707.01629.

The idea to see in the code: ResNet *adds* a block's output to its input (feature
re-use), DenseNet *concatenates* it (new features). A dual path block does both with
one set of convolutions: a shared 1×1 → grouped 3×3 → 1×1 bottleneck (ResNeXt's)
whose output is split into ``residual_channels`` that are added to the residual path
and ``dense_channels`` that are appended to the dense path. A block's output is the
concatenation ``[residual | dense]``; the next block splits it again. The first block
of each stage projects its input with a 1×1 convolution to a fresh residual part and a
dense part of ``2 · dense_channels``.

Blocks are pre-activation (BN-ReLU-conv, the MXNet original's and timm's
``BnActConv2d``) with BatchNorm epsilon 1e-3 and PyTorch's momentum (0.1 = Keras 0.9).

Registry models and their twins:

* ``dpn68``, ``dpn92``, ``dpn98``: timm's ``dpn68``/``dpn92``/``dpn98`` (same weights in,
  same logits out; a timm checkpoint loads through :func:`torch_keys`). DPN-68 is the
  "small" layout: a 3×3 stem with 10 channels and 1× widths. All take
  ``stem="cifar"`` (automatic for inputs up to 64×64): a 3×3 stride-1 conv-BN-ReLU stem
  and no max-pool, so ``create_model("dpn92", input_shape=(32, 32, 3))`` is the CIFAR
  DPN-92 of kuangliu's pytorch-cifar (widths 96/192/384/768, outputs
  256/512/1024/2048, blocks 3/4/20/3, dense depths 16/32/24/128).
* ``dpn26``: kuangliu's CIFAR DPN-26 (two blocks per stage, same widths).

The CIFAR models use kuangliu's layouts (widths, depths, 64-channel 3×3 stem) with
this block, not kuangliu's simplified one, so every DPN here is one block configured;
they are not kuangliu twins. kuangliu's block is post-activation (conv-BN-ReLU, a
ReLU after joining the paths) and its projection makes a dense part of
``dense_channels`` rather than the original's ``2 · dense_channels``, so its last
stage ends with ``residual + (blocks + 1) · dense`` channels where ours (and timm's)
ends with ``residual + (blocks + 2) · dense``.
"""

from __future__ import annotations

import re

import keras

from keras_archs._validation import (
    check_bn, check_input_shape, check_int_sequence, check_name, check_positive_int,
    check_same_length, check_tensor_4d)
from keras_archs.models._builder import (
    check_common_args, classifier_head, finish_model, input_shape_of, model_input,
    resolve_stem)
from keras_archs.registry import register_model

__all__ = [
    "ChannelSlice", "dual_path_block", "DPN", "DPN26", "DPN68", "DPN92", "DPN98",
]  # torch_keys stays module-level: every twin family has one

PAPER = "Chen et al. 2017, arXiv:1707.01629"
BN_MOMENTUM = 0.9     # PyTorch's 0.1
BN_EPSILON = 1e-3     # timm's (and the MXNet original's) DPN BatchNorm epsilon
_TIMM_SOURCE = "timm 1.0.29 dpn68 (torch_reference/reference.json params)"
_DPN98_SOURCE = ("osmr/imgclsmob pytorch/README.md, DPN-98 (Cadene's weights, "
                 "which timm's dpn98 loads)")


@keras.saving.register_keras_serializable(package="keras_archs")
class ChannelSlice(keras.layers.Layer):
    """Channels ``start:stop`` of a channels-last tensor (``stop=None``: to the end).

    A layer rather than ``x[..., a:b]`` so the split is named, shown in the summary
    and serialised without a ``Lambda``.
    """

    def __init__(self, start, stop=None, **kwargs):
        super().__init__(**kwargs)
        self.start = check_positive_int(start, "start", minimum=0)
        self.stop = None if stop is None else check_positive_int(stop, "stop")
        if self.stop is not None and self.stop <= self.start:
            raise ValueError(f"stop must be greater than start, got start={start}, "
                             f"stop={stop}")
        self.input_spec = keras.layers.InputSpec(min_ndim=2)

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is not None and self.start >= channels:
            raise ValueError(f"start ({self.start}) must be below the number of "
                             f"channels ({channels}) of ChannelSlice {self.name!r}'s "
                             "input: the slice would be empty")
        super().build(input_shape)

    def call(self, inputs):
        return inputs[..., self.start:self.stop]

    def compute_output_shape(self, input_shape):
        channels = input_shape[-1]
        if channels is not None:
            stop = channels if self.stop is None else min(self.stop, channels)
            channels = max(stop - self.start, 0)
        return tuple(input_shape[:-1]) + (channels,)

    def get_config(self):
        return {**super().get_config(), "start": self.start, "stop": self.stop}


def _bn_relu_conv(x, filters, kernel_size, *, strides=1, groups=1, bn_momentum,
                  bn_epsilon, name):
    """timm's ``BnActConv2d``: BN → ReLU → conv (no bias), PyTorch's symmetric padding."""
    x = keras.layers.BatchNormalization(momentum=bn_momentum, epsilon=bn_epsilon,
                                        name=f"{name}_bn")(x)
    x = keras.layers.Activation("relu", name=f"{name}_relu")(x)
    padding = "same"
    if kernel_size > 1 and strides > 1:
        # Keras' "same" pads bottom/right only when strided; PyTorch pads k//2 on
        # every side.
        x = keras.layers.ZeroPadding2D(kernel_size // 2, name=f"{name}_pad")(x)
        padding = "valid"
    return keras.layers.Conv2D(filters, kernel_size, strides=strides, padding=padding,
                               groups=groups, use_bias=False, name=f"{name}_conv")(x)


def _check_groups(filters, groups):
    if filters % groups:
        raise ValueError(
            f"groups must divide the bottleneck width: groups={groups} does not divide "
            f"filters={filters}")


def dual_path_block(x, filters, residual_channels, dense_channels, *, groups=32,
                    strides=1, project=None, name, bn_momentum=BN_MOMENTUM,
                    bn_epsilon=BN_EPSILON):
    """One dual path block; ``x`` is ``[residual | dense]``, so is the output.

    Shared 1×1 (``filters``) → grouped 3×3 (``filters``, ``groups``, ``strides``) →
    1×1 (``residual_channels + dense_channels``), each BN-ReLU-conv. The first
    ``residual_channels`` outputs are added to the residual path, the other
    ``dense_channels`` are concatenated to the dense path.

    Args:
        x: 4-D tensor, the residual path's ``residual_channels`` channels first
            (unless ``project``).
        filters: bottleneck width (the paper's and timm's ``num_1x1_a``/``num_3x3_b``).
        residual_channels: width of the residual path (timm's ``num_1x1_c``).
        dense_channels: channels appended to the dense path (timm's ``inc``).
        groups: groups of the 3×3 convolution; must divide ``filters``.
        strides: stride of the 3×3 convolution and of the projection.
        project: 1×1 projection of ``x`` into a new residual path and a dense path of
            ``2 · dense_channels`` (the first block of a stage). Default: when
            ``strides > 1`` or ``x`` has no more than ``residual_channels`` channels.
        name: prefix: ``{name}_0_*`` projection, ``{name}_1_*``, ``{name}_2_*``,
            ``{name}_3_*`` the three BN-ReLU-conv units, ``{name}_add``,
            ``{name}_out``.
    """
    check_tensor_4d(x)
    check_name(name, "name")
    check_bn(bn_momentum, bn_epsilon)
    filters = check_positive_int(filters, "filters")
    residual_channels = check_positive_int(residual_channels, "residual_channels")
    dense_channels = check_positive_int(dense_channels, "dense_channels")
    groups = check_positive_int(groups, "groups")
    _check_groups(filters, groups)
    strides = check_positive_int(strides, "strides")
    in_channels = x.shape[-1]
    if project is None:
        project = strides > 1 or in_channels <= residual_channels
    if not isinstance(project, bool):
        raise TypeError(f"project must be True, False or None, got {project!r}")
    if not project and (strides > 1 or in_channels <= residual_channels):
        raise ValueError(
            f"project=False needs strides=1 and more than residual_channels="
            f"{residual_channels} input channels, got strides={strides} and "
            f"{in_channels} channels")
    bn = dict(bn_momentum=bn_momentum, bn_epsilon=bn_epsilon)
    r = residual_channels

    if project:
        source = _bn_relu_conv(x, r + 2 * dense_channels, 1, strides=strides,
                               name=f"{name}_0", **bn)
        prefix = f"{name}_0"
    else:
        source, prefix = x, name
    residual = ChannelSlice(0, r, name=f"{prefix}_residual")(source)
    dense = ChannelSlice(r, name=f"{prefix}_dense")(source)

    y = _bn_relu_conv(x, filters, 1, name=f"{name}_1", **bn)
    y = _bn_relu_conv(y, filters, 3, strides=strides, groups=groups, name=f"{name}_2",
                      **bn)
    y = _bn_relu_conv(y, r + dense_channels, 1, name=f"{name}_3", **bn)

    residual = keras.layers.Add(name=f"{name}_add")(
        [residual, ChannelSlice(0, r, name=f"{name}_3_residual")(y)])
    return keras.layers.Concatenate(axis=-1, name=f"{name}_out")(
        [residual, dense, ChannelSlice(r, name=f"{name}_3_dense")(y)])


# ------------------------------------------------------------------ PyTorch key map

_UNITS = {"1": "c1x1_a", "2": "c3x3_b", "3": "c1x1_c"}


def torch_keys(model) -> dict[str, str]:
    """Our layer names → timm ``DPN`` module prefixes, for every layer with weights.

    ``conv1_{conv,bn}`` → ``features.conv1_1.{conv,bn}``;
    ``conv{s}_block{i}_0_{bn,conv}`` → ``features.conv{s}_{i}.c1x1_w_s{1,2}.{bn,conv}``
    (``s2`` where the projection is strided); ``_1_``/``_2_``/``_3_`` →
    ``c1x1_a``/``c3x3_b``/``c1x1_c``; ``post_bn`` → ``features.conv5_bn_ac.bn``;
    ``predictions`` → ``classifier`` (timm's classifier is a 1×1 convolution:
    weight ``(classes, C, 1, 1)``).
    """
    keys = {"predictions": "classifier"}
    for layer in model.layers:
        if not layer.weights:
            continue
        name = layer.name
        if m := re.fullmatch(r"conv1_(conv|bn)", name):
            keys[name] = f"features.conv1_1.{m[1]}"
        elif name == "post_bn":
            keys[name] = "features.conv5_bn_ac.bn"
        elif m := re.fullmatch(r"conv(\d+)_block(\d+)_([0-3])_(conv|bn)", name):
            if m[3] == "0":
                stride = model.get_layer(f"conv{m[1]}_block{m[2]}_0_conv").strides[0]
                unit = f"c1x1_w_s{1 if stride == 1 else 2}"
            else:
                unit = _UNITS[m[3]]
            keys[name] = f"features.conv{m[1]}_{m[2]}.{unit}.{m[4]}"
        elif name != "predictions":
            raise ValueError(f"layer {name!r} has no timm DPN counterpart")
    return keys


# --------------------------------------------------------------------------- builder

def DPN(stage_sizes, filters, residual_channels, dense_channels, groups=32,
        include_top=True, weights=None, input_tensor=None, input_shape=None,
        pooling=None, classes=1000, classifier_activation="softmax", name=None, *,
        stem="auto", stem_filters=64, stem_kernel=7, strides=None,
        bn_momentum=BN_MOMENTUM, bn_epsilon=BN_EPSILON):
    """Generic DPN: a stem, one stage of dual path blocks per ``stage_sizes`` entry,
    a final BN-ReLU of ``[residual | dense]``, and the classifier.

    Args:
        stage_sizes: blocks per stage (timm's ``k_sec``), e.g. ``(3, 4, 20, 3)``.
        filters: bottleneck width per stage (kuangliu's ``in_planes``; timm's
            ``k_r · 2^stage``), e.g. ``(96, 192, 384, 768)``.
        residual_channels: residual-path width per stage (kuangliu's
            ``out_planes``, timm's ``bw``), e.g. ``(256, 512, 1024, 2048)``.
        dense_channels: channels each block appends to the dense path, per stage
            (``dense_depth``, timm's ``inc_sec``), e.g. ``(16, 32, 24, 128)``.
        groups: groups of the 3×3 convolutions; must divide every ``filters`` entry.
        include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation, name: as in keras.applications.
        stem: ``"imagenet"`` (``stem_kernel``×``stem_kernel``/2 conv-BN-ReLU, 3×3/2
            max-pool), ``"cifar"`` (3×3/1 conv-BN-ReLU, no pooling) or ``"auto"``
            (CIFAR for inputs up to 64×64 when no weights are given).
        stem_filters: channels of the stem (timm's ``num_init_features``).
        stem_kernel: kernel of the ImageNet stem convolution (7, or 3 for DPN-68).
        strides: stride of each stage; default 1 for the first, 2 for the others.
        bn_momentum, bn_epsilon: BatchNorm preset (default PyTorch's 0.9, timm's 1e-3).
    """
    # ---- validate everything before building a layer
    stage_sizes = check_int_sequence(stage_sizes, "stage_sizes")
    filters = check_int_sequence(filters, "filters")
    residual_channels = check_int_sequence(residual_channels, "residual_channels")
    dense_channels = check_int_sequence(dense_channels, "dense_channels")
    for values, label in ((filters, "filters"), (residual_channels, "residual_channels"),
                          (dense_channels, "dense_channels")):
        check_same_length(values, label, stage_sizes, "stage_sizes",
                          " (one entry per stage)")
    groups = check_positive_int(groups, "groups")
    for width in filters:
        _check_groups(width, groups)
    if strides is None:
        strides = (1,) + (2,) * (len(stage_sizes) - 1)
    strides = check_int_sequence(strides, "strides")
    check_same_length(strides, "strides", stage_sizes, "stage_sizes",
                      " (one stride per stage)")
    stem_filters = check_positive_int(stem_filters, "stem_filters")
    stem_kernel = check_positive_int(stem_kernel, "stem_kernel")
    bn_momentum, bn_epsilon = check_bn(bn_momentum, bn_epsilon)
    input_shape = check_common_args(
        include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation, name=name)
    stem = resolve_stem(stem, input_shape, weights)
    total_stride = (4 if stem == "imagenet" else 1)
    for s in strides:
        total_stride *= s
    if any(d is not None and d < total_stride for d in input_shape[:2]):
        raise ValueError(
            f"strides {strides} with the {stem} stem downsample by {total_stride}: "
            f"input_shape {tuple(input_shape)} needs height and width of at least "
            f"{total_stride}")
    if name is None:
        name = "dpn" + ("_cifar" if stem == "cifar" else "")
    bn = dict(bn_momentum=bn_momentum, bn_epsilon=bn_epsilon)

    # ---- build
    x, inputs = model_input(input_tensor, input_shape)
    if stem == "imagenet":
        x = keras.layers.ZeroPadding2D(stem_kernel // 2, name="conv1_pad")(x)
        x = keras.layers.Conv2D(stem_filters, stem_kernel, strides=2, use_bias=False,
                                name="conv1_conv")(x)
    else:
        x = keras.layers.Conv2D(stem_filters, 3, padding="same", use_bias=False,
                                name="conv1_conv")(x)
    x = keras.layers.BatchNormalization(name="conv1_bn", momentum=bn_momentum,
                                        epsilon=bn_epsilon)(x)
    x = keras.layers.Activation("relu", name="conv1_relu")(x)
    if stem == "imagenet":
        # After ReLU, so zero padding is PyTorch's -inf padding.
        x = keras.layers.ZeroPadding2D(1, name="pool1_pad")(x)
        x = keras.layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for s, count in enumerate(stage_sizes):
        for b in range(count):
            x = dual_path_block(
                x, filters[s], residual_channels[s], dense_channels[s], groups=groups,
                strides=strides[s] if b == 0 else 1, project=b == 0,
                name=f"conv{s + 2}_block{b + 1}", **bn)
    # timm's CatBnAct "conv5_bn_ac": BN-ReLU of the joined paths. (timm passes
    # fc_act_layer="elu", but its norm layer already binds act_layer="relu", which
    # get_norm_act_layer keeps, so the activation is ReLU.)
    x = keras.layers.BatchNormalization(name="post_bn", **{
        "momentum": bn_momentum, "epsilon": bn_epsilon})(x)
    x = keras.layers.Activation("relu", name="post_relu")(x)
    x = classifier_head(x, include_top=include_top, pooling=pooling, classes=classes,
                        classifier_activation=classifier_activation)
    return finish_model(inputs, x, name=name, weights=weights, torch_keys=torch_keys)


# ------------------------------------------------------------- named constructors

_IMAGENET_RESIDUAL = (256, 512, 1024, 2048)


def _config(k_r, bw_factor, k_sec, inc_sec):
    """timm's ``DPN(k_r, k_sec, inc_sec, small)`` arguments as per-stage lists."""
    residual = tuple(64 * bw_factor * 2 ** s for s in range(len(k_sec)))
    filters = tuple(k_r * 2 ** s for s in range(len(k_sec)))
    return dict(stage_sizes=k_sec, filters=filters, residual_channels=residual,
                dense_channels=inc_sec)


_CONFIGS = {
    # name: (timm's k_r, bw_factor (1 = "small"), k_sec, inc_sec, groups,
    #        num_init_features, stem kernel)
    68: (128, 1, (3, 4, 12, 3), (16, 32, 32, 64), 32, 10, 3),
    92: (96, 4, (3, 4, 20, 3), (16, 32, 24, 128), 32, 64, 7),
    98: (160, 4, (3, 6, 20, 3), (16, 32, 32, 128), 40, 96, 7),
    # kuangliu's pytorch-cifar DPN26: DPN-92's widths, two blocks per stage.
    26: (96, 4, (2, 2, 2, 2), (16, 32, 24, 128), 32, 64, 7),
}


def _constructor(depth, cifar_default=False):
    k_r, bw_factor, k_sec, inc_sec, groups, init, kernel = _CONFIGS[depth]

    def constructor(include_top=True, weights=None, input_tensor=None, input_shape=None,
                    pooling=None, classes=None, classifier_activation="softmax",
                    name=None, *, stem="auto", **kwargs):
        if input_shape is None and input_tensor is None:
            input_shape = (32, 32, 3) if cifar_default else (224, 224, 3)
        if classes is None:
            classes = 10 if cifar_default else 1000
        shape = input_shape_of(input_tensor, input_shape)
        resolved = resolve_stem(stem, check_input_shape(shape), weights)
        if name is None:
            name = f"dpn{depth}" + ("_cifar" if resolved == "cifar" and
                                    not cifar_default else "")
        options = dict(_config(k_r, bw_factor, k_sec, inc_sec), groups=groups,
                       stem_filters=init, stem_kernel=kernel)
        options.update(kwargs)
        return DPN(include_top=include_top, weights=weights, input_tensor=input_tensor,
                   input_shape=input_shape, pooling=pooling, classes=classes,
                   classifier_activation=classifier_activation, name=name,
                   stem=resolved, **options)

    constructor.__name__ = constructor.__qualname__ = f"DPN{depth}"
    constructor.__doc__ = (
        f"DPN-{depth} (blocks {k_sec}, dense depths {inc_sec}, {groups} groups), "
        "keras.applications signature plus ``stem``; see :func:`DPN`.")
    return constructor


DPN68 = _constructor(68)
DPN92 = _constructor(92)
DPN98 = _constructor(98)
DPN26 = _constructor(26, cifar_default=True)


# ------------------------------------------------------------------------ registry

@register_model(family="dpn", paper=PAPER, reference_params=12_611_602,
                reference_source=_TIMM_SOURCE, reference_counts_bn_statistics=False,
                timm="dpn68", preprocessing="torch")
def dpn68(**kwargs):
    """DPN-68 ("small": 3×3 stem of 10 channels, 1× widths), timm's dpn68 twin."""
    return DPN68(**kwargs)


@register_model(family="dpn", paper=PAPER, timm="dpn92", preprocessing="torch")
def dpn92(**kwargs):
    """DPN-92 (≈ 37.67 M parameters), timm's dpn92 twin; CIFAR DPN-92 at 32×32."""
    return DPN92(**kwargs)


@register_model(family="dpn", paper=PAPER, reference_params=61_570_728,
                reference_source=_DPN98_SOURCE, reference_counts_bn_statistics=False,
                timm="dpn98", preprocessing="torch")
def dpn98(**kwargs):
    """DPN-98 (40 groups, 96 stem channels), timm's dpn98 twin."""
    return DPN98(**kwargs)


@register_model(family="dpn", paper=PAPER, default_input_shape=(32, 32, 3),
                reference_input_shape=(32, 32, 3), reference_classes=10)
def dpn26(**kwargs):
    """CIFAR DPN-26 (kuangliu's pytorch-cifar layout: two blocks per stage)."""
    return DPN26(**kwargs)
