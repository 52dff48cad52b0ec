"""The generic residual unit and ResNet builder: ResNeXt, SE and Wide ResNet as
configurations, presets apart from names, PyTorch keys, BatchNorm presets, bad input."""

import numpy as np
import pytest

import keras

from keras_archs import create_model
from keras_archs.analysis import count_params
from keras_archs.models import _residual, _resnet_builder
from keras_archs.models._presets import PRESETS
from keras_archs.models._residual import (
    basic_block, bottleneck_block, make_divisible, resnext_block, timm_se)
from keras_archs.models._resnet_builder import ResNet, resnet_torch_keys
from keras_archs.models.resnet import CifarResNet
from keras_archs.models.resnext import CifarResNeXt
from keras_archs.models.wide_resnet import WideResNet


def test_resnext50_32x4d_is_a_configuration_of_the_generic_builder():
    model = ResNet("bottleneck", (3, 4, 6, 3), groups=32, width_per_group=4,
                   preset="torchvision", stride_in_3x3=True)
    # torchvision resnext50_32x4d: 25,028,904 parameters (PyTorch does not count
    # BatchNorm running statistics).
    assert count_params(model, include_bn_statistics=False) == 25_028_904
    middle = model.get_layer("conv2_block1_2_conv")
    assert (middle.groups, middle.filters, middle.strides) == (32, 128, (1, 1))
    assert model.get_layer("conv3_block1_2_conv").strides == (2, 2)  # v1.5


def test_se_adds_exactly_its_analytic_parameter_count():
    inputs = keras.Input((8, 8, 64))
    plain = keras.Model(inputs, basic_block(inputs, 64, name="b"))
    se = keras.Model(inputs, basic_block(inputs, 64, attention="se", se_ratio=8,
                                         name="b"))
    c, r = 64, 64 // 8
    assert se.count_params() - plain.count_params() == 2 * c * r + r + c
    names = [layer.name for layer in se.layers]
    # SE gates the residual branch after its last BatchNorm, before the addition.
    assert names.index("b_2_bn") < names.index("b_se_excite") < names.index("b_add")


def test_attention_hook_takes_any_callable():
    seen = []

    def gate(x, name):
        seen.append(name)
        return keras.layers.Activation("sigmoid", name=f"{name}_gate")(x)

    inputs = keras.Input((8, 8, 256))
    out = bottleneck_block(inputs, 64, attention=gate, name="u")
    assert seen == ["u_se"]
    assert out.shape == (None, 8, 8, 256)


def test_timm_se_reduction_is_make_divisible_of_c_over_16():
    # timm.layers.make_divisible(C / 16, 8, round_limit=0): never below 8 channels.
    assert [make_divisible(c / 16) for c in (16, 64, 256, 2048)] == [8, 8, 16, 128]
    inputs = keras.Input((4, 4, 256))
    model = keras.Model(inputs, timm_se(inputs, "se"))
    assert model.get_layer("se_reduce").filters == 16


def test_resnext_block_groups_and_widths():
    inputs = keras.Input((8, 8, 64))
    out = resnext_block(inputs, 64, cardinality=32, bottleneck_width=4, strides=2,
                        name="x")
    model = keras.Model(inputs, out)
    assert out.shape == (None, 4, 4, 256)
    conv = model.get_layer("x_2_conv")
    assert (conv.groups, conv.filters, conv.strides, conv.use_bias) == \
        (32, 128, (2, 2), False)
    # PyTorch pads a strided 3×3 symmetrically: explicit padding, then "valid".
    assert conv.padding == "valid" and "x_2_pad" in [l.name for l in model.layers]


def test_torch_keys_follow_torchvision_module_names():
    model = create_model("resnet18", input_shape=(64, 64, 3), num_classes=10,
                         stem="imagenet")
    keys = resnet_torch_keys(model)
    # torchvision resnet18's modules with parameters, by its naming rules.
    expected = {"conv1", "bn1", "fc"}
    for stage in range(1, 5):
        for block in range(2):
            expected |= {f"layer{stage}.{block}.{m}" for m in
                         ("conv1", "bn1", "conv2", "bn2")}
        if stage > 1:
            expected |= {f"layer{stage}.0.downsample.0", f"layer{stage}.0.downsample.1"}
    assert set(keys.values()) == expected
    assert {l.name for l in model.layers if l.weights} == set(keys)
    assert keys["conv3_block1_0_conv"] == "layer2.0.downsample.0"


# ------------------------------------------------------------- names vs numerics

def test_naming_only_renames():
    inputs = keras.Input((8, 8, 16))
    a = keras.Model(inputs, basic_block(inputs, 32, strides=2, name="b"))
    b = keras.Model(inputs, basic_block(inputs, 32, strides=2, naming="tf_official",
                                        stage=3, block="a"))
    assert a.count_params() == b.count_params()
    assert b.get_layer("bn3a_branch2a").momentum == a.get_layer("b_1_bn").momentum
    assert "res3a_branch1" in [l.name for l in b.layers]


def test_presets_carry_the_numerics():
    assert (PRESETS["keras_applications"].bn_momentum,
            PRESETS["keras_applications"].bn_epsilon) == (0.99, 1.001e-5)
    assert (PRESETS["torchvision"].bn_momentum, PRESETS["torchvision"].bn_epsilon) \
        == (0.9, 1e-5)
    inputs = keras.Input((8, 8, 16))
    out = basic_block(inputs, 16, preset="tf_official", name="b")
    conv = keras.Model(inputs, out).get_layer("b_1_conv")
    assert isinstance(conv.kernel_regularizer, keras.regularizers.L2)
    assert conv.padding == "same"


def _bn(model):
    layers = [l for l in model.layers if isinstance(l, keras.layers.BatchNormalization)]
    assert layers
    return {(l.momentum, l.epsilon) for l in layers}


@pytest.mark.parametrize("name, kwargs, expected", [
    # CIFAR variants train with PyTorch's BatchNorm (He et al., kuangliu) ...
    ("resnet20", {}, {(0.9, 1e-5)}),
    ("se_resnet20", {}, {(0.9, 1e-5)}),
    ("wrn16_8", {}, {(0.9, 1e-5)}),
    ("resnet50", dict(input_shape=(32, 32, 3)), {(0.9, 1e-5)}),
    ("resnet50_seed", {}, {(0.9, 1e-5)}),
    # ... PyTorch twins use PyTorch's at the ImageNet stem too ...
    ("resnet18", dict(input_shape=(64, 64, 3), stem="imagenet"), {(0.9, 1e-5)}),
    ("tv_resnet50", dict(input_shape=(64, 64, 3), stem="imagenet"), {(0.9, 1e-5)}),
    # ... keras.applications twins keep keras.applications' numerics.
    ("resnet50", dict(input_shape=(64, 64, 3), stem="imagenet"), {(0.99, 1.001e-5)}),
])
def test_batchnorm_follows_the_reference_preset(name, kwargs, expected):
    kwargs.setdefault("num_classes", 10)
    assert _bn(create_model(name, **kwargs)) == expected


# -------------------------------------------------------------------- bad input

@pytest.fixture
def no_build(monkeypatch):
    """Fail the test if anything reaches layer construction."""
    def boom(*args, **kwargs):
        raise AssertionError("a layer was built before the bad input was rejected")

    monkeypatch.setattr(_resnet_builder, "model_input", boom)
    monkeypatch.setattr(_resnet_builder, "residual_unit", boom)
    monkeypatch.setattr(_residual, "residual_unit", boom)
    import keras_archs.models.wide_resnet as W
    monkeypatch.setattr(W, "model_input", boom)


@pytest.mark.parametrize("call, error, words", [
    (lambda: ResNet("bottleneck", (1, 1), filters=(64, 96), groups=64),
     ValueError, "groups \\(cardinality\\) must divide the bottleneck width 96"),
    (lambda: CifarResNeXt(29, cardinality=0), ValueError, "cardinality"),
    (lambda: ResNet(depth=18, attention="se", se_ratio=128), ValueError,
     "se_ratio must be at most the channel count 64"),
    (lambda: CifarResNet(20, attention="se", se_ratio=17), ValueError,
     "se_ratio must be at most the channel count 16"),
    (lambda: ResNet(depth=50, attention="cbam"), ValueError,
     "attention must be None, 'se' or a callable"),
    (lambda: ResNet(depth=18, groups=2), ValueError, "apply to bottleneck blocks"),
    (lambda: CifarResNet(22), ValueError, "depth must be 6n \\+ 2"),
    (lambda: WideResNet(depth=26), ValueError, "depth must be 6n \\+ 4"),
    (lambda: WideResNet(depth=28, width=0), ValueError, "width"),
    (lambda: WideResNet(depth=28, dropout_rate=1.0), ValueError, "dropout_rate"),
    (lambda: WideResNet(depth=28, input_shape=(224, 224, 3), stem="imagenet"),
     ValueError, "stem must be 'cifar'"),
    (lambda: CifarResNeXt(depth=30), ValueError, "depth must be 9n \\+ 2"),
    (lambda: ResNet(depth=50, preset="seed"), ValueError, "preset must be one of"),
    (lambda: ResNet(depth=50, bn_momentum=1.0), ValueError, "bn_momentum"),
    (lambda: ResNet(depth=50, use_bias="yes"), TypeError, "use_bias must be True"),
])
def test_bad_arguments_raise_before_building(no_build, call, error, words):
    with pytest.raises(error, match=words):
        call()


@pytest.mark.parametrize("call, error, words", [
    (lambda x: bottleneck_block(x, 64, groups=3, name="b"), ValueError,
     "groups \\(cardinality\\) must divide the bottleneck width 64"),
    (lambda x: resnext_block(x, 64, cardinality=0, name="b"), ValueError,
     "cardinality"),
    (lambda x: basic_block(x, 16, attention="se", se_ratio=32, name="b"), ValueError,
     "se_ratio must be at most the channel count 16"),
    (lambda x: basic_block(x, 16, attention="eca", name="b"), ValueError,
     "attention must be None, 'se' or a callable"),
    (lambda x: basic_block(x, 16, dropout_rate=-0.1, name="b"), ValueError,
     "dropout_rate"),
    (lambda x: basic_block(x, 16, preset="pytorch", name="b"), ValueError,
     "preset must be one of"),
])
def test_bad_block_arguments_raise_before_building(no_build, call, error, words):
    with pytest.raises(error, match=words):
        call(keras.Input((8, 8, 16)))


def test_wide_block_drops_between_the_convolutions():
    inputs = keras.Input((8, 8, 16))
    model = keras.Model(inputs, basic_block(inputs, 32, preact=True, dropout_rate=0.3,
                                            name="w"))
    names = [l.name for l in model.layers]
    assert names.index("w_1_relu") < names.index("w_1_dropout") < \
        names.index("w_2_conv")
    assert model.get_layer("w_1_dropout").rate == 0.3
    x = np.random.rand(1, 8, 8, 16).astype("float32")
    np.testing.assert_allclose(model(x, training=False), model(x, training=False))
