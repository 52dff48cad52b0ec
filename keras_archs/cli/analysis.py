"""``keras-archs flops`` (parameters and multiply-adds), ``keras-archs plot`` (an
architecture diagram of a model or of one block), ``keras-archs chart`` (top-1 against
multiply-adds, one ball per model) and ``keras-archs bench`` (throughput against
keras.applications)."""

from __future__ import annotations

import os
import shutil

# Blocks `plot` can draw: public name in keras_archs -> (sample input shape, keyword
# arguments). The sample input is where the block sits in its paper's network, so the
# diagram shows the shapes a learner sees there.
BLOCKS = {
    "naive_inception_block": ((28, 28, 192), {}),
    "inception_v1_block": ((28, 28, 192), {}),  # inception (3a)
    "build_vgg_block": ((32, 32, 3), dict(num_cnn=2, channel=64)),
    "conv_block": ((56, 56, 64), dict(kernel_size=3, filters=(64, 64, 256), stage=2,
                                      block="a", strides=(1, 1))),
    "identity_block": ((56, 56, 256), dict(kernel_size=3, filters=(64, 64, 256),
                                           stage=2, block="b")),
    "se_block": ((28, 28, 256), dict(ratio=16, name="se")),
}

GRAPHVIZ_HELP = (
    "drawing needs Graphviz's `dot` program on PATH (and the pydot package): install "
    "it with `sudo apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` "
    "(macOS) or `winget install graphviz` (Windows), then run this again")


def register(sub):
    from keras_archs.cli import shape_arg

    p = sub.add_parser(
        "flops", help="parameters, multiply-adds and reference top-1 of models",
        description="Build each registered model matching PATTERN (all by default) and "
                    "print its parameters and multiply-adds (GMACs) per image, with the "
                    "reference ImageNet top-1 where one is recorded.")
    p.add_argument("pattern", nargs="?", default=None, help="shell pattern, e.g. 'resnet*'")
    p.add_argument("--input-shape", type=shape_arg, default=None,
                   help="HEIGHT,WIDTH,CHANNELS (default: each model's own, e.g. 224,224,3)")
    p.set_defaults(func=run_flops)

    p = sub.add_parser(
        "plot", help="draw a model or a block as a PNG diagram",
        description="Draw a registered model, or one of the block functions "
                    f"({', '.join(BLOCKS)}) built on a sample input, with "
                    "keras.utils.plot_model: layer names and output shapes. Needs "
                    "Graphviz's `dot`.")
    p.add_argument("name", help="registry name or block function name")
    p.add_argument("--out", default=None, help="PNG file to write (default: NAME.png)")
    p.add_argument("--input-shape", type=shape_arg, default=None,
                   help="HEIGHT,WIDTH,CHANNELS (default: the model's or block's own)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace --out if it exists (otherwise refused)")
    p.set_defaults(func=run_plot)

    p = sub.add_parser(
        "chart", help="the top-1 vs multiply-adds ball chart as a PNG",
        description="Draw keras_archs.plots.accuracy_vs_macs: one ball per registered "
                    "model matching PATTERN (all by default) that records a reference "
                    "ImageNet top-1; x = GMACs at its reference input size (log scale), "
                    "y = top-1, ball area proportional to parameters. The top-1 values "
                    "are published figures (ModelInfo.top1_source), not measured here.")
    p.add_argument("pattern", nargs="?", default=None, help="shell pattern, e.g. 'resnet*'")
    p.add_argument("--out", default="accuracy_vs_macs.png", help="PNG file to write")
    p.add_argument("--overwrite", action="store_true",
                   help="replace --out if it exists (otherwise refused)")
    p.set_defaults(func=run_chart)

    p = sub.add_parser(
        "bench", help="throughput of our models vs keras.applications'",
        description="A small version of benchmarks/vs_applications.py: train and infer "
                    "with each matching model that has a keras.applications twin and "
                    "with that twin, in this process, and print images/s, the ratio "
                    "ours/theirs, the ratio of a second instance of the twin to the "
                    "first (the noise floor), and whether both trace to the same "
                    "compute ops. Also says whether TensorFlow's oneDNN kernels are on.")
    p.add_argument("pattern", nargs="?", default=None,
                   help="shell pattern (default: resnet50, vgg16, mobilenetv2, "
                        "densenet121, efficientnetb0 where present)")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--image-size", type=int, default=96)
    p.add_argument("--steps", type=int, default=3, help="batches per timed round")
    p.set_defaults(func=run_bench)


def run_flops(args):
    from keras_archs.analysis import count_macs
    from keras_archs.registry import create_model, list_models, model_info

    names = list_models(args.pattern)
    if not names:
        raise ValueError(f"no model matches {args.pattern!r}; see `keras-archs list`")
    columns = ("model", "family", "input", "params", "GMACs", "top-1")
    widths = (max(len(n) for n in names + ["model"]), 12, 11, 12, 8, 6)
    print("  ".join(c.ljust(w) if i < 3 else c.rjust(w)
                    for i, (c, w) in enumerate(zip(columns, widths))), flush=True)
    print("  ".join("-" * w for w in widths), flush=True)
    for name in names:
        info = model_info(name)
        model = create_model(name, input_shape=args.input_shape)
        shape = "x".join(str(d) for d in model.input_shape[1:])
        top1 = f"{info.top1:.1f}" if info.top1 is not None else "-"
        cells = (name, info.family, shape, f"{model.count_params():,}",
                 f"{count_macs(model) / 1e9:.3f}", top1)
        # One row at a time: building every model takes a while.
        print("  ".join(c.ljust(w) if i < 3 else c.rjust(w)
                        for i, (c, w) in enumerate(zip(cells, widths))), flush=True)
    return 0


def _check_graphviz():
    try:
        import pydot  # noqa: F401
    except ImportError:
        raise ValueError(GRAPHVIZ_HELP) from None
    if shutil.which("dot") is None:
        raise ValueError(GRAPHVIZ_HELP)


def build_block_model(name, input_shape=None):
    """A ``keras.Model`` around one block function on its sample input."""
    import keras

    import keras_archs

    shape, kwargs = BLOCKS[name]
    inputs = keras.Input(input_shape or shape)
    return keras.Model(inputs, getattr(keras_archs, name)(inputs, **kwargs), name=name)


def run_plot(args):
    from keras_archs.registry import create_model, list_models

    out = args.out or f"{args.name}.png"
    _check_png_out(out, args.overwrite)
    name = args.name.lower() if args.name.lower() in list_models() else args.name
    if name not in BLOCKS and name not in list_models():
        import difflib

        choices = list(BLOCKS) + list_models()
        close = difflib.get_close_matches(args.name, choices, n=3, cutoff=0.5)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise ValueError(f"unknown model or block {args.name!r}.{hint} Models: "
                         f"`keras-archs list`; blocks: {', '.join(BLOCKS)}")
    _check_graphviz()
    import keras

    if name in BLOCKS:
        model = build_block_model(name, args.input_shape)
    else:
        model = create_model(name, input_shape=args.input_shape)
    keras.utils.plot_model(model, to_file=out, show_shapes=True, show_layer_names=True,
                           dpi=72)
    print(f"wrote {out} ({model.name}: {len(model.layers)} layers, "
          f"{model.count_params():,} parameters)")
    return 0


def _check_png_out(out, overwrite):
    if not out.lower().endswith(".png"):
        raise ValueError(f"--out must name a .png file, got {out!r}")
    if os.path.exists(out) and not overwrite:
        raise ValueError(f"--out {out!r} exists; pass --overwrite to replace it")


def run_chart(args):
    from keras_archs.plots import accuracy_vs_macs
    from keras_archs.registry import list_models, model_info

    _check_png_out(args.out, args.overwrite)
    names = list_models(args.pattern)
    if not names:
        raise ValueError(f"no model matches {args.pattern!r}; see `keras-archs list`")
    names = [n for n in names if model_info(n).top1 is not None]
    if not names:
        with_top1 = [n for n in list_models() if model_info(n).top1 is not None]
        raise ValueError(f"no model matching {args.pattern!r} records a reference "
                         f"top-1; those that do: {', '.join(with_top1)}")
    print(f"building {len(names)} models at their reference input size ...", flush=True)
    accuracy_vs_macs(names, out=args.out)
    print(f"wrote {args.out} ({len(names)} models)")
    return 0


def run_bench(args):
    from keras_archs._validation import check_positive_int
    from keras_archs.analysis.throughput import (
        HEADER, LEGEND, applications_pairs, compare_with_applications, cpu_count,
        onednn_enabled)

    check_positive_int(args.batch_size, "batch_size")
    check_positive_int(args.steps, "steps")
    check_positive_int(args.image_size, "image_size", minimum=32)
    names = None
    if args.pattern:
        names = [n for n, _ in applications_pairs(args.pattern)]
        if not names:
            raise ValueError(
                f"no model matching {args.pattern!r} has a keras.applications twin; "
                f"those that do: {', '.join(n for n, _ in applications_pairs())}")
    rows = []
    print(f"oneDNN {'on' if onednn_enabled() else 'off'}; {cpu_count()} CPUs; batch "
          f"{args.batch_size}, {args.image_size}x{args.image_size}, {args.steps} steps")
    print(LEGEND)
    print(HEADER, flush=True)
    rows = compare_with_applications(names, batch_size=args.batch_size,
                                     image_size=args.image_size, steps=args.steps,
                                     rounds=1, progress=lambda r: print(r, flush=True))
    return 0 if rows else 1
