"""The generic PyTorch → Keras weight mapping: layouts, checks, messages.

Each layout conversion is checked against PyTorch's definition of the layer written
out in numpy (cross-correlation over NCHW, ``x.flatten(1) @ W.T``), so a transposition
mistake cannot pass. The full-network check is tests/models/test_torch_parity.py.
"""

from __future__ import annotations

import warnings

import keras
import numpy as np
import pytest

from keras_archs.torch_checkpoint import read_torch_checkpoint
from keras_archs.weights import load_torch_weights

RNG = np.random.default_rng(0)


def _torch_conv(x, w, b, groups):
    """PyTorch's Conv2d (stride 1, no padding) on NCHW ``x`` with OIHW ``w``."""
    n, c, h, wd = x.shape
    o, ig, kh, kw = w.shape
    out = np.zeros((n, o, h - kh + 1, wd - kw + 1))
    per_group = o // groups
    for oc in range(o):
        g = oc // per_group
        xs = x[:, g * ig:(g + 1) * ig]
        for i in range(kh):
            for j in range(kw):
                out[:, oc] += np.einsum("nchw,c->nhw", xs[:, :, i:i + out.shape[2],
                                                           j:j + out.shape[3]], w[oc, :, i, j])
        out[:, oc] += b[oc]
    return out


def _keras_out(layer_fn, x_nchw, state, keys):
    inp = keras.Input(x_nchw.shape[1:][1:] + x_nchw.shape[1:2])
    model = keras.Model(inp, layer_fn(inp))
    load_torch_weights(model, state, keys)
    return np.asarray(model(x_nchw.transpose(0, 2, 3, 1))).transpose(0, 3, 1, 2)


@pytest.mark.parametrize("groups", [1, 2])
def test_conv2d_and_grouped_conv_match_pytorch(groups):
    x = RNG.standard_normal((2, 4, 6, 6)).astype(np.float32)
    w = RNG.standard_normal((6, 4 // groups, 3, 3)).astype(np.float32)
    b = RNG.standard_normal(6).astype(np.float32)
    ours = _keras_out(lambda t: keras.layers.Conv2D(6, 3, groups=groups, name="c")(t), x,
                      {"conv.weight": w, "conv.bias": b}, {"c": "conv"})
    np.testing.assert_allclose(ours, _torch_conv(x, w, b, groups), rtol=1e-5, atol=1e-5)


def test_depthwise_conv_with_multiplier_matches_pytorch():
    # PyTorch: Conv2d(3, 6, 3, groups=3) has weight (6, 1, 3, 3).
    x = RNG.standard_normal((2, 3, 5, 5)).astype(np.float32)
    w = RNG.standard_normal((6, 1, 3, 3)).astype(np.float32)
    b = RNG.standard_normal(6).astype(np.float32)
    ours = _keras_out(
        lambda t: keras.layers.DepthwiseConv2D(3, depth_multiplier=2, name="dw")(t), x,
        {"m.weight": w, "m.bias": b}, {"dw": "m"})
    np.testing.assert_allclose(ours, _torch_conv(x, w, b, groups=3), rtol=1e-5, atol=1e-5)


def test_dense_after_flatten_reorders_pytorch_chw_rows():
    x = RNG.standard_normal((2, 3, 2, 4)).astype(np.float32)  # NCHW
    w = RNG.standard_normal((5, 24)).astype(np.float32)
    b = RNG.standard_normal(5).astype(np.float32)
    inp = keras.Input((2, 4, 3))
    y = keras.layers.Flatten()(inp)
    y = keras.layers.Dropout(0.5)(y)
    model = keras.Model(inp, keras.layers.Dense(5, name="fc1")(y))
    load_torch_weights(model, {"classifier.weight": w, "classifier.bias": b},
                       {"fc1": "classifier"})
    expected = x.reshape(2, -1) @ w.T + b  # torch: x.flatten(1) @ W.T + b
    np.testing.assert_allclose(model(x.transpose(0, 2, 3, 1)), expected, rtol=1e-5,
                               atol=1e-5)


def test_batchnorm_takes_weight_bias_and_running_statistics():
    inp = keras.Input((2, 2, 3))
    model = keras.Model(inp, keras.layers.BatchNormalization(epsilon=1e-5, name="bn")(inp))
    state = {"bn.weight": np.array([1.0, 2.0, 3.0], np.float32),
             "bn.bias": np.array([0.1, 0.2, 0.3], np.float32),
             "bn.running_mean": np.array([1.0, -1.0, 0.5], np.float32),
             "bn.running_var": np.array([4.0, 1.0, 0.25], np.float32),
             "bn.num_batches_tracked": np.array(7, np.int64)}
    load_torch_weights(model, state, {"bn": "bn"})
    bn = model.get_layer("bn")
    for var, key in ((bn.gamma, "weight"), (bn.beta, "bias"),
                     (bn.moving_mean, "running_mean"), (bn.moving_variance, "running_var")):
        np.testing.assert_array_equal(np.asarray(var), state[f"bn.{key}"])


def _small_classifier(classes=3, include_top=True):
    inp = keras.Input((4, 4, 2))
    x = keras.layers.Conv2D(3, 1, name="conv1")(inp)
    if include_top:
        x = keras.layers.GlobalAveragePooling2D()(x)
        x = keras.layers.Dense(classes, name="predictions")(x)
    return keras.Model(inp, x, name="small")


def _small_state(classes=3):
    return {"conv.weight": np.ones((3, 2, 1, 1), np.float32),
            "conv.bias": np.zeros(3, np.float32),
            "fc.weight": np.ones((classes, 3), np.float32),
            "fc.bias": np.zeros(classes, np.float32)}


KEYS = {"conv1": "conv", "predictions": "fc"}


def test_unused_keys_and_empty_layers_are_listed_and_nothing_is_assigned():
    model = _small_classifier()
    before = [np.asarray(w).copy() for w in model.weights]
    state = _small_state()
    state["extra.weight"] = np.zeros(2, np.float32)
    with pytest.raises(ValueError, match=r"keys left unused: 'extra.weight'"):
        load_torch_weights(model, state, KEYS)
    with pytest.raises(ValueError, match=r"layers left empty: 'predictions'"):
        load_torch_weights(model, _small_state(), {"conv1": "conv"})
    for old, new in zip(before, model.weights):
        np.testing.assert_array_equal(old, np.asarray(new))


def test_shape_mismatch_names_both_shapes():
    state = _small_state()
    state["conv.weight"] = np.ones((3, 5, 1, 1), np.float32)
    with pytest.raises(ValueError, match=r"'conv1'.*this model has shape \(1, 1, 2, 3\), "
                                         r"the checkpoint's 'conv.weight' has \(1, 1, 5, 3\)"):
        load_torch_weights(_small_classifier(), state, KEYS)


@pytest.mark.parametrize("model_kwargs,why", [
    (dict(classes=10), "the model has 10 classes, the checkpoint 3"),
    (dict(include_top=False), "the model has no classifier"),
])
def test_classifier_is_skipped_with_one_warning(model_kwargs, why):
    model = _small_classifier(**model_kwargs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_torch_weights(model, _small_state(), KEYS)
    messages = [str(w.message) for w in caught if "except the classifier" in str(w.message)]
    assert len(messages) == 1 and why in messages[0]
    np.testing.assert_array_equal(np.asarray(model.get_layer("conv1").kernel),
                                  np.ones((1, 1, 2, 3)))


def test_safetensors_file_and_wrapped_checkpoints_read_back(tmp_path):
    from safetensors.numpy import save_file

    path = tmp_path / "w.safetensors"
    save_file({"module.conv.weight": np.arange(6, dtype=np.float32).reshape(3, 2, 1, 1),
               "module.conv.bias": np.zeros(3, np.float32)}, str(path))
    state = read_torch_checkpoint(path)
    assert set(state) == {"conv.weight", "conv.bias"}  # DataParallel's prefix removed
    np.testing.assert_array_equal(state["conv.weight"].ravel(), np.arange(6))


@pytest.mark.parametrize("content,cause", [
    (b"", "is empty"),
    (b"not a safetensors file at all", "not a readable .safetensors"),
])
def test_bad_safetensors_files_are_refused_by_name(tmp_path, content, cause):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=cause) as err:
        read_torch_checkpoint(path)
    assert "bad.safetensors" in str(err.value)
    assert path.read_bytes() == content


def test_a_model_without_a_pytorch_twin_says_which_models_have_one(tmp_path):
    from safetensors.numpy import save_file

    from keras_archs import create_model

    path = tmp_path / "w.safetensors"
    save_file(_small_state(), str(path))
    with pytest.raises(ValueError, match=r"lenet5 has no PyTorch twin.*load PyTorch "
                                         r"checkpoints:"):
        create_model("lenet5", input_shape=(32, 32, 1), num_classes=10, weights=str(path))
