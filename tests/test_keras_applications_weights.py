"""Drop-in behaviour: a keras.applications weights file loads into our twin.

For every registry model with a keras.applications twin, the call that works in
keras.applications — ``include_top=False``, a local ``.weights.h5`` and a 64×64 input —
works on ours and gives identical outputs. The file is saved by the test from
``keras.applications.<Name>(weights=None, include_top=False, input_shape=(64, 64, 3))``
with random weights (no download): at 64×64 ``stem="auto"`` would pick the CIFAR stem,
so this also checks that ``weights=`` makes it pick the ImageNet layout the file was
made for, as keras.applications does.
"""

import keras
import numpy as np
import pytest

from keras_archs import create_model, list_models, model_info
from tests._sizes import is_big, with_full_checks

SHAPE = (64, 64, 3)
# keras.applications' own minimum where it is above 64×64 (InceptionV3 refuses
# anything below 75×75); still small enough that "auto" alone would not mean ImageNet.
SHAPES = {"InceptionV3": (75, 75, 3)}
TWINS = [n for n in list_models() if model_info(n).keras_applications]
# `make test` loads a file into every twin but the big ones (tests/_sizes.py), whose
# layers are compared with their twin's without values below; `make test-all` loads a
# file into every twin (and compares the big ones' layers too).
FILE_TWINS = with_full_checks(TWINS)
LAYOUT_TWINS = [n for n in TWINS if is_big(n)]


def _randomize(model, rng):
    """Random values for every variable, BatchNorm statistics included (Keras' 0/1
    defaults would hide a moving mean or variance loaded into the wrong layer);
    variances (BatchNorm's, EfficientNet's input Normalization's) stay positive."""
    for variable in model.weights:
        shape = tuple(variable.shape)
        if not keras.backend.is_float_dtype(variable.dtype):
            continue  # a Normalization layer's count
        if variable.path.endswith(("gamma", "variance")):
            value = rng.uniform(0.5, 1.5, shape)
        else:
            value = rng.normal(0.0, 0.05, shape)
        variable.assign(value.astype("float32"))


@pytest.mark.parametrize("name", FILE_TWINS)
def test_keras_applications_weights_file_loads_at_64(tmp_path, name):
    info = model_info(name)
    constructor = getattr(keras.applications, info.keras_applications)
    shape = SHAPES.get(info.keras_applications, SHAPE)
    reference = constructor(weights=None, include_top=False, input_shape=shape)
    rng = np.random.default_rng(0)
    _randomize(reference, rng)
    path = tmp_path / f"{info.keras_applications}.weights.h5"
    reference.save_weights(path)

    ours = create_model(name, input_shape=shape, include_top=False, weights=str(path))
    assert [layer.name for layer in ours.layers if layer.weights] == \
        [layer.name for layer in reference.layers if layer.weights]
    x = rng.uniform(0, 255, (2, *shape)).astype("float32")
    expected = keras.ops.convert_to_numpy(reference(x, training=False))
    got = keras.ops.convert_to_numpy(ours(x, training=False))
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-5,
                               atol=1e-5 * float(np.max(np.abs(expected))))


def _layout(model):
    """What a .weights.h5 file is matched against: the layers with weights, in order,
    with their class (Keras keys the file by class and position), name and shapes."""
    return [(type(layer).__name__, layer.name, [tuple(v.shape) for v in layer.weights])
            for layer in model.layers if layer.weights]


@pytest.mark.parametrize("name", LAYOUT_TWINS)
def test_big_twin_has_the_layout_of_keras_applications_at_64(name):
    info = model_info(name)
    shape = SHAPES.get(info.keras_applications, SHAPE)
    constructor = getattr(keras.applications, info.keras_applications)
    with keras.StatelessScope():  # layouts only: nothing is initialised
        reference = constructor(weights=None, include_top=False, input_shape=shape)
        ours = create_model(name, input_shape=shape, include_top=False, stem="imagenet")
    assert _layout(ours) == _layout(reference)
    assert tuple(ours.output.shape) == tuple(reference.output.shape)


def test_every_keras_applications_twin_is_tested():
    assert set(FILE_TWINS) | set(LAYOUT_TWINS) == set(TWINS)
    # The list comes from the registry: a new twin is tested without an edit here.
    assert {"vgg16", "vgg19", "resnet50"} <= set(TWINS)
    for name in TWINS:
        assert hasattr(keras.applications, model_info(name).keras_applications), name
