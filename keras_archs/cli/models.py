"""``keras-archs list`` and ``keras-archs summary``."""

from __future__ import annotations


def register(sub):
    p = sub.add_parser("list", help="list registered models",
                       description="List registered models, optionally filtered by a "
                                   "shell pattern such as 'resnet*'.")
    p.add_argument("pattern", nargs="?", default=None, help="shell pattern, e.g. 'vgg*'")
    p.set_defaults(func=run_list)

    from keras_archs.cli import shape_arg

    p = sub.add_parser("summary", help="layer-by-layer summary of a model",
                       description="Build a registered model and print its Keras "
                                   "summary, parameter count and multiply-adds.")
    p.add_argument("name", help="registry name (see `keras-archs list`)")
    p.add_argument("--input-shape", type=shape_arg, default=None,
                   help="HEIGHT,WIDTH,CHANNELS (default: the model's own, e.g. 224,224,3)")
    p.add_argument("--num-classes", type=int, default=1000, help="classifier size")
    p.set_defaults(func=run_summary)


def run_list(args):
    # The catalog, not the registry: listing needs neither Keras nor TensorFlow.
    from keras_archs.cli import UserError
    from keras_archs.cli.catalog import list_infos
    from keras_archs.reports import format_table

    infos = list_infos(args.pattern)
    if not infos:
        raise UserError(f"no model matches {args.pattern!r}; `keras-archs list` shows "
                        "them all")
    rows = []
    for info in infos:
        rows.append({"model": info["name"], "family": info["family"],
                     "reference_params": info["reference_params"],
                     "keras.applications": info["keras_applications"] or "-",
                     "paper": info["paper"]})
    print(format_table(rows, ("model", "family", "reference_params",
                              "keras.applications", "paper")))
    return 0


def run_summary(args):
    from keras_archs.analysis import count_macs
    from keras_archs.registry import create_model, model_info

    info = model_info(args.name)
    model = create_model(info.name, input_shape=args.input_shape,
                         num_classes=args.num_classes)
    model.summary()
    print(f"model: {info.name} ({info.family}; {info.paper})")
    print(f"input shape: {tuple(model.input_shape[1:])}, classes: {args.num_classes}")
    print(f"parameters: {model.count_params():,}")
    if info.reference_params:
        print(f"reference parameters: {info.reference_params:,} at "
              f"{info.reference_input_shape}, {info.reference_classes} classes "
              f"({info.reference_source})")
    print(f"multiply-adds per image: {count_macs(model):,}")
    return 0
