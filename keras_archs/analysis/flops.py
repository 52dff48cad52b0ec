"""Parameter and multiply-accumulate (MAC) counts, computed from the layer graph.

Papers quote "FLOPs" for CNNs as multiply-adds (ResNet-50: ~4.1 G at 224×224), so
that is what :func:`count_macs` returns: one MAC per weight use, biases, BatchNorm
and activations ignored, as in the papers' tables. It is analytic (shapes only), so
it is exact, fast and needs no profiler.
"""

from __future__ import annotations

import math

import keras

__all__ = ["count_macs", "count_params"]


def _prod(shape):
    return math.prod(int(d) for d in shape if d is not None)


def _layer_macs(layer) -> int:
    if isinstance(layer, (keras.Model,)):
        return count_macs(layer)
    try:
        out_shape = layer.output.shape
    except (AttributeError, ValueError):
        return 0
    if isinstance(layer, keras.layers.DepthwiseConv2D):
        kh, kw = layer.kernel_size
        return _prod(out_shape[1:]) * kh * kw
    if isinstance(layer, keras.layers.SeparableConv2D):
        kh, kw = layer.kernel_size
        in_ch = int(layer.input.shape[-1])
        spatial = _prod(out_shape[1:-1])
        return spatial * in_ch * layer.depth_multiplier * (kh * kw + int(out_shape[-1]))
    if isinstance(layer, keras.layers.Conv2D):
        kh, kw = layer.kernel_size
        in_ch = int(layer.input.shape[-1]) // layer.groups
        return _prod(out_shape[1:]) * kh * kw * in_ch
    if isinstance(layer, keras.layers.Dense):
        in_units = int(layer.input.shape[-1])
        return _prod(out_shape[1:]) * in_units
    return 0


def count_macs(model) -> int:
    """Multiply-accumulates of one forward pass of one image through ``model``."""
    return sum(_layer_macs(layer) for layer in model.layers)


def count_params(model, include_bn_statistics: bool = True) -> int:
    """Parameters as Keras counts them, or, with ``include_bn_statistics=False``, as
    PyTorch does (BatchNorm moving mean/variance are buffers there, not parameters)."""
    if include_bn_statistics:
        return model.count_params()
    return sum(int(w.numpy().size) for w in model.weights
               if w.trainable or not _is_bn_statistic(w))


def _is_bn_statistic(variable) -> bool:
    path = getattr(variable, "path", variable.name)
    return path.endswith(("moving_mean", "moving_variance"))
