"""Faithfulness as output parity: same weights in, same logits out as the PyTorch twin.

For every registry model that declares a torchvision/timm twin whose reference is in
tests/fixtures/torch_reference (made by its make_reference.py with torch), the test
builds the twin's deterministic state dict by the documented convention (``fill`` for
every float tensor, the calibrated BatchNorm statistics from bnstats.npz), saves it as
``.safetensors``, loads it through ``create_model(name, weights=path)`` and compares our
float32 logits with PyTorch's float64 logits. A new family is covered by declaring its
twin in ``register_model``; no edit here.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from keras_archs import create_model, list_models, model_info

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "torch_reference"
REFERENCE = json.loads((FIXTURES / "reference.json").read_text())["models"]


def _reference_script():
    """The script that made the reference (torch is imported only in its main()):
    its ``fill`` and ``inputs`` are the convention, so this test uses them as they are."""
    spec = importlib.util.spec_from_file_location(
        "make_reference", FIXTURES / "make_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_SCRIPT = _reference_script()
fill, inputs = _SCRIPT.fill, _SCRIPT.inputs


def reference_state_dict(twin):
    """The twin's state dict as the reference filled it, float tensors only."""
    stats = np.load(FIXTURES / "bnstats.npz")
    state = {}
    for key, shape, dtype in REFERENCE[twin]["state_dict"]:
        if not dtype.startswith(("float", "bfloat")):
            continue  # num_batches_tracked: no weight
        if key.endswith(("running_mean", "running_var")):
            state[key] = stats[f"{twin}.state.{key}"]
        else:
            state[key] = fill(key, tuple(shape))
    return state


def test_fill_and_inputs_follow_the_documented_convention():
    # The fixture README's check values, computed with numpy's float64 sum.
    assert fill("features.0.weight", (64, 3, 11, 11)).astype(np.float64).sum() == \
        pytest.approx(-5.748465772574491, abs=1e-9)
    assert inputs(0, 8).astype(np.float64).sum() == pytest.approx(-12.58357054181397,
                                                                  abs=1e-9)


TWINS = [(name, twin) for name in list_models()
         for twin in model_info(name).torch_twins if twin in REFERENCE]


@pytest.mark.parametrize("name,twin", TWINS, ids=[f"{n}={t}" for n, t in TWINS])
def test_reproduces_its_pytorch_twin(name, twin, tmp_path):
    from safetensors.numpy import save_file

    ref = REFERENCE[twin]
    path = tmp_path / f"{twin}.safetensors"
    save_file(reference_state_dict(twin), str(path))
    size = ref["input_size"]
    model = create_model(name, input_shape=(size, size, 3), num_classes=1000,
                         classifier_activation=None, weights=str(path))
    assert model.count_params() - _bn_statistics(model) == ref["params"]
    logits = np.asarray(model(inputs(0, size).transpose(0, 2, 3, 1), training=False))
    expected = np.load(FIXTURES / "logits_seed0.npz")[f"{twin}.logits_seed0"]
    tolerance = max(1e-4, 10 * ref["float32_relative_error"])
    error = np.abs(logits - expected).max() / np.abs(expected).max()
    assert error <= tolerance, f"{name} vs {twin}: max relative error {error:.2e}"


def _bn_statistics(model):
    """Keras counts BatchNorm's moving mean and variance; PyTorch does not."""
    import keras

    return sum(int(np.prod(layer.moving_mean.shape)) * 2 for layer in model.layers
               if isinstance(layer, keras.layers.BatchNormalization))
