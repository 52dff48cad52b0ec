"""Smoke-executes notebooks/efficient_architectures.ipynb with papermill.

The notebook writes what it measured to a JSON file; the test asserts on that file,
so a notebook that runs but computes nonsense still fails.
"""

import json
import math
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = "efficient_architectures.ipynb"


def test_notebook_has_one_parameters_cell(committed_notebook):
    cell = committed_notebook(NOTEBOOK)
    assert "results_path" in cell.source and "efficientnet_variants" in cell.source


@pytest.mark.slow
def test_notebook_runs_and_reports_cost_formula_width_sweep_and_compound_scaling(
        tmp_path, run_notebook):
    results_path = tmp_path / "results.json"
    # Counts are analytic, so 224×224 costs no more to build than 32×32; the smoke
    # run trims the α lists, builds only EfficientNet-B0 and trains two eager steps.
    run_notebook(NOTEBOOK, image_size=224, v1_alphas=[0.25, 0.5, 1.0],
                 v2_alphas=[0.35, 1.0, 1.4], efficientnet_variants=["b0"],
                 train_steps=2, epochs=1, batch_size=8, validation_steps=1,
                 run_eagerly=True, results_path=str(results_path))
    results = json.loads(results_path.read_text())

    assert Path(results["python_prefix"]).resolve() == Path(sys.prefix).resolve()
    assert Path(results["keras_archs_file"]).resolve().is_relative_to(REPO)

    # 1. MobileNet's cost formula equals count_macs exactly on the library's block:
    # D_K²·M·D_F² + M·N·D_F² (separable) and D_K²·M·N·D_F² (standard), D_K=3,
    # D_F=14, M=N=512.
    block = results["block"]
    assert block["measured"] == block["formula"]
    assert block["measured"]["separable"] == 9 * 512 * 196 + 512 * 512 * 196 == 52_283_392
    assert block["measured"]["standard"] == 9 * 512 * 512 * 196 == 462_422_016
    assert math.isclose(block["ratio"], 1 / 512 + 1 / 9, rel_tol=1e-12)
    # ... and summed over MobileNet's 13 blocks, plus the stem and the classifier.
    network = results["network"]
    assert network["formula_total"] == network["count_macs"] == 568_740_352
    assert [r["N"] for r in network["rows"]] == [64, 128, 128, 256, 256, 512, 512, 512,
                                                 512, 512, 512, 1024, 1024]

    # 2. Width multiplier. keras.applications' MobileNet: 4,253,864 parameters; its
    # docs' table (the paper's α models): 325/149/41 M mult-adds, 1.3/0.5 M params.
    v1 = {r["alpha"]: r for r in results["mobilenet_v1"]}
    assert results["image_size"] == 224
    assert v1[1.0]["params"] == 4_253_864 and v1[1.0]["macs"] == 568_740_352
    assert round(v1[0.5]["macs"] / 1e6) == 149 and round(v1[0.25]["macs"] / 1e6) == 41
    assert round(v1[0.5]["params"] / 1e6, 1) == 1.3 and round(v1[0.25]["params"] / 1e6, 1) == 0.5
    v2 = {r["alpha"]: r for r in results["mobilenet_v2"]}
    assert v2[1.0]["params"] == 3_538_984  # keras.applications MobileNetV2
    for rows in (results["mobilenet_v1"], results["mobilenet_v2"]):
        for small, big in zip(rows, rows[1:]):
            assert small["alpha"] < big["alpha"]
            assert small["params"] < big["params"] and small["macs"] < big["macs"]
    # The stem and classifier scale with α, the pointwise convolutions with α²: the
    # network's mult-add ratio lies between the two.
    for r in results["mobilenet_v1"]:
        assert r["alpha"] ** 2 <= r["macs_ratio"] <= r["alpha"]

    # 3. Compound scaling: the full B0–B7 table without building, B0 built.
    scaling = results["efficientnet_scaling"]
    assert list(scaling) == [f"b{i}" for i in range(8)]
    assert [scaling[v]["blocks"] for v in scaling] == [16, 23, 23, 26, 32, 39, 45, 55]
    assert [scaling[v]["resolution"] for v in scaling] == [224, 240, 260, 300, 380, 456,
                                                           528, 600]
    assert scaling["b7"]["head_filters"] == 2560 and scaling["b7"]["stem_filters"] == 64
    for phi, row in enumerate(scaling.values()):
        assert row["phi"] == phi
        assert math.isclose(row["ideal_depth"], 1.2 ** phi)
        assert math.isclose(row["ideal_width"], 1.1 ** phi)
        assert math.isclose(row["ideal_resolution"], 224 * 1.15 ** phi)
    assert list(results["efficientnet"]) == ["b0"]
    b0 = results["efficientnet"]["b0"]
    assert b0["params"] == 5_330_571  # keras.applications EfficientNetB0
    assert b0["mbconv_blocks"] == 16 and b0["resolution"] == 224
    assert b0["macs"] == 385_814_752  # count_macs at 224×224 (0.39 G)

    # 4. Two training steps of the CIFAR-layout MobileNetV2 (α = 0.5) on digits.
    training = results["training"]
    assert training["model"] == "mobilenetv2_0.50_32_cifar" and training["steps"] == 2
    assert len(training["history"]["loss"]) == 1 and training["history"]["loss"][0] > 0
    assert 0.0 <= training["history"]["val_accuracy"][0] <= 1.0
