"""EfficientNet B0–B7: keras.applications names and counts, compound scaling, weight
transfer, the CIFAR stem, mbconv_block and every bad input."""

import numpy as np
import pytest

import keras

from keras_archs import create_model, model_info
from keras_archs.analysis import count_macs
from keras_archs.models import efficientnet as E

# keras.applications 3.x EfficientNetB0…B7(weights=None), 1000 classes; B0 and B7
# are also in STYLE.md. The tests below rebuild them to check.
KERAS_APPLICATIONS = {
    "b0": 5_330_571, "b1": 7_856_239, "b2": 9_177_569, "b3": 12_320_535,
    "b4": 19_466_823, "b5": 30_562_527, "b6": 43_265_143, "b7": 66_658_687,
}


def _layout(model):
    """Names and classes in creation order; our classifier's separate float32
    softmax is the one layer keras.applications fuses into ``predictions``."""
    return [(layer.name, type(layer).__name__) for layer in model.layers
            if layer.name != "predictions_activation"]


def _keras_twin(variant, **kwargs):
    """keras.applications' model and its layout, built in a fresh session so its
    auto-named layers start their counters where ours do."""
    keras.backend.clear_session(free_memory=False)
    reference = getattr(keras.applications, f"EfficientNet{variant.upper()}")(
        weights=None, **kwargs)
    layout = _layout(reference)
    keras.backend.clear_session(free_memory=False)
    return reference, layout


@pytest.mark.parametrize("variant", [
    v if v == "b0" else pytest.param(v, marks=pytest.mark.slow)
    for v in ("b0", "b1", "b2", "b3", "b4", "b5", "b6")])
def test_names_classes_and_counts_match_keras_applications(variant):
    # Names, shapes, counts and multiply-adds only: nothing needs initialising.
    with keras.StatelessScope():
        reference, layout = _keras_twin(variant)
    assert reference.count_params() == KERAS_APPLICATIONS[variant]
    del reference
    with keras.StatelessScope():
        model = create_model(f"efficientnet{variant}")
    size = E.COMPOUND_SCALING[variant][2]
    assert model.input_shape == (None, size, size, 3)
    assert model.name == f"efficientnet{variant}"
    assert _layout(model) == layout
    assert model.count_params() == KERAS_APPLICATIONS[variant]
    assert model_info(f"efficientnet{variant}").reference_params == \
        KERAS_APPLICATIONS[variant]
    # Tan & Le, Table 2: FLOPs (multiply-adds) of B0…B6 at their resolutions.
    paper_gmacs = {"b0": 0.39, "b1": 0.70, "b2": 1.0, "b3": 1.8, "b4": 4.2,
                   "b5": 9.9, "b6": 19}[variant]
    assert abs(count_macs(model) / 1e9 / paper_gmacs - 1) < 0.05


@pytest.mark.slow
def test_b7_matches_keras_applications_and_runs():
    # Built once at a small input (the count does not depend on it), never saved; the
    # twin in a StatelessScope (its layout and count need no values).
    with keras.StatelessScope():
        reference, layout = _keras_twin("b7", input_shape=(64, 64, 3))
    assert reference.count_params() == KERAS_APPLICATIONS["b7"]
    del reference
    model = E.EfficientNetB7(input_shape=(64, 64, 3), stem="imagenet")
    assert _layout(model) == layout
    assert model.count_params() == KERAS_APPLICATIONS["b7"]
    # 55 MBConv blocks: ceil(3.1 × (1, 2, 2, 3, 3, 4, 1)) = (4, 7, 7, 10, 10, 13, 4).
    assert sum(name.endswith("_project_conv") for name, _ in layout) == 55
    probs = model(np.random.default_rng(0).uniform(0, 255, (1, 64, 64, 3))
                  .astype("float32"), training=False)
    assert probs.shape == (1, 1000)
    np.testing.assert_allclose(float(np.sum(probs)), 1.0, rtol=1e-5)


def _randomize_statistics(model, seed=0):
    """Random BatchNorm/Normalization statistics and biases, so a loader that
    swapped two of them could not match by chance (fresh ones are 0 and 1)."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        values = []
        for w in layer.weights:
            v = np.asarray(w)
            dtype = v.dtype
            if w.name in ("gamma", "moving_variance", "variance"):
                v = rng.uniform(0.5, 1.5, v.shape)
            elif w.name in ("beta", "moving_mean", "mean", "bias"):
                v = rng.normal(0.0, 0.1, v.shape)
            values.append(v.astype(dtype))
        if values:
            layer.set_weights(values)
        if isinstance(layer, keras.layers.Normalization):
            layer.finalize_state()  # set_weights leaves its cached mean/variance


def test_keras_applications_b0_weights_load_with_identical_logits(tmp_path):
    keras.backend.clear_session(free_memory=False)
    reference = keras.applications.EfficientNetB0(
        weights=None, input_shape=(64, 64, 3), classes=7, classifier_activation=None)
    _randomize_statistics(reference)
    path = tmp_path / "efficientnetb0.weights.h5"
    reference.save_weights(path)
    x = np.random.default_rng(1).uniform(0, 255, (2, 64, 64, 3)).astype("float32")
    expected = np.asarray(reference(x, training=False))
    model = create_model("efficientnetb0", input_shape=(64, 64, 3), num_classes=7,
                         weights=str(path), classifier_activation=None)
    # weights= picks the ImageNet stem even at 64×64, as keras.applications.
    assert model.name == "efficientnetb0"
    np.testing.assert_allclose(np.asarray(model(x, training=False)), expected,
                               rtol=1e-4, atol=1e-5)
    assert expected.std() > 1e-3  # random weights give distinct logits
    # A B1 file does not fit B0: the error names a layer of ours.
    keras.backend.clear_session(free_memory=False)
    b1 = keras.applications.EfficientNetB1(weights=None, input_shape=(64, 64, 3),
                                           classes=7)
    b1.save_weights(tmp_path / "b1.weights.h5")
    with pytest.raises(ValueError, match="does not fit this architecture"):
        E.EfficientNetB0(input_shape=(64, 64, 3), classes=7,
                         weights=str(tmp_path / "b1.weights.h5"))


def test_imagenet_weights_are_copied_by_name_and_the_normalization_by_order(
        monkeypatch):
    # Offline stand-in for keras.applications' download: its model with random
    # statistics, built in a session where a Normalization already exists, so its
    # own is auto-named "normalization_1" and cannot be found by our name.
    real = keras.applications.EfficientNetB0
    made = []

    def fake_imagenet(weights, **kwargs):
        assert weights == "imagenet"
        keras.layers.Normalization()
        reference = real(weights=None, **kwargs)
        _randomize_statistics(reference)
        made.append(reference)
        return reference

    monkeypatch.setattr(keras.applications, "EfficientNetB0", fake_imagenet)
    model = E.EfficientNetB0(weights="imagenet", input_shape=(32, 32, 3))
    reference, = made
    assert model.name == "efficientnetb0"
    assert "normalization" not in [l.name for l in reference.layers]
    # keras.applications' extra rescale for its ImageNet file's Normalization.
    assert "rescaling_1" in [l.name for l in model.layers]
    ours = [l for l in model.layers if l.weights]
    theirs = [l for l in reference.layers if l.weights]
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        for u, v in zip(a.get_weights(), b.get_weights()):
            np.testing.assert_array_equal(u, v)
    # The normalization uses the copied statistics, not its initial 0 and 1.
    np.testing.assert_array_equal(np.ravel(model.get_layer("normalization").mean),
                                  reference.layers[2].get_weights()[0])


def test_cifar_variant_forward_at_32x32():
    model = create_model("efficientnetb0", input_shape=(32, 32, 3), num_classes=10)
    assert model.name == "efficientnetb0_cifar"
    stem = model.get_layer("stem_conv")
    assert stem.strides == (1, 1)
    assert "stem_conv_pad" not in [l.name for l in model.layers]
    # Total stride 16: 32×32 ends on 2×2 maps, not ImageNet's 1×1.
    assert model.get_layer("top_activation").output.shape[1:3] == (2, 2)
    momenta = {l.momentum for l in model.layers
               if isinstance(l, keras.layers.BatchNormalization)}
    assert momenta == {0.9}
    # Same parameters as the ImageNet layout with a 10-class head.
    assert model.count_params() == KERAS_APPLICATIONS["b0"] - 1281 * 990
    probs = model(np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3))
                  .astype("float32"), training=False)
    assert probs.shape == (2, 10)
    np.testing.assert_allclose(np.sum(probs, axis=1), 1.0, rtol=1e-5)


def test_baseline_table_is_the_papers_table_1():
    rows = [(s.expand_ratio, s.kernel_size, s.strides, s.filters_out, s.repeats)
            for s in E.BASELINE_B0]
    assert rows == [(1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2),
                    (6, 3, 2, 80, 3), (6, 5, 1, 112, 3), (6, 5, 2, 192, 4),
                    (6, 3, 1, 320, 1)]
    # Each stage starts where the previous one ended.
    assert [s.filters_in for s in E.BASELINE_B0] == \
        [E.STEM_FILTERS] + [s.filters_out for s in E.BASELINE_B0[:-1]]


def test_compound_scaling_rounding():
    # Widths: nearest multiple of 8, never more than 10 % down.
    assert E.round_filters(32, 2.0) == 64              # B7 stem
    assert E.round_filters(1280, 1.4) == 1792          # B4 head
    assert E.round_filters(16, 1.1) == 16              # 17.6 → 16 (9 % down)
    assert E.round_filters(40, 1.1) == 48              # 44 → 48 (ties go up)
    assert E.round_filters(24, 1.2) == 32              # 28.8 → 32
    assert E.round_filters(2, 0.1) == 8                # at least one divisor
    # Depths: rounded up.
    assert E.round_repeats(3, 3.1) == 10 and E.round_repeats(1, 1.1) == 2
    assert E.round_repeats(4, 1.0) == 4


def test_custom_coefficients():
    model = E.EfficientNet(0.5, 0.5, 96, input_shape=(96, 96, 3), classes=3)
    assert model.name == "efficientnet-custom"
    assert model.get_layer("stem_conv").filters == E.round_filters(32, 0.5) == 16
    assert model.get_layer("top_conv").filters == 640
    blocks = [l.name for l in model.layers if l.name.endswith("_project_conv")]
    # ceil(0.5 × (1, 2, 2, 3, 3, 4, 1)) = (1, 1, 1, 2, 2, 2, 1)
    assert len(blocks) == 10 and "block4b_project_conv" in blocks
    assert model.get_layer("top_dropout").rate == 0.2


def test_mbconv_block_skip_and_stochastic_depth():
    x = keras.Input((16, 16, 24))
    y = E.mbconv_block(x, 24, kernel_size=5, expand_ratio=6, drop_rate=0.3,
                       name="b_")
    m = keras.Model(x, y)
    names = [l.name for l in m.layers]
    assert names[1:5] == ["b_expand_conv", "b_expand_bn", "b_expand_activation",
                          "b_dwconv"]
    assert {"b_se_squeeze", "b_se_reshape", "b_se_reduce", "b_se_expand",
            "b_se_excite", "b_add"} <= set(names)
    assert m.get_layer("b_se_reduce").filters == 6       # 0.25 × the input width
    assert m.get_layer("b_drop").noise_shape == (None, 1, 1, 1)
    assert m.get_layer("b_dwconv").kernel_size == (5, 5)
    # Strided or widening blocks have no shortcut; ratio 1 has no expansion.
    x = keras.Input((16, 16, 24))
    y = E.mbconv_block(x, 40, strides=2, expand_ratio=1, drop_rate=0.3, name="c_")
    names = [l.name for l in keras.Model(x, y).layers]
    assert y.shape[1:] == (8, 8, 40)
    assert not {"c_add", "c_drop", "c_expand_conv"} & set(names)
    assert "c_dwconv_pad" in names


@pytest.mark.parametrize("kwargs, exception, message", [
    (dict(variant="b8"), ValueError, "variant must be one of 'b0'.*'b7'"),
    (dict(), ValueError, "variant must be one of .*custom coefficients"),
    (dict(width_coefficient=1.0, depth_coefficient=1.0), ValueError,
     "default_size"),
    (dict(variant="b0", width_coefficient=1.0), ValueError, "not both"),
    (dict(width_coefficient=0, depth_coefficient=1.0, default_size=224), ValueError,
     "width_coefficient"),
    (dict(variant="b0", input_shape=(31, 31, 3), stem="imagenet"), ValueError,
     "input_shape height must be at least 32"),
    (dict(variant="b0", input_shape=(15, 15, 3)), ValueError,
     "input_shape height must be at least 16"),
    (dict(variant="b0", dropout_rate=1.0), ValueError, "dropout_rate"),
    (dict(variant="b0", drop_connect_rate=-0.1), ValueError, "drop_connect_rate"),
    (dict(variant="b0", blocks_args=[]), TypeError, "blocks_args"),
    (dict(variant="b0", blocks_args=[E.BASELINE_B0[0], "stage"]), TypeError,
     "blocks_args must be a non-empty sequence of MBConvStage"),
    (dict(variant="b0", stem="tiny"), ValueError, "stem must be one of"),
    (dict(variant="b0", bn_momentum=1.0), ValueError, "bn_momentum"),
])
def test_bad_arguments_raise_before_any_layer(kwargs, exception, message):
    with pytest.raises(exception, match=message):
        E.EfficientNet(**kwargs)


def test_mbconv_stage_refuses_bad_fields():
    with pytest.raises(ValueError, match="repeats must be an integer >= 1, got 0"):
        E.MBConvStage(3, 0, 32, 16, 1, 1)
    with pytest.raises(TypeError, match="strides must be an integer >= 1, got '2'"):
        E.MBConvStage(3, 1, 32, 16, 1, "2")
    with pytest.raises(ValueError, match="se_ratio must be a number in"):
        E.MBConvStage(3, 1, 32, 16, 1, 1, se_ratio=1.5)


def test_mbconv_block_bad_arguments():
    x = keras.Input((8, 8, 16))
    with pytest.raises(ValueError, match="expand_ratio"):
        E.mbconv_block(x, 16, expand_ratio=0, name="a_")
    with pytest.raises(ValueError, match="se_ratio"):
        E.mbconv_block(x, 16, se_ratio=1.5, name="a_")
    with pytest.raises(TypeError, match="name"):
        E.mbconv_block(x, 16)
    with pytest.raises(TypeError, match="x must be a 4-D Keras tensor"):
        E.mbconv_block(np.zeros((1, 8, 8, 16)), 16, name="a_")
