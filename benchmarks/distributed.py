"""Training throughput under mixed precision and MirroredStrategy, on this machine.

What ``--mixed-precision`` and ``--strategy mirrored`` buy (or cost) where you run
them: each setting trains a registry model in a fresh subprocess (logical devices
and dtype policies are per process) through :func:`keras_archs.training.train`,
with warm-up steps first, then times N steps on in-memory random data.

* ``float32``: one device, the default;
* ``mixed``: ``mixed_precision=True`` (bfloat16 on CPU, float16 on GPU);
* ``mirrored x2``: ``MirroredStrategy`` over two logical CPU devices (on a CPU this
  only shows the strategy's overhead: both replicas share the same cores; the
  per-replica batch is the same, so the global batch is twice as large).

    python benchmarks/distributed.py                    # vgg11, batch 32 per replica
    python benchmarks/distributed.py --models vgg11 --smoke

Prints images/s and each setting's ratio to float32, measured in this one run.
"""

from __future__ import annotations

import argparse
import os
import tempfile

from _worker import add_common_args, images_per_sec

_WORKER = r"""
import json, sys
import keras_archs  # first: turns on oneDNN, which only works before TensorFlow loads
import tensorflow as tf
name, setting, batch, steps, size, run_dir = sys.argv[1:7]
batch, steps, size = int(batch), int(steps), int(size)
if setting == "mirrored":
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import numpy as np
from keras_archs.training import get_strategy, global_batch_size, train
strategy = get_strategy("mirrored" if setting == "mirrored" else "default",
                        verbose=False)
batch = global_batch_size(batch, strategy)
x = np.random.default_rng(0).random((batch * steps, size, size, 3), dtype=np.float32)
y = np.random.default_rng(1).integers(0, 10, batch * steps)
ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(batch).cache()

# Epoch 1 traces and warms up; epoch 2 is timed by train()'s EpochTimer (training
# batches only, not the checkpoint written at the end of the epoch).
history = train(name, ds, None, 2, input_shape=(size, size, 3), num_classes=10,
                strategy=strategy, mixed_precision=setting == "mixed_bfloat16",
                train_examples=batch * steps, run_dir=run_dir, verbose=0)
print(json.dumps({"images_per_sec": history.history["train_images_per_sec"][-1]}))
"""

SETTINGS = ("float32", "mixed_bfloat16", "mirrored")


def measure(name, setting, batch, steps, size, workdir):
    return images_per_sec(_WORKER, [name, setting, batch, steps, size,
                                    os.path.join(workdir, f"{name}-{setting}")],
                          label=f"{name} {setting}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_args(parser, models=["vgg11"], batch_help="per replica")
    args = parser.parse_args(argv)
    if args.smoke:
        args.batch_size, args.steps = 2, 2
    print(f"training throughput, batch {args.batch_size} per replica, {args.steps} "
          f"timed steps, {args.image_size}x{args.image_size} random images, "
          f"{os.cpu_count()} CPUs")
    print(f"{'model':<10} {'float32':>11} {'mixed':>11} {'mixed/f32':>9} "
          f"{'mirrored x2':>12} {'mir/f32':>8}")
    with tempfile.TemporaryDirectory() as workdir:
        for name in args.models:
            f32, mixed, mirrored = (
                measure(name, s, args.batch_size, args.steps, args.image_size, workdir)
                for s in SETTINGS)
            print(f"{name:<10} {f32:>9.1f}/s {mixed:>9.1f}/s {mixed / f32:>8.2f}x "
                  f"{mirrored:>10.1f}/s {mirrored / f32:>7.2f}x")


if __name__ == "__main__":
    main()
