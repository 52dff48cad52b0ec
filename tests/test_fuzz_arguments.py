"""Fuzzed arguments: every public builder and block function validates at the door.

Issue #15, item 1. Hypothesis drives every public callable of the package with random
argument combinations: wrong types (str, float, None, bool, list where an int is
expected), zero and negative sizes, per-stage lists of different lengths, tiny inputs,
tensors of the wrong rank, bad ``input_shape``/``classes``/``pooling``/
``classifier_activation``/``weights`` and unknown keywords. The property, for every
call:

* it builds (a tensor whose every dimension is at least 1, a layer, a model), or
* it raises ``ValueError`` or ``TypeError`` whose message names one of the arguments
  that were changed, before any layer is called.

A value in a ``bad`` pool (``Value.bad``) must be refused. Any other exception, a
message that names no changed argument, an error raised after a layer was already
called, or a bad value that builds, is a bug in the package's validation, not in this
test.

Nothing here lists the callables: they come from ``keras_archs.layers.__all__``, the
``__all__`` of each family module (``keras_archs.models.FAMILY_MODULES``) and
``list_models()``, so a new block function, builder or registry model is fuzzed
without an edit here, as long as its arguments use the package's vocabulary (the
kinds in ``BY_NAME``, ``BY_NAME_NONE`` and ``REQUIRED``, or a default that tells);
an argument of unknown kind fails ``test_every_public_callable_is_fuzzed``, naming it.

Cost: block functions, layers and helpers run in full on 8×8 inputs; the
config-driven builders (``VGG(num_cnn_list)``, ``DenseNet(blocks)``, ...) run on a
tiny configuration, up to ``LAYER_BUDGET`` layer calls; the other builders (the
family constructors, up to NASNetLarge and EfficientNetB7) and ``create_model`` run
only up to their first layer call, where :class:`_BudgetSpent` stops them, since
validation must be complete by then (a value they accept there is not judged
further); the registry's small models (at most ``SMALL_MODEL_PARAMS`` reference
parameters) are built in full. ``settings(derandomize=True, database=None)``: every
run draws the same 963 cases (``KERAS_ARCHS_FUZZ_SCALE`` multiplies them);
``test_at_least_500_cases_ran`` checks the total.
"""

from __future__ import annotations

import collections
import contextlib
import importlib
import inspect
import itertools
import os
import re
import traceback

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from keras.src.ops.operation import Operation

from keras_archs import (
    VGG16, build_vgg, build_vgg_block, conv_bn_act, create_model, dense_block,
    list_models, model_info, residual_add, resnet_torch_keys)
from keras_archs import models as family_modules
from keras_archs.models.efficientnet import BASELINE_B0
from keras_archs.models.inception import InceptionLayers, inception_b

# test_at_least_500_cases_ran counts the cases of the other tests in its process:
# under pytest-xdist the whole file runs on one worker (`--dist loadgroup`, Makefile).
pytestmark = pytest.mark.xdist_group("fuzz_arguments")

MODULES = ("keras_archs.layers", *(f"keras_archs.models.{family}"
                                   for family in family_modules.FAMILY_MODULES))

# Registry models built in full by the create_model fuzz (reference parameter count);
# the others stop at their first layer call (their graphs take seconds to build).
SMALL_MODEL_PARAMS = 400_000
# Layer calls a config-driven builder (VGG(num_cnn_list), ...) may make in one case.
LAYER_BUDGET = 80

# Cases per callable (per model for the registry); the sum over this file, 963, is
# checked against MIN_TOTAL_CASES by test_at_least_500_cases_ran. Set
# KERAS_ARCHS_FUZZ_SCALE=10 for a ten times deeper (and slower) run.
MIN_TOTAL_CASES = 500
SCALE = int(os.environ.get("KERAS_ARCHS_FUZZ_SCALE", "1"))
EXAMPLES = {category: n * SCALE for category, n in dict(
    block=6, layer=8, function=8, **{"class": 8}, builder=4, model_helper=3,
    registry=3, small_registry=12).items()}

FUZZ = settings(database=None, derandomize=True, deadline=None, print_blob=False,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate])

CASES = collections.Counter()


# ------------------------------------------------------------------ argument values

class Value:
    """One argument value. ``bad``: any callable must refuse it."""

    def __init__(self, label, make, bad):
        self.label, self._make, self.bad = label, make, bad

    def make(self):
        return self._make()

    def __repr__(self):
        return f"{self.label}{' (bad)' if self.bad else ''}"


def const(value, bad):
    return Value(repr(value), lambda: value, bad)


def tensor(shape, bad):
    return Value(f"keras.Input({shape})", lambda: keras.Input(shape), bad)


def good(*values):
    return [const(v, False) for v in values]


def bad(*values):
    return [const(v, True) for v in values]


class Shape(tuple):
    """A base candidate that stands for ``keras.Input(shape)``."""


class Make:
    """A base candidate made fresh for each call (``Make(InceptionLayers)``)."""

    def __init__(self, factory):
        self.factory = factory

    def __repr__(self):
        return f"{self.factory.__name__}()"


def materialise(value):
    if isinstance(value, Shape):
        return keras.Input(tuple(value))
    if isinstance(value, Make):
        return value.factory()
    return value


NAN = float("nan")
# Wrong types that no argument of any kind accepts.
ALIEN = [const(object(), True), const({"a": 1}, True)]

KINDS = {
    # tensors of block functions
    "tensor": [tensor((8, 8, 4), False), tensor((1, 1, 4), False),
               tensor((2, 2, 4), False), tensor((3, 5, 4), False),
               tensor((8, 8, 1), False), tensor((16, 16, 8), False),
               Value("np.zeros((1, 8, 8, 4))",
                     lambda: np.zeros((1, 8, 8, 4), "float32"), False),
               tensor((8, 4), True), tensor((2, 8, 8, 4), True),
               *bad(None, 3, "x", [1, 2])],
    # what a layer is called on: layers may take other ranks than 4
    "layer_inputs": [tensor((8, 8, 4), False), tensor((1, 1, 4), False),
                     tensor((8, 8, 1), False), tensor((8, 4), False),
                     tensor((2, 8, 8, 4), False), *bad(None, 3, "x", [1, 2])],
    "opt_tensor": [const(None, False), tensor((8, 8, 4), False),
                   tensor((2, 2, 4), False), tensor((8, 4), True),
                   tensor((2, 8, 8, 4), True), *bad(3, "x")],
    # a builder's input_tensor (its input_shape is fuzzed on its own)
    "input_tensor": [const(None, False), tensor((32, 32, 3), False),
                     tensor((32, 3), True), tensor((2, 32, 32, 3), True),
                     *bad(3, "x", np.zeros((1, 32, 32, 3)))],
    "name": [*good("fz", "Z9"), *bad("a/b", 5, ["fz"], b"fz")],
    "opt_name": [*good(None, "fz"), *bad("a/b", 5, ["fz"])],
    # a name fragment: an int or a string (a stage number, a block letter)
    "label": [*good(1, 3, "a", "b1"), *bad("a/b", None, ["a"], 2.5)],
    "opt_label": [*good(None, 1, "a"), *bad("a/b", ["a"], 2.5)],
    "bool": [*good(True, False), *bad("yes", 1, 0, 0.5, None, [True])],
    "opt_bool": [*good(None, True, False), *bad("yes", 1, 0.5, [True])],
    "int": [*good(0, 1, 2, 3, 7, 16), *bad("3", 2.5, True, [3], None, -1, -8, NAN)],
    "opt_int": [*good(None, 0, 1, 2, 3, 8), *bad("3", 2.5, True, [3], -1, NAN)],
    "float": [*good(0, 0.0, 0.5, 0.9, 1.0, 1.5, 2, -0.5, 1e-9),
              *bad("0.5", [0.5], NAN, True, None)],
    "opt_float": [*good(None, 0.0, 0.5, 0.9, 1.0, 1.5, -0.5),
                  *bad("0.5", [0.5], NAN, True)],
    # a string choice (naming, preset, stem, padding, version, ...)
    "choice": [*good(None, "keras", "cifar"),
               *bad("no_such_choice", 5, ["keras"], True)],
    "opt_choice": [*good(None, "keras", "b0"), *bad("no_such_choice", 5, ["keras"])],
    "activation": [*good(None, "relu", "sigmoid", "tanh"),
                   *bad("no_such_activation", 5, ["relu"], True)],
    "initializer": [*good(None, "he_normal", "zeros"),
                    *bad("no_such_initializer", 5, ["zeros"], True)],
    "regularizer": [*good(None, "l2"), *bad("no_such_regularizer", 5, True)],
    "attention": [*good(None, "se"), *bad("no_such_attention", 5, ["se"], True)],
    "callable": [const(None, False), *bad(5, "x", [1])],
    # an int or a sequence of ints (filters, output_size, ...)
    "int_or_seq": [*good(0, 1, 4, 8, (4,), (4, 4), (4, 4, 8), (2, 2, 2, 2, 2, 2)),
                   *bad("8", 2.5, None, True, -1, (), (4, "a"), (4, -1), (4, 2.5),
                        (True, 4), [None])],
    "int_seq": [*good(4, (1,), (2, 2), (4, 4, 8), (1, 1, 1, 1, 1, 1), [3, 3]),
                *bad("abc", (), (1, "a"), (1, -1), (1, 2.5), (True, 1), None, 2.5)],
    "opt_int_seq": [*good(None, 4, (1,), (2, 2), (4, 4, 8), (1, 1, 1, 1, 1, 1)),
                    *bad("abc", (), (1, "a"), (1, -1), (1, 2.5), (True, 1), 2.5)],
    # a stride or kernel size: an int or a pair (per stage, in builders)
    "size": [*good(1, 2, 3, (2, 2), (1, 2), (3, 1)),
             *bad("2", 2.5, True, None, -1, 0, (2, "a"), (1, 2, 3), ())],
    "opt_size": [*good(None, 1, 2, (2, 2), (1, 2, 2, 2)),
                 *bad("2", 2.5, True, -1, (2, "a"), ())],
    "input_shape": [*good(None, (32, 32, 3), (1, 1, 3), (2, 2, 3), (7, 7, 3),
                          (16, 16, 3), (33, 17, 1), (None, None, 3), [32, 32, 3]),
                    *bad((0, 32, 3), (32, -1, 3), (32, 32, 0), (32, 32), (32, 32, 3, 1),
                         "32,32,3", 32, (32.0, 32, 3), (32, "32", 3), (True, 32, 3),
                         (32, None, 0))],
    "classes": [*good(1, 2, 3, 10), *bad(0, -3, "10", 2.5, True, [10], NAN)],
    "opt_classes": [*good(None, 1, 3), *bad(0, -3, "10", 2.5, True, [10])],
    "weights": [const(None, False),
                *bad("no_such_file.weights.h5", 5, "/", __file__, b"x.weights.h5",
                     ["x.weights.h5"], "imagenet2012")],
    "pooling": [*good(None, "avg", "max"), *bad("average", "AVG", "mean", 5, True, "")],
    "inception_layers": [Value("InceptionLayers()", InceptionLayers, False),
                         Value("InceptionLayers('torchvision', 'cifar')",
                               lambda: InceptionLayers("torchvision", "cifar"), False),
                         *bad(None, 5, "keras")],
    "block_fn": [*good(None, "basic", "bottleneck"), *bad("no_such_block", 5, len)],
    "blocks_args": [Value("BASELINE_B0", lambda: BASELINE_B0, False),
                    Value("BASELINE_B0[:2]", lambda: BASELINE_B0[:2], False),
                    *bad(5, "b0", (), [1, 2], None)],
    "keras_applications": [*good(None), *bad("NoSuchModel", 5, ["VGG16"])],
    # helpers that take a built model or a dataset: only bad values are tried
    "model": bad(None, 3, "resnet18", [1, 2]),
    "dataset": bad(None, 3, "cifar10", [1, 2]),
}
for _kind in KINDS.values():
    _kind.extend(ALIEN)

# The package's argument vocabulary (see keras_archs/models/__init__.py): the kind of
# an argument by its name, where its default does not tell.
BY_NAME = {
    "input_shape": "input_shape", "classes": "classes", "num_classes": "classes",
    "weights": "weights", "pooling": "pooling", "classifier_activation": "activation",
    "activation": "activation", "gate": "activation", "hidden_activation": "activation",
    "kernel_initializer": "initializer", "kernel_regularizer": "regularizer",
    "attention": "attention", "layers": "inception_layers", "model": "model",
    "dataset": "dataset", "block_fn": "block_fn", "blocks_args": "blocks_args",
    "round_filters": "callable", "keras_applications": "keras_applications",
    "name": "name", "keras_name": "name", "keras_split_name": "name",
    "conv_suffix": "name", "add_name": "opt_name", "out_name": "opt_name",
    "stage": "label", "block": "label", "block_id": "label",
    "strides": "size", "kernel_size": "size", "kernel_size_5x5": "opt_int",
    "filters": "int_or_seq", "output_size": "int_or_seq",
    "residual_channels": "int_or_seq", "dense_channels": "int_or_seq",
    # a real number despite an int default (MobileNetV2's expansion t)
    "expansion": "float",
    # None is the preset's choice even where the default is False (basic_block)
    "use_bias": "opt_bool",
    "x": "tensor", "input_layer": "tensor", "previous_layer": "tensor",
    "residual": "tensor", "p": "opt_tensor",
}
# Kinds of arguments whose default is None, by name.
BY_NAME_NONE = {
    "input_tensor": "input_tensor", "name": "opt_name", "stage": "opt_label",
    "block": "opt_label", "block_id": "opt_label", "strides": "opt_size",
    "filters": "opt_int", "stack_sizes": "opt_int_seq", "stage_channels": "opt_int_seq",
    "classes": "opt_classes", "preset": "opt_choice", "variant": "opt_choice",
    "kernel_initializer": "initializer",
    **{n: "opt_bool" for n in ("use_bias", "batch_norm", "project", "stride_in_3x3")},
    **{n: "opt_float" for n in ("bn_momentum", "bn_epsilon", "dropout", "dropout_rate",
                                "width_coefficient", "depth_coefficient", "l2")},
    **{n: "opt_int" for n in ("width", "init_features", "stem_filters", "min_value",
                              "width_per_group", "default_size", "depth", "stop")},
}
# Required arguments: their kind and the values a valid base call tries, in order.
REQUIRED = {
    "x": ("tensor", [Shape((8, 8, 4)), Shape((16, 16, 8)), Shape((32, 32, 16))]),
    "input_layer": ("tensor", [Shape((8, 8, 4))]),
    "previous_layer": ("tensor", [Shape((8, 8, 4))]),
    "input_tensor": ("tensor", [Shape((8, 8, 4))]),
    "shortcut": ("tensor", [Shape((8, 8, 4))]),
    "residual": ("tensor", [Shape((8, 8, 4))]),
    "p": ("opt_tensor", [None, Shape((8, 8, 4)), Shape((16, 16, 4))]),
    "filters": ("int_or_seq", [8, (4, 4, 8), (4, 4, 4), (8, 8), (4, 8, 8, 16)]),
    "kernel_size": ("size", [3]),
    "strides": ("size", [1, 2]),
    "stage": ("label", [2]),
    "block": ("label", ["a"]),
    "block_id": ("label", [1]),
    "name": ("name", ["fz"]),
    "keras_name": ("name", ["fz_mixed"]),
    "keras_split_name": ("name", ["fz_split"]),
    "layers": ("inception_layers", [Make(InceptionLayers)]),
    "growth_rate": ("int", [4]),
    "num_layers": ("int", [2]),
    "blocks": ("int_seq", [(1, 1)]),
    "stack_sizes": ("int_seq", [(1, 1, 1, 1), (1, 1)]),
    "stage_sizes": ("int_seq", [(1, 1)]),
    "num_cnn_list": ("int_seq", [(1, 1)]),
    "residual_channels": ("int_or_seq", [8, (8, 8)]),
    "dense_channels": ("int_or_seq", [4, (4, 4)]),
    "out_channels": ("int", [8, 12, 24]),
    "groups": ("int", [2, 1]),
    "squeeze": ("int", [4]),
    "expand_1x1": ("int", [4]),
    "expand_3x3": ("int", [4]),
    "pool_features": ("int", [4]),
    "channels_7x7": ("int", [4]),
    "channels": ("opt_int", [8]),
    "output_size": ("int_or_seq", [2]),
    "start": ("int", [0]),
    "se_ratio": ("int", [4]),
    "attention": ("attention", [None]),
    "repeats": ("int", [1]),
    "filters_in": ("int", [8]),
    "filters_out": ("int", [8]),
    "expand_ratio": ("int", [1]),
    "width_coefficient": ("float", [1.0]),
    "depth_coefficient": ("float", [1.0]),
    "value": ("float", [8]),
    "model": ("model", []),
    "dataset": ("dataset", []),
}
# Optional arguments a base call may need to change from their default, in order
# (ResNet() needs a configuration; dual_path_block's groups=32 needs 32 | filters).
OPTIONAL_TRIES = {
    "groups": [1, 2],
    "channel_list": [(4, 8)],
    "block_fn": ["basic"],
    "stack_sizes": [(1, 1, 1, 1)],
    "variant": ["b0"],
}
TENSOR_FIRST = {"x", "input_layer", "previous_layer", "input_tensor", "p", "shortcut"}
# A builder's base call: small enough for every family, and a few classes.
BUILDER_BASE = {"input_shape": [(32, 32, 3), (224, 224, 3), (331, 331, 3)],
                "classes": [3]}
# The keras.applications signature of a constructor that takes only **kwargs.
APPLICATIONS_SIGNATURE = {
    "include_top": "bool", "weights": "weights", "input_tensor": "input_tensor",
    "input_shape": "input_shape", "pooling": "pooling", "classes": "classes",
    "classifier_activation": "activation", "name": "opt_name"}
APPLICATIONS_DEFAULTS = {
    "include_top": True, "weights": None, "input_tensor": None,
    "input_shape": inspect.Parameter.empty, "pooling": None,
    "classes": inspect.Parameter.empty, "classifier_activation": "softmax",
    "name": None}
UNKNOWN = "not_an_argument"
LAYER_INPUT = object()  # a layer's default call input, keras.Input((8, 8, 4))


def kind_of(name, default):
    """The kind of an argument from its name and default, or None if unknown."""
    if default is inspect.Parameter.empty:
        return REQUIRED[name][0] if name in REQUIRED else None
    if default is None:
        if name in BY_NAME_NONE:
            return BY_NAME_NONE[name]
        kind = BY_NAME.get(name)
        # a kind by name fits a None default only if None is one of its good values
        if kind and any(not v.bad and v.label == "None" for v in KINDS[kind]):
            return kind
        return None
    if name in BY_NAME:
        return BY_NAME[name]
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, int):
        return "int"
    if isinstance(default, float):
        return "float"
    if isinstance(default, str):
        return "choice"
    if isinstance(default, (tuple, list)) and all(
            isinstance(v, int) and not isinstance(v, bool) for v in default):
        return "int_seq"
    return None


# --------------------------------------------------------------- the public callables

class Target:
    """A public callable: its category, the kinds of its arguments, its base call."""

    def __init__(self, qualname, fn):
        self.qualname, self.fn = qualname, fn
        try:
            signature = inspect.signature(fn)
        except (TypeError, ValueError):
            signature = None
        params = [] if signature is None else [
            p for p in signature.parameters.values()
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        var_keyword = signature is not None and any(
            p.kind == p.VAR_KEYWORD for p in signature.parameters.values())
        if inspect.isclass(fn) and issubclass(fn, keras.layers.Layer):
            self.category = "layer"
        elif inspect.isclass(fn):
            self.category = "class"
        elif params and params[0].name in ("model", "dataset"):
            self.category = "model_helper"
        elif params and params[0].name in TENSOR_FIRST:
            self.category = "block"
        elif var_keyword or {p.name for p in params} & {"classes", "include_top"}:
            self.category = "builder"
        else:
            self.category = "function"
        self.params = {p.name: p.default for p in params}
        explicit = set(self.params)
        if self.category == "builder":
            # VGG16(*args, **kwargs), DenseNetBC100(**kwargs), ResNeXt(stack_sizes,
            # ..., **kwargs) pass keras.applications' arguments on
            for name in APPLICATIONS_SIGNATURE:
                self.params.setdefault(name, APPLICATIONS_DEFAULTS[name])
        if self.category == "layer":
            # the tensor the layer is called on (keras.Input((8, 8, 4)) by default)
            self.params["inputs"] = LAYER_INPUT
        if self.category == "model_helper":
            # compile_googlenet(model, optimizer, ...), *_torch_keys(model): without a
            # model of the right family nothing else can be judged, so only the model
            # (or dataset) argument is fuzzed, with values that are not one
            self.params = {params[0].name: inspect.Parameter.empty}
        self.kinds, self.unknown = {}, []
        for name, default in self.params.items():
            if name == "inputs" and self.category == "layer":
                kind = "layer_inputs"
            elif name not in explicit:
                kind = APPLICATIONS_SIGNATURE[name]
            else:
                kind = kind_of(name, default)
            if kind is None:
                self.unknown.append(name)
            else:
                self.kinds[name] = kind
        self._base = None
        # a model helper has no valid base call: its model is always set (badly)
        self.always = tuple(self.params) if self.category == "model_helper" else ()

    @property
    def id(self):
        return self.qualname.replace("keras_archs.", "")

    def __repr__(self):
        return self.id

    @property
    def budget(self):
        """Layer calls a call may make: any for block functions, layers and helpers
        and the config-driven builders (those with required arguments such as
        VGG(num_cnn_list) or DenseNet(blocks), whose base call is a tiny network);
        none for the other builders, which are judged on their validation only."""
        if self.category != "builder":
            return None
        required = any(d is inspect.Parameter.empty and n not in BUILDER_BASE
                       for n, d in self.params.items())
        return LAYER_BUDGET if required else 0

    # the valid base call ----------------------------------------------------------
    def _candidates(self):
        """Per argument: the values a base call tries, in order."""
        out = {}
        for name, default in self.params.items():
            if self.category == "builder" and name in BUILDER_BASE:
                out[name] = BUILDER_BASE[name]
            elif default is inspect.Parameter.empty:
                out[name] = REQUIRED[name][1]
            elif name in OPTIONAL_TRIES:
                out[name] = [default, *OPTIONAL_TRIES[name]]
            elif default is None and name in REQUIRED and self.category != "builder":
                # optional in the signature, needed in practice (se_block's name)
                out[name] = [None, *REQUIRED[name][1]]
        return out

    def base_kwargs(self):
        """The first combination of candidate values that works (for builders: that
        passes validation); cached. Raises AssertionError if none does."""
        if self._base is not None:
            return self._base
        if self.category == "model_helper":
            self._base = {}  # its one argument is only ever given bad values
            return self._base
        candidates = self._candidates()
        names = list(candidates)
        errors = []
        for combo in itertools.islice(itertools.product(
                *(candidates[n] for n in names)), 512):
            kwargs = dict(zip(names, combo))
            outcome = self.call(lambda kw=kwargs: {n: materialise(v)
                                                   for n, v in kw.items()},
                                budget=0 if self.category == "builder" else None)
            if outcome.ok:
                self._base = kwargs
                return kwargs
            errors.append(f"{kwargs}: {outcome.error!r}")
        raise AssertionError(f"{self.id}: no valid base call among the candidates in "
                             f"REQUIRED/OPTIONAL_TRIES/BUILDER_BASE:\n" +
                             "\n".join(errors[:5]))

    # one call ---------------------------------------------------------------------
    def call(self, make_kwargs, budget=None):
        """Run the target with ``make_kwargs()``; returns an :class:`Outcome`.
        ``budget``: layer calls allowed (``None``: any; ``0``: validation only)."""
        with _watch_layers(budget) as calls:
            try:
                kwargs = make_kwargs()
                if self.category == "layer":
                    inputs = kwargs.pop("inputs", LAYER_INPUT)
                    layer = self.fn(**kwargs)
                    result = layer(keras.Input((8, 8, 4)) if inputs is LAYER_INPUT
                                   else inputs)
                else:
                    result = self.fn(**kwargs)
            except _BudgetSpent:
                return Outcome(ok=True, built=False)
            except Exception as err:  # noqa: BLE001 - every exception is judged
                return Outcome(ok=False, error=err, layers_called=calls[0])
        return Outcome(ok=True, built=True, result=result)


class Outcome:
    def __init__(self, ok, built=False, result=None, error=None, layers_called=0):
        self.ok, self.built, self.result = ok, built, result
        self.error, self.layers_called = error, layers_called


class _BudgetSpent(Exception):
    """A builder got past its validation and spent its layer-call budget."""


@contextlib.contextmanager
def _watch_layers(budget=None):
    """Count layer and op calls; raise :class:`_BudgetSpent` instead of call
    ``budget + 1``."""
    calls = [0]
    layer_call, op_call = keras.layers.Layer.__call__, Operation.__call__

    def watched(original):
        def call(self, *args, **kwargs):
            if budget is not None and calls[0] >= budget:
                raise _BudgetSpent(type(self).__name__)
            calls[0] += 1
            return original(self, *args, **kwargs)
        return call

    keras.layers.Layer.__call__ = watched(layer_call)
    Operation.__call__ = watched(op_call)
    try:
        yield calls
    finally:
        keras.layers.Layer.__call__ = layer_call
        Operation.__call__ = op_call


def public_targets():
    """Every public callable of the package, once (``resnext_block``, exported by two
    modules, counts once)."""
    seen = {}
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for attr in module.__all__:
            obj = getattr(module, attr)
            if not callable(obj) or id(obj) in seen:
                continue
            seen[id(obj)] = Target(f"{module_name}.{attr}", obj)
    return sorted(seen.values(), key=lambda t: t.qualname)


TARGETS = public_targets()


# ------------------------------------------------------------------ the property

def _names(message, names):
    return [n for n in names
            if re.search(rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])", message,
                         re.IGNORECASE)]


def _tensors(result):
    if isinstance(result, keras.Model):
        yield from result.outputs
    elif isinstance(result, (list, tuple)):
        for r in result:
            yield from _tensors(r)
    elif isinstance(result, dict):
        for r in result.values():
            yield from _tensors(r)
    elif keras.backend.is_keras_tensor(result):
        yield result


def _origin(err):
    """Where an exception was raised (its innermost frames), for failure messages."""
    frames = traceback.extract_tb(err.__traceback__)[-3:]
    return "\n  raised at: " + " <- ".join(
        f"{f.filename.split('site-packages/')[-1].split('/wt/fuzz/')[-1]}:{f.lineno} "
        f"{f.name}" for f in reversed(frames))


def check_outcome(where, outcome, changed, must_fail, *, aliases=(),
                  after_layers_ok=False):
    """The property for one call. ``changed``: the arguments that differ from the
    valid base call; ``must_fail``: the bad ones among them."""
    if outcome.ok:
        assert not must_fail, (
            f"{where} accepted bad argument(s) {sorted(must_fail)}: it must raise "
            f"ValueError/TypeError naming them")
        for t in _tensors(outcome.result):
            shape = tuple(t.shape)
            assert all(d is None or d >= 1 for d in shape), (
                f"{where} built a tensor of shape {shape}: the input is too small, and "
                f"validation must say so")
        return
    err = outcome.error
    assert isinstance(err, (ValueError, TypeError)), (
        f"{where} raised {type(err).__name__}({str(err)[:300]!r}): a bad argument must "
        f"raise ValueError or TypeError naming it{_origin(err)}")
    assert _names(str(err), [*changed, *aliases]), (
        f"{where} raised {type(err).__name__}({str(err)[:300]!r}), which names none of "
        f"the changed arguments {sorted(changed)}{_origin(err)}")
    assert after_layers_ok or outcome.layers_called == 0, (
        f"{where} raised {type(err).__name__}({str(err)[:200]!r}) after "
        f"{outcome.layers_called} layer call(s): validate before building"
        f"{_origin(err)}")


@st.composite
def mutations(draw, kinds, unknown=UNKNOWN, always=()):
    """1-2 arguments set to values of their kind (``kinds``: name -> kind), and
    sometimes an unknown keyword; the ``always`` arguments every time. Returns
    ``{name: Value}``."""
    names = sorted(kinds)
    chosen = draw(st.lists(st.sampled_from(names), min_size=1,
                           max_size=min(2, len(names)), unique=True)) if names else []
    chosen += [name for name in always if name not in chosen]
    out = {name: draw(st.sampled_from(KINDS[kinds[name]])) for name in chosen}
    if not out or draw(st.integers(0, 9)) == 0:
        out[unknown] = const(1, True)
    return out


def _length_mismatch(target, name, value, mutation):
    """A builder's per-stage lists (int sequences of one length in its base call)
    must agree: another length for one of them is a bad value."""
    if target.category != "builder" or not isinstance(value, (tuple, list)):
        return False
    base = {n: materialise(v) for n, v in target.base_kwargs().items()}
    values = {n: base.get(n, d) for n, d in target.params.items()}
    mine = values.get(name)
    if not isinstance(mine, (tuple, list)) or len(value) == len(mine):
        return False
    return any(
        other not in (name, "input_shape") and other not in mutation and
        target.kinds.get(other) in ("int_seq", "int_or_seq") and
        isinstance(v, (tuple, list)) and len(v) == len(mine)
        for other, v in values.items())


def run_mutation(target, mutation):
    """Call ``target`` with its base arguments changed by ``mutation``; check."""
    base = target.base_kwargs()
    made = {}

    def make_kwargs():
        kwargs = {n: materialise(v) for n, v in base.items()}
        for name, value in mutation.items():
            made[name] = kwargs[name] = value.make()
        return kwargs

    outcome = target.call(make_kwargs, budget=target.budget)
    must_fail = {n for n, v in mutation.items()
                 if v.bad or _length_mismatch(target, n, made.get(n), mutation)}
    # A builder that spent its budget (outcome.built False) passed its validation:
    # then only the bad values are judged.
    where = f"{target.id}({', '.join(f'{k}={v!r}' for k, v in mutation.items())})"
    aliases = ["input"] if "inputs" in mutation else []
    if target.category == "function" and isinstance(made.get("name"), str):
        # the validators (check_se_ratio(se_ratio, ..., name="ratio")) call the
        # argument they check what their ``name`` says
        aliases.append(made["name"])
    check_outcome(where, outcome, mutation, must_fail, aliases=aliases,
                  after_layers_ok=target.category == "layer")


def fuzz(cases, label, examples, strategy, run):
    """Run ``run(drawn)`` on ``examples`` drawn cases of each of ``cases``; collect
    the failing ones (one per case), so one run reports every bug."""
    failures = []
    for case in cases:
        @settings(FUZZ, max_examples=examples)
        @given(drawn=strategy(case))
        def one(drawn):
            CASES[label] += 1
            run(case, drawn)

        try:
            one()
        except Exception as err:  # noqa: BLE001 - reported below, one per case
            failures.append(f"{err}".strip())
    assert not failures, f"{len(failures)} failing:\n\n" + "\n\n".join(failures)


def targets(category):
    return [t for t in TARGETS if t.category == category]


@pytest.mark.parametrize("category", ["block", "layer", "function", "class",
                                      "model_helper"])
def test_fuzz_blocks_layers_and_helpers(category):
    """Block functions on 8×8 tensors (wrong ranks, 1×1 and 2×2 inputs, bad sizes,
    ...), layers, and helpers: they build or refuse, naming the argument."""
    fuzz(targets(category), category, EXAMPLES[category],
         lambda t: mutations(t.kinds, always=t.always), run_mutation)


def test_fuzz_builders():
    """Every family constructor and generic builder: bad arguments are refused before
    the first layer call (the config-driven builders are also built in full)."""
    fuzz(targets("builder"), "builder", EXAMPLES["builder"],
         lambda t: mutations(t.kinds), run_mutation)


# ------------------------------------------------------------------ create_model

REGISTRY_KINDS = {"name": "model_name", "input_shape": "input_shape",
                  "num_classes": "classes", "weights": "weights",
                  "features_only": "bool", "include_top": "bool", "pooling": "pooling",
                  "classifier_activation": "activation", "classes": "forbidden"}
KINDS["model_name"] = [*bad("resnet5O", "", 5, None, ["resnet50"], "no_such_model"),
                       *ALIEN]
KINDS["forbidden"] = bad(3)  # create_model takes num_classes=, not classes=


def _small(name):
    params = model_info(name).reference_params
    return params is not None and params <= SMALL_MODEL_PARAMS


def run_create_model(name, mutation):
    """create_model(name, ...) with its base arguments changed by ``mutation``."""
    base = dict(name=name, input_shape=(32, 32, 3), num_classes=3)

    def make_kwargs():
        return {**base, **{n: v.make() for n, v in mutation.items()}}

    target = Target("keras_archs.create_model", create_model)
    outcome = target.call(make_kwargs, budget=None if _small(name) else 0)
    must_fail = {n for n, v in mutation.items() if v.bad}
    changes = ", ".join(f"{k}={v!r}" for k, v in mutation.items())
    where = f"create_model({name!r}, {changes})"
    check_outcome(where, outcome, mutation, must_fail, aliases=(
        ("classes",) if "num_classes" in mutation else ()) + (
        ("model name",) if "name" in mutation else ()))


def test_fuzz_create_model():
    """create_model over list_models(): bad names, input shapes, class counts,
    weights, pooling, activations and keywords are refused before any layer."""
    fuzz(list_models(), "registry", EXAMPLES["registry"],
         lambda name: mutations(REGISTRY_KINDS, unknown="not_an_argument"),
         run_create_model)


def test_fuzz_create_model_small_models_build_or_refuse():
    """The small registry models, built in full: tiny inputs (1×1, 2×2, 7×7), odd
    shapes, pooling, include_top=False, features_only ... build a model whose every
    output dimension is at least 1, or are refused naming the argument."""
    small = [name for name in list_models() if _small(name)]
    assert small, f"no registry model has at most {SMALL_MODEL_PARAMS} parameters"
    fuzz(small, "small_registry", EXAMPLES["small_registry"],
         lambda name: mutations(REGISTRY_KINDS), run_create_model)


# ------------------------------------------------------------------ the messages

def _x():
    return keras.Input((8, 8, 4))


# One call per kind of bad argument, with the whole message a user reads.
MESSAGES = {
    "wrong type": (
        lambda: conv_bn_act(_x(), "8", 3, name="c"), TypeError,
        "filters must be an integer >= 1, got '8'"),
    "bool for an int": (
        lambda: create_model("resnet20", num_classes=True), TypeError,
        "num_classes must be an integer >= 1, got True"),
    "zero size": (
        lambda: create_model("resnet20", num_classes=0), ValueError,
        "num_classes must be an integer >= 1, got 0"),
    "negative size": (
        lambda: dense_block(_x(), -2, 4, "d"), ValueError,
        "num_layers must be an integer >= 1, got -2"),
    "lists of different lengths": (
        lambda: build_vgg(num_cnn_list=(2, 2), channel_list=(64,)), ValueError,
        "num_cnn_list and channel_list must have the same length, got 2 and 1"),
    "tiny input": (
        lambda: create_model("lenet5", input_shape=(8, 8, 1)), ValueError,
        "input_shape height must be at least 16 for this architecture (its pooling "
        "stages would shrink it below 1×1), got (8, 8, 1)"),
    "tiny input, torchvision layout": (
        # its ceil-mode pools need 15×15 (a 14×14 input reached pool3 at 1×1 and
        # failed inside Keras before this check)
        lambda: create_model("tv_googlenet", input_shape=(14, 14, 3)), ValueError,
        "input_shape height must be at least 15 for this architecture"),
    "tiny tensor": (
        lambda: inception_b(keras.Input((2, 2, 4)), layers=InceptionLayers(),
                            name="m", keras_name="mixed3"), ValueError,
        "x must be at least 3×3 pixels for this module's 3×3 'valid' reductions, got "
        "2×2 (shape (None, 2, 2, 4))"),
    "wrong rank": (
        lambda: residual_add(keras.Input((8, 4)), _x()), TypeError,
        "shortcut must be a 4-D Keras tensor (batch, height, width, channels) such as "
        "keras.Input((32, 32, 3)), got <KerasTensor shape=(None, 8, 4)"),
    "not a shape": (
        lambda: create_model("resnet18", input_shape=32), TypeError,
        "input_shape must be a tuple (height, width, channels), got 32"),
    "no fixed size for Flatten": (
        lambda: create_model("lenet5", input_shape=(None, None, 1)), ValueError,
        "input_shape (None, None, 1) has no fixed height and width, which the "
        "classifier's Flatten needs with include_top=True; give them, or use "
        "include_top=False"),
    "bad pooling": (
        lambda: create_model("lenet5", include_top=False, pooling="average"),
        ValueError, "pooling must be one of None, 'avg', 'max'; got 'average'"),
    "bad classifier_activation": (
        lambda: create_model("resnet18", input_shape=(32, 32, 3),
                             classifier_activation="softmx"), ValueError,
        "classifier_activation must be a Keras activation name or a callable such as "
        "'relu', got 'softmx'"),
    "missing weights file": (
        lambda: create_model("resnet18", input_shape=(32, 32, 3),
                             weights="missing.weights.h5"), ValueError,
        "weights file 'missing.weights.h5' does not exist. weights must be None, "
        "'imagenet' or the path of an existing .weights.h5 file or PyTorch "
        "checkpoint."),
    "unknown keyword": (
        lambda: create_model("resnet18", input_shape=(32, 32, 3), clases=10),
        TypeError, "ResNet() got an unexpected keyword argument 'clases'"),
    "bad name": (
        lambda: VGG16(input_shape=(32, 32, 3), name="my/vgg"), ValueError,
        "name must not contain '/' (Keras refuses it in layer names), got 'my/vgg'"),
    "bad initializer": (
        lambda: build_vgg_block(_x(), kernel_initializer="he_normall"), ValueError,
        "kernel_initializer must be a Keras initializer (a name, a config dict or an "
        "Initializer) such as 'he_normal', got 'he_normall'"),
    "not a model": (
        lambda: resnet_torch_keys("resnet18"), TypeError,
        "model must be a keras.Model, got str"),
}


def test_error_messages():
    """The message a user reads for each kind of bad argument, raised before any
    layer is called (one test for all kinds: each is a millisecond, a test's Keras
    session reset is not)."""
    wrong = []
    for kind, (call, error, message) in MESSAGES.items():
        try:
            with _watch_layers(budget=0):
                call()
            wrong.append(f"{kind}: no error")
        except (ValueError, TypeError) as err:
            if type(err) is not error or not str(err).startswith(message):
                wrong.append(f"{kind}: {type(err).__name__}: {err}\n  expected "
                             f"{error.__name__}: {message}")
    assert not wrong, "\n".join(wrong)


# ------------------------------------------------------------------ bookkeeping

def test_every_public_callable_is_fuzzed():
    """Every public callable has a category, arguments of known kinds and a valid
    base call (a new argument name needs its kind in BY_NAME, BY_NAME_NONE or
    REQUIRED)."""
    problems = [f"{t.id}: argument(s) {t.unknown} of unknown kind" for t in TARGETS
                if t.unknown]
    for t in TARGETS:
        try:
            t.base_kwargs()
        except AssertionError as err:
            problems.append(str(err))
    assert not problems, "\n".join(problems)
    categories = collections.Counter(t.category for t in TARGETS)
    assert categories["block"] >= 30 and categories["builder"] >= 80, categories


def test_at_least_500_cases_ran(request):
    """The fuzz tests above ran at least MIN_TOTAL_CASES cases in all (they run
    first: pytest keeps the file's order)."""
    fuzz_tests = [item for item in request.session.items if item.module is
                  request.module and item.name.startswith("test_fuzz")]
    expected = [n for n in dir(request.module) if n.startswith("test_fuzz")]
    if {i.originalname for i in fuzz_tests} != set(expected):
        pytest.skip("counts the cases of every test_fuzz_* test: run the whole file")
    # Under pytest-xdist the file must run on one worker (its xdist_group and
    # `--dist loadgroup`); otherwise this process counts only its share.
    elsewhere = sorted(set(EXAMPLES) - set(CASES))
    assert not elsewhere, (
        f"no {elsewhere} case ran in this process: the test_fuzz_* tests were spread "
        "over pytest-xdist workers, so `--dist loadgroup` did not keep the file's "
        "xdist_group together (pytest 9.2 with pytest-xdist 3.8: pytest-xdist#1386)")
    total = sum(CASES.values())
    assert total >= MIN_TOTAL_CASES, f"only {total} cases ran: {dict(CASES)}"
