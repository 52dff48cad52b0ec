"""SqueezeNet 1.0 and 1.1: AlexNet-level accuracy with 50× fewer parameters.

Iandola et al., "SqueezeNet: AlexNet-level accuracy with 50x fewer parameters and
<0.5MB model size", 2016, arXiv:1602.07360.

The idea to see in the code: the *fire module* (:func:`fire_module`). A 1×1 "squeeze"
convolution first cuts the channels a 3×3 convolution will see (strategy 2 of the
paper), then an "expand" layer mixes cheap 1×1 filters (strategy 1) with 3×3 ones and
concatenates them. Pooling comes late (strategy 3), so most layers work on large
activation maps. There is no fully connected layer: a 1×1 convolution to ``classes``
channels followed by ReLU and global average pooling is the classifier.

The models are twins of torchvision's ``squeezenet1_0``/``squeezenet1_1`` (same
weights in, same logits out): convolutions with biases, no BatchNorm, max-pooling with
``ceil_mode=True`` (emulated by padding the bottom/right row with zeros where the ceil
adds a window — exact because the inputs are ReLU outputs, ≥ 0), and the classifier
Dropout(0.5) → 1×1 conv → **ReLU** → average pool. 1.1 (from the authors' repository)
has a 3×3 first convolution with 64 filters and pools earlier: 2.4× less computation.

``stem="cifar"`` (automatic for inputs up to 64×64) makes the first convolution 3×3
with stride 1 and "same" padding, so a 32×32 image reaches the last fire module at 4×4.
"""

from __future__ import annotations

import math

import keras

from keras_archs._validation import (
    check_choice, check_input_shape, check_name, check_positive_int, check_rate,
    check_tensor_4d)
from keras_archs.models._builder import (
    check_common_args, finish_model, model_input, resolve_stem)
from keras_archs.registry import register_model

__all__ = ["fire_module", "SqueezeNet", "SqueezeNet1_0", "SqueezeNet1_1",
           "SQUEEZENET_LAYOUTS", "VERSIONS"]

_PAPER = "Iandola et al. 2016, arXiv:1602.07360"
VERSIONS = ("1_0", "1_1")
# torchvision's ``features`` after its first convolution and ReLU: "pool" is a 3×3
# stride-2 max-pool (ceil mode), a triple a fire module (squeeze, expand 1×1, expand
# 3×3). The first entry is the first convolution: (filters, kernel size).
SQUEEZENET_LAYOUTS = {
    "1_0": ((96, 7), ("pool", (16, 64, 64), (16, 64, 64), (32, 128, 128), "pool",
                      (32, 128, 128), (48, 192, 192), (48, 192, 192), (64, 256, 256),
                      "pool", (64, 256, 256))),
    "1_1": ((64, 3), ("pool", (16, 64, 64), (16, 64, 64), "pool", (32, 128, 128),
                      (32, 128, 128), "pool", (48, 192, 192), (48, 192, 192),
                      (64, 256, 256), (64, 256, 256))),
}


def fire_module(x, squeeze, expand_1x1, expand_3x3, name=None):
    """Fire module: 1×1 squeeze → ReLU → [1×1 expand → ReLU ‖ 3×3 expand → ReLU].

    Args:
        x: 4-D Keras tensor.
        squeeze: filters of the 1×1 squeeze convolution (s1x1 in the paper).
        expand_1x1: filters of the 1×1 expand convolution (e1x1).
        expand_3x3: filters of the 3×3 expand convolution (e3x3).
        name: layer-name prefix (``"fire2"``): ``{name}_squeeze1x1``,
            ``{name}_squeeze1x1_relu``, ``{name}_expand1x1``, ``{name}_expand1x1_relu``,
            ``{name}_expand3x3``, ``{name}_expand3x3_relu``, ``{name}_concat``.

    Returns:
        Output tensor with ``expand_1x1 + expand_3x3`` channels.
    """
    check_tensor_4d(x, "x")
    squeeze = check_positive_int(squeeze, "squeeze")
    expand_1x1 = check_positive_int(expand_1x1, "expand_1x1")
    expand_3x3 = check_positive_int(expand_3x3, "expand_3x3")
    check_name(name, "name", allow_none=True)

    def named(suffix):
        return None if name is None else f"{name}_{suffix}"

    def conv(t, filters, kernel, part):
        t = keras.layers.Conv2D(filters, kernel, padding="same", name=named(part))(t)
        return keras.layers.ReLU(name=named(f"{part}_relu"))(t)

    s = conv(x, squeeze, 1, "squeeze1x1")
    return keras.layers.Concatenate(name=named("concat"))(
        [conv(s, expand_1x1, 1, "expand1x1"), conv(s, expand_3x3, 3, "expand3x3")])


def _ceil_pool_size(size, kernel=3, stride=2):
    """Output size of PyTorch's MaxPool2d(kernel, stride, ceil_mode=True)."""
    out = math.ceil((size - kernel) / stride) + 1
    if (out - 1) * stride >= size:  # a window may not start past the input
        out -= 1
    return out


def _max_pool_ceil(x, name):
    """PyTorch's ``MaxPool2d(3, 2, ceil_mode=True)`` on a map of values ≥ 0."""
    h, w = x.shape[1:3]
    extra = [(_ceil_pool_size(d) - 1) * 2 + 3 - d for d in (h, w)]
    if any(extra):
        x = keras.layers.ZeroPadding2D(((0, extra[0]), (0, extra[1])),
                                       name=f"{name}_pad")(x)
    return keras.layers.MaxPooling2D(3, strides=2, name=name)(x)


def _min_size(version, stem):
    """Smallest height/width whose every convolution and pooling window fits."""
    (_, kernel), layout = SQUEEZENET_LAYOUTS[version]
    for size in range(1, 512):
        h = size if stem == "cifar" else (size - kernel) // 2 + 1
        if stem != "cifar" and size < kernel:
            continue
        ok = True
        for entry in layout:
            if entry == "pool":
                if h < 3:
                    ok = False
                    break
                h = _ceil_pool_size(h)
        if ok:
            return size
    raise AssertionError("unreachable")


def _names(version):
    """Paper names: conv1, then pools and fire modules numbered by position."""
    out, n = [], 1
    for entry in SQUEEZENET_LAYOUTS[version][1]:
        if entry == "pool":
            out.append(f"pool{n}")
        else:
            n += 1
            out.append(f"fire{n}")
    return out


def SqueezeNet(version="1_0", dropout=0.5, include_top=True, weights=None,
               input_tensor=None, input_shape=None, pooling=None, classes=1000,
               classifier_activation="softmax", stem="auto", name=None):
    """SqueezeNet ``version`` ``"1_0"`` or ``"1_1"``, torchvision's layout and weights.

    With ``include_top`` the classifier is Dropout → ``predictions`` (1×1 convolution,
    the paper's conv10) → ReLU → global average pooling → a float32 activation.
    """
    check_choice(version, "version", VERSIONS)
    dropout = check_rate(dropout, "dropout")
    input_shape = check_common_args(
        include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation, name=name)
    stem = resolve_stem(stem, input_shape, weights)
    if None in input_shape[:2]:
        raise ValueError(
            f"input_shape must have a known height and width for SqueezeNet (its "
            f"ceil-mode pooling pads by size), got {tuple(input_shape)}")
    input_shape = check_input_shape(input_shape, min_size=_min_size(version, stem))
    if name is None:
        name = f"squeezenet{version}" + ("_cifar" if stem == "cifar" else "")

    (filters, kernel), layout = SQUEEZENET_LAYOUTS[version]
    x, inputs = model_input(input_tensor, input_shape)
    if stem == "cifar":
        x = keras.layers.Conv2D(filters, 3, padding="same", name="conv1")(x)
    else:
        x = keras.layers.Conv2D(filters, kernel, strides=2, name="conv1")(x)
    x = keras.layers.ReLU(name="conv1_relu")(x)
    for entry, label in zip(layout, _names(version)):
        if entry == "pool":
            x = _max_pool_ceil(x, label)
        else:
            x = fire_module(x, *entry, name=label)
    if include_top:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
        # torchvision's final_conv (the paper's conv10), normal(0, 0.01) as there.
        x = keras.layers.Conv2D(
            classes, 1, kernel_initializer=keras.initializers.RandomNormal(stddev=0.01),
            name="predictions")(x)
        x = keras.layers.ReLU(name="predictions_relu")(x)
        x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = keras.layers.Activation(classifier_activation or "linear", dtype="float32",
                                    name="predictions_activation")(x)
    elif pooling == "avg":
        x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = keras.layers.GlobalMaxPooling2D(name="max_pool")(x)

    return finish_model(inputs, x, name=name, weights=weights, torch_keys=_torch_keys)


def _torch_keys(model):
    """Our layer names → torchvision ``squeezenet1_*`` module prefixes.

    torchvision's ``features``: 0 the first convolution, 1 its ReLU, then one entry
    per max-pool or fire module in network order (``features.{i}.squeeze``,
    ``.expand1x1``, ``.expand3x3``); ``classifier.1`` the final 1×1 convolution.
    """
    keys = {"conv1": "features.0", "predictions": "classifier.1"}
    index = 1
    for layer in model.layers:
        if isinstance(layer, keras.layers.MaxPooling2D) or (
                isinstance(layer, keras.layers.Concatenate)
                and layer.name.endswith("_concat")):
            index += 1
            if isinstance(layer, keras.layers.Concatenate):
                fire = layer.name[:-len("_concat")]
                for ours, theirs in (("squeeze1x1", "squeeze"),
                                     ("expand1x1", "expand1x1"),
                                     ("expand3x3", "expand3x3")):
                    keys[f"{fire}_{ours}"] = f"features.{index}.{theirs}"
    return keys


def SqueezeNet1_0(**kwargs):
    """SqueezeNet 1.0 (the paper's Table 1)."""
    return SqueezeNet("1_0", **kwargs)


def SqueezeNet1_1(**kwargs):
    """SqueezeNet 1.1 (3×3 first convolution, earlier pooling)."""
    return SqueezeNet("1_1", **kwargs)


@register_model(family="squeezenet", paper=_PAPER, reference_params=1_248_424,
                reference_source="torchvision squeezenet1_0",
                reference_counts_bn_statistics=False, torchvision="squeezenet1_0",
                preprocessing="torch", top1=58.092,
                top1_source="torchvision SqueezeNet1_0_Weights.IMAGENET1K_V1")
def squeezenet1_0(**kwargs):
    """SqueezeNet 1.0: fire modules, no dense layers; torchvision's squeezenet1_0."""
    return SqueezeNet1_0(**kwargs)


@register_model(family="squeezenet", paper=_PAPER, reference_params=1_235_496,
                reference_source="torchvision squeezenet1_1",
                reference_counts_bn_statistics=False, torchvision="squeezenet1_1",
                preprocessing="torch", top1=58.178,
                top1_source="torchvision SqueezeNet1_1_Weights.IMAGENET1K_V1")
def squeezenet1_1(**kwargs):
    """SqueezeNet 1.1: 3×3 stem, earlier pooling (2.4× fewer FLOPs); torchvision's."""
    return SqueezeNet1_1(**kwargs)
