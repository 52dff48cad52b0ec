"""Benchmark: is the CIFAR input pipeline fast enough to keep training busy?

Measures, in one run on one machine:

(a) pipeline throughput alone — images/s of ``load_cifar("cifar10", "train",
    augment=True)``: the first epoch (decode + cache fill), a cached epoch, and the
    wait for the first batch of an epoch (the shuffle buffer filling); once as
    keras-archs builds it (tf.data autotuning off) and once with autotuning on;
(b) the stall ratio — wall time of ``model.fit`` for N steps fed by the pipeline,
    divided by the time of ``model.fit`` for N batches the pipeline produced, held in
    memory as tensors. Same model, same compiled step; the feeds are timed in
    mirrored order (A B C C B A) so load drift cancels. 1.00 means the pipeline never
    makes the model wait; the target is <= 1.05. The pipeline with tf.data
    autotuning on is timed too: its iterator teardown waits for the autotune thread.

Real CIFAR cannot be downloaded on an offline machine, so by default the benchmark
writes a SYNTHETIC CIFAR-10 of the real shape and size (50,000 + 10,000 random 32×32×3
uint8 images, PNG-encoded in tfds' own format, via
``keras_archs.data.cifar.make_synthetic_cifar``) and reads it through tfds' real code
path; the output says so. ``--data-dir`` points it at a directory that already holds a
prepared cifar10 (real or synthetic) instead.

    python benchmarks/pipeline.py            # full size, VGG-16, batch 256, 8 steps
    python benchmarks/pipeline.py --smoke    # seconds; for the test suite

Prints tables; never asserts a time.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--smoke", action="store_true",
                   help="tiny sizes (64 images, VGG-11, batch 8, 2 steps)")
    p.add_argument("--data-dir", default=None,
                   help="a directory holding a prepared cifar10 (default: write a "
                        "synthetic one to a temporary directory)")
    p.add_argument("--num-train", type=int, default=50_000)
    p.add_argument("--model", default="vgg16", help="registry name")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--steps", type=int, default=8, help="timed fit steps")
    args = p.parse_args(argv)
    if args.smoke:
        args.num_train, args.model, args.batch_size, args.steps = 64, "vgg11", 8, 2
    return args


def _epoch_throughput(ds):
    start, n = time.perf_counter(), 0
    for images, _ in ds:
        n += int(images.shape[0])
    seconds = time.perf_counter() - start
    return n, seconds


def _autotune_on(tf):
    options = tf.data.Options()
    options.autotune.enabled = True
    return options


def main(argv=None) -> int:
    args = _parse(argv)
    # keras_archs first: it turns on TensorFlow's oneDNN kernels, which only takes
    # effect if TensorFlow is not loaded yet (2.5x faster training on this CPU).
    import keras_archs  # noqa: F401  isort: skip
    import keras
    import numpy as np
    import tensorflow as tf

    from keras_archs import create_model
    from keras_archs.data import pipeline_options
    from keras_archs.data.cifar import load_cifar, make_synthetic_cifar
    from keras_archs.reports import format_table
    from keras_archs.training import make_optimizer

    tmp = None
    if args.data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="bench_cifar_")
        data_dir = tmp.name
        start = time.perf_counter()
        make_synthetic_cifar("cifar10", data_dir, num_train=args.num_train,
                             num_test=max(args.num_train // 5, 1))
        source = (f"SYNTHETIC cifar10 ({args.num_train} train images of random "
                  f"pixels in tfds format, written in "
                  f"{time.perf_counter() - start:.0f} s; not real CIFAR)")
    else:
        data_dir = args.data_dir
        source = f"prepared cifar10 in {data_dir}"

    print(f"data: {source}")
    print(f"machine: {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} logical CPUs, TensorFlow {tf.__version__}, "
          f"Keras {keras.__version__}, "
          f"TF_ENABLE_ONEDNN_OPTS={os.environ.get('TF_ENABLE_ONEDNN_OPTS')}")

    # (a) The pipeline alone, as keras-archs builds it (tf.data autotuning off, see
    # keras_archs.data.pipeline_options) and with tf.data's autotuning on.
    def load():
        return load_cifar("cifar10", "train", args.batch_size, augment=True, seed=0,
                          data_dir=data_dir, with_info=True)

    ds, info = load()
    # A second load, so that it decodes and fills a cache of its own (a dataset
    # derived with with_options would share the first one's in-memory cache).
    ds_autotune = load()[0].with_options(_autotune_on(tf))
    rows = []
    for label, dataset in (("", ds), (", autotune on", ds_autotune)):
        n1, s1 = _epoch_throughput(dataset)  # decode + cache fill
        n2, s2 = _epoch_throughput(dataset)  # from the cache: training's steady state
        # What every later epoch waits before its first batch: the shuffle buffer
        # (the whole split) filling from the cache.
        start = time.perf_counter()
        first = next(iter(dataset))
        s3 = time.perf_counter() - start
        rows += [{"pass": f"epoch 1 (decode + cache){label}", "images": n1,
                  "seconds": s1, "images_per_sec": n1 / s1},
                 {"pass": f"epoch 2 (cached){label}", "images": n2, "seconds": s2,
                  "images_per_sec": n2 / s2},
                 {"pass": f"first batch of an epoch{label}",
                  "images": int(first[0].shape[0]), "seconds": s3,
                  "images_per_sec": None}]
    print("\n(a) pipeline alone: load_cifar('cifar10', 'train', "
          f"batch_size={args.batch_size}, augment=True)")
    print(format_table(rows, ("pass", "images", "seconds", "images_per_sec")))

    # (b) Stall ratio: the same N batches, from the pipeline vs from memory.
    half = max(args.steps // 2, 1)
    n_half = half * args.batch_size
    batches = [(x.numpy(), y.numpy()) for x, y in ds.take(half)]
    x_mem = np.concatenate([b[0] for b in batches])
    y_mem = np.concatenate([b[1] for b in batches])
    # The in-memory batches go through the thinnest tf.data possible (slices of
    # tensors, batched, autotuning off): fit's own path for NumPy arrays is a tf.data
    # pipeline with autotuning on, which stalls as described in pipeline_options.
    memory = tf.data.Dataset.from_tensor_slices((x_mem[:n_half], y_mem[:n_half]))
    memory = memory.batch(args.batch_size).with_options(pipeline_options())
    keras.utils.set_random_seed(0)
    model = create_model(args.model, input_shape=info.image_shape,
                         num_classes=info.num_classes)
    model.compile(optimizer=make_optimizer("sgd"),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    # Trace the train step once before any timing (all three feeds share its
    # signature, so none of them retraces).
    model.fit(memory.take(1), epochs=1, verbose=0, shuffle=False)

    feeds = {
        "in-memory tensors": memory,
        # A new iterator per fit, as at the start of every epoch: includes the
        # shuffle-buffer fill from the cache, which a real epoch pays once.
        "load_cifar pipeline": ds.take(half),
        "load_cifar pipeline, autotune on": ds_autotune.take(half),
    }
    # Each feed runs twice, in mirrored order (A B C C B A), so a drift in machine
    # load during the run hits every feed alike.
    order = list(feeds) + list(reversed(feeds))
    seconds = dict.fromkeys(feeds, 0.0)
    for name in order:
        start = time.perf_counter()
        model.fit(feeds[name], epochs=1, verbose=0, shuffle=False)
        seconds[name] += time.perf_counter() - start
    steps = 2 * half
    images = steps * args.batch_size
    rows = [{"fed by": name, "steps": steps, "seconds": t,
             "images_per_sec": images / t} for name, t in seconds.items()]
    print(f"\n(b) model.fit of {args.model} ({model.count_params():,} params), batch "
          f"{args.batch_size}, {steps} steps per feed (fits of {half} steps, in the "
          "order A B C C B A); in-memory = batches the pipeline produced")
    print(format_table(rows, ("fed by", "steps", "seconds", "images_per_sec")))
    base = seconds["in-memory tensors"]
    print(f"\nstall ratio (pipeline / in-memory): "
          f"{seconds['load_cifar pipeline'] / base:.3f} (target <= 1.05)")
    print(f"stall ratio with tf.data autotune on: "
          f"{seconds['load_cifar pipeline, autotune on'] / base:.3f}")
    if args.smoke:
        print("smoke mode: sizes too small for the figures to mean anything")
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sys.exit(main())
