"""count_macs and count_params against hand formulas and published figures.

A multiply-accumulate (MAC) is one weight use: a k×k convolution from C_in to C_out
channels on an H×W output costs H·W·k·k·C_in·C_out (divided by the groups); a Dense
layer from N to M units costs N·M. Papers' CNN "FLOPs" are these MACs.
"""

from __future__ import annotations

import keras
import pytest

from keras_archs import create_model, list_models
from keras_archs.analysis import count_macs, count_params


def _single(layer, input_shape):
    inputs = keras.Input(input_shape)
    return keras.Model(inputs, layer(inputs))


@pytest.mark.parametrize("groups", [1, 4])
def test_conv2d_macs_and_params_follow_the_hand_formula(groups):
    # 16×16 output ("same"), 3×3 kernel, 8 → 12 channels in `groups` groups.
    model = _single(keras.layers.Conv2D(12, 3, padding="same", groups=groups), (16, 16, 8))
    assert count_macs(model) == 16 * 16 * 3 * 3 * (8 // groups) * 12
    assert count_params(model) == 3 * 3 * (8 // groups) * 12 + 12


def test_depthwise_conv_macs_and_params_follow_the_hand_formula():
    # Stride 2, "valid": a 15×15 input gives a 7×7 output; 8 channels × multiplier 2.
    model = _single(keras.layers.DepthwiseConv2D(3, strides=2, depth_multiplier=2),
                    (15, 15, 8))
    assert count_macs(model) == 7 * 7 * 3 * 3 * 8 * 2
    assert count_params(model) == 3 * 3 * 8 * 2 + 16


def test_separable_conv_macs_and_params_follow_the_hand_formula():
    model = _single(keras.layers.SeparableConv2D(32, 3, padding="same"), (10, 10, 16))
    assert count_macs(model) == 10 * 10 * 16 * 3 * 3 + 10 * 10 * 16 * 32
    assert count_params(model) == 3 * 3 * 16 + 16 * 32 + 32


def test_dense_macs_and_params_follow_the_hand_formula():
    model = _single(keras.layers.Dense(10), (64,))
    assert count_macs(model) == 64 * 10
    assert count_params(model) == 64 * 10 + 10


def test_bn_statistics_are_excluded_as_pytorch_counts():
    model = _single(keras.layers.BatchNormalization(), (4, 4, 6))
    assert count_params(model) == 4 * 6
    assert count_params(model, include_bn_statistics=False) == 2 * 6


@pytest.mark.parametrize("kernel,channels_out", [(3, 64), (3, 512), (5, 128)])
def test_depthwise_separable_saving_is_the_papers_ratio(kernel, channels_out):
    """MobileNet (Howard et al. 2017, §3.1): a depthwise separable convolution costs
    D_K·D_K·M·D_F·D_F + M·N·D_F·D_F against D_K·D_K·M·N·D_F·D_F for a standard one,
    a ratio of 1/N + 1/D_K²."""
    shape = (14, 14, 32)  # D_F = 14, M = 32
    inputs = keras.Input(shape)
    separable = keras.layers.Conv2D(channels_out, 1)(
        keras.layers.DepthwiseConv2D(kernel, padding="same")(inputs))
    standard = keras.layers.Conv2D(channels_out, kernel, padding="same")(inputs)
    ratio = count_macs(keras.Model(inputs, separable)) / count_macs(
        keras.Model(inputs, standard))
    assert ratio == pytest.approx(1 / channels_out + 1 / kernel ** 2, rel=1e-12)


# Published multiply-adds at 224×224 (1000 classes), in GMACs, with their source.
PUBLISHED_GMACS = {
    # Simonyan & Zisserman's VGG-16: 15.5 G (convolutions 15.35 G + FC 0.12 G);
    # e.g. Canziani et al. 2016, arXiv:1605.07678, Fig. 2.
    "vgg16": 15.5,
    # He et al. 2015 Table 1 quotes 3.8 G for ResNet-50 v1 (stride in the first 1×1,
    # keras.applications' layout); the issue's reference figure is 3.9 G.
    "resnet50": 3.9,
    # torchvision's v1.5 layout (stride in the 3×3): 4.09 G in torchvision's table.
    "tv_resnet50": 4.1,
    # Sandler et al. 2018 Table 4: MobileNetV2 1.0 at 224: 300 M multiply-adds.
    "mobilenetv2": 0.30,
    # Tan & Le 2019 Table 2: EfficientNet-B0: 0.39 B FLOPs (multiply-adds).
    "efficientnetb0": 0.39,
}
PRESENT = [name for name in PUBLISHED_GMACS if name in list_models()]


def test_the_published_figures_cover_the_core_models():
    assert {"vgg16", "resnet50"} <= set(PRESENT)


@pytest.mark.parametrize("name", PRESENT)
def test_macs_at_224_match_the_published_figure(name):
    model = create_model(name, input_shape=(224, 224, 3), num_classes=1000)
    assert count_macs(model) / 1e9 == pytest.approx(PUBLISHED_GMACS[name], rel=0.05)
