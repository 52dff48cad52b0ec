"""Our models against keras.applications' models of the same architecture.

Same batch, same input size, same process; warm-up first, then mirrored rounds (ours,
theirs, control, control, theirs, ours; the control is a second keras.applications
instance) of training (`fit` on in-memory random data) and inference
(`predict_on_batch`). Prints images/s, the ratio ours ÷ theirs per model (target
≥ 1.00), the control's ratio (the same-model noise floor) and whether the two graphs
have the same compute ops, then VGG-16's CPU utilisation: training FLOP/s
(3 × 2 × MACs × images/s) over the peak FLOP/s of a large float32 matmul measured in
this process.

    python benchmarks/vs_applications.py                      # the five reference models
    python benchmarks/vs_applications.py --models resnet50 --image-size 224
    python benchmarks/vs_applications.py --models vgg16 --smoke

Benchmarks print what they measure; they never assert a time.
"""

from __future__ import annotations

import argparse
import platform

import keras_archs  # noqa: F401  (first: it turns oneDNN on before TensorFlow loads)
from keras_archs.analysis.throughput import (
    DEFAULT_MODELS, HEADER, LEGEND, compare_with_applications, cpu_count,
    matmul_peak_flops, onednn_enabled)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=None,
                        help=f"registry names (default: those of {', '.join(DEFAULT_MODELS)} "
                             "that exist)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--image-size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=5, help="batches per timed round")
    parser.add_argument("--rounds", type=int, default=2, help="mirrored rounds")
    parser.add_argument("--smoke", action="store_true", help="tiny run for the tests")
    args = parser.parse_args(argv)
    if args.smoke:
        args.batch_size, args.image_size, args.steps, args.rounds = 2, 96, 1, 1
    import tensorflow as tf

    print(f"keras-archs vs keras.applications: batch {args.batch_size}, "
          f"{args.image_size}x{args.image_size}, {args.steps} steps x {args.rounds} "
          f"mirrored rounds; {cpu_count()} CPUs ({platform.machine()}), TensorFlow "
          f"{tf.__version__}, oneDNN {'on' if onednn_enabled() else 'off'}")
    print(LEGEND)
    print(HEADER)
    rows = compare_with_applications(args.models, batch_size=args.batch_size,
                                     image_size=args.image_size, steps=args.steps,
                                     rounds=args.rounds)
    vgg = next((r for r in rows if r["name"] == "vgg16"), None)
    if vgg is not None:
        peak = matmul_peak_flops(1024 if args.smoke else 2048)
        used = 3 * 2 * vgg["gmacs"] * 1e9 * vgg["train_ours"]
        print(f"vgg16 training: {used / 1e9:.1f} GFLOP/s of a {peak / 1e9:.1f} GFLOP/s "
              f"matmul peak = {used / peak:.0%} CPU utilisation")


if __name__ == "__main__":
    main()
