"""Local response normalisation (LRN) as a registered, serialisable Keras layer.

Krizhevsky, Sutskever & Hinton, "ImageNet Classification with Deep Convolutional
Neural Networks", NeurIPS 2012 (section 3.3), used again in GoogLeNet's stem
(Szegedy et al. 2014, arXiv:1409.4842). Each activation is divided by the energy of
its neighbours across channels::

    b[c] = a[c] / (k + alpha * sum(a[j] ** 2 for j in c-n/2 .. c+n/2)) ** beta

The paper writes the window as ``n`` adjacent channels with k=2, n=5, alpha=1e-4,
beta=0.75. TensorFlow's ``tf.nn.local_response_normalization`` computes the same
formula but names the window by its half-width ``depth_radius`` (window
``2 * depth_radius + 1``), so the paper's n=5 is ``depth_radius=2``; ``bias`` is k.
Unlike Caffe, neither divides alpha by n, so the paper's alpha is used as is.
"""

from __future__ import annotations

import keras
import tensorflow as tf

__all__ = ["LocalResponseNormalization"]


@keras.saving.register_keras_serializable(package="keras_archs")
class LocalResponseNormalization(keras.layers.Layer):
    """Cross-channel LRN with the paper's constants by default (channels-last input).

    Args:
        depth_radius: half-width of the channel window (paper: n=5 → 2).
        bias: the additive constant k (paper: 2).
        alpha: scale of the sum of squares (paper: 1e-4).
        beta: exponent (paper: 0.75).

    Implemented with ``tf.nn.local_response_normalization``; the package runs on the
    TensorFlow backend. It has no weights, so it computes in float32 under mixed
    precision (TensorFlow's kernel lacks some half-precision paths).
    """

    def __init__(self, depth_radius=2, bias=2.0, alpha=1e-4, beta=0.75, **kwargs):
        super().__init__(**kwargs)
        if isinstance(depth_radius, bool) or not isinstance(depth_radius, int) \
                or depth_radius < 0:
            raise ValueError(
                f"depth_radius must be an integer >= 0, got {depth_radius!r}")
        for label, value in (("bias", bias), ("alpha", alpha), ("beta", beta)):
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise TypeError(f"{label} must be a number, got {value!r}")
        if bias <= 0:
            # With k <= 0 an all-zero channel window divides by zero.
            raise ValueError(f"bias must be > 0, got {bias}")
        self.depth_radius = depth_radius
        self.bias = float(bias)
        self.alpha = float(alpha)
        self.beta = float(beta)

    def call(self, inputs):
        x = tf.cast(inputs, "float32")
        y = tf.nn.local_response_normalization(
            x, depth_radius=self.depth_radius, bias=self.bias, alpha=self.alpha,
            beta=self.beta)
        return tf.cast(y, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(depth_radius=self.depth_radius, bias=self.bias, alpha=self.alpha,
                      beta=self.beta)
        return config
