"""Run under KERAS_BACKEND=jax by tests/test_backends.py: one process for every model.

``python tests/_jax_parity_worker.py CASES.json`` builds each case's registry model
with Keras' JAX backend, gives it the weights the TensorFlow side used (a
``.weights.h5`` file the TensorFlow side saved, or :func:`assign_seeded_weights` with
the same seed), runs the saved inputs in inference mode and prints one JSON object:
``{"backend": ..., "tensorflow_imported": {...}, "errors": {case: max_abs_diff / scale}}``.
It imports no TensorFlow itself; the parent asserts that nothing else did either.
"""

import json
import math
import sys
import time

import numpy as np


def assign_seeded_weights(model, seed):
    """Set every variable of ``model`` from a NumPy generator, identically on any
    backend (Keras' own initialisers draw from backend-specific generators).

    Kernels get He-normal scale, so a 152-layer net neither explodes nor vanishes;
    biases, BatchNorm offsets and moving means small normals; BatchNorm scales and
    moving variances (and EfficientNet's input Normalization variance) uniform in
    [0.5, 1.5] (Keras' 1/0 defaults would hide a backend
    difference in how they are applied). Writing the weights to a file instead
    would move ~3 GB for the whole registry.
    """
    rng = np.random.default_rng(seed)
    for variable in model.weights:
        shape = tuple(variable.shape)
        leaf = variable.path.rsplit("/", 1)[-1]
        if not np.issubdtype(np.dtype(variable.dtype), np.floating):
            continue  # a Normalization layer's count
        if leaf in ("gamma", "moving_variance", "variance"):
            value = rng.uniform(0.5, 1.5, shape)
        elif len(shape) >= 2:
            fan_in = math.prod(shape[:-2]) if leaf == "depthwise_kernel" \
                else math.prod(shape[:-1])
            value = rng.standard_normal(shape, dtype=np.float32) * math.sqrt(2 / fan_in)
        else:  # bias, beta, moving_mean
            value = rng.normal(0.0, 0.1, shape)
        variable.assign(value.astype(variable.dtype))


def calibrate_batchnorm(model, x):
    """Set every BatchNorm's moving statistics to those of its input on ``x`` (one
    pass, as the PyTorch reference's calibration batch); returns them by layer name.

    Random moving statistics let a deep residual net's activations grow ~2× per block
    (to ~1e11 at the logits): squeeze-and-excitation gates then sit on float32
    cancellation noise and flip between backends. One calibration pass keeps the
    activations O(1), so the comparison tests the backends, not the rounding.
    """
    import keras

    bns = [layer for layer in model.layers
           if isinstance(layer, keras.layers.BatchNormalization)]
    if not bns:
        return {}
    probe = keras.Model(model.inputs, [bn.input for bn in bns])
    inputs = probe(x, training=False)
    stats = {}
    for bn, value in zip(bns, inputs if isinstance(inputs, (list, tuple)) else [inputs]):
        value = np.asarray(value, dtype=np.float64)
        axes = tuple(range(value.ndim - 1))
        mean = value.mean(axes).astype("float32")
        var = np.maximum(value.var(axes), 1e-2).astype("float32")
        bn.moving_mean.assign(mean)
        bn.moving_variance.assign(var)
        stats[bn.name] = (mean, var)
    return stats


def assign_batchnorm_statistics(model, data):
    """Set the moving statistics :func:`calibrate_batchnorm` saved (``bn_mean:NAME``,
    ``bn_var:NAME`` arrays of ``data``)."""
    for key in data.files:
        if key.startswith("bn_mean:"):
            layer = model.get_layer(key[len("bn_mean:"):])
            layer.moving_mean.assign(data[key])
            layer.moving_variance.assign(data[f"bn_var:{layer.name}"])


def skip_keras_random_init():
    """Make Keras' random initialisers return zeros in this process.

    Every weight is overwritten before use (a file or :func:`assign_seeded_weights`),
    and Keras' JAX random ops compile once per new shape (measured: 3.9 of the 5.3 s
    that building ResNet-56 takes), most of this worker's time.
    """
    from keras.src.backend.jax import random as jax_random

    def zeros(shape, *args, dtype=None, **kwargs):
        return np.zeros(shape, dtype or "float32")

    for op in ("uniform", "normal", "truncated_normal"):
        assert hasattr(jax_random, op), op  # fail loudly if Keras moves them
        setattr(jax_random, op, zeros)


def jitted_forward(model, x):
    """``model(x, training=False)`` compiled as one XLA program with ``jax.jit``, as
    Keras' own JAX ``predict`` runs it: much faster for a whole registry than op-by-op
    dispatch, which compiles every primitive for every new shape."""
    import jax

    def forward(trainable, non_trainable, inputs):
        return model.stateless_call(trainable, non_trainable, inputs, training=False)[0]

    return jax.jit(forward)([v.value for v in model.trainable_variables],
                            [v.value for v in model.non_trainable_variables], x)


def main(spec_path):
    import keras

    skip_keras_random_init()

    import keras_archs

    with open(spec_path) as f:
        cases = json.load(f)
    report = {"backend": keras.backend.backend(), "tensorflow_imported": {},
              "errors": {}, "seconds": 0.0}
    start = time.perf_counter()
    keras_archs.list_models()
    keras_archs.model_info(cases[0]["name"])
    report["tensorflow_imported"]["after_registry"] = "tensorflow" in sys.modules
    for index, case in enumerate(cases):
        # A full garbage collection is slow on TensorFlow's heap: every tenth model only.
        keras.backend.clear_session(free_memory=index % 10 == 0)
        model = keras_archs.create_model(case["name"], input_shape=case["input_shape"],
                                         **case["kwargs"])
        if "weights_file" in case:
            model.load_weights(case["weights_file"])
        data = np.load(case["arrays"])
        if "weights_file" not in case:
            assign_seeded_weights(model, case["seed"])
            assign_batchnorm_statistics(model, data)
        out = jitted_forward(model, data["x"])
        got = {k: np.asarray(v) for k, v in out.items()} if isinstance(out, dict) \
            else {"output": np.asarray(out)}
        error = 0.0
        for key, value in got.items():
            expected = data[key]
            if value.shape != expected.shape:
                error = float("inf")
                break
            scale = max(float(np.max(np.abs(expected))), 1e-12)
            error = max(error, float(np.max(np.abs(value - expected))) / scale)
        report["errors"][case["key"]] = error
    report["tensorflow_imported"]["after_models"] = "tensorflow" in sys.modules
    report["seconds"] = time.perf_counter() - start
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1])
