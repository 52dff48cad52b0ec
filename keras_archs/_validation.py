"""Argument checks shared by every builder: fail at the door, in words a user reads.

Every check raises before any layer is built and names the argument and what is
allowed, so a typo never surfaces as a TensorFlow shape error three stages later.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

__all__ = [
    "check_positive_int",
    "check_int_sequence",
    "check_input_shape",
    "check_choice",
    "check_same_length",
    "check_bool",
    "check_rate",
    "check_number",
    "check_tensor_4d",
    "check_seed",
    "check_name",
    "check_label",
    "check_activation",
    "check_initializer",
    "check_regularizer",
    "check_size",
    "check_min_spatial",
    "check_bn",
    "check_model",
]


def check_positive_int(value, name: str, minimum: int = 1) -> int:
    """Return ``value`` as int if it is an integer >= ``minimum``; else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def check_int_sequence(values, name: str, minimum: int = 1, length: int | None = None):
    """Return ``values`` as a tuple of ints, each >= ``minimum``; else raise."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(
            f"{name} must be a list or tuple of integers, got {type(values).__name__}")
    if len(values) == 0:
        raise ValueError(f"{name} must not be empty")
    if length is not None and len(values) != length:
        raise ValueError(f"{name} must have {length} entries, got {len(values)}")
    out = []
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise TypeError(
                f"{name} must contain only integers, got {v!r} at position {i}")
        if v < minimum:
            raise ValueError(
                f"{name} entries must be >= {minimum}, got {v} at position {i}")
        out.append(int(v))
    return tuple(out)


def check_input_shape(input_shape, min_size: int = 1, name: str = "input_shape"):
    """Validate a channels-last ``(height, width, channels)`` shape.

    ``min_size`` is the smallest height/width the architecture can take (for example
    32 for five 2×2 poolings). Height and width may be ``None`` (any size) only when
    ``min_size`` does not matter to the caller.
    """
    if isinstance(input_shape, (str, bytes)) or not isinstance(input_shape, Sequence):
        raise TypeError(
            f"{name} must be a tuple (height, width, channels), got {input_shape!r}")
    if len(input_shape) != 3:
        raise ValueError(
            f"{name} must be (height, width, channels), got {tuple(input_shape)}")
    h, w, c = input_shape
    check_positive_int(c, f"{name} channels")
    for dim, label in ((h, "height"), (w, "width")):
        if dim is None:
            continue
        check_positive_int(dim, f"{name} {label}")
        if dim < min_size:
            raise ValueError(
                f"{name} {label} must be at least {min_size} for this architecture "
                f"(its pooling stages would shrink it below 1×1), got "
                f"{tuple(input_shape)}")
    return tuple(None if d is None else int(d) for d in input_shape)


def check_choice(value, name: str, choices):
    """Raise ValueError unless ``value`` is one of ``choices``.

    ``True`` is not ``1`` here (nor ``False`` ``0``) unless a choice is a bool."""
    is_bool = isinstance(value, bool) and not any(isinstance(c, bool) for c in choices)
    if is_bool or value not in choices:
        raise ValueError(
            f"{name} must be one of {', '.join(repr(c) for c in choices)}; "
            f"got {value!r}")
    return value


def check_same_length(values, name: str, reference, reference_name: str,
                      why: str = "") -> None:
    """Raise ValueError unless ``values`` and ``reference`` have the same length.

    ``why`` is appended to the message, e.g. ``" (one width per stack)"``.
    """
    if len(values) != len(reference):
        raise ValueError(
            f"{name} and {reference_name} must have the same length{why}, got "
            f"{len(values)} and {len(reference)}")


def check_bool(value, name: str, *, allow_none: bool = False):
    """Return ``value`` if it is ``True`` or ``False`` (or ``None`` when allowed)."""
    if value is None and allow_none:
        return None
    if not isinstance(value, bool):
        allowed = "True, False or None" if allow_none else "True or False"
        raise TypeError(f"{name} must be {allowed}, got {value!r}")
    return value


def check_number(value, name: str, *, minimum=None, maximum=None,
                 include_minimum: bool = True, include_maximum: bool = True) -> float:
    """Return ``value`` as float if it is a real number inside the given bounds.

    ``check_number(eps, "bn_epsilon", minimum=0, include_minimum=False)`` → ``eps > 0``.
    """
    if minimum is not None and maximum is not None:
        bounds = (f"in {'[' if include_minimum else '('}{minimum}, "
                  f"{maximum}{']' if include_maximum else ')'}")
    elif minimum is not None:
        bounds = f"{'>=' if include_minimum else '>'} {minimum}"
    elif maximum is not None:
        bounds = f"{'<=' if include_maximum else '<'} {maximum}"
    else:
        bounds = "(any real number)"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number {bounds}, got {value!r}")
    value = float(value)
    if value != value:  # NaN
        raise ValueError(f"{name} must be a number {bounds}, got nan")
    if minimum is not None and (value < minimum or (value == minimum
                                                    and not include_minimum)):
        raise ValueError(f"{name} must be a number {bounds}, got {value}")
    if maximum is not None and (value > maximum or (value == maximum
                                                    and not include_maximum)):
        raise ValueError(f"{name} must be a number {bounds}, got {value}")
    return value


def check_rate(value, name: str) -> float:
    """A dropout rate, drop probability or BatchNorm momentum: a number in [0, 1)."""
    return check_number(value, name, minimum=0, maximum=1, include_maximum=False)


def check_tensor_4d(x, name: str = "x"):
    """Raise TypeError unless ``x`` is a 4-D Keras tensor (batch, height, width, C)."""
    import keras

    if not keras.backend.is_keras_tensor(x) or len(x.shape) != 4:
        raise TypeError(f"{name} must be a 4-D Keras tensor (batch, height, width, "
                        f"channels) such as keras.Input((32, 32, 3)), got {x!r}")
    return x


# NumPy's global seed (which keras.utils.set_random_seed sets) takes 0 <= seed < 2**32.
MAX_SEED = 2**32 - 1


def check_seed(value, name: str = "seed"):
    """Return ``value`` if it is ``None`` or an integer in [0, 2**32 - 1]; else raise.

    The range every seed consumer here accepts: ``keras.utils.set_random_seed``
    (through NumPy's ``np.random.seed``), ``tf.random.set_seed`` and tf.data.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be None or an integer in [0, {MAX_SEED}], got {value!r}")
    if not 0 <= value <= MAX_SEED:
        raise ValueError(
            f"{name} must be None or an integer in [0, {MAX_SEED}], got {value}")
    return int(value)


def check_name(value, name: str = "name", *, allow_none: bool = False):
    """A layer name or the prefix of a block's layer names: a string without ``/``
    (which Keras refuses in names), or ``None`` when allowed."""
    if value is None and allow_none:
        return None
    if not isinstance(value, str):
        allowed = "a string or None" if allow_none else "a string"
        raise TypeError(f"{name} must be {allowed} (layer names are made from it), "
                        f"got {value!r}")
    if "/" in value:
        raise ValueError(f"{name} must not contain '/' (Keras refuses it in layer "
                         f"names), got {value!r}")
    return value


def check_label(value, name: str, *, allow_none: bool = False):
    """A stage number or block letter that goes into layer names (``res2a``): an
    integer >= 0 or a string without ``/``."""
    if value is None and allow_none:
        return None
    if isinstance(value, str):
        return check_name(value, name)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer or a string, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def _keras_identifier(value, name, getter, what, example, allow_none):
    if value is None:
        if allow_none:
            return None
        raise TypeError(f"{name} must be {what} such as {example!r}, got None")
    if isinstance(value, bool):
        raise TypeError(f"{name} must be {what} such as {example!r}, got {value!r}")
    try:
        getter(value)
    except (ValueError, TypeError, KeyError, AttributeError):
        raise ValueError(f"{name} must be {what} such as {example!r}, got "
                         f"{value!r}") from None
    return value


def check_activation(value, name: str = "activation", *, allow_none: bool = True):
    """A Keras activation: its name (``"relu"``), a callable, or ``None``."""
    import keras

    return _keras_identifier(value, name, keras.activations.get,
                             "a Keras activation name or a callable", "relu",
                             allow_none)


def check_initializer(value, name: str = "kernel_initializer", *,
                      allow_none: bool = True):
    """A Keras initializer: its name (``"he_normal"``), a config dict, an
    ``Initializer``, or ``None`` (the layer's default)."""
    import keras

    return _keras_identifier(value, name, keras.initializers.get,
                             "a Keras initializer (a name, a config dict or an "
                             "Initializer)", "he_normal", allow_none)


def check_regularizer(value, name: str = "kernel_regularizer", *,
                      allow_none: bool = True):
    """A Keras regularizer: its name (``"l2"``), a config dict, a ``Regularizer``,
    or ``None``."""
    import keras

    return _keras_identifier(value, name, keras.regularizers.get,
                             "a Keras regularizer (a name, a config dict or a "
                             "Regularizer)", "l2", allow_none)


def check_size(value, name: str, *, minimum: int = 1):
    """A kernel size or stride: an integer >= ``minimum`` or a pair of them.

    Returns ``value`` as given (an int stays an int)."""
    if isinstance(value, (str, bytes)) or not (
            isinstance(value, numbers.Integral) or isinstance(value, Sequence)):
        raise TypeError(
            f"{name} must be an integer >= {minimum} or a pair of them, got {value!r}")
    if isinstance(value, Sequence):
        check_int_sequence(value, name, minimum=minimum, length=2)
    else:
        check_positive_int(value, name, minimum=minimum)
    return value


def check_min_spatial(x, minimum, name: str = "x", why: str = ""):
    """Raise ValueError if ``x``'s (known) height or width is below ``minimum``.

    ``minimum`` is an int or a ``(height, width)`` pair; ``why`` is appended to the
    message, e.g. ``" (a 3×3 stride-2 'valid' convolution)"``."""
    low = minimum if isinstance(minimum, tuple) else (minimum, minimum)
    h, w = x.shape[1], x.shape[2]
    if (h is not None and h < low[0]) or (w is not None and w < low[1]):
        raise ValueError(
            f"{name} must be at least {low[0]}×{low[1]} pixels{why}, got "
            f"{h}×{w} (shape {tuple(x.shape)})")
    return x


def check_bn(momentum, epsilon, *, momentum_name: str = "bn_momentum",
             epsilon_name: str = "bn_epsilon"):
    """BatchNorm's momentum (Keras' convention, in [0, 1)) and epsilon (> 0), returned
    as floats."""
    return (check_rate(momentum, momentum_name),
            check_number(epsilon, epsilon_name, minimum=0, include_minimum=False))


def check_model(model, name: str = "model"):
    """Raise TypeError unless ``model`` is a ``keras.Model``."""
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"{name} must be a keras.Model, got {type(model).__name__}")
    return model
