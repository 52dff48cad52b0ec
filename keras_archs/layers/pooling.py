"""PyTorch's adaptive average pooling as a registered, serialisable Keras layer.

``torch.nn.AdaptiveAvgPool2d(output_size)`` averages, for output row ``i`` of ``n_out``
and an input of ``n_in`` rows, the rows ``floor(i * n_in / n_out)`` to
``ceil((i + 1) * n_in / n_out)`` (exclusive); the same for columns. Windows may
overlap and differ in size, so no single ``AveragePooling2D`` reproduces it in
general (14 → 4, torchvision GoogLeNet's auxiliary heads, takes rows 0-3, 3-6, 7-10,
10-13). Here the averaging is two constant matrices applied with ``keras.ops.einsum``,
built from the (static) input height and width.
"""

from __future__ import annotations

import keras
import numpy as np

from keras_archs._validation import check_int_sequence, check_positive_int

__all__ = ["AdaptiveAveragePooling2D", "adaptive_pool_matrix"]


def adaptive_pool_matrix(n_in: int, n_out: int) -> np.ndarray:
    """``(n_out, n_in)`` matrix whose row ``i`` averages PyTorch's window ``i``."""
    matrix = np.zeros((n_out, n_in), dtype="float32")
    for i in range(n_out):
        start = (i * n_in) // n_out
        end = -(-((i + 1) * n_in) // n_out)
        matrix[i, start:end] = 1.0 / (end - start)
    return matrix


@keras.saving.register_keras_serializable(package="keras_archs")
class AdaptiveAveragePooling2D(keras.layers.Layer):
    """``torch.nn.AdaptiveAvgPool2d`` for channels-last inputs of fixed height/width.

    Args:
        output_size: an int (square) or ``(height, width)``.
    """

    def __init__(self, output_size, **kwargs):
        super().__init__(**kwargs)
        if isinstance(output_size, int) and not isinstance(output_size, bool):
            output_size = (check_positive_int(output_size, "output_size"),) * 2
        self.output_size = check_int_sequence(output_size, "output_size", length=2)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def build(self, input_shape):
        h, w = input_shape[1], input_shape[2]
        if h is None or w is None:
            raise ValueError("AdaptiveAveragePooling2D needs a fixed input height and "
                             f"width, got input shape {tuple(input_shape)}")
        self._rows = adaptive_pool_matrix(h, self.output_size[0])
        self._cols = adaptive_pool_matrix(w, self.output_size[1])
        super().build(input_shape)

    def call(self, inputs):
        rows = keras.ops.convert_to_tensor(self._rows, dtype=inputs.dtype)
        cols = keras.ops.convert_to_tensor(self._cols, dtype=inputs.dtype)
        x = keras.ops.einsum("oh,bhwc->bowc", rows, inputs)
        return keras.ops.einsum("pw,bowc->bopc", cols, x)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self.output_size, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "output_size": list(self.output_size)}
