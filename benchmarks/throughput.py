"""Training throughput of registry models, with TensorFlow's oneDNN kernels on and off.

keras-archs sets TF_ENABLE_ONEDNN_OPTS=1 by default because TF leaves oneDNN off on
some CPUs (AMD among them). This measures what that default buys on this machine:
each (model, setting) runs in a fresh subprocess (the variable is read when TensorFlow
loads), trains a few warm-up steps, then times N steps on in-memory random data.

    python benchmarks/throughput.py                 # vgg16 and vgg19, batch 32
    python benchmarks/throughput.py --models vgg11 --steps 5 --smoke

Prints a table of images/s and the on/off ratio measured in this one run.
"""

from __future__ import annotations

import argparse
import os

from _worker import add_common_args, images_per_sec

_WORKER = r"""
import json, sys, time
import numpy as np, keras, tensorflow as tf
from keras_archs import create_model
from keras_archs.data import pipeline_options
name, batch, steps, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
model = create_model(name, input_shape=(size, size, 3), num_classes=10)
model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
x = np.random.default_rng(0).random((batch * steps, size, size, 3), dtype=np.float32)
y = np.random.default_rng(1).integers(0, 10, batch * steps)
ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(batch).cache()
ds = ds.with_options(pipeline_options())        # no autotune-thread wait in the timing
model.fit(ds.take(2), epochs=1, verbose=0)      # trace and warm up
start = time.perf_counter()
model.fit(ds, epochs=1, verbose=0)
print(json.dumps({"images_per_sec": batch * steps / (time.perf_counter() - start)}))
"""


def measure(name, onednn, batch, steps, size):
    return images_per_sec(_WORKER, [name, batch, steps, size],
                          env={"TF_ENABLE_ONEDNN_OPTS": "1" if onednn else "0"},
                          label=f"{name} oneDNN {'on' if onednn else 'off'}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_args(parser, models=["vgg16", "vgg19"])
    args = parser.parse_args(argv)
    if args.smoke:
        args.batch_size, args.steps = 4, 2
    print(f"training throughput, batch {args.batch_size}, {args.steps} timed steps, "
          f"{args.image_size}x{args.image_size} random images, {os.cpu_count()} CPUs")
    print(f"{'model':<10} {'oneDNN off':>12} {'oneDNN on':>12} {'on/off':>8}")
    for name in args.models:
        off = measure(name, False, args.batch_size, args.steps, args.image_size)
        on = measure(name, True, args.batch_size, args.steps, args.image_size)
        print(f"{name:<10} {off:>10.1f}/s {on:>10.1f}/s {on / off:>7.2f}x")


if __name__ == "__main__":
    main()
