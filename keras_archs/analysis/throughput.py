"""Throughput of our models against keras.applications' models of the same architecture.

For each registry model with a keras.applications twin, both models are built in the
same process with the same batch and input size, warmed up, then timed in mirrored
order (ours, theirs, theirs, ours) so that machine-load drift hits both alike. Training
is ``model.fit`` on in-memory random data; inference is ``predict_on_batch``. The
result is the ratio ours ÷ theirs (target ≥ 1.00: the same architecture should cost
the same). Times are never asserted anywhere: they depend on the machine.

Two instances of one model in one process can differ in speed by more than 10 % on
these CPUs (measured 2026-11-28: two VGG-16 copies with identical graphs, 3.9 and
4.5 img/s, interleaved), so a ratio means little on its own. Each comparison therefore
also times a second keras.applications instance (the *control*): its ratio to the
first is the same-model spread, the noise floor of that row. And it compares the
graphs themselves: :func:`compute_op_counts` of ours and theirs, so a reader can tell
an architectural difference (extra layers, casts, pads) from timing noise.

Also: how busy training keeps the CPU, as training FLOP/s (3 × 2 × multiply-adds per
image × images/s, the backward pass costing about twice the forward) over the peak
FLOP/s of a large float32 matmul measured in the same process.
"""

from __future__ import annotations

import os
import time

__all__ = ["applications_pairs", "compare_with_applications", "compute_op_counts",
           "matmul_peak_flops", "onednn_enabled"]

DEFAULT_MODELS = ("resnet50", "vgg16", "mobilenetv2", "densenet121", "efficientnetb0")


def onednn_enabled() -> bool | None:
    """Whether TensorFlow's oneDNN kernels are on in this process (None: unknown)."""
    try:
        from tensorflow.python.util import _pywrap_util_port
    except ImportError:
        return None
    return bool(_pywrap_util_port.IsMklEnabled())


def applications_pairs(pattern=None) -> list[tuple[str, str]]:
    """``[(registry name, keras.applications name)]`` for models with a twin there."""
    from keras_archs.registry import list_models, model_info

    return [(n, model_info(n).keras_applications) for n in list_models(pattern)
            if model_info(n).keras_applications]


# Ops that only describe or rename tensors (a TensorFlow Reshape moves no data): where
# two graphs differ only in these, they compute the same thing at the same cost.
BOOKKEEPING_OPS = frozenset({"Const", "Identity", "NoOp", "Placeholder", "Reshape"})


def compute_op_counts(model, input_shape=None, *, training=True):
    """``{TensorFlow op type: count}`` of one forward pass of ``model``, bookkeeping
    ops (:data:`BOOKKEEPING_OPS`) left out.

    The forward pass is traced (not run) with batch 1 and ``training`` (BatchNorm's
    training branch has the ops training runs; the backward graph follows from the
    forward one). Two models with equal counts run the same kernels the same number of
    times: a speed difference between them is not in the architecture. TensorFlow
    backend only.
    """
    import collections

    import keras
    if keras.backend.backend() != "tensorflow":
        raise ValueError("compute_op_counts needs the TensorFlow backend, not "
                         f"{keras.backend.backend()!r}")
    import tensorflow as tf

    shape = tuple(input_shape or model.input_shape[1:])
    function = tf.function(lambda x: model(x, training=training))
    graph = function.get_concrete_function(tf.TensorSpec((1, *shape))).graph
    counts = collections.Counter(op.type for op in graph.get_operations())
    for library_function in graph.as_graph_def().library.function:
        counts.update(node.op for node in library_function.node_def)
    return {op: n for op, n in sorted(counts.items()) if op not in BOOKKEEPING_OPS}


def _op_difference(ours, theirs) -> dict[str, tuple[int, int]]:
    return {op: (ours.get(op, 0), theirs.get(op, 0)) for op in sorted({*ours, *theirs})
            if ours.get(op, 0) != theirs.get(op, 0)}


def _data(batch, size, steps, classes=10):
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.random((batch * steps, size, size, 3), dtype=np.float32)
    y = rng.integers(0, classes, batch * steps)
    return x, y


def _train_seconds(model, x, y, batch):
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False)
    return time.perf_counter() - start


def _infer_seconds(model, x, batch):
    start = time.perf_counter()
    for i in range(0, len(x), batch):
        model.predict_on_batch(x[i:i + batch])
    return time.perf_counter() - start


def compare_with_applications(names=None, *, batch_size=16, image_size=128, steps=5,
                              rounds=2, progress=print) -> list[dict]:
    """Images/s of ours and of keras.applications', training and inference.

    Args:
        names: registry names (default: :data:`DEFAULT_MODELS` that exist); each must
            have a keras.applications twin.
        batch_size, image_size, steps: the timed workload per round (random data).
        rounds: mirrored rounds (ours, theirs, control, control, theirs, ours) after
            one warm-up; the control is a second instance of keras.applications' model.

    Returns:
        One dict per model: ``name``, ``applications``, ``train_ours``,
        ``train_theirs``, ``train_control``, ``train_ratio`` (ours ÷ theirs),
        ``train_spread`` (control ÷ theirs: the same-model noise floor), the same five
        for ``infer``, ``gmacs`` (ours, per image), and ``op_difference``:
        ``{op: (ours, theirs)}`` for the compute ops whose counts differ (empty: the
        same graph; ``None`` off the TensorFlow backend).
    """
    import keras

    from keras_archs.analysis import count_macs
    from keras_archs.registry import create_model, list_models, model_info

    if names is None:
        names = [n for n in DEFAULT_MODELS if n in list_models()]
    shape = (image_size, image_size, 3)
    x, y = _data(batch_size, image_size, steps)
    rows = []
    for name in names:
        app = model_info(name).keras_applications
        if not app:
            raise ValueError(f"{name} has no keras.applications twin; models that do: "
                             f"{', '.join(n for n, _ in applications_pairs())}")
        keras.utils.set_random_seed(0)
        constructor = getattr(keras.applications, app)
        models = {"ours": create_model(name, input_shape=shape, num_classes=10)}
        for label in ("theirs", "control"):  # the control: a second instance of theirs
            models[label] = constructor(weights=None, input_shape=shape, classes=10)
        difference = None
        if keras.backend.backend() == "tensorflow":
            difference = _op_difference(compute_op_counts(models["ours"]),
                                        compute_op_counts(models["theirs"]))
        for model in models.values():
            model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
            model.fit(x[:batch_size * 2], y[:batch_size * 2], batch_size=batch_size,
                      epochs=1, verbose=0)                      # trace and warm up
            model.predict_on_batch(x[:batch_size])
        times = {f"{kind}_{label}": 0.0 for kind in ("train", "infer") for label in models}
        order = list(models)
        for _ in range(rounds):
            for label in order + order[::-1]:
                times[f"train_{label}"] += _train_seconds(models[label], x, y, batch_size)
                times[f"infer_{label}"] += _infer_seconds(models[label], x, batch_size)
        images = 2 * rounds * len(x)
        row = {"name": name, "applications": app,
               "gmacs": count_macs(models["ours"]) / 1e9, "op_difference": difference}
        for key, seconds in times.items():
            row[key] = images / seconds
        for kind in ("train", "infer"):
            row[f"{kind}_ratio"] = row[f"{kind}_ours"] / row[f"{kind}_theirs"]
            row[f"{kind}_spread"] = row[f"{kind}_control"] / row[f"{kind}_theirs"]
        rows.append(row)
        if progress:
            progress(format_row(row))
        del models
        keras.backend.clear_session()
    return rows


HEADER = (f"{'model':<14} {'vs':<16} {'train ours':>11} {'theirs':>9} {'ratio':>6} "
          f"{'same':>6} {'infer ours':>11} {'theirs':>9} {'ratio':>6} {'same':>6}  graph")
LEGEND = ("ratio = ours ÷ theirs; same = a second keras.applications instance ÷ the "
          "first (the noise floor); graph = whether ours traces to the same compute ops")


def format_row(row) -> str:
    difference = row.get("op_difference")
    graph = ("n/a" if difference is None else "same ops" if not difference else
             "differs: " + ", ".join(f"{op} {a} vs {b}" for op, (a, b) in
                                     difference.items()))
    return (f"{row['name']:<14} {row['applications']:<16} "
            f"{row['train_ours']:>9.1f}/s {row['train_theirs']:>7.1f}/s "
            f"{row['train_ratio']:>5.2f}x {row['train_spread']:>5.2f}x "
            f"{row['infer_ours']:>9.1f}/s {row['infer_theirs']:>7.1f}/s "
            f"{row['infer_ratio']:>5.2f}x {row['infer_spread']:>5.2f}x  {graph}")


def matmul_peak_flops(n=2048, repeats=10) -> float:
    """FLOP/s of an ``n``×``n`` float32 matmul (2·n³ FLOPs each), best of ``repeats``."""
    import keras
    import numpy as np

    a = keras.ops.convert_to_tensor(np.random.default_rng(0).random((n, n), np.float32))
    keras.ops.matmul(a, a)  # warm up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        np.asarray(keras.ops.matmul(a, a))
        best = min(best, time.perf_counter() - start)
    return 2 * n ** 3 / best


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
        else os.cpu_count()
