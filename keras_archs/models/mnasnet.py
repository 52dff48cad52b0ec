"""MNASNet: a mobile network found by platform-aware neural architecture search.

Tan et al., "MnasNet: Platform-Aware Neural Architecture Search for Mobile", CVPR 2019,
arXiv:1807.11626.

The idea to see in the code: the search optimised accuracy *and measured phone
latency*, and was free to choose a different block per stage. The result (MNASNet-B1,
the paper's Figure 7 without squeeze-and-excitation) is built from MobileNetV2's
inverted residuals (:func:`~keras_archs.models.mobilenet.inverted_residual_block`, with
ReLU instead of ReLU6), but mixes 3×3 and 5×5 depthwise kernels and expansion factors
3 and 6 stage by stage (:data:`MNASNET_STAGES`).

The models are twins of torchvision's ``mnasnet0_5``/``0_75``/``1_0``/``1_3`` (same
weights in, same logits out): symmetric padding, BatchNorm epsilon 1e-5 and momentum
0.9997 in Keras' convention (torchvision's ``1 - 0.9997``), widths scaled by α and
rounded to multiples of 8 (never more than 10 % down, torchvision's
``_round_to_multiple_of``), a 1×1 convolution to 1280 channels (not scaled) and
Dropout(0.2) before the classifier. Layer names follow keras.applications'
MobileNetV2 (``expanded_conv_*`` for the separable first block, ``block_{i}_*``,
``Conv_1``), the blocks being the same.

``stem="cifar"`` (automatic for inputs up to 64×64) gives the first convolution and
the first stage stride 1 (as kuangliu's CIFAR MobileNetV2), so 32×32 inputs end at 4×4,
with BatchNorm momentum 0.9 (PyTorch's default) for training from scratch.
"""

from __future__ import annotations

import keras

from keras_archs._validation import check_input_shape, check_number, check_rate
from keras_archs.models._builder import (
    check_common_args, classifier_head, finish_model, model_input, resolve_stem)
from keras_archs.models.mobilenet import (
    BLOCK_LAYER, inverted_residual_block, make_divisible)
from keras_archs.registry import register_model

__all__ = ["MNASNet", "MNASNet0_5", "MNASNet0_75", "MNASNet1_0", "MNASNet1_3",
           "MNASNET_STAGES"]

_PAPER = "Tan et al. 2019, arXiv:1807.11626"
# Stem: a 3×3 convolution to 32 channels and a separable block to 16. Then per stage:
# (expansion t, output channels, depthwise kernel, stride of the first block, blocks).
MNASNET_STEM = (32, 16)
MNASNET_STAGES = ((3, 24, 3, 2, 3), (3, 40, 5, 2, 3), (6, 80, 5, 2, 3),
                  (6, 96, 3, 1, 2), (6, 192, 5, 2, 4), (6, 320, 3, 1, 1))
HEAD_CHANNELS = 1280
# torchvision's momentum 1 - 0.9997 is Keras' 0.9997; CIFAR training uses 0.9.
_BN_IMAGENET = (0.9997, 1e-5)
_BN_CIFAR = (0.9, 1e-5)


def MNASNet(alpha=1.0, dropout=0.2, include_top=True, weights=None, input_tensor=None,
            input_shape=None, pooling=None, classes=1000,
            classifier_activation="softmax", stem="auto", name=None):
    """MNASNet-B1 with width multiplier ``alpha`` (torchvision's ``MNASNet(alpha)``).

    Args:
        alpha: width multiplier α > 0 (torchvision: 0.5, 0.75, 1.0, 1.3).
        dropout: rate before the classifier (0.2 in torchvision).
        stem: ``"auto"`` (CIFAR for inputs up to 64×64), ``"imagenet"`` or
            ``"cifar"`` (stride-1 first convolution and first stage).
        The other arguments are keras.applications'.
    """
    alpha = check_number(alpha, "alpha", minimum=0, include_minimum=False)
    dropout = check_rate(dropout, "dropout")
    input_shape = check_common_args(
        include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation, name=name)
    stem = resolve_stem(stem, input_shape, weights)
    # Total stride: 32, or 8 with the CIFAR stem.
    input_shape = check_input_shape(input_shape,
                                    min_size=32 if stem == "imagenet" else 8)
    bn_momentum, bn_epsilon = _BN_CIFAR if stem == "cifar" else _BN_IMAGENET
    if name is None:
        name = "mnasnet" + repr(float(alpha)).replace(".", "_") \
            + ("_cifar" if stem == "cifar" else "")

    def width(channels):
        return make_divisible(channels * alpha, 8)

    block = dict(alpha=1.0, padding="torch", activation="relu",
                 bn_momentum=bn_momentum, bn_epsilon=bn_epsilon)
    x, inputs = model_input(input_tensor, input_shape)
    if stem == "cifar":
        x = keras.layers.Conv2D(width(MNASNET_STEM[0]), 3, padding="same",
                                use_bias=False, name="Conv1")(x)
    else:
        x = keras.layers.ZeroPadding2D(1, name="Conv1_pad")(x)
        x = keras.layers.Conv2D(width(MNASNET_STEM[0]), 3, strides=2, use_bias=False,
                                name="Conv1")(x)
    x = keras.layers.BatchNormalization(momentum=bn_momentum, epsilon=bn_epsilon,
                                        name="bn_Conv1")(x)
    x = keras.layers.ReLU(name="Conv1_relu")(x)
    # The separable block: depthwise 3×3 → pointwise 1×1, linear, no shortcut.
    x = inverted_residual_block(x, width(MNASNET_STEM[1]), 1, 1, block_id=0,
                                skip=False, **block)
    block_id = 1
    for stage, (t, channels, kernel, first_stride, count) in enumerate(MNASNET_STAGES):
        if stem == "cifar" and stage == 0:
            first_stride = 1
        for i in range(count):
            x = inverted_residual_block(
                x, width(channels), t, first_stride if i == 0 else 1,
                block_id=block_id, kernel_size=kernel, **block)
            block_id += 1
    x = keras.layers.Conv2D(HEAD_CHANNELS, 1, use_bias=False, name="Conv_1")(x)
    x = keras.layers.BatchNormalization(momentum=bn_momentum, epsilon=bn_epsilon,
                                        name="Conv_1_bn")(x)
    x = keras.layers.ReLU(name="out_relu")(x)
    x = classifier_head(x, include_top=include_top, pooling=pooling, classes=classes,
                        classifier_activation=classifier_activation,
                        top_dropout=dropout)
    return finish_model(inputs, x, name=name, weights=weights, torch_keys=_torch_keys)


def _torch_keys(model):
    """Our layer names → torchvision ``mnasnet*`` module prefixes.

    torchvision's ``layers`` Sequential: 0–2 the stem (conv, BN, ReLU), 3–7 the
    separable block (depthwise conv, BN, ReLU, pointwise conv, BN), 8–13 the stages
    (``layers.{8 + stage}.{i}.layers.{0,1,3,4,6,7}``: expand conv, BN, depthwise conv,
    BN, project conv, BN), 14–15 the 1×1 to 1280 and its BN; ``classifier.1``.
    """
    where = {0: "layers"}
    block_id = 1
    for stage, (*_, count) in enumerate(MNASNET_STAGES):
        for i in range(count):
            where[block_id] = f"layers.{8 + stage}.{i}.layers"
            block_id += 1
    keys = {"Conv1": "layers.0", "bn_Conv1": "layers.1", "Conv_1": "layers.14",
            "Conv_1_bn": "layers.15", "predictions": "classifier.1"}
    # Position inside the block's Sequential; the separable block has no expansion
    # and starts at layers.3.
    stage_index = {"expand": 0, "expand_BN": 1, "depthwise": 3, "depthwise_BN": 4,
                   "project": 6, "project_BN": 7}
    sep_index = {"depthwise": 3, "depthwise_BN": 4, "project": 6, "project_BN": 7}
    for layer in model.layers:
        m = BLOCK_LAYER.fullmatch(layer.name)
        if m:
            part = m[3] + (m[4] or "")
            block_id = int(m[2] or 0)
            index = (sep_index if block_id == 0 else stage_index)[part]
            keys[layer.name] = f"{where[block_id]}.{index}"
    return keys


def MNASNet0_5(**kwargs):
    """MNASNet-B1 at α = 0.5."""
    return MNASNet(0.5, **kwargs)


def MNASNet0_75(**kwargs):
    """MNASNet-B1 at α = 0.75."""
    return MNASNet(0.75, **kwargs)


def MNASNet1_0(**kwargs):
    """MNASNet-B1 at α = 1.0."""
    return MNASNet(1.0, **kwargs)


def MNASNet1_3(**kwargs):
    """MNASNet-B1 at α = 1.3."""
    return MNASNet(1.3, **kwargs)


# torchvision's published counts and ImageNet top-1 (MNASNet*_Weights meta).
_TORCHVISION = dict(family="mnasnet", paper=_PAPER, reference_counts_bn_statistics=False,
                    preprocessing="torch")


@register_model(torchvision="mnasnet0_5", reference_params=2_218_512,
                reference_source="torchvision mnasnet0_5 (BN running stats not counted)",
                top1=67.734, top1_source="torchvision MNASNet0_5_Weights.IMAGENET1K_V1",
                **_TORCHVISION)
def mnasnet0_5(**kwargs):
    """MNASNet-B1 (α = 0.5): searched inverted residuals, 3×3/5×5 kernels."""
    return MNASNet0_5(**kwargs)


@register_model(torchvision="mnasnet0_75", reference_params=3_170_208,
                reference_source="torchvision mnasnet0_75 (BN running stats not counted)",
                top1=71.18, top1_source="torchvision MNASNet0_75_Weights.IMAGENET1K_V1",
                **_TORCHVISION)
def mnasnet0_75(**kwargs):
    """MNASNet-B1 (α = 0.75): searched inverted residuals, 3×3/5×5 kernels."""
    return MNASNet0_75(**kwargs)


@register_model(torchvision="mnasnet1_0", reference_params=4_383_312,
                reference_source="torchvision mnasnet1_0 (BN running stats not counted)",
                top1=73.456, top1_source="torchvision MNASNet1_0_Weights.IMAGENET1K_V1",
                **_TORCHVISION)
def mnasnet1_0(**kwargs):
    """MNASNet-B1 (α = 1.0): searched inverted residuals, 3×3/5×5 kernels."""
    return MNASNet1_0(**kwargs)


@register_model(torchvision="mnasnet1_3", reference_params=6_282_256,
                reference_source="torchvision mnasnet1_3 (BN running stats not counted)",
                top1=76.506, top1_source="torchvision MNASNet1_3_Weights.IMAGENET1K_V1",
                **_TORCHVISION)
def mnasnet1_3(**kwargs):
    """MNASNet-B1 (α = 1.3): searched inverted residuals, 3×3/5×5 kernels."""
    return MNASNet1_3(**kwargs)
