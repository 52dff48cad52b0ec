"""Fixtures of the training tests: a model small enough to train in a second."""

import keras
import pytest


def build_tiny(name="tiny", classes=2):
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(8, 3, activation="relu", name="conv")(inputs)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    x = keras.layers.Dense(classes, name="predictions")(x)
    outputs = keras.layers.Activation("softmax", dtype="float32",
                                      name="predictions_activation")(x)
    return keras.Model(inputs, outputs, name=name)


@pytest.fixture
def tiny_model():
    return build_tiny()


@pytest.fixture
def make_tiny():
    """``make_tiny()`` builds a fresh tiny model, e.g. under a dtype policy."""
    return build_tiny


def _finish_process(proc, timeout=300):
    """Wait for a subprocess (killing it past ``timeout``); ``(returncode, output)``."""
    try:
        out, _ = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, out


@pytest.fixture
def finish_process():
    """``finish_process(proc, timeout=300)`` → ``(returncode, output)``, never leaks."""
    return _finish_process
