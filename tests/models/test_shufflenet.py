"""ShuffleNet v1 (complexity table) and v2 (torchvision's twins), units and bad input."""

import keras
import numpy as np
import pytest

from keras_archs import (
    ShuffleNetV1, ShuffleNetV2, create_model, model_info, shufflenet_v1_unit,
    shufflenet_v2_unit)
from keras_archs.analysis import count_params
from keras_archs.layers import ChannelShuffle
from keras_archs.models import shufflenet as shufflenet_module

# torchvision ShuffleNet_V2_X1_0_Weights.IMAGENET1K_V1.meta["num_params"] (PyTorch
# count: no BN running statistics). x0_5 1,366,792, x1_5 3,503,624 and x2_0 7,393,996
# (same source) are checked by tests/test_registry.py from the registry entries.
TORCHVISION_SHUFFLENET_V2_X1_0 = 2_278_604

# Zhang et al. 2017 (arXiv:1707.01083), Table 1, "Complexity" row: ShuffleNet 1× at
# 224×224, in MFLOPs (= millions of multiply-adds), for g = 1, 2, 3, 4, 8.
TABLE1_MFLOPS = {1: 143, 2: 140, 3: 137, 4: 133, 8: 137}


def _must_not_build(*args, **kwargs):
    raise AssertionError("a layer was built before the arguments were validated")


def _conv_multiply_adds(model):
    """Multiply-adds of every convolution, counted from the layers: a (grouped) conv
    does H_out·W_out·k_h·k_w·(C_in/groups)·C_out, a depthwise one H_out·W_out·k_h·k_w·C."""
    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.DepthwiseConv2D):
            h, w, c = layer.output.shape[1:]
            total += h * w * layer.kernel_size[0] * layer.kernel_size[1] * c
        elif isinstance(layer, keras.layers.Conv2D):
            h, w, c_out = layer.output.shape[1:]
            c_in = layer.input.shape[-1] // layer.groups
            total += h * w * layer.kernel_size[0] * layer.kernel_size[1] * c_in * c_out
    return total


@pytest.mark.parametrize("groups", sorted(TABLE1_MFLOPS))
def test_v1_complexity_matches_table_1(groups):
    """The table gives whole MFLOPs, so our count must round to it (|Δ| ≤ 0.5 M).
    Counted: the convolutions (conv1, every 1×1 group conv and depthwise 3×3);
    measured 142.50, 140.04, 136.50, 133.25, 136.83 M. The 1000-way classifier
    (0.6–1.5 M) is not in the table's figures: with it g=4 would be 134.3 M."""
    model = ShuffleNetV1(include_top=False, groups=groups, input_shape=(224, 224, 3))
    assert model.output.shape[1:] == (7, 7, shufflenet_module.SHUFFLENET_V1_CHANNELS[
        groups][-1])
    assert abs(_conv_multiply_adds(model) / 1e6 - TABLE1_MFLOPS[groups]) <= 0.5


def test_v1_units_follow_figure_2():
    """g=3 stage 3: the stride-2 unit concatenates a pooled 240-channel shortcut with a
    240-channel branch (480 − 240); its 1×1 convs are grouped by 3 with a shuffle
    between; the first unit of stage 2 does not group its first 1×1 (24 inputs)."""
    model = create_model("shufflenet_v1", num_classes=1000)
    assert model.name == "shufflenet_v1_g3_x1_0"
    assert model.get_layer("stage2_unit1_gconv1").groups == 1
    assert model.get_layer("stage2_unit2_gconv1").groups == 3
    assert model.get_layer("stage3_unit1_gconv1").kernel.shape == (1, 1, 80, 120)
    assert model.get_layer("stage3_unit1_gconv2").kernel.shape == (1, 1, 40, 240)
    assert isinstance(model.get_layer("stage3_unit1_shuffle"), ChannelShuffle)
    assert model.get_layer("stage3_unit1_concat").output.shape[1:] == (14, 14, 480)
    assert isinstance(model.get_layer("stage3_unit2_add"), keras.layers.Add)
    # No ReLU after the depthwise convolution (section 3.2).
    assert "stage3_unit2_dwconv_bn_relu" not in {layer.name for layer in model.layers}
    assert model(np.random.rand(1, 224, 224, 3).astype("float32")).shape == (1, 1000)


def test_v2_x1_0_is_torchvisions_layout():
    model = create_model("shufflenet_v2_x1_0")
    info = model_info("shufflenet_v2_x1_0")
    assert info.torchvision == "shufflenet_v2_x1_0" and info.reference_params \
        == TORCHVISION_SHUFFLENET_V2_X1_0
    assert count_params(model, include_bn_statistics=False) \
        == TORCHVISION_SHUFFLENET_V2_X1_0
    assert model.get_layer("conv1_pad").padding == ((1, 1), (1, 1))
    assert model.get_layer("maxpool").output.shape[1:] == (56, 56, 24)
    assert model.get_layer("stage2_unit1_shuffle").output.shape[1:] == (28, 28, 116)
    assert model.get_layer("stage4_unit4_shuffle").output.shape[1:] == (7, 7, 464)
    assert model.get_layer("conv5").output.shape[1:] == (7, 7, 1024)
    assert {(layer.momentum, layer.epsilon) for layer in model.layers
            if isinstance(layer, keras.layers.BatchNormalization)} == {(0.9, 1e-5)}

    # torchvision's state_dict prefixes, from its InvertedResidual: stride-2 units have
    # branch1 (0 dw, 1 BN, 2 conv, 3 BN) and branch2 (0 conv, 1 BN, 3 dw, 4 BN, 5 conv,
    # 6 BN); the others branch2 only.
    expected = {"conv1.0", "conv1.1", "conv5.0", "conv5.1", "fc"}
    for stage, repeats in zip((2, 3, 4), (4, 8, 4)):
        for unit in range(repeats):
            parts = [f"branch2.{i}" for i in (0, 1, 3, 4, 5, 6)]
            if unit == 0:
                parts += [f"branch1.{i}" for i in range(4)]
            expected |= {f"stage{stage}.{unit}.{part}" for part in parts}
    keys = shufflenet_module.shufflenet_v2_torch_keys(model)
    assert set(keys) == {layer.name for layer in model.layers if layer.weights}
    assert set(keys.values()) == expected and len(keys) == len(expected)
    assert keys["stage3_unit1_branch1_dw"] == "stage3.0.branch1.0"
    assert keys["stage3_unit4_branch2_pw2_bn"] == "stage3.3.branch2.6"
    assert model(np.random.rand(1, 224, 224, 3).astype("float32")).shape == (1, 1000)


@pytest.mark.parametrize("name, width", [("shufflenet_v1", 240), ("shufflenet_v2_x1_0", 116)])
def test_cifar_variants_at_32x32(name, width):
    """Stride-1 3×3 conv1 and no max-pool (kuangliu/pytorch-cifar): 32 → 16 → 8 → 4;
    BatchNorm momentum 0.9 (PyTorch's 0.1), epsilon 1e-5."""
    model = create_model(name, input_shape=(32, 32, 3), num_classes=10)
    assert model.name.endswith("_cifar")
    assert model.get_layer("conv1").strides == (1, 1)
    assert "maxpool" not in {layer.name for layer in model.layers}
    assert model.get_layer("stage2_unit1_concat").output.shape[1:3] == (16, 16)
    assert model.get_layer(f"stage2_unit1_{'relu' if name.endswith('v1') else 'shuffle'}"
                           ).output.shape[-1] == width
    assert {(layer.momentum, layer.epsilon) for layer in model.layers
            if isinstance(layer, keras.layers.BatchNormalization)} == {(0.9, 1e-5)}
    probs = model(np.random.rand(2, 32, 32, 3).astype("float32"))
    assert probs.shape == (2, 10)


@pytest.mark.parametrize("builder, kwargs, error, match", [
    (ShuffleNetV2, dict(width_multiplier=0.75), ValueError,
     "width_multiplier must be one of 0.5, 1.0, 1.5, 2.0"),
    (ShuffleNetV1, dict(width_multiplier=3.0), ValueError,
     "width_multiplier must be one of 0.25, 0.5, 1.0, 1.5, 2.0"),
    (ShuffleNetV1, dict(groups=5), ValueError,
     r"groups must be one of 1, 2, 3, 4, 8 \(the paper's Table 1\) unless stage_channels"),
    (ShuffleNetV1, dict(groups=0), ValueError, "groups must be an integer >= 1"),
    (ShuffleNetV1, dict(groups=4, width_multiplier=0.25), ValueError,
     r"groups \(4\) must divide the bottleneck channels of stage 2 \(17\)"),
    (ShuffleNetV1, dict(groups=5, stage_channels=(240, 480, 960)), ValueError,
     r"groups \(5\) must divide the first unit's output channels of stage 2 \(216\)"),
    (ShuffleNetV1, dict(stage_channels=(240, 480)), ValueError,
     "stage_channels must have 3 entries"),
    (ShuffleNetV2, dict(stem="tiny"), ValueError, "stem must be one of"),
])
def test_bad_model_arguments_raise_before_building(builder, kwargs, error, match,
                                                   monkeypatch):
    monkeypatch.setattr(shufflenet_module, "model_input", _must_not_build)
    with pytest.raises(error, match=match):
        builder(**kwargs)


@pytest.mark.parametrize("call, match", [
    (lambda x: shufflenet_v1_unit(x, 48, groups=5, name="u"),
     r"groups \(5\) must divide the bottleneck channels of unit 'u' \(12\)"),
    (lambda x: shufflenet_v1_unit(x, 64, groups=3, strides=2, name="u"),
     r"groups \(3\) must divide the bottleneck channels of unit 'u' \(16\)"),
    (lambda x: shufflenet_v1_unit(x, 96, groups=2, name="u"),
     "a stride-1 unit keeps the width: out_channels must equal the input's 48"),
    (lambda x: shufflenet_v2_unit(x, 49, strides=2, name="u"),
     "out_channels must be even"),
    (lambda x: shufflenet_v2_unit(x, 48, strides=3, name="u"), "strides must be one of"),
])
def test_bad_unit_arguments(call, match, monkeypatch):
    inputs = keras.Input((8, 8, 48))
    monkeypatch.setattr(keras.layers, "Conv2D", _must_not_build)
    with pytest.raises(ValueError, match=match):
        call(inputs)
