"""Refactors keep every registry model's layer names and parameter counts.

``tests/fixtures/registry_listing.json`` was written from the tree before the ResNet
family refactor (issue 12): for each of the 26 models then registered, the model
name, the layer names in ``model.layers`` order and ``count_params()`` when built
with ``create_model(name)`` (its default input) and with
``create_model(name, input_shape=(32, 32, 3), num_classes=10)``. Layer names are API
(keras.applications ``.weights.h5`` files and ``get_layer`` calls depend on them).
Models registered later are not in the listing and are not checked here.
"""

import json
from pathlib import Path

import keras
import pytest

from keras_archs import create_model, model_info

LISTING = json.loads(
    (Path(__file__).parent / "fixtures" / "registry_listing.json").read_text())
BUILDS = {"default": {}, "cifar10": dict(input_shape=(32, 32, 3), num_classes=10)}


def _cases():
    for name in sorted(LISTING):
        for build in BUILDS:
            # ImageNet-size builds of the big models take seconds each.
            slow = build == "default" and model_info(name).default_input_shape[0] > 64
            yield pytest.param(name, build, id=f"{name}-{build}",
                               marks=[pytest.mark.slow] if slow else [])


def test_listing_covers_the_pre_refactor_registry():
    assert len(LISTING) == 26


@pytest.mark.parametrize("name, build", list(_cases()))
def test_layer_names_and_param_count_unchanged(name, build):
    expected = LISTING[name][build]
    with keras.StatelessScope():  # names and shapes only: nothing is initialised
        model = create_model(name, **BUILDS[build])
    assert model.name == expected["model_name"]
    assert [layer.name for layer in model.layers] == expected["layers"]
    assert model.count_params() == expected["count_params"]
    keras.backend.clear_session(free_memory=False)
