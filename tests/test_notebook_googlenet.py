"""Smoke-executes notebooks/googlenet_inception_blocks.ipynb with papermill.

The notebook writes what it measured to a JSON file; the test asserts on that file,
so a notebook that runs but computes nonsense still fails.
"""

import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = "googlenet_inception_blocks.ipynb"


def test_notebook_has_one_parameters_cell(committed_notebook):
    committed_notebook(NOTEBOOK)


@pytest.mark.slow
def test_notebook_runs_and_reports_blocks_aux_training_and_inference_model(
        tmp_path, run_notebook):
    results_path = tmp_path / "results.json"
    # run_eagerly: tracing the three-output training graph takes ~100 s here, while
    # two eager steps take ~10 s.
    run_notebook(NOTEBOOK, epochs=1, image_size=16, batch_size=8, steps_per_epoch=2,
                 validation_steps=1, run_eagerly=True, results_path=str(results_path))
    results = json.loads(results_path.read_text())

    assert Path(results["python_prefix"]).resolve() == Path(sys.prefix).resolve()
    assert Path(results["keras_archs_file"]).resolve().is_relative_to(REPO)

    naive, reduced = results["blocks"]["naive"], results["blocks"]["reduced (3a)"]
    # 192 input channels pass through the naive pool branch: 64 + 128 + 32 + 192.
    assert naive["out_channels"] == 416 and reduced["out_channels"] == 256
    assert naive["params"] == 387_296 and reduced["params"] == 163_696
    # Multiply-adds are params (without biases) × 28 × 28 output positions.
    assert naive["macs"] == (387_296 - 224) * 28 * 28
    assert reduced["macs"] == (163_696 - 368) * 28 * 28

    assert results["train_outputs"] == 3
    history = results["history"]
    for key in ("loss", "aux1_loss", "aux2_loss", "predictions_activation_loss"):
        assert len(history[key]) == 1 and history[key][0] > 0
    assert results["inference_outputs"] == 1
    assert results["shares_weights"] and results["identical_predictions"]
    assert results["inference_params"] < results["training_params"]
    assert 0.0 <= results["inference_val_accuracy"] <= 1.0
