"""The ``keras-archs`` command line: a thin layer over the public API.

Each sub-command lives in its own module here with ``register(subparsers)``, which
adds its parser and sets ``func(args)``. Errors a user can fix (bad names, bad
arguments, missing data) print one line and exit with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

__all__ = ["main", "build_parser"]

# Modules under keras_archs.cli, each adding one or more sub-commands.
COMMAND_MODULES = ("models", "compare", "train", "transfer", "analysis", "convert")


class UserError(Exception):
    """An error caused by the command line's arguments."""


def shape_arg(text: str):
    """'32,32,3' → (32, 32, 3)."""
    try:
        shape = tuple(int(v) for v in text.replace("x", ",").split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected HEIGHT,WIDTH,CHANNELS such as 32,32,3, got {text!r}") from None
    if len(shape) != 3:
        raise argparse.ArgumentTypeError(
            f"expected HEIGHT,WIDTH,CHANNELS such as 32,32,3, got {text!r}")
    return shape


def check_dataset(name: str) -> str:
    """Raise ValueError unless ``name`` is a dataset the loaders know."""
    from keras_archs.data import DATASETS

    if name not in DATASETS:
        raise ValueError(
            f"--dataset must be one of {', '.join(DATASETS)}, got {name!r}")
    return name


def add_training_args(parser) -> None:
    """Options ``compare`` and ``train`` share: data, optimizer, augmentation, seed."""
    from keras_archs.training.fit import OPTIMIZERS

    parser.add_argument("--dataset", default="digits",
                        help="dataset name (default: digits, the offline demo set)")
    parser.add_argument("--data-dir", default=None, help="where prepared datasets live")
    parser.add_argument("--optimizer", default="sgd", choices=OPTIMIZERS,
                        help="sgd is the seed's SGD(0.01, clipnorm=1.0) (default)")
    parser.add_argument("--learning-rate", type=float, default=None)
    parser.add_argument("--augment", action="store_true", help="random crops (and flips)")
    parser.add_argument("--seed", type=int, default=0)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="keras-archs",
        description="Classic and modern CNN architectures in Keras 3: list, inspect, "
                    "train and compare them.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for module in COMMAND_MODULES:
        importlib.import_module(f"keras_archs.cli.{module}").register(sub)
    return parser


def main(argv=None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.func(args)
    except (UserError, ValueError, TypeError, FileNotFoundError) as err:
        print(f"keras-archs {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
