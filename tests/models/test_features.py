"""create_model(..., features_only=True): stage outputs at strides 2 to 32, by stride.

The stages are derived from each backbone's graph (keras_archs/models/_features.py);
these tests check them against what is derived here independently — the spatial sizes
a stride must give on a 64×64 input — and, for one model per family, against the
stage widths published for the architecture.
"""

import keras
import numpy as np
import pytest

from keras_archs import create_model, list_models, model_info, registry
from keras_archs.models._features import feature_model, stage_layers
from tests._sizes import is_big, with_full_checks

SIZE = 64


def _level_range(k, size=SIZE):
    """Spatial sizes a map at stride 2**k can have: 'same' layers give size / 2**k,
    'valid' ones a little less (AlexNet's 3×3/2 pools: 64 → 31)."""
    return size / 2 ** (k + 1), size / 2 ** k


def _params(names):
    return [pytest.param(n, marks=pytest.mark.slow) if is_big(n) else n for n in names]


# `make test` checks every model but the big ones (tests/_sizes.py): every family keeps
# its smaller models. `make test-all` checks every model.
PYRAMIDS = with_full_checks(list_models())


def test_every_family_has_its_pyramid_checked():
    assert {model_info(n).family for n in PYRAMIDS} == \
        {model_info(n).family for n in list_models()}


@pytest.mark.parametrize("name", _params(PYRAMIDS))
def test_features_only_levels_strides_and_last_stage(name):
    info = model_info(name)
    shape = (SIZE, SIZE, info.default_input_shape[-1])
    with keras.StatelessScope():  # shapes only: no variable is initialised
        backbone = create_model(name, input_shape=shape, include_top=False)
    pyramid = feature_model(backbone, info.feature_layers)
    outputs = pyramid.output
    assert isinstance(outputs, dict)
    levels = [int(key[1:]) for key in outputs]
    assert [f"P{k}" for k in levels] == list(outputs) and levels == sorted(levels)
    # One level for every stride the backbone has a feature map at (paddings aside).
    # (A layer may have several outputs: ShuffleNet v2's ChannelSplit.)
    sizes = {tensor.shape[1] for layer in backbone.layers
             if not isinstance(layer, (keras.layers.ZeroPadding2D, keras.layers.InputLayer))
             for tensor in keras.tree.flatten(layer.output) if len(tensor.shape) == 4}
    expected = [k for k in range(1, 6)
                if any(lo < h <= hi for h in sizes for lo, hi in [_level_range(k)])]
    assert levels == expected, (levels, sorted(sizes))
    for key, tensor in outputs.items():
        lo, hi = _level_range(int(key[1:]))
        assert lo < tensor.shape[1] <= hi and lo < tensor.shape[2] <= hi, (key, tensor.shape)
    # The coarsest level is the backbone's own output (every model here ends at a
    # stride of at most 32 on 64×64 inputs).
    assert tuple(outputs[f"P{levels[-1]}"].shape) == tuple(backbone.output.shape)


# (height, channels) per level. Sources: timm's feature_info for resnet50 and vgg16
# (reductions 2..32: 64/256/512/1024/2048 and 128/256/512/512/512 channels);
# GoogLeNet, Szegedy et al. 2014 Table 1 (conv1 64, conv2 192, inception 3b 480, 4e 832,
# 5b 1024); AlexNet, torchvision's alexnet.features (64, 192, then 384/256/256 at
# stride 16, pool5 256); ResNet-20, He et al. 2015 §4.2 (16/32/64 filters on 32/16/8
# maps); LeNet-5, LeCun et al. 1998 Fig. 2 (C3 16@10×10, S4 16@5×5).
PUBLISHED = [
    ("resnet50", 64, dict(stem="imagenet"),
     {"P1": (32, 64), "P2": (16, 256), "P3": (8, 512), "P4": (4, 1024), "P5": (2, 2048)}),
    ("vgg16", 64, {},
     {"P1": (32, 128), "P2": (16, 256), "P3": (8, 512), "P4": (4, 512), "P5": (2, 512)}),
    ("googlenet", 224, dict(stem="imagenet"),
     {"P1": (112, 64), "P2": (56, 192), "P3": (28, 480), "P4": (14, 832),
      "P5": (7, 1024)}),
    ("alexnet", 224, dict(stem="imagenet"),
     {"P2": (55, 64), "P3": (27, 192), "P4": (13, 256), "P5": (6, 256)}),
    ("resnet20", 32, {}, {"P1": (16, 32), "P2": (8, 64)}),
    ("lenet5", 32, {}, {"P1": (10, 16), "P2": (5, 16)}),
]


@pytest.mark.parametrize("name,size,kwargs,levels", PUBLISHED,
                         ids=[p[0] for p in PUBLISHED])
def test_stage_widths_match_the_published_architecture(name, size, kwargs, levels):
    channels = model_info(name).default_input_shape[-1]
    pyramid = create_model(name, input_shape=(size, size, channels), features_only=True,
                           **kwargs)
    got = {key: (t.shape[1], t.shape[3]) for key, t in pyramid.output.items()}
    assert got == levels


def test_stage_layers_are_the_block_outputs():
    backbone = create_model("resnet50", input_shape=(SIZE, SIZE, 3), stem="imagenet",
                            include_top=False)
    assert stage_layers(backbone) == {
        2: "conv1_relu", 4: "conv2_block3_out", 8: "conv3_block4_out",
        16: "conv4_block6_out", 32: "conv5_block3_out"}
    # The pyramid shares the backbone's layers: same values, no copy.
    pyramid = feature_model(backbone)
    x = np.random.default_rng(0).uniform(0, 255, (1, SIZE, SIZE, 3)).astype("float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(pyramid(x)["P5"]),
                               keras.ops.convert_to_numpy(backbone(x)), rtol=1e-6)


def test_features_only_argument_errors():
    with pytest.raises(TypeError, match="features_only must be True or False"):
        create_model("resnet20", input_shape=(32, 32, 3), features_only="yes")
    with pytest.raises(ValueError, match="include_top must be False"):
        create_model("resnet20", input_shape=(32, 32, 3), features_only=True,
                     include_top=True)
    with pytest.raises(ValueError, match="pooling must be None"):
        create_model("resnet20", input_shape=(32, 32, 3), features_only=True,
                     pooling="avg")


def _toy(input_shape=(32, 32, 3), classes=10, weights=None, include_top=True,
         pooling=None, **kwargs):
    inputs = keras.Input(input_shape)
    x = keras.layers.Conv2D(4, 3, strides=2, padding="same", name="a")(inputs)
    x = keras.layers.Conv2D(4, 3, padding="same", name="b")(x)
    x = keras.layers.Conv2D(8, 3, strides=2, padding="same", name="c")(x)
    return keras.Model(inputs, x, name="toy")


def test_a_family_can_declare_its_stage_layers(monkeypatch):
    registry._ensure_loaded()
    derived = registry.ModelInfo(name="toy", family="test", paper="-", builder=_toy)
    monkeypatch.setitem(registry._REGISTRY, "toy", derived)
    assert stage_layers(_toy()) == {2: "b", 4: "c"}
    declared = registry.ModelInfo(name="toy", family="test", paper="-", builder=_toy,
                                  feature_layers=lambda model: ["a", "c"])
    monkeypatch.setitem(registry._REGISTRY, "toy", declared)
    pyramid = create_model("toy", (32, 32, 3), features_only=True)
    assert list(pyramid.output) == ["P1", "P2"]
    assert pyramid.output["P1"].shape == (None, 16, 16, 4)
    # "a", not the derived "b": the declared layer is the one returned.
    x = np.ones((1, 32, 32, 3), "float32")
    a = keras.Model(pyramid.input, pyramid.get_layer("a").output)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(pyramid(x)["P1"]),
                                  keras.ops.convert_to_numpy(a(x)))
    wrong = registry.ModelInfo(name="toy", family="test", paper="-", builder=_toy,
                               feature_layers=lambda model: ["a", "b"])
    monkeypatch.setitem(registry._REGISTRY, "toy", wrong)
    with pytest.raises(ValueError, match="feature layer 'b' of toy is at stride 2"):
        create_model("toy", (32, 32, 3), features_only=True)


def test_feature_layers_must_be_a_function():
    with pytest.raises(TypeError, match="feature_layers must be None or a function"):
        registry.register_model(family="test", paper="-", feature_layers=["conv1"])
