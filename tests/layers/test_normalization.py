"""LocalResponseNormalization (keras.ops) against TensorFlow's own LRN kernel."""

import keras
import numpy as np
import pytest

from keras_archs.layers import LocalResponseNormalization


@pytest.mark.parametrize("depth_radius, bias, alpha, beta, channels", [
    (2, 2.0, 1e-4, 0.75, 11),      # AlexNet's constants (the paper's n=5, k=2)
    (2, 1.0, 1e-4, 0.75, 64),      # GoogLeNet's stem (Caffe's k=1)
    (5, 0.5, 1e-3, 0.5, 7),        # window wider than the channels
    (0, 1.0, 1e-2, 1.0, 3),        # window of one channel
])
def test_lrn_equals_tf_nn_local_response_normalization(depth_radius, bias, alpha, beta,
                                                        channels):
    import tensorflow as tf

    rng = np.random.default_rng(depth_radius)
    # Activations large enough that alpha * sum of squares is comparable to k.
    x = rng.normal(scale=60.0, size=(2, 5, 4, channels)).astype("float32")
    ours = LocalResponseNormalization(depth_radius, bias, alpha, beta)(x)
    theirs = tf.nn.local_response_normalization(
        x, depth_radius=depth_radius, bias=bias, alpha=alpha, beta=beta)
    np.testing.assert_allclose(np.asarray(ours), theirs.numpy(), rtol=1e-6, atol=1e-6)
    assert not np.allclose(np.asarray(ours), x / bias ** beta, rtol=1e-3)


def test_lrn_computes_in_float32_under_mixed_precision():
    import tensorflow as tf

    x = np.random.default_rng(1).normal(scale=300.0, size=(1, 3, 3, 8)).astype("float32")
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        layer = LocalResponseNormalization()
        out = layer(x.astype("float16"))
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert keras.backend.standardize_dtype(out.dtype) == "float16"
    # float16 squares of 300-scale activations overflow (300² · 5 > 65504); float32 do not.
    expected = tf.nn.local_response_normalization(
        x.astype("float16").astype("float32"), depth_radius=2, bias=2.0, alpha=1e-4,
        beta=0.75).numpy()
    assert np.all(np.isfinite(np.asarray(out, dtype="float32")))
    np.testing.assert_allclose(np.asarray(out, dtype="float32"), expected, rtol=2e-3)
