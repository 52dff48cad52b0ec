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
from keras import ops

from keras_archs._validation import check_number, check_positive_int

__all__ = ["LocalResponseNormalization"]


@keras.saving.register_keras_serializable(package="keras_archs")
class LocalResponseNormalization(keras.layers.Layer):
    """Cross-channel LRN with the paper's constants by default (channels-last input).

    Args:
        depth_radius: half-width of the channel window (paper: n=5 → 2).
        bias: the additive constant k (paper: 2).
        alpha: scale of the sum of squares (paper: 1e-4).
        beta: exponent (paper: 0.75).

    Written with ``keras.ops`` only (any backend): the channel window is summed as
    ``2 * depth_radius + 1`` shifted slices of the zero-padded squares, which equals
    ``tf.nn.local_response_normalization`` (tests/layers/test_normalization.py checks
    it to 1e-6). It has no weights and computes in float32 under mixed precision
    (a sum of squares overflows float16 easily), returning the input's dtype.
    """

    def __init__(self, depth_radius=2, bias=2.0, alpha=1e-4, beta=0.75, **kwargs):
        super().__init__(**kwargs)
        depth_radius = check_positive_int(depth_radius, "depth_radius", minimum=0)
        bias = check_number(bias, "bias")
        if bias <= 0:
            # With k <= 0 an all-zero channel window divides by zero.
            raise ValueError(f"bias must be > 0, got {bias}")
        alpha = check_number(alpha, "alpha")
        beta = check_number(beta, "beta")
        self.depth_radius = depth_radius
        self.bias = float(bias)
        self.alpha = float(alpha)
        self.beta = float(beta)
        self.input_spec = keras.layers.InputSpec(min_ndim=2)

    def call(self, inputs):
        x = ops.cast(inputs, "float32")
        channels = x.shape[-1]
        r = self.depth_radius
        squares = ops.square(x)
        if r:
            # Zero-pad the channel axis by r on both sides; window c covers padded
            # channels c .. c + 2r, i.e. input channels c - r .. c + r.
            padded = ops.pad(squares, [[0, 0]] * (len(x.shape) - 1) + [[r, r]])
            window = padded[..., 0:channels]
            for k in range(1, 2 * r + 1):
                window = window + padded[..., k:k + channels]
        else:
            window = squares
        y = x * ops.power(self.bias + self.alpha * window, -self.beta)
        return ops.cast(y, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(depth_radius=self.depth_radius, bias=self.bias, alpha=self.alpha,
                      beta=self.beta)
        return config
