"""``keras-archs convert``: a PyTorch checkpoint of a model's twin → a Keras weights file.

Builds the registry model with ``weights=CHECKPOINT`` (read without torch, mapped by
the family's ``torch_keys``) and writes ``model.save_weights(--out)``, so the weights
load afterwards with plain Keras: ``create_model(NAME, ...).load_weights(FILE)``.
"""

from __future__ import annotations

import os
import sys
import warnings

_OUT_SUFFIX = ".weights.h5"


def register(sub):
    from keras_archs.cli import shape_arg

    p = sub.add_parser(
        "convert", help="convert a PyTorch checkpoint of a model's twin to .weights.h5",
        description="Load a torchvision/timm checkpoint (.pth, .pt, .bin or "
                    ".safetensors; read without torch) into the registry model NAME "
                    "and save its weights as a Keras .weights.h5 file, which then "
                    "loads with plain Keras into create_model(NAME, ...).")
    p.add_argument("name", metavar="NAME", help="registry model name, e.g. vgg16")
    p.add_argument("checkpoint", metavar="CHECKPOINT",
                   help="PyTorch checkpoint of NAME's torchvision/timm twin")
    p.add_argument("--out", required=True, metavar="FILE.weights.h5",
                   help="Keras weights file to write")
    p.add_argument("--num-classes", type=int, default=1000,
                   help="classifier size (default 1000; another size keeps the "
                        "classifier's weights out, with a note)")
    p.add_argument("--input-shape", type=shape_arg, default=None, metavar="H,W,C",
                   help="input shape (default: the model's, e.g. 224,224,3)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace --out if it exists")
    p.set_defaults(func=run)


def run(args):
    from keras_archs.registry import create_model, model_info
    from keras_archs.torch_checkpoint import TORCH_SUFFIXES, is_torch_checkpoint

    info = model_info(args.name)  # unknown names: ValueError with close matches
    if not info.torch_twins:
        raise ValueError(f"{info.name} has no PyTorch twin, so no PyTorch checkpoint "
                         "maps onto it")
    if not is_torch_checkpoint(args.checkpoint):
        raise ValueError(f"CHECKPOINT must be a PyTorch checkpoint ending in "
                         f"{', '.join(TORCH_SUFFIXES)}, got {args.checkpoint!r}")
    if not os.path.isfile(args.checkpoint):
        raise ValueError(f"checkpoint {args.checkpoint!r} does not exist")
    if not args.out.endswith(_OUT_SUFFIX):
        raise ValueError(f"--out must end in {_OUT_SUFFIX} (Keras' weights format), "
                         f"got {args.out!r}")
    if not os.path.isdir(os.path.dirname(os.path.abspath(args.out))):
        raise ValueError(f"the folder of --out {args.out!r} does not exist")
    if os.path.exists(args.out) and not args.overwrite:
        raise ValueError(f"--out {args.out!r} exists; pass --overwrite to replace it")
    if args.num_classes < 1:
        raise ValueError(f"--num-classes must be >= 1, got {args.num_classes}")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = create_model(args.name, input_shape=args.input_shape,
                             num_classes=args.num_classes, weights=args.checkpoint)
    for warning in caught:
        if "except the classifier" in str(warning.message):
            print(f"keras-archs convert: note: {warning.message}", file=sys.stderr)

    # Write next to --out, then rename: an interrupted run leaves no half file there.
    directory = os.path.dirname(os.path.abspath(args.out))
    partial = os.path.join(directory, f".partial-{os.getpid()}{_OUT_SUFFIX}")
    try:
        model.save_weights(partial)
        os.replace(partial, args.out)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    shape = ",".join(str(d) for d in model.input_shape[1:])
    print(f"wrote {args.out}: {model.name} ({model.count_params():,} parameters, "
          f"input {shape}, {args.num_classes} classes) from {args.checkpoint}")
    return 0
