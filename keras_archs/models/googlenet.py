"""GoogLeNet (Inception v1): parallel branches, 1×1 reductions, auxiliary classifiers.

Szegedy, Liu, Jia, Sermanet, Reed, Anguelov, Erhan, Vanhoucke & Rabinovich,
"Going Deeper with Convolutions", CVPR 2015, arXiv:1409.4842.

The ideas to see in the code:

* an inception module runs 1×1, 3×3 and 5×5 convolutions and a 3×3 max-pool side by
  side and concatenates them, so the next layer picks the scale it needs;
* the *naive* module (:func:`naive_inception_block`) is unaffordable — its pool
  branch passes every input channel through, so widths and multiply-adds explode
  with depth; the real module (:func:`inception_v1_block`) puts 1×1 "reduce"
  convolutions before the 3×3 and 5×5 convolutions and after the pool;
* global average pooling replaces the big fully connected layers of AlexNet/VGG
  (GoogLeNet has 12× fewer parameters than AlexNet);
* two auxiliary classifiers after inception (4a) and (4d) inject extra gradient in
  the middle of the network during training (their losses weighted by 0.3) and are
  thrown away for inference (:func:`compile_googlenet`,
  :func:`googlenet_inference_model`).

Variants:

* ImageNet (``stem="imagenet"``): Table 1 of the paper. With ``batch_norm=True``
  (default) every convolution is conv → BatchNorm → ReLU without bias, as
  torchvision's ``googlenet``; ``batch_norm=False`` is the 2014 network (biases,
  local response normalisation in the stem). torchvision's 5×5 branches are 3×3
  convolutions (a known bug, pytorch/vision#906); ours are real 5×5 convolutions,
  which adds 380,928 parameters: 7,005,832 instead of torchvision's 6,624,904 (1000
  classes, no auxiliary heads, BatchNorm statistics not counted).
  ``kernel_size_5x5=3`` reproduces torchvision's count exactly.
* CIFAR (``stem="cifar"``, automatic up to 64×64): kuangliu/pytorch-cifar's GoogLeNet,
  the PyTorch seed — a 3×3 convolution with 192 channels (+BN+ReLU) instead of the
  ImageNet stem, modules a3, b3, max-pool, a4 … e4, max-pool, a5, b5, 8×8 average pool
  (global at 32×32), linear; every module is ``factorized`` (its 5×5 branch is two
  3×3 convolutions) and keeps PyTorch's convolution biases before BatchNorm.

BatchNorm layers use PyTorch's momentum (0.1 there, 0.9 in Keras' convention) in both
variants, with the reference implementations' epsilons (seed 1e-5, torchvision 1e-3).

The seed notebook built the "5×5" branch of its inception block with a 3×3 kernel
(the same slip as torchvision's); here the 5×5 branch is a real 5×5 convolution.
"""

from __future__ import annotations

import keras

from keras_archs._validation import (
    check_bool, check_choice, check_input_shape, check_int_sequence, check_model,
    check_name, check_number, check_positive_int, check_rate, check_tensor_4d)
from keras_archs.layers import (
    AdaptiveAveragePooling2D, LocalResponseNormalization, conv_bn_act)
from keras_archs.models._builder import (
    check_common_args, classifier_head, finish_model, model_input, resolve_stem)
from keras_archs.registry import register_model

__all__ = [
    "naive_inception_block", "inception_v1_block", "GoogLeNet", "compile_googlenet",
    "googlenet_inference_model", "googlenet_aux_targets", "googlenet_torch_keys",
    "INCEPTION_V1_MODULES",
]

# Table 1 of the paper: #1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj.
INCEPTION_V1_MODULES = {
    "3a": (64, 96, 128, 16, 32, 32),
    "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64),
    "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64),
    "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128),
    "5a": (256, 160, 320, 32, 128, 128),
    "5b": (384, 192, 384, 48, 128, 128),
}
# The body after the stem: inception modules and 3×3/2 max-pools ("pool3", "pool4").
_LAYOUT = ("3a", "3b", "pool3", "4a", "4b", "4c", "4d", "4e", "pool4", "5a", "5b")
# Auxiliary classifier name → the module it reads from.
_AUX_HEADS = {"aux1": "4a", "aux2": "4d"}
_AUX_POOL = 5  # 5×5 average pool with stride 3: 14×14 → 4×4 at 224×224
AUX_LOSS_WEIGHT = 0.3
# PyTorch's BatchNorm momentum 0.1 is Keras' 0.9 (the weight of the old average).
# Keras' default 0.99 leaves the moving statistics far from the batch statistics after
# a short training run, so a few-epoch model predicts at chance in inference mode.
BN_MOMENTUM = 0.9
# Epsilon: the seed's (PyTorch default) 1e-5; torchvision's BasicConv2d uses 1e-3.
_BN_EPSILON = {"cifar": 1e-5, "imagenet": 1e-3}


def _block_name(name, prefix):
    # Layer names must be unique; unnamed blocks get inception_1, inception_2, ...
    return name if name is not None else f"{prefix}_{keras.backend.get_uid(prefix)}"


def naive_inception_block(previous_layer, filters=(64, 128, 32), name=None):
    """The naive inception module of Figure 2(a): 1×1, 3×3, 5×5 convs and a 3×3 pool.

    All four branches see the block input directly; their outputs are concatenated.
    The pool branch passes all input channels through, so the output has
    ``sum(filters) + input channels`` channels — the growth that the dimension-reduced
    :func:`inception_v1_block` avoids.

    Args:
        previous_layer: input tensor.
        filters: ``(1×1, 3×3, 5×5)`` filter counts.
        name: prefix of the layer names (``{name}_1x1`` …); automatic if ``None``.
    """
    check_tensor_4d(previous_layer, "previous_layer")
    f1, f3, f5 = check_int_sequence(filters, "filters", length=3)
    check_name(name, "name", allow_none=True)
    name = _block_name(name, "naive_inception")
    x = previous_layer
    branches = [
        keras.layers.Conv2D(f, k, padding="same", activation="relu",
                            name=f"{name}_{k}x{k}")(x)
        for f, k in ((f1, 1), (f3, 3), (f5, 5))
    ]
    branches.append(
        keras.layers.MaxPooling2D(3, strides=1, padding="same", name=f"{name}_pool")(x))
    return keras.layers.Concatenate(name=f"{name}_concat")(branches)


def inception_v1_block(previous_layer, filters_1x1=64, filters_3x3_reduce=96,
                       filters_3x3=128, filters_5x5_reduce=16, filters_5x5=32,
                       filters_pool_proj=32, name=None, *, factorized=False,
                       batch_norm=None, use_bias=None, kernel_size_5x5=5,
                       bn_momentum=BN_MOMENTUM, bn_epsilon=None):
    """The inception module with dimension reduction (Figure 2(b)); defaults: (3a).

    Branches, concatenated along channels:
    ``{name}_1x1``; ``{name}_3x3_reduce`` → ``{name}_3x3``;
    ``{name}_5x5_reduce`` → ``{name}_5x5`` (or ``_5x5a`` → ``_5x5b`` when
    factorized); ``{name}_pool`` (3×3/1 max-pool) → ``{name}_pool_proj``.
    Every convolution is followed by ReLU.

    Args:
        previous_layer: input tensor.
        filters_1x1 … filters_pool_proj: the six columns of the paper's Table 1.
        name: prefix of the layer names; automatic if ``None``.
        factorized: the PyTorch CIFAR seed's form: the 5×5 branch is two stacked 3×3
            convolutions (same receptive field, 18 instead of 25 weights per
            input-output pair).
        batch_norm: BatchNorm between each convolution and its ReLU; default: on
            when ``factorized`` (as the seed), off otherwise (as the paper).
        use_bias: convolution biases; default: on without BatchNorm, off with it
            (as torchvision) — except in the factorized form, which keeps PyTorch's
            default biases as the seed does.
        kernel_size_5x5: 5 (the paper); 3 reproduces torchvision's bug
            (pytorch/vision#906) for parameter parity. Ignored when factorized.
        bn_momentum: BatchNorm moving-average momentum, PyTorch's default (0.9 in
            Keras' convention).
        bn_epsilon: default 1e-5 when factorized (the seed), else 1e-3 (torchvision).

    Returns:
        Tensor with ``filters_1x1 + filters_3x3 + filters_5x5 + filters_pool_proj``
        channels and the input's height and width.
    """
    args = {
        "filters_1x1": filters_1x1, "filters_3x3_reduce": filters_3x3_reduce,
        "filters_3x3": filters_3x3, "filters_5x5_reduce": filters_5x5_reduce,
        "filters_5x5": filters_5x5, "filters_pool_proj": filters_pool_proj,
    }
    check_tensor_4d(previous_layer, "previous_layer")
    for arg, value in args.items():
        check_positive_int(value, arg)
    check_name(name, "name", allow_none=True)
    check_bool(factorized, "factorized")
    check_bool(batch_norm, "batch_norm", allow_none=True)
    check_bool(use_bias, "use_bias", allow_none=True)
    check_choice(kernel_size_5x5, "kernel_size_5x5", (5, 3))
    check_rate(bn_momentum, "bn_momentum")
    if bn_epsilon is not None:
        check_number(bn_epsilon, "bn_epsilon", minimum=0, include_minimum=False)
    if batch_norm is None:
        batch_norm = factorized
    if use_bias is None:
        use_bias = factorized or not batch_norm
    if bn_epsilon is None:
        bn_epsilon = _BN_EPSILON["cifar" if factorized else "imagenet"]
    name = _block_name(name, "inception")

    def conv(x, filters, kernel_size, suffix):
        return conv_bn_act(x, filters, kernel_size, batch_norm=batch_norm,
                           use_bias=use_bias, bn_momentum=bn_momentum,
                           bn_epsilon=bn_epsilon, name=f"{name}_{suffix}",
                           conv_suffix="")

    x = previous_layer
    branch_1x1 = conv(x, filters_1x1, 1, "1x1")
    branch_3x3 = conv(x, filters_3x3_reduce, 1, "3x3_reduce")
    branch_3x3 = conv(branch_3x3, filters_3x3, 3, "3x3")
    branch_5x5 = conv(x, filters_5x5_reduce, 1, "5x5_reduce")
    if factorized:
        branch_5x5 = conv(branch_5x5, filters_5x5, 3, "5x5a")
        branch_5x5 = conv(branch_5x5, filters_5x5, 3, "5x5b")
    else:
        branch_5x5 = conv(branch_5x5, filters_5x5, kernel_size_5x5, "5x5")
    branch_pool = keras.layers.MaxPooling2D(
        3, strides=1, padding="same", name=f"{name}_pool")(x)
    branch_pool = conv(branch_pool, filters_pool_proj, 1, "pool_proj")
    return keras.layers.Concatenate(name=f"{name}_concat")(
        [branch_1x1, branch_3x3, branch_5x5, branch_pool])


def _aux_classifier(x, *, classes, classifier_activation, batch_norm, use_bias,
                    bn_epsilon, dropout, name, adaptive=False):
    """Auxiliary head (paper section 5): 5×5/3 avg-pool, 1×1 conv 128, FC 1024, FC.

    ``adaptive``: torchvision's ``F.adaptive_avg_pool2d(x, (4, 4))`` instead of the
    5×5/3 pool (at 224×224 both give 4×4 from 14×14, over different windows).
    """
    if adaptive:
        x = AdaptiveAveragePooling2D(4, name=f"{name}_avg_pool")(x)
    else:
        x = keras.layers.AveragePooling2D(_AUX_POOL, strides=3,
                                          name=f"{name}_avg_pool")(x)
    x = conv_bn_act(x, 128, 1, batch_norm=batch_norm, use_bias=use_bias,
                    bn_momentum=BN_MOMENTUM, bn_epsilon=bn_epsilon, name=f"{name}_conv",
                    conv_suffix="")
    x = keras.layers.Flatten(name=f"{name}_flatten")(x)
    x = keras.layers.Dense(1024, activation="relu", name=f"{name}_fc")(x)
    x = keras.layers.Dropout(dropout, name=f"{name}_dropout")(x)
    x = keras.layers.Dense(classes, name=f"{name}_predictions")(x)
    # float32 like the main head, and named after the head so outputs read
    # predictions_activation, aux1, aux2.
    return keras.layers.Activation(classifier_activation or "linear", dtype="float32",
                                   name=name)(x)


PRESETS = ("paper", "torchvision")


# Total stride before inception (4a) of the paper layout: conv1, pool1, pool2, pool3
# (2 each, "same" padding); CIFAR: one 3×3/2 pool with 1-pixel padding. Both round up.
_STRIDE_AT_4A = {"imagenet": 16, "cifar": 2}
# The torchvision layout's ceil-mode 3×3/2 pools need 2 pixels (after their 1-pixel
# padding, 3): pool3 needs 2 ← pool2 4 ← pool1 8 ← conv1 (padded 3, 7×7/2) 15.
_TORCHVISION_MIN_SIZE = 15


def _side_at_4a(stem, side):
    """Height/width of the feature map entering inception (4a) for an input ``side``."""
    return -(-side // _STRIDE_AT_4A[stem])


def _least_input_for_aux(stem):
    return _STRIDE_AT_4A[stem] * (_AUX_POOL - 1) + 1


def _ceil_max_pool(x, pool_size, *, name):
    """PyTorch's ``MaxPool2d(pool_size, 2, ceil_mode=True)`` (torchvision's pools).

    ceil_mode lets the last window hang over the bottom/right edge. One row and column
    of zeros there, then a "valid" pool, gives the same windows for even and odd sizes
    (the extra row is only ever read by that hanging window), and zeros equal PyTorch's
    ignored padding because every input here is a ReLU output (>= 0).
    """
    x = keras.layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"{name}_pad")(x)
    return keras.layers.MaxPooling2D(pool_size, strides=2, name=name)(x)


def _imagenet_stem(x, *, batch_norm, use_bias, preset="paper"):
    torchvision = preset == "torchvision"

    def conv(x, filters, kernel_size, name, strides=1, padding="same"):
        return conv_bn_act(x, filters, kernel_size, strides=strides, padding=padding,
                           batch_norm=batch_norm, use_bias=use_bias,
                           bn_momentum=BN_MOMENTUM, bn_epsilon=_BN_EPSILON["imagenet"],
                           name=name, conv_suffix="")

    def pool(x, name):
        if torchvision:
            return _ceil_max_pool(x, 3, name=name)
        return keras.layers.MaxPooling2D(3, strides=2, padding="same", name=name)(x)

    if torchvision:
        # PyTorch's padding=3 pads 3 on every side; Keras' "same" would pad 2 on the
        # top/left and 3 on the bottom/right at 224, shifting every window by a pixel.
        x = keras.layers.ZeroPadding2D(3, name="conv1_pad")(x)
        x = conv(x, 64, 7, "conv1", strides=2, padding="valid")
    else:
        x = conv(x, 64, 7, "conv1", strides=2)
    x = pool(x, "pool1")
    if not batch_norm:
        # The 2014 network normalised here; BatchNorm made LRN redundant.
        x = LocalResponseNormalization(name="pool1_norm")(x)
    x = conv(x, 64, 1, "conv2")
    x = conv(x, 192, 3, "conv3")
    if not batch_norm:
        x = LocalResponseNormalization(name="conv3_norm")(x)
    return pool(x, "pool2")


def _body_pool(x, *, stem, name, preset="paper"):
    if preset == "torchvision":
        # torchvision: maxpool3 is 3×3/2 but maxpool4 is 2×2/2, both ceil_mode.
        return _ceil_max_pool(x, 3 if name == "pool3" else 2, name=name)
    if stem == "imagenet":
        return keras.layers.MaxPooling2D(3, strides=2, padding="same", name=name)(x)
    # PyTorch's MaxPool2d(3, 2, padding=1) pads both sides; TensorFlow's "same" pads
    # only the bottom/right. The input is a concatenation of ReLU outputs (>= 0), so
    # zero padding equals PyTorch's -inf padding and the windows line up exactly.
    x = keras.layers.ZeroPadding2D(1, name=f"{name}_pad")(x)
    return keras.layers.MaxPooling2D(3, strides=2, name=name)(x)


# Our inception-module branch suffixes → torchvision's Inception submodules.
_TORCH_BRANCHES = {"1x1": "branch1", "3x3_reduce": "branch2.0", "3x3": "branch2.1",
                   "5x5_reduce": "branch3.0", "5x5": "branch3.1", "pool_proj": "branch4.1"}
# Auxiliary-head layers → torchvision's InceptionAux submodules.
_TORCH_AUX = {"conv": "conv.conv", "conv_bn": "conv.bn", "fc": "fc1",
              "predictions": "fc2"}


def googlenet_torch_keys(model):
    """Our layer names → torchvision ``googlenet`` state_dict prefixes.

    ``conv1`` → ``conv1.conv``, ``conv1_bn`` → ``conv1.bn``; ``inception3a_3x3_reduce``
    → ``inception3a.branch2.0.conv``, ``inception3a_pool_proj_bn`` →
    ``inception3a.branch4.1.bn``; ``aux1_fc`` → ``aux1.fc1``; ``predictions`` → ``fc``.
    """
    check_model(model)
    keys = {"predictions": "fc"}
    for layer in model.layers:
        if not layer.weights or layer.name == "predictions":
            continue
        name = layer.name
        if name.startswith("aux"):
            head, part = name.split("_", 1)
            keys[name] = f"{head}.{_TORCH_AUX[part]}"
            continue
        base, leaf = (name[:-3], "bn") if name.endswith("_bn") else (name, "conv")
        if base.startswith("inception"):
            module, branch = base.split("_", 1)
            keys[name] = f"{module}.{_TORCH_BRANCHES[branch]}.{leaf}"
        else:  # conv1, conv2, conv3
            keys[name] = f"{base}.{leaf}"
    return keys


# torchvision's ImageNet file carries the auxiliary heads even for aux_logits=False.
googlenet_torch_keys.optional_prefixes = ("aux1.", "aux2.")


def GoogLeNet(include_top=True, weights=None, input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax", *,
              aux_logits=False, stem="auto", batch_norm=True, dropout=None,
              aux_dropout=0.7, kernel_size_5x5=None, preset="paper", name=None):
    """GoogLeNet (Inception v1), keras.applications signature.

    Args:
        aux_logits: add the two auxiliary classifiers (after 4a and 4d); the model
            then has three outputs ``[predictions, aux1, aux2]``. Needs an input whose
            feature map at 4a is at least 5×5 (ImageNet stem: 65×65 and up; CIFAR
            stem: 9×9 and up; any fixed size with the torchvision preset, whose heads
            pool adaptively to 4×4) and ``include_top=True``.
        stem: ``"auto"`` (CIFAR up to 64×64 inputs), ``"imagenet"`` or ``"cifar"``;
            recorded in ``model.name`` (``googlenet`` / ``googlenet_cifar``).
        batch_norm: conv → BatchNorm → ReLU everywhere (default); ``False`` with the
            ImageNet stem is the 2014 network with LRN in the stem.
        dropout: rate before the classifier; default 0.4 (paper) for the ImageNet
            stem, 0.2 with the torchvision preset (its default), 0 for the CIFAR one
            (the seed has none).
        aux_dropout: dropout in the auxiliary heads (paper: 0.7).
        kernel_size_5x5: 5 (paper, the default) or 3 (torchvision's layout, the
            default of ``preset="torchvision"``).
        preset: ``"paper"`` (Table 1: "same"-padded 3×3/2 pools everywhere) or
            ``"torchvision"``: torchvision's ``googlenet`` exactly — 3×3 "5×5"
            branches, conv1 padded 3 on every side, ceil-mode 3×3/2 pools and a
            2×2/2 pool before (5a), auxiliary heads that pool adaptively to 4×4
            (so a torchvision checkpoint with ``aux1``/``aux2`` keys loads with
            ``aux_logits=True``); the ImageNet stem and BatchNorm only.
        name: model name; default from the stem (and ``tv_googlenet`` for the
            torchvision preset).
    """
    check_bool(aux_logits, "aux_logits")
    check_bool(batch_norm, "batch_norm")
    check_choice(preset, "preset", PRESETS)
    torchvision = preset == "torchvision"
    if kernel_size_5x5 is None:
        kernel_size_5x5 = 3 if torchvision else 5
    check_choice(kernel_size_5x5, "kernel_size_5x5", (5, 3))
    aux_dropout = check_rate(aux_dropout, "aux_dropout")
    input_shape = check_common_args(
        include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation, name=name)
    if torchvision:
        check_choice(stem, "stem (with preset='torchvision')", ("auto", "imagenet"))
        if not batch_norm:
            raise ValueError("batch_norm must be True with preset='torchvision' "
                             "(torchvision's BasicConv2d is conv → BatchNorm → ReLU)")
        stem = "imagenet"
        input_shape = check_input_shape(input_shape, min_size=_TORCHVISION_MIN_SIZE)
    stem = resolve_stem(stem, input_shape, weights)
    if dropout is None:
        dropout = 0.0 if stem == "cifar" else 0.2 if torchvision else 0.4
    dropout = check_rate(dropout, "dropout")
    if aux_logits:
        if not include_top:
            raise ValueError("aux_logits=True needs include_top=True (the auxiliary "
                             "heads are classifiers)")
        h, w = input_shape[:2]
        if h is None or w is None:
            raise ValueError("aux_logits=True needs a fixed input height and width "
                             f"(its heads flatten a 4×4 map), got input_shape "
                             f"{input_shape}")
        side = _side_at_4a(stem, min(h, w))
        # torchvision's adaptive 4×4 pool takes any map; the paper's 5×5/3 needs 5×5.
        if side < _AUX_POOL and not torchvision:
            least = _least_input_for_aux(stem)
            raise ValueError(
                f"aux_logits=True needs an input of at least {least}×{least} with the "
                f"{stem} stem: the auxiliary heads average-pool 5×5 windows of the "
                f"inception (4a) map, which is {side}×{side} for input_shape "
                f"{input_shape}. Use aux_logits=False or a larger input.")
    if name is None:
        name = ("tv_googlenet" if torchvision else
                "googlenet" if stem == "imagenet" else "googlenet_cifar")

    factorized = stem == "cifar"
    # The seed keeps PyTorch's default conv biases before its BatchNorms.
    use_bias = factorized or not batch_norm
    x, inputs = model_input(input_tensor, input_shape)
    if stem == "imagenet":
        x = _imagenet_stem(x, batch_norm=batch_norm, use_bias=use_bias, preset=preset)
    else:
        x = conv_bn_act(x, 192, 3, batch_norm=batch_norm, use_bias=use_bias,
                        bn_momentum=BN_MOMENTUM, bn_epsilon=_BN_EPSILON["cifar"],
                        name="conv1", conv_suffix="")

    aux_outputs = []
    for item in _LAYOUT:
        if item.startswith("pool"):
            x = _body_pool(x, stem=stem, name=item, preset=preset)
            continue
        x = inception_v1_block(x, *INCEPTION_V1_MODULES[item], name=f"inception{item}",
                               factorized=factorized, batch_norm=batch_norm,
                               use_bias=use_bias, kernel_size_5x5=kernel_size_5x5,
                               bn_epsilon=_BN_EPSILON[stem])
        for aux_name, after in _AUX_HEADS.items():
            if aux_logits and after == item:
                aux_outputs.append(_aux_classifier(
                    x, classes=classes, classifier_activation=classifier_activation,
                    batch_norm=batch_norm, use_bias=use_bias,
                    bn_epsilon=_BN_EPSILON[stem], dropout=aux_dropout, name=aux_name,
                    adaptive=torchvision))

    x = classifier_head(x, include_top=include_top, pooling=pooling, classes=classes,
                        classifier_activation=classifier_activation, top_dropout=dropout)
    outputs = [x, *aux_outputs] if aux_logits else x
    return finish_model(inputs, outputs, name=name, weights=weights,
                        torch_keys=googlenet_torch_keys)


def _outputs_are_logits(model) -> bool:
    try:
        activation = model.get_layer("predictions_activation").activation
    except ValueError:
        return False
    return activation is keras.activations.linear


def compile_googlenet(model, optimizer="adam", *, aux_loss_weight=AUX_LOSS_WEIGHT,
                      loss=None, metrics=("accuracy",), **compile_kwargs):
    """Compile a GoogLeNet, weighting the auxiliary losses as the paper does (0.3).

    The total loss is ``loss(main) + aux_loss_weight * (loss(aux1) + loss(aux2))``;
    ``metrics`` are reported for the main output only. A model without auxiliary
    heads is compiled with ``loss`` alone. Train a three-output model on a dataset
    passed through :func:`googlenet_aux_targets`.

    Args:
        model: a model from :func:`GoogLeNet`.
        optimizer: anything ``model.compile`` accepts.
        aux_loss_weight: weight of each auxiliary loss (>= 0).
        loss: default sparse categorical cross-entropy, on logits if the model has
            ``classifier_activation=None``.
        **compile_kwargs: passed to ``model.compile``.
    """
    check_model(model)
    check_number(aux_loss_weight, "aux_loss_weight", minimum=0)
    if loss is None:
        loss = keras.losses.SparseCategoricalCrossentropy(
            from_logits=_outputs_are_logits(model))
    metrics = list(metrics or [])
    num_outputs = len(model.outputs)
    if num_outputs == 1:
        model.compile(optimizer=optimizer, loss=loss, metrics=metrics, **compile_kwargs)
    elif num_outputs == 1 + len(_AUX_HEADS):
        model.compile(
            optimizer=optimizer, loss=[loss] * num_outputs,
            loss_weights=[1.0] + [float(aux_loss_weight)] * len(_AUX_HEADS),
            metrics=[metrics] + [[] for _ in _AUX_HEADS], **compile_kwargs)
    else:
        raise ValueError(
            f"model must have 1 output or 3 (main, aux1, aux2), got {num_outputs}")
    return model


def googlenet_aux_targets(dataset):
    """Map a ``(image, label)`` dataset to ``(image, (label, label, label))``.

    A model with auxiliary heads has three outputs, and Keras needs one target per
    output; all three heads predict the same label.
    """
    if not callable(getattr(dataset, "map", None)):
        raise TypeError("dataset must be a tf.data.Dataset of (image, label) pairs, "
                        f"got {type(dataset).__name__}")
    num_targets = 1 + len(_AUX_HEADS)
    return dataset.map(lambda image, label: (image, (label,) * num_targets))


def googlenet_inference_model(model):
    """The main-output model of a GoogLeNet trained with auxiliary heads.

    Returns a ``keras.Model`` from the same input to the first output only, built
    from the same layers: it shares every weight of the trained model (no copy), and
    the auxiliary heads' weights are simply not part of it. A model that already
    has one output is returned as is.
    """
    check_model(model)
    if len(model.outputs) == 1:
        return model
    # model.input keeps a single-input model's input structure a tensor, not a list.
    inputs = model.input if len(model.inputs) == 1 else model.inputs
    return keras.Model(inputs, model.outputs[0], name=f"{model.name}_inference")


@register_model(family="googlenet", paper="Szegedy et al. 2014, arXiv:1409.4842",
                reference_params=7_005_832, reference_counts_bn_statistics=False,
                reference_source="derived: torchvision googlenet's 6,624,904 plus "
                                 "380,928 for the paper's real 5x5 kernels",
                default_input_shape=(224, 224, 3))
def googlenet(**kwargs):
    """GoogLeNet (Inception v1) with the paper's real 5×5 branches and BatchNorm; CIFAR stem."""
    return GoogLeNet(**kwargs)


@register_model(family="googlenet", paper="Szegedy et al. 2014, arXiv:1409.4842",
                name="tv_googlenet", reference_params=6_624_904,
                reference_source="torchvision.models.googlenet (aux_logits=False)",
                reference_counts_bn_statistics=False, default_input_shape=(224, 224, 3),
                preprocessing="torch", torchvision="googlenet", top1=69.778,
                top1_source="torchvision GoogLeNet_Weights.IMAGENET1K_V1")
def tv_googlenet(**kwargs):
    """GoogLeNet as torchvision's (3×3 "5×5" branches, pytorch/vision#906): its weights load."""
    return GoogLeNet(preset="torchvision", **kwargs)
