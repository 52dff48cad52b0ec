"""AlexNet (torchvision layout), its CIFAR variant and the LRN layer."""

import keras
import numpy as np
import pytest

from keras_archs import AlexNet, create_model, model_info
from keras_archs.layers import LocalResponseNormalization


def _conv(k, c_in, c_out):
    return k * k * c_in * c_out + c_out


def _dense(n_in, n_out):
    return n_in * n_out + n_out


_CONVS = _conv(5, 64, 192) + _conv(3, 192, 384) + _conv(3, 384, 256) + _conv(3, 256, 256)


def test_imagenet_param_count_matches_torchvision():
    """conv1 11·11·3·64+64=23,296; conv2–5 2,446,400; fc1 6·6·256·4096+4096=37,752,832;
    fc2 16,781,312; predictions 4,097,000: 61,100,840 (torchvision alexnet)."""
    assert _conv(11, 3, 64) + _CONVS + _dense(9216, 4096) + _dense(4096, 4096) \
        + _dense(4096, 1000) == 61_100_840
    model = AlexNet(input_shape=(224, 224, 3))
    assert model.name == "alexnet"
    assert model.count_params() == 61_100_840
    assert model_info("alexnet").reference_params == 61_100_840
    # 224 (+2+2) → 55 → overlapping 3×3/2 pools: 27, 13, 6.
    assert model.get_layer("conv1").output.shape[1:] == (55, 55, 64)
    assert model.get_layer("pool1").output.shape[1:] == (27, 27, 64)
    assert model.get_layer("pool2").output.shape[1:] == (13, 13, 192)
    assert model.get_layer("pool5").output.shape[1:] == (6, 6, 256)
    assert model.get_layer("fc1_dropout").rate == 0.5
    assert model.get_layer("pool1").pool_size == (3, 3)
    assert model.get_layer("pool1").strides == (2, 2)


def test_cifar_variant_forward_pass_and_count():
    """CIFAR stem conv1 3·3·3·64+64=1,792; pools 32→15→7→3, fc1 3·3·256·4096+4096:
    28,711,754 parameters with 10 classes."""
    expected = _conv(3, 3, 64) + _CONVS + _dense(2304, 4096) + _dense(4096, 4096) \
        + _dense(4096, 10)
    model = create_model("alexnet", input_shape=(32, 32, 3), num_classes=10)
    assert model.name == "alexnet_cifar"
    assert model.count_params() == expected == 28_711_754
    assert model.get_layer("pool5").output.shape[1:] == (3, 3, 256)
    probs = model(np.random.rand(1, 32, 32, 3).astype("float32"))
    assert probs.shape == (1, 10)


def test_explicit_stem_overrides_auto():
    model = AlexNet(input_shape=(64, 64, 3), stem="imagenet", classes=10)
    assert model.name == "alexnet"
    assert model.get_layer("conv1").kernel.shape == (11, 11, 3, 64)


@pytest.mark.parametrize("stem, least", [("imagenet", 63), ("cifar", 15)])
def test_smallest_input(stem, least):
    model = AlexNet(input_shape=(least, least, 3), stem=stem, classes=10, dense_units=8)
    assert model.get_layer("pool5").output.shape[1:3] == (1, 1)
    keras.backend.clear_session(free_memory=False)
    with pytest.raises(ValueError, match=f"input_shape height must be at least {least}"):
        AlexNet(input_shape=(least - 1, least, 3), stem=stem)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(dropout=1.0), ValueError, "dropout must be a number in"),
    (dict(dense_units=0), ValueError, "dense_units"),
    (dict(stem="tiny"), ValueError, "stem must be one of"),
    (dict(local_response_norm="yes"), TypeError, "local_response_norm"),
    (dict(weights="imagenet"), ValueError, "keras.applications counterpart"),
])
def test_bad_input(kwargs, error, match, no_network):
    with pytest.raises(error, match=match):
        AlexNet(input_shape=(32, 32, 3), **kwargs)


def _paper_lrn(a, k=2.0, n=5, alpha=1e-4, beta=0.75):
    """Krizhevsky et al. 2012, section 3.3, written out over the channel axis."""
    channels = a.shape[-1]
    out = np.empty_like(a)
    for c in range(channels):
        lo, hi = max(0, c - n // 2), min(channels - 1, c + n // 2)
        energy = np.sum(a[..., lo:hi + 1] ** 2, axis=-1)
        out[..., c] = a[..., c] / (k + alpha * energy) ** beta
    return out


def test_lrn_matches_the_paper_formula():
    rng = np.random.default_rng(0)
    # Large activations so that the alpha term matters (1e-4 · Σa² ~ k).
    a = rng.normal(scale=60.0, size=(2, 3, 3, 11)).astype("float32")
    out = LocalResponseNormalization()(a)
    np.testing.assert_allclose(np.asarray(out), _paper_lrn(a), rtol=1e-5)
    assert not np.allclose(np.asarray(out), a / 2.0 ** 0.75)


def test_lrn_layers_round_trip_keras_safe_mode(tmp_path):
    model = AlexNet(input_shape=(32, 32, 3), classes=10, dense_units=32,
                    local_response_norm=True)
    assert isinstance(model.get_layer("norm1"), LocalResponseNormalization)
    assert isinstance(model.get_layer("norm2"), LocalResponseNormalization)
    path = tmp_path / "alexnet_lrn.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert loaded.get_layer("norm1").get_config()["depth_radius"] == 2
    assert not any(isinstance(layer, keras.layers.Lambda) for layer in loaded.layers)
    x = np.random.rand(2, 32, 32, 3).astype("float32") * 255
    np.testing.assert_allclose(model.predict(x, verbose=0), loaded.predict(x, verbose=0),
                               rtol=1e-6)


def test_lrn_config_and_bad_arguments():
    layer = LocalResponseNormalization(depth_radius=3, bias=1.0, alpha=2e-5, beta=0.5)
    clone = LocalResponseNormalization.from_config(layer.get_config())
    assert (clone.depth_radius, clone.bias, clone.alpha, clone.beta) == (3, 1.0, 2e-5, 0.5)
    with pytest.raises(ValueError, match="depth_radius must be an integer >= 0"):
        LocalResponseNormalization(depth_radius=-1)
    with pytest.raises(ValueError, match="bias must be > 0"):
        LocalResponseNormalization(bias=0)
    with pytest.raises(TypeError, match="alpha must be a number"):
        LocalResponseNormalization(alpha="1e-4")


def test_feature_extractor():
    model = AlexNet(input_shape=(32, 32, 3), include_top=False)
    assert model.output.shape == (None, 3, 3, 256)
    assert not any(isinstance(layer, keras.layers.Dense) for layer in model.layers)
