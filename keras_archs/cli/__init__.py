"""The ``keras-archs`` command line: a thin layer over the public API.

Each sub-command lives in its own module here with ``register(subparsers)``, which
adds its parser and sets ``func(args)``. Errors a user can fix (bad names, bad
arguments, missing data) print a short message and exit with status 2, never a
traceback; argparse's own errors are one line too.

Errors speak in flags. The library names arguments as Python does — the subject of
a message (``"epochs must be an integer >= 1"``), identifiers with an underscore
(``learning_rate``, ``run_dir``) and keyword suggestions (``"pass overwrite=True"``,
``"weights=None"``) — and :func:`flag_message` rewrites those forms into the
sub-command's flags (``--epochs``, ``--learning-rate``, ``--run-dir``, ``--overwrite``,
``--weights none``). The map comes from the parser itself: an option's ``dest`` is
the library's argument name (``--unfreeze`` has ``dest="unfreeze_last"``), so a new
option is mapped without an edit here.

Starting is quick and quiet: building the parser imports neither Keras nor
TensorFlow (``--help`` and argument errors never load them), and TensorFlow's start-up
noise is silenced whenever it loads (see :mod:`keras_archs.cli._quiet`) unless
``--verbose`` is given.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys

__all__ = ["main", "build_parser", "flag_message", "UserError"]

# Modules under keras_archs.cli, each adding one or more sub-commands.
COMMAND_MODULES = ("models", "compare", "train", "transfer", "analysis", "convert")


class UserError(Exception):
    """An error caused by the command line's arguments."""


class _Parser(argparse.ArgumentParser):
    """argparse, with errors on one line instead of the whole usage text."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


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
            f"dataset must be one of {', '.join(DATASETS)}, got {name!r}")
    return name


def add_training_args(parser) -> None:
    """Options ``compare`` and ``train`` share: data, optimizer, augmentation, seed."""
    from keras_archs.training.options import DEFAULT_LEARNING_RATES, OPTIMIZERS

    defaults = ", ".join(f"{k} {v:g}" for k, v in DEFAULT_LEARNING_RATES.items())
    parser.add_argument("--dataset", default="digits",
                        help="dataset name (default: digits, the offline demo set)")
    parser.add_argument("--data-dir", default=None, help="where prepared datasets live")
    parser.add_argument("--optimizer", default="sgd", choices=OPTIMIZERS,
                        help="sgd is the seed's SGD(0.01, clipnorm=1.0) (default)")
    parser.add_argument("--learning-rate", type=float, default=None,
                        help=f"default: the optimizer's ({defaults})")
    parser.add_argument("--augment", action="store_true", help="random crops (and flips)")
    parser.add_argument("--seed", type=int, default=0)


def _add_verbose(parser, default=False) -> None:
    parser.add_argument("--verbose", action="store_true", default=default,
                        help="show TensorFlow's start-up and log messages")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="keras-archs",
        description="Classic and modern CNN architectures in Keras 3: list, inspect, "
                    "train and compare them.")
    _add_verbose(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for module in COMMAND_MODULES:
        importlib.import_module(f"keras_archs.cli.{module}").register(sub)
    for command in sub.choices.values():
        if "--verbose" not in command._option_string_actions:
            # SUPPRESS: `keras-archs --verbose train ...` is not undone by the
            # sub-command's own default.
            _add_verbose(command, default=argparse.SUPPRESS)
    return parser


# --- error messages in flags -------------------------------------------------------

# A quoted string (kept as is), a keyword `name=value`, or an identifier. A quote
# opens only after a non-word character, so "model's" is no quote.
_TOKENS = re.compile(r"""
    (?P<quoted>(?<![\w])'[^'\n]*'|(?<![\w])"[^"\n]*")
  | (?P<keyword>(?<![\w.\-/])(?P<kw>[A-Za-z_]\w*)=(?!=)
        (?P<value>'[^'\n]*'|"[^"\n]*"|[^\s,;:)\]]+))
  | (?P<word>(?<![\w.\-/])[A-Za-z_]\w*(?![\w]))
""", re.VERBOSE)


def _flags(parser) -> dict:
    """``dest`` → option action of ``parser`` (options only, not positionals)."""
    return {a.dest: a for a in parser._actions
            if a.option_strings and a.dest not in ("help", "verbose")}


def _flag(action) -> str:
    return max(action.option_strings, key=len)


def _flag_with_value(action, value: str) -> str:
    flag = _flag(action)
    if value == "True":
        return flag
    if value == "False":
        return f"no {flag}"
    if value == "None":
        return f"{flag} none"
    if value[:1] in "'\"" and value[-1:] == value[:1]:
        value = value[1:-1]
    return f"{flag} {value}"


def flag_message(message: str, parser) -> str:
    """Rewrite a library error message in ``parser``'s flags.

    ``"epochs must be ..."`` → ``"--epochs must be ..."`` (the subject),
    ``"learning_rate"`` → ``"--learning-rate"`` (an identifier with an underscore),
    ``"pass overwrite=True"`` → ``"pass --overwrite"``, ``"weights=None"`` →
    ``"--weights none"``, ``"mixed_precision='mixed_float16'"`` →
    ``"--mixed-precision mixed_float16"``. Only names that are options of ``parser``
    change; quoted text (paths, model names) never does.
    """
    flags = _flags(parser)

    def replace(match):
        if match.group("keyword"):
            action = flags.get(match.group("kw"))
            if action is None:
                return match.group(0)
            return _flag_with_value(action, match.group("value"))
        word = match.group("word")
        if word and word in flags and ("_" in word or match.start() == 0):
            return _flag(flags[word])
        return match.group(0)

    return _TOKENS.sub(replace, message)


def _subparser(parser, command):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices[command]
    raise LookupError(command)


def main(argv=None) -> int:
    from keras_archs.cli import _quiet

    parser = build_parser()
    args = parser.parse_args(argv)
    _quiet.configure(verbose=args.verbose)
    try:
        result = args.func(args)
    except (UserError, ValueError, TypeError, FileNotFoundError) as err:
        message = flag_message(str(err), _subparser(parser, args.command))
        print(f"keras-archs {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    from keras_archs.cli import catalog

    catalog.store_if_loaded()
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
