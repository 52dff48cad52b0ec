"""NASNet-A: keras.applications names and counts (Mobile, Large), Mobile weight
transfer, the paper's CIFAR model, the cells as block functions and bad inputs."""

import numpy as np
import pytest

import keras

from keras_archs import create_model, model_info
from keras_archs.analysis import count_macs, count_params
from keras_archs.models import nasnet as N

# keras.applications 3.x NASNetMobile / NASNetLarge(weights=None), 1000 classes
# (also in STYLE.md); rebuilt below to check.
MOBILE_PARAMS = 5_326_716
LARGE_PARAMS = 88_949_818
# Zoph et al. 2018, Table 1: NASNet-A (6 @ 768) on CIFAR-10, 3.3M parameters.
PAPER_CIFAR_PARAMS = 3.3e6


def _layout(model):
    """Names and classes in creation order; our classifier's separate float32
    softmax is the one layer keras.applications fuses into ``predictions``."""
    return [(layer.name, type(layer).__name__) for layer in model.layers
            if layer.name != "predictions_activation"]


def _randomize_statistics(model, seed=0):
    """Random BatchNorm statistics and biases (fresh ones are 0 and 1), so a loader
    that swapped two layers could not match by chance."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        values = []
        for w in layer.weights:
            v = np.asarray(w)
            if w.name in ("gamma", "moving_variance"):
                values.append(rng.uniform(0.5, 1.5, v.shape).astype(v.dtype))
            elif w.name in ("beta", "moving_mean", "bias"):
                values.append(rng.normal(0.0, 0.1, v.shape).astype(v.dtype))
            else:
                values.append(v)
        if values:
            layer.set_weights(values)


@pytest.mark.slow
def test_mobile_matches_keras_applications_and_its_weights_load(tmp_path):
    # One build of each: names, classes, count, then the weight transfer.
    keras.backend.clear_session(free_memory=False)
    reference = keras.applications.NASNetMobile(
        weights=None, input_shape=(224, 224, 3), classifier_activation=None)
    assert reference.count_params() == MOBILE_PARAMS
    layout = _layout(reference)
    _randomize_statistics(reference)
    path = tmp_path / "nasnet_mobile.weights.h5"
    reference.save_weights(path)
    x = np.random.default_rng(1).uniform(-1, 1, (2, 224, 224, 3)).astype("float32")
    expected = np.asarray(reference(x, training=False))
    del reference
    keras.backend.clear_session(free_memory=False)  # our auto-named layers count from 0 as its did
    model = create_model("nasnetmobile", weights=str(path), classifier_activation=None)
    assert model.name == "nasnet_mobile"
    assert _layout(model) == layout
    assert model.count_params() == MOBILE_PARAMS == model_info("nasnetmobile") \
        .reference_params
    np.testing.assert_allclose(np.asarray(model(x, training=False)), expected,
                               rtol=1e-4, atol=1e-5)
    assert expected.std() > 1e-3
    # Zoph et al. Table 2: NASNet-A (4 @ 1056), 564M multiply-adds at 224×224.
    assert round(count_macs(model) / 1e6) == 564


@pytest.mark.slow
def test_large_matches_keras_applications_and_runs():
    # Built once each at the smallest valid input, counted, run once, never saved; the
    # twin in a StatelessScope (its layout and count need no values).
    keras.backend.clear_session(free_memory=False)
    with keras.StatelessScope():
        reference = keras.applications.NASNetLarge(weights=None, input_shape=(32, 32, 3))
    assert reference.count_params() == LARGE_PARAMS
    layout = _layout(reference)
    del reference
    keras.backend.clear_session(free_memory=False)
    model = N.NASNetLarge(input_shape=(32, 32, 3), stem="imagenet")
    assert model.name == "nasnet_large"
    assert _layout(model) == layout
    assert model.count_params() == LARGE_PARAMS == model_info("nasnetlarge") \
        .reference_params
    # 6 @ 4032: 18 normal cells; the last one outputs P = 4032 channels.
    assert sum(n.startswith("normal_concat_") for n, _ in layout) == 18
    assert model.get_layer("normal_concat_18").output.shape[-1] == 4032
    probs = model(np.zeros((1, 32, 32, 3), "float32"), training=False)
    assert probs.shape == (1, 1000)
    np.testing.assert_allclose(float(np.sum(probs)), 1.0, rtol=1e-5)


def test_paper_cifar_model_6_at_768():
    model = create_model("nasnet_cifar", input_shape=(32, 32, 3), num_classes=10)
    assert model.name == "nasnet_cifar"
    layers = [l.name for l in model.layers]
    stem = model.get_layer("stem_conv1")
    assert (stem.filters, stem.kernel_size, stem.strides) == (96, (3, 3), (1, 1))
    assert not any("stem_1" in n or "stem_2" in n for n in layers)
    # N = 6 normal cells per stack, two reduction cells, P = 768 at 8×8.
    assert sum(n.startswith("normal_concat_") for n in layers) == 18
    assert [n for n in layers if n.startswith("reduction_concat_")] == \
        ["reduction_concat_reduce_6", "reduction_concat_reduce_12"]
    assert model.get_layer("normal_concat_18").output.shape[1:] == (8, 8, 768)
    assert model.get_layer("normal_concat_0").output.shape[1:] == (32, 32, 192)
    # The first cell's p is the 96-channel stem output, projected to 32 channels.
    assert model.get_layer("adjust_conv_projection_0").filters == 32
    bns = [l for l in model.layers if isinstance(l, keras.layers.BatchNormalization)]
    assert {(l.momentum, l.epsilon) for l in bns} == {(0.9, 1e-5)}
    # Table 1 gives 3.3M; ours has 3,328,234 trainable parameters (3,365,290 with
    # BatchNorm's moving statistics). Without the auxiliary head, as the paper counts.
    trainable = count_params(model, include_bn_statistics=False)
    assert trainable == 3_328_234 and model.count_params() == 3_365_290
    assert round(trainable / 1e5) == round(PAPER_CIFAR_PARAMS / 1e5)
    probs = model(np.random.default_rng(0).random((2, 32, 32, 3), dtype=np.float32),
                  training=False)
    assert probs.shape == (2, 10)
    np.testing.assert_allclose(np.sum(probs, axis=1), 1.0, rtol=1e-5)


def test_mobile_cifar_stem_at_32x32():
    model = create_model("nasnetmobile", input_shape=(32, 32, 3), num_classes=10)
    assert model.name == "nasnet_mobile_cifar"
    assert model.get_layer("stem_conv1").strides == (1, 1)
    assert model.get_layer("normal_concat_12").output.shape[1:] == (8, 8, 1056)
    probs = model(np.random.default_rng(0).random((1, 32, 32, 3), dtype=np.float32),
                  training=False)
    assert probs.shape == (1, 10)


def test_cells_as_block_functions():
    x = keras.Input((16, 16, 40))
    p = keras.Input((32, 32, 20))
    out, nxt = N.nasnet_normal_cell(x, p, 12, block_id="a")
    assert out.shape[1:] == (16, 16, 6 * 12) and nxt is x
    model = keras.Model([x, p], out)
    names = [l.name for l in model.layers]
    # p is twice as large: factorized reduction, two 1×1 paths of filters / 2.
    assert {"adjust_conv_1_a", "adjust_conv_2_a", "adjust_bn_a",
            "normal_conv_1_a", "separable_conv_1_normal_left1_a",
            "normal_left3_a", "normal_concat_a"} <= set(names)
    assert model.get_layer("adjust_conv_1_a").filters == 6
    assert model.get_layer("separable_conv_1_normal_left1_a").kernel_size == (5, 5)

    red, nxt = N.nasnet_reduction_cell(x, None, 12, block_id=3)
    assert red.shape[1:] == (8, 8, 4 * 12) and nxt is x
    names = [l.name for l in keras.Model(x, red).layers]
    assert {"reduction_conv_1_3", "reduction_pad_1_3", "reduction_left2_3",
            "separable_conv_1_reduction_right1_3", "reduction_add4_3"} <= set(names)

    # Same size, other width: a 1×1 projection; the right shape: p unchanged.
    q = keras.Input((16, 16, 24))
    assert N.adjust_block(q, x, 12, block_id="b").shape[1:] == (16, 16, 12)
    r = keras.Input((16, 16, 12))
    assert N.adjust_block(r, x, 12, block_id="c") is r
    assert N.adjust_block(None, x, 12, block_id="d") is x
    sep = N.separable_conv_block(x, 8, 7, 2, block_id="e")
    assert sep.shape[1:] == (8, 8, 8)


@pytest.mark.parametrize("kwargs, exception, message", [
    (dict(penultimate_filters=1000), ValueError,
     "penultimate_filters must be a multiple of 24 \\* filter_multiplier \\*\\* 2 = 96"),
    (dict(penultimate_filters=1056, filter_multiplier=3), ValueError,
     "penultimate_filters must be a multiple of .* = 216"),
    (dict(penultimate_filters=0), ValueError, "penultimate_filters"),
    (dict(num_blocks=0), ValueError, "num_blocks"),
    (dict(filter_multiplier=0), ValueError, "filter_multiplier"),
    (dict(skip_reduction="yes"), TypeError, "skip_reduction"),
    (dict(input_shape=(31, 31, 3), stem="imagenet"), ValueError,
     "input_shape height must be at least 32"),
    (dict(input_shape=(3, 3, 3), stem="cifar"), ValueError,
     "input_shape height must be at least 4"),
    (dict(stem="tiny"), ValueError, "stem must be one of"),
    (dict(pooling="sum", include_top=False), ValueError, "pooling"),
    (dict(bn_epsilon=0), ValueError, "bn_epsilon"),
])
def test_bad_arguments_raise_before_any_layer(kwargs, exception, message):
    with pytest.raises(exception, match=message):
        N.NASNet(**kwargs)


def test_cell_bad_arguments():
    x = keras.Input((8, 8, 16))
    with pytest.raises(TypeError, match="block_id"):
        N.nasnet_normal_cell(x, None, 8, block_id=None)
    with pytest.raises(ValueError, match="filters"):
        N.nasnet_reduction_cell(x, None, 0, block_id="r")
    with pytest.raises(TypeError, match="p must be a 4-D Keras tensor"):
        N.nasnet_normal_cell(x, np.zeros((1, 8, 8, 16)), 8, block_id="n")
    with pytest.raises(ValueError, match="stem must be one of"):
        N.NASNetMobile(stem="big")
