"""Smoke-executes notebooks/modern_blocks.ipynb with papermill.

The notebook writes what it measured to a JSON file; the test asserts on that file
against hand formulas, so a notebook that runs but computes nonsense still fails.
"""

import json
import math
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = "modern_blocks.ipynb"
# One of the CIFAR variants, on 8×8 images: the training loop is the same for each, and
# the grouped-convolution nets (ResNeXt-29, DPN-26) take minutes for a few eager steps
# on a 2-core CPU.
SMOKE_MODELS = ["se_resnet20"]


def _se(channels, ratio=16):
    # Hu et al. 2018: two 1×1 convolutions with biases, C → C/r → C.
    return 2 * channels * (channels // ratio) + channels // ratio + channels


def test_notebook_has_one_parameters_cell(committed_notebook):
    cell = committed_notebook(NOTEBOOK)
    # The full run (written in the cell) trains every CIFAR variant of the four families.
    assert '"resnext29_8x64d", "wrn16_8", "se_resnet20", "densenet_bc100", "dpn26"' \
        in cell.source


@pytest.mark.slow
def test_notebook_runs_and_reports_blocks_se_and_training(tmp_path, run_notebook):
    results_path = tmp_path / "results.json"
    run_notebook(NOTEBOOK, models=SMOKE_MODELS, epochs=1, image_size=8, batch_size=8,
                 steps_per_epoch=2, validation_steps=1, run_eagerly=True,
                 results_path=str(results_path))
    results = json.loads(results_path.read_text())

    assert Path(results["python_prefix"]).resolve() == Path(sys.prefix).resolve()
    assert Path(results["keras_archs_file"]).resolve().is_relative_to(REPO)

    # 1. The blocks on a 28×28×256 input; multiply-adds count the convolutions
    # (weights without biases × output positions).
    blocks = results["blocks"]
    hw = 28 * 28
    resnext = blocks["resnext 32x4d"]
    # 1×1 256→128, grouped 3×3 (32 groups of 4), 1×1 128→256, three BatchNorms.
    resnext_convs = 256 * 128 + 9 * 4 * 128 + 128 * 256
    assert resnext["params"] == resnext_convs + 4 * (128 + 128 + 256) == 72_192
    assert resnext["macs"] == hw * resnext_convs
    assert resnext["output_shape"] == [28, 28, 256]

    se = blocks["se (r=16)"]
    assert se["params"] == 2 * 256 * 16 + 16 + 256 == 8_464
    assert se["macs"] == 2 * 256 * 16  # the 1×1 convolutions run on a 1×1 map
    assert se["output_shape"] == [28, 28, 256]

    dense = blocks["dense (6x32) + transition"]
    widths = [256 + 32 * i for i in range(6)]  # each layer reads all earlier maps
    layer_params = sum(4 * c + c * 128 + 4 * 128 + 9 * 128 * 32 for c in widths)
    transition = 4 * 448 + 448 * 224  # BN + 1×1 conv to θ·448 = 224
    assert dense["params"] == layer_params + transition == 592_512
    assert dense["macs"] == hw * (sum(c * 128 + 9 * 128 * 32 for c in widths)
                                  + 448 * 224)
    assert dense["output_shape"] == [14, 14, 224]

    dpn = blocks["dual path (96, 256+16)"]
    # Projection 256 → 256 + 2·16, then 1×1 256→96, grouped 3×3 (32 groups of 3),
    # 1×1 96 → 256 + 16; a BN before each convolution.
    dpn_convs = 256 * 288 + 256 * 96 + 9 * 3 * 96 + 96 * 272
    assert dpn["params"] == dpn_convs + 4 * (256 + 256 + 96 + 96) == 129_824
    assert dpn["macs"] == hw * dpn_convs
    assert dpn["output_shape"] == [28, 28, 256 + 2 * 16 + 16]

    # 2. SE in two families: the difference is exactly the SE blocks' count.
    resnet = results["se"]["resnet20"]
    assert (resnet["plain"], resnet["se"]) == ("resnet20", "se_resnet20")
    assert resnet["se_widths"] == [16] * 3 + [32] * 3 + [64] * 3
    assert resnet["difference"] == 3 * (_se(16) + _se(32) + _se(64)) == 2_373
    mobilenet = results["se"]["mobilenetv2 (cifar)"]
    # Expanded widths of MobileNetV2's 17 blocks (paper Table 2, t = 6 after the
    # first block, whose t = 1 keeps the stem's 32 channels).
    expanded = [32] + [6 * c for c in (16, 24, 24, 32, 32, 32, 64, 64, 64, 64,
                                       96, 96, 96, 160, 160, 160)]
    assert mobilenet["se_widths"] == expanded
    assert mobilenet["difference"] == sum(map(_se, expanded)) == 571_614
    assert mobilenet["se"] == "se_" + mobilenet["plain"]
    for row in results["se"].values():
        assert row["analytic"] == row["difference"]

    # 3. Each requested CIFAR variant trained its steps.
    training = results["training"]
    assert list(training) == SMOKE_MODELS
    assert training["se_resnet20"]["params"] == resnet["se_params"]
    for name, row in training.items():
        assert len(row["loss"]) == 1 and math.isfinite(row["loss"][0])
        assert row["loss"][0] > 0
        assert 0.0 <= row["val_accuracy"][0] <= 1.0
        assert row["seconds"] > 0
