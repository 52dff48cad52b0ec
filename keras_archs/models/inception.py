"""Inception v3: factorised convolutions, grid-size reduction, wide late modules.

Szegedy, Vanhoucke, Ioffe, Shlens & Wojna, "Rethinking the Inception Architecture for
Computer Vision", CVPR 2016, arXiv:1512.00567.

The ideas to see in the code (one block function per module type of the paper):

* :func:`inception_a` (Figure 5, the 35×35 modules ``mixed0``–``mixed2``): the 5×5
  convolution of Inception v1 factorised into two 3×3 convolutions (the
  ``branch3x3dbl`` branch: 2·9 = 18 instead of 25 weights per input-output pair);
  the checkpoint's own 5×5 branch is kept, as in the released network;
* :func:`inception_b` and :func:`inception_d` (Figure 10, ``mixed3``, ``mixed8``):
  grid-size reduction without a representational bottleneck — strided convolutions
  and a strided max-pool side by side, concatenated, instead of pooling first;
* :func:`inception_c` (Figure 6, the 17×17 modules ``mixed4``–``mixed7``): n×n
  convolutions factorised into 1×7 followed by 7×1 (asymmetric factorisation);
* :func:`inception_e` (Figure 7, the 8×8 modules ``mixed9``, ``mixed10``): the
  asymmetric 1×3 and 3×1 convolutions run *side by side* and are concatenated, to
  widen the coarsest grid (high-dimensional representations).

Two registry models share these blocks, through a small per-preset layer factory
(:class:`InceptionLayers`):

* ``inception_v3`` reproduces ``keras.applications.InceptionV3``: its layer names,
  its layer creation order and its 23,851,784 parameters, so ``weights="imagenet"`` and
  a ``.weights.h5`` of keras.applications' model load with identical outputs. Its
  BatchNorm has no scale (``scale=False``: a ReLU follows, so γ only rescales the next
  convolution's weights); momentum and epsilon are Keras' defaults (0.99, 1e-3).
  keras.applications lets Keras name its layers automatically (``conv2d_57``,
  ``batch_normalization_57``, ...); we write out the names Keras gives in a fresh
  session, so they do not depend on what else was built first.
* ``tv_inception_v3`` reproduces torchvision's ``inception_v3`` (``aux_logits=False``,
  ``transform_input=False``): BatchNorm *with* γ, epsilon 1e-3 (momentum PyTorch's 0.1,
  0.9 in Keras' convention); the pool branches average 3×3 windows with padding 1
  counting the padded zeros (``count_include_pad=True``), which Keras' "same"
  ``AveragePooling2D`` does not do (it divides border windows by the pixels it saw);
  dropout 0.5 before the classifier; 23,834,568 parameters (PyTorch count). Layer
  names follow torchvision's modules (``Mixed_5b_branch5x5_1_conv``) so its
  checkpoints load.

Input size: the ImageNet stem needs at least 75×75 (as keras.applications): a 74×74
input reaches ``mixed8`` at 2×2, below its 3×3 valid reduction. Smaller inputs get the
CIFAR stem (``stem="cifar"``, automatic up to 64×64; a small-input adaptation of ours,
not from the paper): the stem's five convolutions keep stride 1 and "same" padding
and its two max-pools are dropped, so a 32×32 image reaches the 35×35-grid modules at
32×32, ``mixed3`` at 15×15 and ``mixed8`` at 7×7; it needs at least 7×7. The layers,
their names and the parameter count are the ImageNet model's; BatchNorm uses PyTorch's
momentum and epsilon (0.9 and 1e-5 in Keras' convention), the package's rule for CIFAR
variants.
"""

from __future__ import annotations

import keras

from keras_archs._validation import (
    check_bool, check_choice, check_min_spatial, check_model, check_name,
    check_positive_int, check_rate, check_tensor_4d)
from keras_archs.models._builder import (
    check_common_args, classifier_head, finish_model, model_input, resolve_stem)
from keras_archs.registry import register_model

__all__ = [
    "InceptionLayers", "inception_a", "inception_b", "inception_c", "inception_d",
    "inception_e", "inception_stem", "InceptionV3", "inception_v3_torch_keys",
    "MIN_INPUT_SIZE",
]

PRESETS = ("keras", "torchvision")
# The smallest input whose mixed8 reduction still has a 3×3 window, per stem.
MIN_INPUT_SIZE = {"imagenet": 75, "cifar": 7}


class InceptionLayers:
    """Makes the layers of one Inception v3 preset: names, BatchNorm and pooling.

    * ``"keras"``: keras.applications' InceptionV3 — layers named as Keras names
      them automatically in a fresh session (``conv2d``, ``conv2d_1``, ...;
      ``batch_normalization_N``; ``activation_N``; ``average_pooling2d_N``;
      ``concatenate_N``), except the modules' concatenations (``mixed0`` ...);
      BatchNorm ``scale=False`` with Keras' defaults; "same" average pooling.
    * ``"torchvision"``: torchvision's ``Inception3`` — ``{module}_conv``,
      ``{module}_bn`` named after torchvision's modules (``Mixed_5b_branch1x1``);
      BatchNorm with γ, epsilon 1e-3, PyTorch's momentum; average pooling with
      ``count_include_pad=True`` (explicit zero padding, then "valid").

    The ``name`` passed to each method is the torchvision module name; the keras
    preset ignores it (except for the ``mixed`` concatenations, where it is used).
    """

    def __init__(self, preset="keras", stem="imagenet"):
        self.preset = check_choice(preset, "preset", PRESETS)
        self.stem = check_choice(stem, "stem", ("imagenet", "cifar"))
        self._counts: dict[str, int] = {}

    def _auto(self, prefix):
        n = self._counts.get(prefix, 0)
        self._counts[prefix] = n + 1
        return prefix if n == 0 else f"{prefix}_{n}"

    @property
    def torchvision(self):
        return self.preset == "torchvision"

    def conv(self, x, filters, kernel_size, *, strides=1, padding="same", name):
        """Conv (no bias) → BatchNorm → ReLU (keras' ``conv2d_bn``, torchvision's
        ``BasicConv2d``)."""
        if self.torchvision:
            names = (f"{name}_conv", f"{name}_bn", f"{name}_relu")
            bn = dict(scale=True, epsilon=1e-3, momentum=0.9)
        else:
            names = (self._auto("conv2d"), self._auto("batch_normalization"),
                     self._auto("activation"))
            bn = dict(scale=False)
        if self.stem == "cifar":
            bn.update(epsilon=1e-5, momentum=0.9)
        x = keras.layers.Conv2D(filters, kernel_size, strides=strides, padding=padding,
                                use_bias=False, name=names[0])(x)
        x = keras.layers.BatchNormalization(name=names[1], **bn)(x)
        return keras.layers.Activation("relu", name=names[2])(x)

    def avg_pool(self, x, *, name):
        """3×3/1 average pool keeping the size (the modules' pool branches)."""
        if self.torchvision:
            # F.avg_pool2d(x, 3, stride=1, padding=1) divides every window by 9,
            # padded zeros included (count_include_pad=True).
            x = keras.layers.ZeroPadding2D(1, name=f"{name}_pad")(x)
            return keras.layers.AveragePooling2D(3, strides=1, name=name)(x)
        return keras.layers.AveragePooling2D(
            3, strides=1, padding="same", name=self._auto("average_pooling2d"))(x)

    def max_pool(self, x, *, name):
        """3×3/2 max pool without padding (stem and grid reductions)."""
        if not self.torchvision:
            name = self._auto("max_pooling2d")
        return keras.layers.MaxPooling2D(3, strides=2, name=name)(x)

    def concat(self, tensors, *, name, keras_name=None):
        """Concatenate along channels; ``keras_name``: the keras preset's name (an
        automatic ``concatenate_N`` if ``None``)."""
        if not self.torchvision:
            name = keras_name or self._auto("concatenate")
        return keras.layers.Concatenate(axis=-1, name=name)(tensors)


def _check_module(x, layers, name=None, min_size=1, **keras_names):
    """The arguments every module shares; ``min_size``: the smallest height and width
    its 'valid' reductions take."""
    check_tensor_4d(x, "x")
    if not isinstance(layers, InceptionLayers):
        raise TypeError("layers must be an InceptionLayers (e.g. InceptionLayers("
                        f"'keras')), got {layers!r}")
    if name is not None:
        check_name(name, "name")
    for arg, value in keras_names.items():
        check_name(value, arg, allow_none=True)
    check_min_spatial(x, min_size, "x", " for this module's 3×3 'valid' reductions")


# The imagenet stem's least input: 27 → 13 → 11 → 5 (max-pool) → 3 → 1 (max-pool).
_STEM_MIN_SIZE = {"imagenet": 27, "cifar": 1}


def inception_stem(x, *, layers):
    """299×299×3 → 35×35×192: five convolutions and two max-pools (Table 1).

    With ``layers.stem == "cifar"``: the same convolutions at stride 1 with "same"
    padding and no max-pools (32×32×3 → 32×32×192).
    """
    _check_module(x, layers)
    check_min_spatial(x, _STEM_MIN_SIZE[layers.stem], "x",
                      f" for the {layers.stem} stem's 'valid' reductions")
    if layers.stem == "cifar":
        for filters, kernel, name in ((32, 3, "Conv2d_1a_3x3"), (32, 3, "Conv2d_2a_3x3"),
                                      (64, 3, "Conv2d_2b_3x3"), (80, 1, "Conv2d_3b_1x1"),
                                      (192, 3, "Conv2d_4a_3x3")):
            x = layers.conv(x, filters, kernel, name=name)
        return x
    x = layers.conv(x, 32, 3, strides=2, padding="valid", name="Conv2d_1a_3x3")
    x = layers.conv(x, 32, 3, padding="valid", name="Conv2d_2a_3x3")
    x = layers.conv(x, 64, 3, name="Conv2d_2b_3x3")
    x = layers.max_pool(x, name="maxpool1")
    x = layers.conv(x, 80, 1, padding="valid", name="Conv2d_3b_1x1")
    x = layers.conv(x, 192, 3, padding="valid", name="Conv2d_4a_3x3")
    return layers.max_pool(x, name="maxpool2")


def inception_a(x, pool_features, *, layers, name, keras_name):
    """35×35 module (Figure 5): 1×1 | 1×1→5×5 | 1×1→3×3→3×3 | avg-pool→1×1.

    Output: 224 + ``pool_features`` channels (256 or 288).
    """
    _check_module(x, layers, name, keras_name=keras_name)
    check_positive_int(pool_features, "pool_features")
    b1 = layers.conv(x, 64, 1, name=f"{name}_branch1x1")
    b5 = layers.conv(x, 48, 1, name=f"{name}_branch5x5_1")
    b5 = layers.conv(b5, 64, 5, name=f"{name}_branch5x5_2")
    b3 = layers.conv(x, 64, 1, name=f"{name}_branch3x3dbl_1")
    b3 = layers.conv(b3, 96, 3, name=f"{name}_branch3x3dbl_2")
    b3 = layers.conv(b3, 96, 3, name=f"{name}_branch3x3dbl_3")
    bp = layers.avg_pool(x, name=f"{name}_avg_pool")
    bp = layers.conv(bp, pool_features, 1, name=f"{name}_branch_pool")
    return layers.concat([b1, b5, b3, bp], name=name, keras_name=keras_name)


def inception_b(x, *, layers, name, keras_name):
    """35×35 → 17×17 grid reduction (Figure 10): 3×3/2 | 1×1→3×3→3×3/2 | max-pool/2."""
    _check_module(x, layers, name, min_size=3, keras_name=keras_name)
    b3 = layers.conv(x, 384, 3, strides=2, padding="valid", name=f"{name}_branch3x3")
    bd = layers.conv(x, 64, 1, name=f"{name}_branch3x3dbl_1")
    bd = layers.conv(bd, 96, 3, name=f"{name}_branch3x3dbl_2")
    bd = layers.conv(bd, 96, 3, strides=2, padding="valid",
                     name=f"{name}_branch3x3dbl_3")
    bp = layers.max_pool(x, name=f"{name}_max_pool")
    return layers.concat([b3, bd, bp], name=name, keras_name=keras_name)


def inception_c(x, channels_7x7, *, layers, name, keras_name):
    """17×17 module (Figure 6): 7×7 convolutions factorised into 1×7 and 7×1.

    1×1 | 1×1→1×7→7×1 | 1×1→7×1→1×7→7×1→1×7 | avg-pool→1×1; 768 channels out.
    """
    _check_module(x, layers, name, keras_name=keras_name)
    c7 = check_positive_int(channels_7x7, "channels_7x7")
    b1 = layers.conv(x, 192, 1, name=f"{name}_branch1x1")
    b7 = layers.conv(x, c7, 1, name=f"{name}_branch7x7_1")
    b7 = layers.conv(b7, c7, (1, 7), name=f"{name}_branch7x7_2")
    b7 = layers.conv(b7, 192, (7, 1), name=f"{name}_branch7x7_3")
    bd = layers.conv(x, c7, 1, name=f"{name}_branch7x7dbl_1")
    bd = layers.conv(bd, c7, (7, 1), name=f"{name}_branch7x7dbl_2")
    bd = layers.conv(bd, c7, (1, 7), name=f"{name}_branch7x7dbl_3")
    bd = layers.conv(bd, c7, (7, 1), name=f"{name}_branch7x7dbl_4")
    bd = layers.conv(bd, 192, (1, 7), name=f"{name}_branch7x7dbl_5")
    bp = layers.avg_pool(x, name=f"{name}_avg_pool")
    bp = layers.conv(bp, 192, 1, name=f"{name}_branch_pool")
    return layers.concat([b1, b7, bd, bp], name=name, keras_name=keras_name)


def inception_d(x, *, layers, name, keras_name):
    """17×17 → 8×8 grid reduction: 1×1→3×3/2 | 1×1→1×7→7×1→3×3/2 | max-pool/2."""
    _check_module(x, layers, name, min_size=3, keras_name=keras_name)
    b3 = layers.conv(x, 192, 1, name=f"{name}_branch3x3_1")
    b3 = layers.conv(b3, 320, 3, strides=2, padding="valid", name=f"{name}_branch3x3_2")
    b7 = layers.conv(x, 192, 1, name=f"{name}_branch7x7x3_1")
    b7 = layers.conv(b7, 192, (1, 7), name=f"{name}_branch7x7x3_2")
    b7 = layers.conv(b7, 192, (7, 1), name=f"{name}_branch7x7x3_3")
    b7 = layers.conv(b7, 192, 3, strides=2, padding="valid",
                     name=f"{name}_branch7x7x3_4")
    bp = layers.max_pool(x, name=f"{name}_max_pool")
    return layers.concat([b3, b7, bp], name=name, keras_name=keras_name)


def inception_e(x, *, layers, name, keras_name, keras_split_name):
    """8×8 module (Figure 7): 1×3 and 3×1 side by side, widening the coarsest grid.

    1×1 | 1×1→(1×3 ‖ 3×1) | 1×1→3×3→(1×3 ‖ 3×1) | avg-pool→1×1; 2048 channels out.
    ``keras_split_name``: keras.applications' name of the first split's concatenation
    (``mixed9_0``, ``mixed9_1``).
    """
    _check_module(x, layers, name, keras_name=keras_name,
                  keras_split_name=keras_split_name)
    b1 = layers.conv(x, 320, 1, name=f"{name}_branch1x1")
    b3 = layers.conv(x, 384, 1, name=f"{name}_branch3x3_1")
    b3 = layers.concat([layers.conv(b3, 384, (1, 3), name=f"{name}_branch3x3_2a"),
                        layers.conv(b3, 384, (3, 1), name=f"{name}_branch3x3_2b")],
                       name=f"{name}_branch3x3", keras_name=keras_split_name)
    bd = layers.conv(x, 448, 1, name=f"{name}_branch3x3dbl_1")
    bd = layers.conv(bd, 384, 3, name=f"{name}_branch3x3dbl_2")
    bd = layers.concat([layers.conv(bd, 384, (1, 3), name=f"{name}_branch3x3dbl_3a"),
                        layers.conv(bd, 384, (3, 1), name=f"{name}_branch3x3dbl_3b")],
                       name=f"{name}_branch3x3dbl")
    bp = layers.avg_pool(x, name=f"{name}_avg_pool")
    bp = layers.conv(bp, 192, 1, name=f"{name}_branch_pool")
    return layers.concat([b1, b3, bd, bp], name=name, keras_name=keras_name)


# (block, torchvision module, keras.applications name, block arguments), in order.
_MODULES = (
    (inception_a, "Mixed_5b", "mixed0", dict(pool_features=32)),
    (inception_a, "Mixed_5c", "mixed1", dict(pool_features=64)),
    (inception_a, "Mixed_5d", "mixed2", dict(pool_features=64)),
    (inception_b, "Mixed_6a", "mixed3", {}),
    (inception_c, "Mixed_6b", "mixed4", dict(channels_7x7=128)),
    (inception_c, "Mixed_6c", "mixed5", dict(channels_7x7=160)),
    (inception_c, "Mixed_6d", "mixed6", dict(channels_7x7=160)),
    (inception_c, "Mixed_6e", "mixed7", dict(channels_7x7=192)),
    (inception_d, "Mixed_7a", "mixed8", {}),
    (inception_e, "Mixed_7b", "mixed9", dict(keras_split_name="mixed9_0")),
    (inception_e, "Mixed_7c", "mixed10", dict(keras_split_name="mixed9_1")),
)


def inception_v3_torch_keys(model):
    """Our layer names (torchvision preset) → torchvision ``inception_v3`` prefixes.

    ``Conv2d_1a_3x3_conv`` → ``Conv2d_1a_3x3.conv``; ``Mixed_6b_branch7x7_2_bn`` →
    ``Mixed_6b.branch7x7_2.bn``; ``predictions`` → ``fc``.
    """
    check_model(model)
    keys = {"predictions": "fc"}
    for layer in model.layers:
        if not layer.weights or layer.name == "predictions":
            continue
        module, leaf = layer.name.rsplit("_", 1)  # leaf: "conv", "bn" (or "fc")
        if module.startswith("Mixed_"):
            module = f"{module[:8]}.{module[9:]}"  # Mixed_5b_branch1x1 → Mixed_5b.branch1x1
        elif module.startswith("AuxLogits_"):
            module = f"AuxLogits.{module[10:]}"  # AuxLogits_conv0 → AuxLogits.conv0
        keys[layer.name] = f"{module}.{leaf}"
    return keys


# torchvision's ImageNet file carries the auxiliary head even for aux_logits=False.
inception_v3_torch_keys.optional_prefixes = ("AuxLogits.",)


def _side_at_mixed6e(side):
    """Height/width of ``Mixed_6e``'s output for an input ``side`` (ImageNet stem)."""
    side = (side - 3) // 2 + 1 - 2  # Conv2d_1a_3x3 (stride 2), Conv2d_2a_3x3 (valid)
    side = (side - 3) // 2 + 1 - 2  # maxpool1, Conv2d_4a_3x3 (valid)
    side = (side - 3) // 2 + 1  # maxpool2
    return (side - 3) // 2 + 1  # Mixed_6a's 3×3/2 valid reduction


def _check_aux(*, preset, stem, include_top, input_shape):
    if preset != "torchvision":
        raise ValueError("aux_logits=True needs preset='torchvision' (keras.applications' "
                         "InceptionV3 has no auxiliary classifier)")
    if stem != "imagenet":
        raise ValueError("aux_logits=True needs the imagenet stem")
    if not include_top:
        raise ValueError("aux_logits=True needs include_top=True (the auxiliary head "
                         "is a classifier)")
    h, w = input_shape[:2]
    # AuxLogits: a 5×5/3 pool, then a valid 5×5 conv: Mixed_6e must be at least 17×17.
    if h is None or w is None or _side_at_mixed6e(min(h, w)) < 17:
        least = next(n for n in range(75, 400) if _side_at_mixed6e(n) >= 17)
        raise ValueError(
            f"aux_logits=True needs a fixed input of at least {least}×{least} (its head "
            f"needs Mixed_6e at 17×17 or more), got input_shape {input_shape}")


def _aux_head(x, *, layers, classes, classifier_activation):
    """torchvision's ``InceptionAux`` on Mixed_6e (17×17×768 at 299×299)."""
    x = keras.layers.AveragePooling2D(5, strides=3, name="AuxLogits_avg_pool")(x)
    x = layers.conv(x, 128, 1, name="AuxLogits_conv0")
    x = layers.conv(x, 768, 5, padding="valid", name="AuxLogits_conv1")
    x = keras.layers.GlobalAveragePooling2D(name="AuxLogits_gap")(x)
    x = keras.layers.Dense(classes, name="AuxLogits_fc")(x)
    return keras.layers.Activation(classifier_activation or "linear", dtype="float32",
                                   name="aux")(x)


def _applications_imagenet(*, include_top, input_shape):
    """keras.applications.InceptionV3 with its ImageNet weights (downloaded once)."""
    try:
        reference = keras.applications.InceptionV3(
            include_top=include_top, weights="imagenet",
            input_shape=None if include_top else input_shape)
    except Exception as err:  # the download: URLError, HTTPError, OSError, ...
        raise RuntimeError(
            "could not get the ImageNet weights of keras.applications.InceptionV3 "
            f"({type(err).__name__}: {err}). Keras downloads them to ~/.keras/models on "
            "first use, which needs network access. On an offline machine, copy the "
            "file there or pass weights='/path/to/file.weights.h5'.") from err
    return reference


def _copy_by_order(model, reference):
    """Copy keras.applications.InceptionV3's weights, layer by layer in creation order.

    keras.applications names InceptionV3's layers automatically, and Keras numbers
    automatic names per session (its first convolution is ``conv2d_94`` if a
    convolution was auto-named before), so the copy goes by creation order, checked by
    layer type and weight shapes, not by name.
    """
    ours = [layer for layer in model.layers if layer.weights]
    theirs = [layer for layer in reference.layers if layer.weights]
    if len(ours) != len(theirs):
        raise ValueError(
            f"keras.applications.InceptionV3 has {len(theirs)} layers with weights, this "
            f"model {len(ours)}; ImageNet weights cannot be copied")
    for mine, source in zip(ours, theirs):
        values = source.get_weights()
        if type(mine) is not type(source) or [w.shape for w in mine.get_weights()] != [
                v.shape for v in values]:
            raise ValueError(
                f"layer {mine.name!r} does not match keras.applications.InceptionV3's "
                f"{source.name!r}; ImageNet weights cannot be copied")
        mine.set_weights(values)


def InceptionV3(include_top=True, weights=None, input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax", *,
                preset="keras", stem="auto", dropout=None, aux_logits=False,
                name=None):
    """Inception v3, keras.applications signature.

    Args:
        preset: ``"keras"`` (keras.applications.InceptionV3: names, order, weights)
            or ``"torchvision"`` (torchvision's ``inception_v3`` layout and names,
            for its checkpoints).
        stem: ``"auto"`` (CIFAR up to 64×64 without weights), ``"imagenet"`` or
            ``"cifar"`` (stride-1 stem without max-pools, see the module docstring).
        dropout: rate before the classifier; default 0 (keras) or 0.5 (torchvision).
        aux_logits: with ``preset="torchvision"``, add torchvision's auxiliary
            classifier on ``Mixed_6e`` (``AuxLogits``: 5×5/3 average pool, 1×1 conv
            128, 5×5 conv 768, global average pool, fc); the model then has two
            outputs ``[predictions, aux]``, and torchvision's ImageNet checkpoint
            (which has ``AuxLogits`` keys) loads whole. Needs an input of at least
            299×299 (``Mixed_6e`` at 17×17, as in torchvision) and ``include_top``.
        input_shape: default 299×299×3; at least 75×75 with the ImageNet stem, 7×7
            with the CIFAR one.
        name: model name; default ``inception_v3`` / ``tv_inception_v3`` (+
            ``_cifar``).
    """
    check_choice(preset, "preset", PRESETS)
    torchvision = preset == "torchvision"
    check_bool(aux_logits, "aux_logits")
    if dropout is None:
        dropout = 0.5 if torchvision else 0.0
    dropout = check_rate(dropout, "dropout")
    input_shape = check_common_args(
        include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation,
        keras_applications=None if torchvision else "InceptionV3",
        default_shape=(299, 299, 3), name=name)
    stem = resolve_stem(stem, input_shape, weights)
    least = MIN_INPUT_SIZE[stem]
    if any(side is not None and side < least for side in input_shape[:2]):
        raise ValueError(
            f"input_shape must be at least {least}×{least} with the {stem} stem (its "
            f"mixed8 reduction needs a 3×3 map), got {input_shape}"
            + (". Use stem='cifar' for small images." if stem == "imagenet" else ""))
    if aux_logits:
        _check_aux(preset=preset, stem=stem, include_top=include_top,
                   input_shape=input_shape)
    if name is None:
        name = "tv_inception_v3" if torchvision else "inception_v3"
        name += "_cifar" if stem == "cifar" else ""

    imagenet = weights is not None and str(weights) == "imagenet"
    # Download first: offline, fail before building anything.
    reference = _applications_imagenet(include_top=include_top,
                                       input_shape=input_shape) if imagenet else None

    layers = InceptionLayers(preset, stem)
    x, inputs = model_input(input_tensor, input_shape)
    x = inception_stem(x, layers=layers)
    aux = None
    for block, module, keras_name, kwargs in _MODULES:
        x = block(x, layers=layers, name=module, keras_name=keras_name, **kwargs)
        if aux_logits and module == "Mixed_6e":
            aux = _aux_head(x, layers=layers, classes=classes,
                            classifier_activation=classifier_activation)
    x = classifier_head(x, include_top=include_top, pooling=pooling, classes=classes,
                        classifier_activation=classifier_activation, top_dropout=dropout)
    if aux is not None:
        x = [x, aux]
    model = finish_model(inputs, x, name=name, weights=None if imagenet else weights,
                         torch_keys=inception_v3_torch_keys if torchvision else None)
    if reference is not None:
        _copy_by_order(model, reference)
    return model


@register_model(top1=77.9,
                top1_source="keras.applications' table (keras.io/api/applications)",
                family="inception", paper="Szegedy et al. 2016, arXiv:1512.00567",
                reference_params=23_851_784, keras_applications="InceptionV3",
                default_input_shape=(299, 299, 3), reference_input_shape=(299, 299, 3),
                preprocessing="tf")
def inception_v3(**kwargs):
    """Inception v3 as keras.applications.InceptionV3 (names, order, ImageNet weights)."""
    return InceptionV3(**kwargs)


@register_model(family="inception", paper="Szegedy et al. 2016, arXiv:1512.00567",
                name="tv_inception_v3", reference_params=23_834_568,
                reference_source="torchvision.models.inception_v3(aux_logits=False)",
                reference_counts_bn_statistics=False, default_input_shape=(299, 299, 3),
                reference_input_shape=(299, 299, 3), preprocessing="torch",
                torchvision="inception_v3", top1=77.294,
                top1_source="torchvision Inception_V3_Weights.IMAGENET1K_V1")
def tv_inception_v3(**kwargs):
    """Inception v3 in torchvision's layout (BN with γ, padded avg pools): its weights load."""
    return InceptionV3(preset="torchvision", **kwargs)
