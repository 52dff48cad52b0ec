"""ResNet v1 and v2: very deep networks made trainable by identity shortcuts.

He, Zhang, Ren & Sun, "Deep Residual Learning for Image Recognition", CVPR 2016,
arXiv:1512.03385 (v1); He, Zhang, Ren & Sun, "Identity Mappings in Deep Residual
Networks", ECCV 2016, arXiv:1603.05027 (v2, pre-activation).

The idea to see in the code: every block computes ``x + F(x)``. The shortcut carries
the signal (and its gradient) past the block untouched, so adding blocks cannot make
the network worse at fitting its training set — the "degradation" plain deep nets
suffer from. v1 applies ReLU after the addition; v2 moves BatchNorm and ReLU *before*
each convolution so the shortcut path is a pure identity from input to output.

One implementation (:func:`_residual_unit`), two naming schemes:

* ``naming="keras"`` (the registry models): keras.applications' names —
  ``conv1_conv``, ``conv2_block1_1_conv``, ``conv2_block1_0_conv`` (projection
  shortcut), ``conv2_block1_out``, ``post_bn`` (v2), ``avg_pool``, ``predictions`` —
  and its graph layout, so a keras.applications ``ResNet50``/``ResNet50V2``/...
  ``.weights.h5`` loads into ours with identical outputs;
* ``naming="seed"``: the TF official-models ResNet-50 that the seed notebook copies —
  ``res2a_branch2a``, ``bn2a_branch2a``, ``res2a_branch1``, ``conv1``, ``bn_conv1``,
  ``fc1000``. :func:`conv_block` and :func:`identity_block` keep the seed's
  signatures and this naming by default.

Models: ResNet-18/34/50/101/152 (v1), ResNet-50/101/152 v2, their CIFAR-stem variants
(``stem="cifar"``: a 3×3 stride-1 first convolution and no max-pool, selected
automatically for inputs up to 64×64 and recorded in ``model.name``), the paper's
CIFAR ResNet-20/32/44/56/110 (§4.2, 6n+2 layers) and the seed's CIFAR-100 ResNet-50
(``resnet50_seed``).
"""

from __future__ import annotations

import math
import numbers
import string

import keras

from keras_archs._validation import (
    check_choice, check_input_shape, check_int_sequence, check_positive_int,
    check_same_length)
from keras_archs.layers.residual import residual_add, subsample, zero_pad_shortcut
from keras_archs.models._builder import (
    check_common_args, classifier_head, finish_model, model_input, resolve_stem)
from keras_archs.registry import register_model

__all__ = [
    "conv_block", "identity_block", "basic_block", "bottleneck_block",
    "ResNet", "CifarResNet",
    "ResNet18", "ResNet34", "ResNet50", "ResNet101", "ResNet152",
    "ResNet50V2", "ResNet101V2", "ResNet152V2",
    "ResNet20", "ResNet32", "ResNet44", "ResNet56", "ResNet110",
    "ResNet50Seed", "IMAGENET_DEPTHS", "SHORTCUTS", "NAMINGS",
]

NAMINGS = ("keras", "seed")
# The paper's shortcut options (§3.3): A zero-pads new channels, B projects where the
# shape changes, C projects in every block.
SHORTCUTS = ("A", "B", "C")
BLOCKS = ("basic", "bottleneck")
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
# The TF official-models ResNet-50 feeds [0, 1] images through this rescale (its
# Lambda layer); a Rescaling layer does the same and stays serialisable.
_SEED_CHANNEL_MEANS = (123.68, 116.78, 103.94)
_SEED_L2 = 1e-4


# ----------------------------------------------------------------------------- names

class _Names:
    """Layer names of one block in one naming scheme (``None`` = let Keras pick)."""

    def __init__(self, naming, prefix=None, stage=None, block=None, preact=False):
        self.naming, self.prefix, self.preact = naming, prefix, preact
        self.stage, self.block = stage, block

    def _seed(self, kind, i):
        branch = "branch1" if i == 0 else f"branch2{string.ascii_lowercase[i - 1]}"
        return f"{kind}{self.stage}{self.block}_{branch}"

    def conv(self, i):
        if self.naming == "seed":
            return self._seed("res", i)
        return f"{self.prefix}_{i}_conv"

    def bn(self, i):
        return self._seed("bn", i) if self.naming == "seed" else f"{self.prefix}_{i}_bn"

    def relu(self, i):
        return None if self.naming == "seed" else f"{self.prefix}_{i}_relu"

    def pad(self, i):
        return None if self.naming == "seed" else f"{self.prefix}_{i}_pad"

    def preact_bn(self):
        if self.naming == "seed":
            return f"bn{self.stage}{self.block}_branch2_preact"
        return f"{self.prefix}_preact_bn"

    def preact_relu(self):
        return None if self.naming == "seed" else f"{self.prefix}_preact_relu"

    def shortcut(self):
        return f"res{self.stage}{self.block}_branch1" if self.naming == "seed" \
            else f"{self.prefix}_0"

    def add(self):
        if self.naming == "seed":
            return None
        # keras.applications: v1 "..._add" then ReLU "..._out"; v2 ends at "..._out".
        return f"{self.prefix}_out" if self.preact else f"{self.prefix}_add"

    def out(self):
        return None if self.naming == "seed" else f"{self.prefix}_out"


def _block_letter(index, count):
    """Caffe/official block labels: a, b, c, ...; past 26 blocks a, b1, b2, ..."""
    if count <= len(string.ascii_lowercase):
        return string.ascii_lowercase[index]
    return "a" if index == 0 else f"b{index}"


# ------------------------------------------------------------------ the one block

def _conv(x, filters, kernel_size, *, strides, padding, use_bias, style, name):
    return keras.layers.Conv2D(
        filters, kernel_size, strides=strides, padding=padding, use_bias=use_bias,
        kernel_initializer=style["kernel_initializer"],
        kernel_regularizer=_regularizer(style), name=name)(x)


def _bn(x, style, name):
    return keras.layers.BatchNormalization(
        momentum=style["batch_norm_decay"], epsilon=style["batch_norm_epsilon"],
        name=name)(x)


def _regularizer(style):
    return keras.regularizers.L2(_SEED_L2) if style["use_l2_regularizer"] else None


def _residual_unit(x, widths, kernels, *, strides, stride_index, preact, shortcut,
                   use_bias, pad_mode, shortcut_first, style, names):
    """``x + F(x)`` with ``F`` = one conv per entry of ``widths``/``kernels``.

    v1 (``preact=False``): conv → BN → ReLU …, conv → BN, add, ReLU.
    v2 (``preact=True``): BN → ReLU once on the input, then conv → BN → ReLU …,
    a last conv, add — no activation after the addition.

    ``pad_mode`` says how k×k convolutions pad: ``"same"`` (TensorFlow's, asymmetric
    when strided — the official-models seed), ``"strided"`` (explicit symmetric
    ``ZeroPadding2D`` for strided ones, as Caffe and PyTorch) or ``"explicit"``
    (explicit everywhere — keras.applications' ResNetV2 graph).
    """
    in_channels = x.shape[-1]
    out_channels = widths[-1]
    reshape = strides != 1 or in_channels != out_channels
    # Option B projects only where the channel count changes; a strided block with
    # the same channels subsamples its identity (keras.applications' ResNetV2).
    project = shortcut == "C" or (shortcut == "B" and in_channels != out_channels)

    def make_shortcut(source):
        if project:
            s = _conv(source, out_channels, 1, strides=strides, padding="valid",
                      use_bias=use_bias, style=style, name=names.conv(0))
            # v2 projects the already normalised input: no BatchNorm after it.
            return s if preact else _bn(s, style, names.bn(0))
        if shortcut == "A" and reshape:
            return zero_pad_shortcut(x, out_channels, strides, name=names.shortcut())
        if strides != 1:
            return subsample(x, strides, name=f"{names.shortcut()}_pool"
                             if names.naming == "keras" else None)
        return x

    if preact:
        y = _bn(x, style, names.preact_bn())
        y = keras.layers.Activation("relu", name=names.preact_relu())(y)
        short = make_shortcut(y)
    else:
        y = x
        short = make_shortcut(x) if shortcut_first else None

    last = len(widths) - 1
    for i, (width, kernel) in enumerate(zip(widths, kernels)):
        s = strides if i == stride_index else 1
        followed_by_bn = not (preact and i == last)
        # A bias before BatchNorm is redundant; v2 drops it there, v1 (and
        # keras.applications' weights) keep it where use_bias says so.
        bias = use_bias and not (preact and followed_by_bn)
        if kernel > 1 and (pad_mode == "explicit" or (pad_mode == "strided" and s != 1)):
            y = keras.layers.ZeroPadding2D(kernel // 2, name=names.pad(i + 1))(y)
            padding = "valid"
        else:
            padding = "same"
        y = _conv(y, width, kernel, strides=s, padding=padding, use_bias=bias,
                  style=style, name=names.conv(i + 1))
        if followed_by_bn:
            y = _bn(y, style, names.bn(i + 1))
            if i != last:
                y = keras.layers.Activation("relu", name=names.relu(i + 1))(y)
    if short is None:
        short = make_shortcut(x)
    return residual_add(short, y, activation=None if preact else "relu",
                        add_name=names.add(), out_name=names.out(),
                        shortcut_first=shortcut_first)


def _default_style(naming, use_l2_regularizer=None, batch_norm_decay=None,
                   batch_norm_epsilon=None, kernel_initializer=None):
    seed = naming == "seed"
    return dict(
        use_l2_regularizer=seed if use_l2_regularizer is None else use_l2_regularizer,
        batch_norm_decay=(0.9 if seed else 0.99) if batch_norm_decay is None
        else batch_norm_decay,
        batch_norm_epsilon=(1e-5 if seed else 1.001e-5) if batch_norm_epsilon is None
        else batch_norm_epsilon,
        kernel_initializer=("he_normal" if seed else "glorot_uniform")
        if kernel_initializer is None else kernel_initializer)


def _check_style(style):
    if not isinstance(style["use_l2_regularizer"], bool):
        raise TypeError("use_l2_regularizer must be True or False, got "
                        f"{style['use_l2_regularizer']!r}")
    decay = style["batch_norm_decay"]
    if not isinstance(decay, numbers.Real) or not 0.0 <= decay < 1.0:
        raise ValueError(f"batch_norm_decay must be in [0, 1), got {decay!r}")
    eps = style["batch_norm_epsilon"]
    if not isinstance(eps, numbers.Real) or eps <= 0:
        raise ValueError(f"batch_norm_epsilon must be > 0, got {eps!r}")


def _check_strides(strides, name="strides"):
    """A stride is an int or a pair of equal ints (the seed passes ``(2, 2)``)."""
    if isinstance(strides, (tuple, list)):
        if len(strides) != 2 or strides[0] != strides[1]:
            raise ValueError(f"{name} must be an integer or a pair of equal integers, "
                             f"got {strides!r}")
        strides = strides[0]
    return check_positive_int(strides, name)


def _check_tensor(x, name="input_tensor"):
    if not keras.backend.is_keras_tensor(x) or len(x.shape) != 4:
        raise TypeError(f"{name} must be a 4-D Keras tensor (batch, height, width, "
                        f"channels), got {x!r}")


# ------------------------------------------------------------- public block recipes

def _seed_block(input_tensor, kernel_size, filters, stage, block, strides,
                use_l2_regularizer, batch_norm_decay, batch_norm_epsilon, naming,
                shortcut):
    _check_tensor(input_tensor)
    kernel_size = check_positive_int(kernel_size, "kernel_size")
    filters = check_int_sequence(filters, "filters", length=3)
    stage = check_positive_int(stage, "stage")
    if not isinstance(block, str) or not block:
        raise TypeError(f"block must be a non-empty string such as 'a', got {block!r}")
    strides = _check_strides(strides)
    check_choice(naming, "naming", NAMINGS)
    style = _default_style("seed", use_l2_regularizer, batch_norm_decay,
                           batch_norm_epsilon)
    _check_style(style)
    index = string.ascii_lowercase.index(block[0]) + 1 if block[0] in \
        string.ascii_lowercase else 1
    if len(block) > 1 and block[1:].isdigit():  # Caffe's "b1", "b2", ...
        index = int(block[1:]) + 1
    names = _Names(naming, prefix=f"conv{stage}_block{index}", stage=stage, block=block)
    # The seed is ResNet "v1.5": the stride sits in the 3×3 convolution, not the
    # first 1×1 as in the paper, which would skip three quarters of the pixels.
    return _residual_unit(
        input_tensor, filters, (1, kernel_size, 1), strides=strides, stride_index=1,
        preact=False, shortcut=shortcut, use_bias=False, pad_mode="same",
        shortcut_first=False, style=style, names=names)


def conv_block(input_tensor, kernel_size, filters, stage, block, strides=(2, 2),
               use_l2_regularizer=True, batch_norm_decay=0.9, batch_norm_epsilon=1e-5,
               *, naming="seed"):
    """The seed's bottleneck block with a projection shortcut (first block of a stage).

    1×1 → ``kernel_size``×``kernel_size`` (carrying ``strides``) → 1×1 convolutions
    with BatchNorm, plus a strided 1×1 projection of the input; ReLU after the sum.
    He-normal initialisation, no convolution biases, optional L2(1e-4).

    Args:
        input_tensor: 4-D Keras tensor.
        kernel_size: kernel size of the middle convolution (3 in ResNet).
        filters: ``(filters1, filters2, filters3)`` of the three convolutions.
        stage: stage number used in layer names (2 … 5 in ResNet-50).
        block: block label used in layer names (``"a"``, ``"b"``, ...).
        strides: stride of the middle convolution and of the projection.
        use_l2_regularizer: L2(1e-4) on the convolution kernels.
        batch_norm_decay: BatchNorm momentum.
        batch_norm_epsilon: BatchNorm epsilon.
        naming: ``"seed"`` → ``res2a_branch2a``, ``bn2a_branch2a``,
            ``res2a_branch1``; ``"keras"`` → ``conv2_block1_1_conv`` style.

    Returns:
        Output tensor with ``filters3`` channels.
    """
    return _seed_block(input_tensor, kernel_size, filters, stage, block, strides,
                       use_l2_regularizer, batch_norm_decay, batch_norm_epsilon,
                       naming, shortcut="C")


def identity_block(input_tensor, kernel_size, filters, stage, block,
                   use_l2_regularizer=True, batch_norm_decay=0.9,
                   batch_norm_epsilon=1e-5, *, naming="seed"):
    """The seed's bottleneck block with an identity shortcut.

    Same as :func:`conv_block` with stride 1 and no projection, so the input must
    already have ``filters[2]`` channels.
    """
    _check_tensor(input_tensor)
    filters = check_int_sequence(filters, "filters", length=3)
    if input_tensor.shape[-1] != filters[2]:
        raise ValueError(
            f"identity_block needs an input with filters[2] = {filters[2]} channels "
            f"(the shortcut adds it unchanged), got {input_tensor.shape[-1]}; use "
            "conv_block to change the channel count")
    return _seed_block(input_tensor, kernel_size, filters, stage, block, 1,
                       use_l2_regularizer, batch_norm_decay, batch_norm_epsilon,
                       naming, shortcut="B")


def _block(kind, x, filters, *, kernel_size, strides, preact, shortcut, use_bias,
           name, naming, stride_in_3x3, style, stage=None, block=None):
    _check_tensor(x, "x")
    filters = check_positive_int(filters, "filters")
    kernel_size = check_positive_int(kernel_size, "kernel_size")
    strides = _check_strides(strides)
    check_choice(shortcut, "shortcut", SHORTCUTS)
    check_choice(naming, "naming", NAMINGS)
    if naming == "keras" and not isinstance(name, str):
        raise TypeError(f"name must be a string such as 'conv2_block1', got {name!r}")
    if naming == "seed":
        check_positive_int(stage, "stage")
        if not isinstance(block, str) or not block:
            raise TypeError(
                f"block must be a non-empty string such as 'a', got {block!r}")
    _check_style(style)
    if kind == "basic":
        widths, kernels, stride_index = (filters, filters), (kernel_size, kernel_size), 0
    else:
        widths = (filters, filters, EXPANSION["bottleneck"] * filters)
        kernels = (1, kernel_size, 1)
        if stride_in_3x3 is None:
            stride_in_3x3 = preact
        stride_index = 1 if stride_in_3x3 else 0
    names = _Names(naming, prefix=name, stage=stage, block=block, preact=preact)
    # The seed keeps TensorFlow's "same" padding; keras.applications' v2 graph pads
    # explicitly; otherwise strided convolutions pad symmetrically, as in PyTorch.
    pad_mode = "explicit" if preact else "same" if naming == "seed" else "strided"
    return _residual_unit(
        x, widths, kernels, strides=strides, stride_index=stride_index, preact=preact,
        shortcut=shortcut, use_bias=use_bias, pad_mode=pad_mode,
        shortcut_first=naming == "keras", style=style, names=names)


def basic_block(x, filters, *, kernel_size=3, strides=1, preact=False, shortcut="B",
                use_bias=False, name=None, naming="keras", stage=None, block=None,
                use_l2_regularizer=None, batch_norm_decay=None,
                batch_norm_epsilon=None, kernel_initializer=None):
    """ResNet-18/34 block: two k×k convolutions (k = ``kernel_size``), ``filters`` out.

    Args:
        x: 4-D Keras tensor.
        filters: channels of both convolutions and of the output.
        strides: stride of the first convolution (and of the shortcut).
        preact: v2 pre-activation order (BN → ReLU → conv).
        shortcut: ``"A"`` zero-pads new channels, ``"B"`` projects (1×1 conv + BN)
            only when the channel count changes, ``"C"`` always projects.
        use_bias: biases in the convolutions (torchvision has none).
        name: prefix of every layer name, e.g. ``"conv2_block1"`` (required with
            ``naming="keras"``).
        naming: ``"keras"`` or ``"seed"`` (then ``stage`` and ``block`` name it:
            ``res{stage}{block}_branch2a``, ...).

    Returns:
        Output tensor with ``filters`` channels.
    """
    style = _default_style(naming, use_l2_regularizer, batch_norm_decay,
                           batch_norm_epsilon, kernel_initializer)
    return _block("basic", x, filters, kernel_size=kernel_size, strides=strides,
                  preact=preact, shortcut=shortcut, use_bias=use_bias, name=name,
                  naming=naming, stride_in_3x3=None, style=style, stage=stage,
                  block=block)


def bottleneck_block(x, filters, *, kernel_size=3, strides=1, preact=False,
                     shortcut="B", use_bias=True, stride_in_3x3=None, name=None,
                     naming="keras", stage=None, block=None, use_l2_regularizer=None,
                     batch_norm_decay=None, batch_norm_epsilon=None,
                     kernel_initializer=None):
    """ResNet-50/101/152 block: 1×1 reduce → k×k → 1×1 expand to ``4 * filters``.

    With the defaults this is keras.applications' ``ResNet50`` block (v1, stride in
    the first 1×1, biases, BatchNorm epsilon 1.001e-5); ``preact=True`` gives its
    ``ResNet50V2`` block.

    Args:
        x: 4-D Keras tensor.
        filters: width of the bottleneck; the block outputs ``4 * filters``.
        strides: the block's stride.
        preact: v2 pre-activation order.
        shortcut: ``"A"``, ``"B"`` or ``"C"`` (see :func:`basic_block`).
        use_bias: biases in the convolutions not followed by BatchNorm in v2, in
            all convolutions in v1 (keras.applications keeps them).
        stride_in_3x3: put the stride in the middle convolution ("ResNet v1.5",
            the seed's and torchvision's choice); default: v1 no, v2 yes.
        name: prefix of every layer name, e.g. ``"conv2_block1"``.
        naming: ``"keras"`` or ``"seed"``.

    Returns:
        Output tensor with ``4 * filters`` channels.
    """
    style = _default_style(naming, use_l2_regularizer, batch_norm_decay,
                           batch_norm_epsilon, kernel_initializer)
    return _block("bottleneck", x, filters, kernel_size=kernel_size, strides=strides,
                  preact=preact, shortcut=shortcut, use_bias=use_bias, name=name,
                  naming=naming, stride_in_3x3=stride_in_3x3, style=style,
                  stage=stage, block=block)


_BLOCK_FUNCTIONS = {"basic": basic_block, "bottleneck": bottleneck_block}


# ------------------------------------------------------------- the generic builder

def _resolve_block_fn(block_fn):
    for kind, fn in _BLOCK_FUNCTIONS.items():
        if block_fn is fn:
            return kind
    if isinstance(block_fn, str) and block_fn in BLOCKS:
        return block_fn
    raise ValueError(
        f"block_fn must be 'basic', 'bottleneck', basic_block or bottleneck_block, "
        f"got {block_fn!r}")


def _stem(x, *, stem, filters, preact, use_bias, naming, style):
    seed = naming == "seed"
    if stem == "imagenet":
        x = keras.layers.ZeroPadding2D(3, name="conv1_pad")(x)
        x = _conv(x, filters, 7, strides=2, padding="valid", use_bias=use_bias,
                  style=style, name="conv1" if seed else "conv1_conv")
    else:
        # CIFAR stem (He et al. §4.2): 32×32 images are too small to lose 4× at once.
        x = _conv(x, filters, 3, strides=1, padding="same", use_bias=use_bias,
                  style=style, name="conv1" if seed else "conv1_conv")
    if not preact:
        x = _bn(x, style, "bn_conv1" if seed else "conv1_bn")
        x = keras.layers.Activation("relu", name=None if seed else "conv1_relu")(x)
    if stem == "imagenet":
        if seed:
            x = keras.layers.MaxPooling2D(3, strides=2, padding="same",
                                          name="pool1")(x)
        else:
            x = keras.layers.ZeroPadding2D(1, name="pool1_pad")(x)
            x = keras.layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    return x


def ResNet(block_fn=None, stack_sizes=None, filters=IMAGENET_FILTERS, include_top=True,
           weights=None, input_tensor=None, input_shape=None, pooling=None,
           classes=1000, classifier_activation="softmax", *, depth=None, preact=False,
           strides=None, stem="auto", stem_filters=None, shortcut="B", use_bias=None,
           stride_in_3x3=None, naming="keras", use_l2_regularizer=None,
           batch_norm_decay=None, batch_norm_epsilon=None, kernel_initializer=None,
           rescale_inputs=False, keras_applications=None, name=None):
    """Generic ResNet: a stem, one stack of residual blocks per ``stack_sizes`` entry.

    ``ResNet("bottleneck", (3, 4, 6, 3))`` is ResNet-50; ``ResNet(depth=50)`` too.

    Args:
        block_fn: ``"basic"``/``"bottleneck"`` or :func:`basic_block`/
            :func:`bottleneck_block`; implied by ``depth``.
        stack_sizes: blocks per stack; implied by ``depth``.
        filters: block width per stack (bottleneck blocks output four times it).
        include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation: as in keras.applications.
        depth: 18, 34, 50, 101 or 152 instead of ``block_fn``/``stack_sizes``.
        preact: ResNet v2 (pre-activation) instead of v1.
        strides: stride of each stack; default 1 for the first, 2 for the others.
            v2 applies a stack's stride at the end of the previous stack, as
            keras.applications does.
        stem: ``"imagenet"`` (7×7/2 conv + 3×3/2 max-pool), ``"cifar"`` (3×3/1
            conv) or ``"auto"`` (CIFAR for inputs up to 64×64).
        stem_filters: channels of the first convolution (default ``filters[0]``).
        shortcut: ``"A"``, ``"B"`` or ``"C"`` (the paper's options, §3.3).
        use_bias: convolution biases; default keras.applications' choice for
            bottleneck nets (yes) and torchvision's for basic nets (no).
        stride_in_3x3: stride in the middle bottleneck conv (ResNet v1.5).
        naming: ``"keras"`` (keras.applications names) or ``"seed"``.
        use_l2_regularizer, batch_norm_decay, batch_norm_epsilon,
            kernel_initializer: defaults depend on ``naming`` (seed: L2(1e-4), 0.9,
            1e-5, He-normal; keras: none, 0.99, 1.001e-5, Glorot-uniform).
        rescale_inputs: start with the seed's rescale of [0, 1] images to
            0–255 minus the ImageNet channel means (a ``Rescaling`` layer).
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
    if not isinstance(preact, bool):
        raise TypeError(f"preact must be True or False, got {preact!r}")
    if use_bias is None:
        use_bias = kind == "bottleneck" and naming == "keras"
    if not isinstance(use_bias, bool):
        raise TypeError(f"use_bias must be True or False, got {use_bias!r}")
    if not isinstance(rescale_inputs, bool):
        raise TypeError(f"rescale_inputs must be True or False, got {rescale_inputs!r}")
    style = _default_style(naming, use_l2_regularizer, batch_norm_decay,
                           batch_norm_epsilon, kernel_initializer)
    _check_style(style)
    input_shape = check_common_args(
        include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation,
        keras_applications=keras_applications)
    stem = resolve_stem(stem, input_shape)
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
            255.0, offset=tuple(-m for m in _SEED_CHANNEL_MEANS), name="rescale")(x)
    x = _stem(x, stem=stem, filters=stem_filters, preact=preact, use_bias=use_bias,
              naming=naming, style=style)
    block = _BLOCK_FUNCTIONS[kind]
    options = dict(preact=preact, shortcut=shortcut, use_bias=use_bias, naming=naming,
                   use_l2_regularizer=style["use_l2_regularizer"],
                   batch_norm_decay=style["batch_norm_decay"],
                   batch_norm_epsilon=style["batch_norm_epsilon"],
                   kernel_initializer=style["kernel_initializer"])
    if kind == "bottleneck":
        options["stride_in_3x3"] = stride_in_3x3
    for s, (count, width) in enumerate(zip(stack_sizes, filters)):
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
            x = block(x, width, strides=stride, name=f"conv{s + 2}_block{b + 1}",
                      stage=s + 2, block=_block_letter(b, count), **options)
    if preact:
        x = _bn(x, style, "post_bn")
        x = keras.layers.Activation("relu", name="post_relu")(x)
    if naming == "seed" and include_top:
        x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
        reg = _regularizer(style)
        x = keras.layers.Dense(
            classes, kernel_initializer=keras.initializers.RandomNormal(stddev=0.01),
            kernel_regularizer=reg, bias_regularizer=reg, name="fc1000")(x)
        x = keras.layers.Activation(classifier_activation or "linear", dtype="float32",
                                    name="predictions_activation")(x)
    else:
        x = classifier_head(x, include_top=include_top, pooling=pooling,
                            classes=classes, classifier_activation=classifier_activation)
    return finish_model(
        inputs, x, name=name, weights=weights, keras_applications=keras_applications,
        applications_kwargs=dict(include_top=include_top, input_shape=input_shape,
                                 pooling=pooling, classes=classes))


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

def _constructor(depth, preact, keras_app):
    def constructor(include_top=True, weights=None, input_tensor=None, input_shape=None,
                    pooling=None, classes=1000, classifier_activation="softmax",
                    name=None, *, stem="auto", **kwargs):
        shape = input_shape
        if input_tensor is not None and keras.backend.is_keras_tensor(input_tensor):
            shape = tuple(input_tensor.shape[1:])
        resolved = resolve_stem(stem, check_input_shape(shape or (224, 224, 3)))
        # Only the ImageNet layout has keras.applications' ImageNet weights.
        app = keras_app if resolved == "imagenet" and not kwargs else None
        return ResNet(depth=depth, include_top=include_top, weights=weights,
                      input_tensor=input_tensor, input_shape=input_shape,
                      pooling=pooling, classes=classes,
                      classifier_activation=classifier_activation, preact=preact,
                      stem=resolved, keras_applications=app, name=name, **kwargs)

    label = f"ResNet{depth}{'V2' if preact else ''}"
    constructor.__name__ = constructor.__qualname__ = label
    constructor.__doc__ = (
        f"{label}{' (pre-activation)' if preact else ''}, keras.applications "
        f"signature plus ``stem``; see :func:`ResNet` for the other options.")
    return constructor


ResNet18 = _constructor(18, False, None)
ResNet34 = _constructor(34, False, None)
ResNet50 = _constructor(50, False, "ResNet50")
ResNet101 = _constructor(101, False, "ResNet101")
ResNet152 = _constructor(152, False, "ResNet152")
ResNet50V2 = _constructor(50, True, "ResNet50V2")
ResNet101V2 = _constructor(101, True, "ResNet101V2")
ResNet152V2 = _constructor(152, True, "ResNet152V2")


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

    L2(1e-4) on every kernel and the classifier bias, BatchNorm decay 0.9 and
    epsilon 1e-5, He-normal init, no convolution biases, stride in the 3×3
    convolutions, a float32 softmax, ``res2a_branch2a`` names, and — instead of the
    seed's ``Lambda`` — a ``Rescaling`` layer mapping [0, 1] images to 0–255 minus
    the ImageNet channel means. ``stem="imagenet"`` gives the official 224×224 stem.
    """
    shape = input_shape
    if input_tensor is not None and keras.backend.is_keras_tensor(input_tensor):
        shape = tuple(input_tensor.shape[1:])
    resolved = resolve_stem(stem, check_input_shape(shape or (32, 32, 3)))
    if name is None:
        name = "resnet50_seed" + ("_cifar" if resolved == "cifar" else "")
    return ResNet(depth=50, include_top=include_top, weights=weights,
                  input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                  classes=classes, classifier_activation=classifier_activation,
                  stem=resolved, naming="seed", use_bias=False, stride_in_3x3=True,
                  rescale_inputs=rescale_inputs, name=name, **kwargs)


# -------------------------------------------------------------------- registry

_PAPER_V1 = "He et al. 2015, arXiv:1512.03385"
_PAPER_V2 = "He et al. 2016, arXiv:1603.05027"


def _registered(constructor, doc):
    def build(**kwargs):
        return constructor(**kwargs)

    build.__doc__ = doc
    return build


for _name, _ctor, _paper, _params, _source, _bn_stats, _app, _prep, _doc in (
    ("resnet18", ResNet18, _PAPER_V1, 11_689_512,
     "torchvision resnet18 (BN running stats not counted)", False, None, "unit",
     "ResNet-18 (basic blocks 2-2-2-2), torchvision's layout, no conv biases."),
    ("resnet34", ResNet34, _PAPER_V1, 21_797_672,
     "torchvision resnet34 (BN running stats not counted)", False, None, "unit",
     "ResNet-34 (basic blocks 3-4-6-3), torchvision's layout, no conv biases."),
    ("resnet50", ResNet50, _PAPER_V1, 25_636_712, None, True, "ResNet50", "caffe",
     "ResNet-50 v1 (bottlenecks 3-4-6-3), keras.applications' layout and names."),
    ("resnet101", ResNet101, _PAPER_V1, 44_707_176, None, True, "ResNet101", "caffe",
     "ResNet-101 v1 (bottlenecks 3-4-23-3), keras.applications' layout and names."),
    ("resnet152", ResNet152, _PAPER_V1, 60_419_944, None, True, "ResNet152", "caffe",
     "ResNet-152 v1 (bottlenecks 3-8-36-3), keras.applications' layout and names."),
    ("resnet50v2", ResNet50V2, _PAPER_V2, 25_613_800, None, True, "ResNet50V2", "tf",
     "ResNet-50 v2 (pre-activation), keras.applications' layout and names."),
    ("resnet101v2", ResNet101V2, _PAPER_V2, 44_675_560, None, True, "ResNet101V2",
     "tf", "ResNet-101 v2 (pre-activation), keras.applications' layout and names."),
    ("resnet152v2", ResNet152V2, _PAPER_V2, 60_380_648, None, True, "ResNet152V2",
     "tf", "ResNet-152 v2 (pre-activation), keras.applications' layout and names."),
):
    register_model(
        name=_name, family="resnet", paper=_paper, reference_params=_params,
        reference_source=_source, reference_counts_bn_statistics=_bn_stats,
        keras_applications=_app, preprocessing=_prep)(_registered(_ctor, _doc))

# The paper's Table 6 rounds (0.27 M … 1.7 M); the exact counts are derived from the
# layout by hand (tests/models/test_resnet.py), BatchNorm statistics not counted.
_CIFAR_COUNTS = {20: 269_722, 32: 464_154, 44: 658_586, 56: 853_018, 110: 1_727_962}
for _depth, _ctor in ((20, ResNet20), (32, ResNet32), (44, ResNet44), (56, ResNet56),
                      (110, ResNet110)):
    register_model(
        name=f"resnet{_depth}", family="resnet", paper=_PAPER_V1,
        reference_params=_CIFAR_COUNTS[_depth], reference_input_shape=(32, 32, 3),
        reference_classes=10, reference_counts_bn_statistics=False,
        reference_source="derived from the layout by hand (He et al. 2015, Table 6: "
                         "rounded to two digits)",
        default_input_shape=(32, 32, 3))(_registered(
            _ctor, f"CIFAR ResNet-{_depth} (6n+2, 16/32/64 channels, option-A "
                   "shortcuts)."))

register_model(
    name="resnet50_seed", family="resnet", paper=_PAPER_V1,
    reference_params=25_557_032, reference_input_shape=(224, 224, 3),
    reference_source="torchvision resnet50 (same layout: v1.5, no conv biases; BN "
                     "running stats not counted)",
    reference_counts_bn_statistics=False, default_input_shape=(32, 32, 3))(
    _registered(ResNet50Seed, "The seed's CIFAR-100 ResNet-50: official-models "
                "layout, L2 1e-4, BN decay 0.9, Rescaling instead of a Lambda."))
