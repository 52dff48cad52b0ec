"""NASNet-A: a convolutional cell found by architecture search, stacked N times.

Zoph, Vasudevan, Shlens & Le, "Learning Transferable Architectures for Scalable Image
Recognition", CVPR 2018, arXiv:1707.07012.

The idea to see in the code: nobody designed these cells by hand. A controller RNN
searched, on CIFAR-10, for two cells (Fig. 4 of the paper): a *normal cell* that keeps
the resolution and a *reduction cell* that halves it. Each cell reads the two previous
cells' outputs (``x`` = h_i and ``p`` = h_{i-1}) and has five blocks; each block adds
two operations (separable convolutions, poolings, identity) chosen by the search. The
network is then just the cells stacked — ``N`` normal cells between reductions — and
scaled by ``N`` and the width, written ``NASNet-A (N @ P)`` with ``P`` the filters of
the penultimate layer:

* NASNet-A Mobile (4 @ 1056) and Large (6 @ 4032) for ImageNet (two stride-2
  reduction cells after a stride-2 stem convolution, total stride 32);
* the paper's CIFAR-10 model NASNet-A (6 @ 768) (``stem="cifar"``: a 3×3 stride-1
  stem convolution with 3 × 32 = 96 filters and no stem reduction cells, total
  stride 4; BatchNorm momentum 0.9 and epsilon 1e-5, the TF reference's
  ``nasnet_cifar_arg_scope``).

Layer names, creation order and BatchNorm settings (momentum 0.9997, epsilon 1e-3) are
keras.applications' (``stem_conv1``, ``reduction_conv_1_stem_1``,
``separable_conv_1_normal_left1_0``, ``adjust_bn_0``, ``normal_concat_0``, ...), so its
``NASNetMobile``/``NASNetLarge`` ``.weights.h5`` files load into ours with identical
outputs. The layers keras.applications leaves unnamed (the ReLUs, the factorized
reduction's padding and crop, one addition, the final pooling) are unnamed here too,
so they take the same session-counter names (``activation_3``, ``cropping2d``, ...).

Not built: the auxiliary classifier and ScheduledDropPath of the paper's training
(keras.applications has neither; they do not change the inference graph).
"""

from __future__ import annotations

import numbers

import keras

from keras_archs._validation import (
    check_bn, check_choice, check_input_shape, check_label, check_number,
    check_positive_int, check_rate, check_tensor_4d)
from keras_archs.models._builder import (
    check_common_args, finish_model, input_shape_of, model_input, resolve_stem)
from keras_archs.registry import register_model

__all__ = [
    "separable_conv_block", "adjust_block", "nasnet_normal_cell",
    "nasnet_reduction_cell", "NASNet", "NASNetMobile", "NASNetLarge", "NASNetCIFAR",
]

# keras.applications' (the TF reference's ImageNet arg scope) BatchNorm settings.
BN_MOMENTUM = {"imagenet": 0.9997, "cifar": 0.9}
BN_EPSILON = {"imagenet": 1e-3, "cifar": 1e-5}
STRIDE = {"imagenet": 32, "cifar": 4}


def _bn(x, bn, name):
    momentum, epsilon = bn
    return keras.layers.BatchNormalization(axis=-1, momentum=momentum, epsilon=epsilon,
                                           name=name)(x)


def _correct_pad(x, kernel_size):
    """keras.applications' padding before a stride-2 'valid' op: TF's 'same' split."""
    size = x.shape[1:3]
    adjust = (1, 1) if size[0] is None else (1 - size[0] % 2, 1 - size[1] % 2)
    half = kernel_size // 2
    return ((half - adjust[0], half), (half - adjust[1], half))


def _conv1x1(x, filters, name, strides=1):
    return keras.layers.Conv2D(filters, 1, strides=strides, padding="same",
                               use_bias=False, kernel_initializer="he_normal",
                               name=name)(x)


def _check_cell_args(x, p, filters, block_id, bn_momentum, bn_epsilon):
    check_tensor_4d(x, "x")
    if p is not None:
        check_tensor_4d(p, "p")
    filters = check_positive_int(filters, "filters")
    if isinstance(block_id, bool) or not isinstance(block_id, (str, numbers.Integral)) \
            or block_id == "":
        raise TypeError(f"block_id must be a string or an integer, got {block_id!r}")
    check_label(block_id, "block_id")
    bn = check_bn(bn_momentum, bn_epsilon)
    if p is not None:
        # _adjust brings p to x's size with one stride-2 step (after a reduction),
        # or leaves its size alone
        size, p_size = tuple(x.shape[1:3]), tuple(p.shape[1:3])
        halved = tuple(None if d is None else -(-d // 2) for d in p_size)
        if None not in size + p_size and size not in (p_size, halved):
            raise ValueError(
                f"p must have x's height and width or twice them (the cell input "
                f"before a reduction), got p of shape {tuple(p.shape)} and x of shape "
                f"{tuple(x.shape)}")
        if p_size[1] != size[1] and filters % 2:
            raise ValueError(
                f"filters must be even when p is reduced to x's size (two paths of "
                f"filters // 2 channels), got {filters}")
    return filters, str(block_id), bn


# ----------------------------------------------------------------- the operations

def separable_conv_block(x, filters, kernel_size=3, strides=1, *, block_id,
                         bn_momentum=0.9997, bn_epsilon=1e-3):
    """The search space's "k×k separable conv": (ReLU → separable conv → BN) twice.

    The first separable convolution carries the stride (padded as TF's 'same');
    names ``separable_conv_{1,2}_{block_id}`` and ``separable_conv_{1,2}_bn_...``.
    """
    filters, block_id, bn = _check_cell_args(x, None, filters, block_id, bn_momentum,
                                             bn_epsilon)
    kernel_size = check_positive_int(kernel_size, "kernel_size")
    check_choice(strides, "strides", (1, 2))
    return _separable(x, filters, kernel_size, strides, block_id, bn)


def _separable(x, filters, kernel_size, strides, block_id, bn):
    x = keras.layers.Activation("relu")(x)
    if strides == 2:
        x = keras.layers.ZeroPadding2D(_correct_pad(x, kernel_size),
                                       name=f"separable_conv_1_pad_{block_id}")(x)
        padding = "valid"
    else:
        padding = "same"
    x = keras.layers.SeparableConv2D(filters, kernel_size, strides=strides,
                                     padding=padding, use_bias=False,
                                     name=f"separable_conv_1_{block_id}")(x)
    x = _bn(x, bn, f"separable_conv_1_bn_{block_id}")
    x = keras.layers.Activation("relu")(x)
    x = keras.layers.SeparableConv2D(filters, kernel_size, padding="same",
                                     use_bias=False,
                                     name=f"separable_conv_2_{block_id}")(x)
    return _bn(x, bn, f"separable_conv_2_bn_{block_id}")


def adjust_block(p, x, filters, *, block_id, bn_momentum=0.9997, bn_epsilon=1e-3):
    """Make the previous-previous output ``p`` fit the cell: ``filters`` channels at
    ``x``'s resolution.

    After a reduction ``p`` is twice as large: the *factorized reduction* takes two
    1×1 stride-2 paths, the second shifted by one pixel so together they see every
    pixel, each with ``filters / 2`` channels, concatenated and normalised. With the
    right size but another width, a 1×1 projection. ``p=None`` (the first cell) → ``x``.
    """
    filters, block_id, bn = _check_cell_args(x, p, filters, block_id, bn_momentum,
                                             bn_epsilon)
    return _adjust(p, x, filters, block_id, bn)


def _adjust(p, x, filters, block_id, bn):
    if p is None:
        return x
    if p.shape[-2] != x.shape[-2]:
        p = keras.layers.Activation("relu", name=f"adjust_relu_1_{block_id}")(p)
        # 1×1 "pooling" with stride 2 is a subsample; path 2 starts one pixel later.
        p1 = keras.layers.AveragePooling2D(1, strides=2, padding="valid",
                                           name=f"adjust_avg_pool_1_{block_id}")(p)
        p1 = _conv1x1(p1, filters // 2, f"adjust_conv_1_{block_id}")
        p2 = keras.layers.ZeroPadding2D(((0, 1), (0, 1)))(p)
        p2 = keras.layers.Cropping2D(((1, 0), (1, 0)))(p2)
        p2 = keras.layers.AveragePooling2D(1, strides=2, padding="valid",
                                           name=f"adjust_avg_pool_2_{block_id}")(p2)
        p2 = _conv1x1(p2, filters // 2, f"adjust_conv_2_{block_id}")
        p = keras.layers.Concatenate(axis=-1)([p1, p2])
        return _bn(p, bn, f"adjust_bn_{block_id}")
    if p.shape[-1] != filters:
        p = keras.layers.Activation("relu")(p)
        p = _conv1x1(p, filters, f"adjust_conv_projection_{block_id}")
        return _bn(p, bn, f"adjust_bn_{block_id}")
    return p


def _cell_input(x, filters, kind, block_id, bn):
    """ReLU → 1×1 conv → BN: the cell's own input brought to ``filters`` channels."""
    h = keras.layers.Activation("relu")(x)
    h = _conv1x1(h, filters, f"{kind}_conv_1_{block_id}")
    return _bn(h, bn, f"{kind}_bn_1_{block_id}")


# ----------------------------------------------------------------------- the cells

def nasnet_normal_cell(x, p, filters, *, block_id, bn_momentum=0.9997,
                       bn_epsilon=1e-3):
    """NASNet-A normal cell (Fig. 4, left): keeps the resolution.

    ``h`` = the cell input ``x`` after ReLU-1×1-BN; ``p`` = the previous cell input,
    adjusted. Five blocks, each the sum of two operations:

    1. sep 5×5(h) + sep 3×3(p)      2. sep 5×5(p) + sep 3×3(p)
    3. avg 3×3(h) + p               4. avg 3×3(p) + avg 3×3(p)
    5. sep 3×3(h) + h

    Output: ``p`` and the five sums concatenated (``6 · filters`` channels).

    Returns:
        ``(output, x)`` — the next cell's ``x`` and ``p``.
    """
    filters, block_id, bn = _check_cell_args(x, p, filters, block_id, bn_momentum,
                                             bn_epsilon)
    if p is None and x.shape[-1] != filters:
        raise ValueError(
            f"p=None makes x the cell's p, which a normal cell adds to its outputs: x "
            f"must then have filters={filters} channels, got {x.shape[-1]}")
    p = _adjust(p, x, filters, block_id, bn)
    h = _cell_input(x, filters, "normal", block_id, bn)

    def sep(t, k, side):
        return _separable(t, filters, k, 1, f"normal_{side}_{block_id}", bn)

    def avg(t, side):
        return keras.layers.AveragePooling2D(3, strides=1, padding="same",
                                             name=f"normal_{side}_{block_id}")(t)

    def add(a, b, i):
        return keras.layers.Add(name=f"normal_add_{i}_{block_id}")([a, b])

    x1 = add(sep(h, 5, "left1"), sep(p, 3, "right1"), 1)
    x2 = add(sep(p, 5, "left2"), sep(p, 3, "right2"), 2)
    x3 = add(avg(h, "left3"), p, 3)
    x4 = add(avg(p, "left4"), avg(p, "right4"), 4)
    x5 = add(sep(h, 3, "left5"), h, 5)
    out = keras.layers.Concatenate(axis=-1, name=f"normal_concat_{block_id}")(
        [p, x1, x2, x3, x4, x5])
    return out, x


def nasnet_reduction_cell(x, p, filters, *, block_id, bn_momentum=0.9997,
                          bn_epsilon=1e-3):
    """NASNet-A reduction cell (Fig. 4, right): halves the resolution.

    Operations on ``h`` and ``p`` have stride 2; blocks 4 and 5 reuse block 1:

    1. sep 5×5(h) + sep 7×7(p)      2. max 3×3(h) + sep 7×7(p)
    3. avg 3×3(h) + sep 5×5(p)      4. avg 3×3(block 1) + block 2
    5. sep 3×3(block 1) + max 3×3(h)

    Output: blocks 2–5 concatenated (``4 · filters`` channels; block 1 is used
    inside the cell only).

    Returns:
        ``(output, x)`` — the next cell's ``x`` and ``p``.
    """
    filters, block_id, bn = _check_cell_args(x, p, filters, block_id, bn_momentum,
                                             bn_epsilon)
    p = _adjust(p, x, filters, block_id, bn)
    h = _cell_input(x, filters, "reduction", block_id, bn)
    h3 = keras.layers.ZeroPadding2D(_correct_pad(h, 3),
                                    name=f"reduction_pad_1_{block_id}")(h)

    def sep(t, k, side, strides=2):
        return _separable(t, filters, k, strides, f"reduction_{side}_{block_id}", bn)

    def pool(kind, t, side, strides=2):
        layer = keras.layers.MaxPooling2D if kind == "max" else \
            keras.layers.AveragePooling2D
        return layer(3, strides=strides, padding="valid" if strides == 2 else "same",
                     name=f"reduction_{side}_{block_id}")(t)

    def add(a, b, label):
        return keras.layers.Add(name=label and f"reduction_{label}_{block_id}")([a, b])

    x1 = add(sep(h, 5, "left1"), sep(p, 7, "right1"), "add_1")
    x2 = add(pool("max", h3, "left2"), sep(p, 7, "right2"), "add_2")
    x3 = add(pool("avg", h3, "left3"), sep(p, 5, "right3"), "add3")
    # keras.applications leaves this addition unnamed, and names block 5's
    # separable convolution "left4" like block 4's pooling; kept for its weights.
    x4 = add(x2, pool("avg", x1, "left4", strides=1), None)
    x5 = add(sep(x1, 3, "left4", strides=1), pool("max", h3, "right5"), "add4")
    out = keras.layers.Concatenate(axis=-1, name=f"reduction_concat_{block_id}")(
        [x2, x3, x4, x5])
    return out, x


# ------------------------------------------------------------- the generic builder

def NASNet(penultimate_filters=4032, num_blocks=6, stem_block_filters=96,
           skip_reduction=True, filter_multiplier=2, include_top=True, weights=None,
           input_tensor=None, input_shape=None, pooling=None, classes=1000,
           classifier_activation="softmax", *, default_size=331, stem="auto",
           bn_momentum=None, bn_epsilon=None, keras_applications=None, name=None):
    """Generic NASNet-A (N @ P): three stacks of ``num_blocks`` normal cells.

    Widths: the first stack's cells have ``F = penultimate_filters / 24`` filters, each
    reduction multiplies them by ``filter_multiplier``; a normal cell outputs 6·F
    channels, so the last one outputs ``penultimate_filters`` (with the default
    multiplier 2: 6 · 4F = 24F).

    Args:
        penultimate_filters: ``P``, channels of the last cell; a multiple of
            ``24 · filter_multiplier²``.
        num_blocks: ``N``, normal cells per stack.
        stem_block_filters: filters of the stem convolution.
        skip_reduction: the first normal cell after a reduction reads the cell before
            the reduction as ``p`` (NASNet-Large) instead of the reduction's input.
        filter_multiplier: width growth at each reduction.
        include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation: as in keras.applications.
        default_size: default input resolution.
        stem: ``"imagenet"`` (3×3 stride-2 conv + two reduction cells),
            ``"cifar"`` (3×3 stride-1 conv) or ``"auto"`` (CIFAR for inputs up to
            64×64 unless ``weights`` are given).
        bn_momentum, bn_epsilon: BatchNorm settings (ImageNet 0.9997 / 1e-3, CIFAR
            0.9 / 1e-5).
        keras_applications: the keras.applications counterpart, for
            ``weights="imagenet"``.
        name: model name; default ``"NASNet"`` (+ ``_cifar``).
    """
    # ---- validate everything before building a layer
    penultimate_filters = check_positive_int(penultimate_filters, "penultimate_filters")
    num_blocks = check_positive_int(num_blocks, "num_blocks")
    stem_block_filters = check_positive_int(stem_block_filters, "stem_block_filters")
    filter_multiplier = check_positive_int(filter_multiplier, "filter_multiplier")
    if not isinstance(skip_reduction, bool):
        raise TypeError(f"skip_reduction must be True or False, got {skip_reduction!r}")
    if penultimate_filters % (24 * filter_multiplier ** 2):
        raise ValueError(
            "penultimate_filters must be a multiple of 24 * filter_multiplier ** 2 = "
            f"{24 * filter_multiplier ** 2} (the last of three stacks of 6-branch "
            f"cells), got {penultimate_filters}")
    default_size = check_positive_int(default_size, "default_size")
    shape = check_common_args(
        include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation,
        keras_applications=keras_applications,
        default_shape=(default_size, default_size, 3), name=name)
    stem = resolve_stem(stem, shape, weights)
    check_input_shape(shape, min_size=STRIDE[stem])
    bn = (check_rate(BN_MOMENTUM[stem] if bn_momentum is None else bn_momentum,
                     "bn_momentum"),
          check_number(BN_EPSILON[stem] if bn_epsilon is None else bn_epsilon,
                       "bn_epsilon", minimum=0, include_minimum=False))
    if name is None:
        name = "NASNet" + ("_cifar" if stem == "cifar" else "")

    filters = penultimate_filters // 24
    x, inputs = model_input(input_tensor, shape)
    if stem == "imagenet":
        x = keras.layers.Conv2D(stem_block_filters, 3, strides=2, padding="valid",
                                use_bias=False, kernel_initializer="he_normal",
                                name="stem_conv1")(x)
        x = _bn(x, bn, "stem_bn1")
        # Two reduction cells take 224×224 down to the first stack's 28×28.
        p = None
        x, p = _reduction(x, p, filters // filter_multiplier ** 2, "stem_1", bn)
        x, p = _reduction(x, p, filters // filter_multiplier, "stem_2", bn)
    else:
        x = keras.layers.Conv2D(stem_block_filters, 3, strides=1, padding="same",
                                use_bias=False, kernel_initializer="he_normal",
                                name="stem_conv1")(x)
        x = _bn(x, bn, "stem_bn1")
        # The first cell's p is the stem output too, projected to the cell's width.
        p = x

    for stack in range(3):
        if stack > 0:
            x, p_reduce = _reduction(x, p, filters, f"reduce_{stack * num_blocks}", bn)
            p = p if skip_reduction else p_reduce
        for i in range(num_blocks):
            # keras.applications numbers the cells 0…N-1, N+1…2N, 2N+1…3N.
            block_id = stack * num_blocks + i + (1 if stack else 0)
            x, p = _normal(x, p, filters, f"{block_id}", bn)
        filters *= filter_multiplier

    x = keras.layers.Activation("relu")(x)
    x = _head(x, include_top, pooling, classes, classifier_activation)
    return finish_model(inputs, x, name=name, weights=weights,
                        keras_applications=keras_applications,
                        applications_kwargs=dict(include_top=include_top,
                                                 input_shape=shape, pooling=pooling))


def _normal(x, p, filters, block_id, bn):
    return nasnet_normal_cell(x, p, filters, block_id=block_id, bn_momentum=bn[0],
                              bn_epsilon=bn[1])


def _reduction(x, p, filters, block_id, bn):
    return nasnet_reduction_cell(x, p, filters, block_id=block_id, bn_momentum=bn[0],
                                 bn_epsilon=bn[1])


def _head(x, include_top, pooling, classes, classifier_activation):
    """keras.applications' NASNet top (its pooling layers are unnamed), with the
    classifier's activation as a separate float32 layer."""
    if include_top:
        x = keras.layers.GlobalAveragePooling2D()(x)
        x = keras.layers.Dense(classes, name="predictions")(x)
        return keras.layers.Activation(classifier_activation or "linear",
                                       dtype="float32", name="predictions_activation")(x)
    if pooling == "avg":
        return keras.layers.GlobalAveragePooling2D()(x)
    if pooling == "max":
        return keras.layers.GlobalMaxPooling2D()(x)
    return x


# ------------------------------------------------------------- named constructors

# (N, P, stem filters, skip_reduction, default size, keras.applications name)
CONFIGS = {
    "mobile": (4, 1056, 32, False, 224, "NASNetMobile"),
    "large": (6, 4032, 96, True, 331, "NASNetLarge"),
    # Zoph et al. Table 1: NASNet-A (6 @ 768); stem 32 × stem_multiplier 3 filters;
    # the TF reference's cifar_config has skip_reduction_layer_input=0.
    "cifar": (6, 768, 96, False, 32, None),
}


def _constructor(kind, model_name):
    blocks, penultimate, stem_filters, skip, size, app = CONFIGS[kind]

    def constructor(include_top=True, weights=None, input_tensor=None, input_shape=None,
                    pooling=None, classes=1000 if app else 10,
                    classifier_activation="softmax", name=None, *,
                    stem="auto" if app else "cifar", **kwargs):
        if name is None:
            resolved = stem
            if stem == "auto":
                shape = input_shape_of(input_tensor, input_shape)
                resolved = resolve_stem(stem, check_input_shape(shape or (size, size, 3)),
                                        weights)
            check_choice(resolved, "stem", ("imagenet", "cifar"))
            name = model_name + ("_cifar" if resolved == "cifar" and app else "")
        return NASNet(penultimate, blocks, stem_filters, skip, 2,
                      include_top=include_top, weights=weights,
                      input_tensor=input_tensor, input_shape=input_shape,
                      pooling=pooling, classes=classes,
                      classifier_activation=classifier_activation, default_size=size,
                      stem=stem,
                      keras_applications=None if kwargs or stem == "cifar" else app,
                      name=name, **kwargs)

    return constructor


NASNetMobile = _constructor("mobile", "nasnet_mobile")
NASNetMobile.__name__ = NASNetMobile.__qualname__ = "NASNetMobile"
NASNetMobile.__doc__ = """NASNet-A Mobile (4 @ 1056) at 224×224, keras.applications'
``NASNetMobile`` (signature plus ``stem``); see :func:`NASNet` for the options."""

NASNetLarge = _constructor("large", "nasnet_large")
NASNetLarge.__name__ = NASNetLarge.__qualname__ = "NASNetLarge"
NASNetLarge.__doc__ = """NASNet-A Large (6 @ 4032) at 331×331, keras.applications'
``NASNetLarge`` (signature plus ``stem``); see :func:`NASNet` for the options."""

NASNetCIFAR = _constructor("cifar", "nasnet_cifar")
NASNetCIFAR.__name__ = NASNetCIFAR.__qualname__ = "NASNetCIFAR"
NASNetCIFAR.__doc__ = """The paper's CIFAR-10 NASNet-A (6 @ 768) (Table 1): 3×3 stride-1
stem of 96 filters, 6 normal cells per stack, 10 classes at 32×32; see :func:`NASNet`."""


_PAPER = "Zoph et al. 2018, arXiv:1707.07012"
_TOP1_SOURCE = "keras.applications (keras.io/api/applications)"


@register_model(family="nasnet", paper=_PAPER, reference_params=5_326_716,
                default_input_shape=(224, 224, 3), preprocessing="tf",
                keras_applications="NASNetMobile", top1=74.4, top1_source=_TOP1_SOURCE)
def nasnetmobile(**kwargs):
    """NASNet-A Mobile (4 @ 1056): searched normal and reduction cells, 224×224."""
    return NASNetMobile(**kwargs)


@register_model(family="nasnet", paper=_PAPER, reference_params=88_949_818,
                reference_input_shape=(331, 331, 3), default_input_shape=(331, 331, 3),
                preprocessing="tf", keras_applications="NASNetLarge", top1=82.5,
                top1_source=_TOP1_SOURCE)
def nasnetlarge(**kwargs):
    """NASNet-A Large (6 @ 4032): searched normal and reduction cells, 331×331."""
    return NASNetLarge(**kwargs)


@register_model(family="nasnet", paper=_PAPER, default_input_shape=(32, 32, 3),
                preprocessing="unit")
def nasnet_cifar(**kwargs):
    """NASNet-A (6 @ 768), the paper's CIFAR-10 model: stride-1 stem, 18 normal cells."""
    return NASNetCIFAR(**kwargs)
