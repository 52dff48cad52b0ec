"""Reproducibility (issue #15, item 4): the same seed gives the same initial model, the
same batches (order and augmentation, epoch after epoch) and the same training run.

Each test moves the global random state between the two runs it compares, so what
makes them equal is the seed passed to the API, not a state left over from the
first run. TensorFlow pairs every op seed with its global seed, so the pipelines
are compared under the same global seed (as in two fresh processes), after other
random draws and other pipelines.
"""

import random

import keras
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from keras_archs import create_model
from keras_archs.data import build_pipeline, load_cifar, load_digits_demo
from keras_archs.training import train

SEED_RANGE = r"seed must be None or an integer in \[0, 4294967295\]"


def _disturb_global_random_state(value=12345):
    keras.utils.set_random_seed(value)
    random.random()
    np.random.rand(3)
    tf.random.uniform([3])


def _same_global_seed_other_draws():
    keras.utils.set_random_seed(0)  # what conftest sets before every test
    _ = [random.random(), np.random.rand(3), tf.random.uniform([3]),
         tf.data.Dataset.range(9).shuffle(9), load_digits_demo(augment=True)]


# --- create_model(seed=...) -----------------------------------------------------------

def _initial_variables(name, seed=None):
    # Fresh layer-name counters, so the two builds name their variables alike.
    keras.backend.clear_session(free_memory=False)
    model = create_model(name, input_shape=(32, 32, 3), num_classes=10, seed=seed)
    return [(v.path, np.array(v)) for v in model.variables]


def _assert_same(a, b):
    assert [path for path, _ in a] == [path for path, _ in b]
    for (path, x), (_, y) in zip(a, b):
        np.testing.assert_array_equal(x, y, err_msg=path)


# A plain CNN (Glorot-uniform kernels) and a CIFAR ResNet (He-normal kernels,
# BatchNorm): different initializers, the same rule.
@pytest.mark.parametrize("name", ["lenet5", "resnet20"])
def test_same_seed_same_initial_variables_other_seed_other_ones(name):
    first = _initial_variables(name, seed=1)
    _disturb_global_random_state()
    create_model("simple_cnn", input_shape=(32, 32, 3), num_classes=10)  # draws too
    _assert_same(first, _initial_variables(name, seed=1))

    other = dict(_initial_variables(name, seed=2))
    drawn = [path for path, value in first if np.ptp(value) > 0]  # random initializers
    kernels = [path for path, _ in first if path.endswith("/kernel")]
    assert kernels and set(kernels) <= set(drawn)
    for path, value in first:
        if path in drawn:
            assert not np.array_equal(value, other[path]), path
        else:  # zeros and ones (biases, BatchNorm) do not depend on the seed
            np.testing.assert_array_equal(value, other[path], err_msg=path)


def test_seed_is_keras_set_random_seed_before_building():
    # As documented: create_model(..., seed=S) == set_random_seed(S); create_model(...)
    seeded = _initial_variables("resnet20", seed=7)
    keras.backend.clear_session(free_memory=False)
    keras.utils.set_random_seed(7)
    model = create_model("resnet20", input_shape=(32, 32, 3), num_classes=10)
    _assert_same(seeded, [(v.path, np.array(v)) for v in model.variables])


@pytest.mark.parametrize("seed, error", [
    (-1, ValueError), (2**32, ValueError), (1.5, TypeError), ("0", TypeError),
    (True, TypeError), ([0], TypeError)])
def test_bad_seed_is_refused_naming_it(seed, error):
    with pytest.raises(error, match=SEED_RANGE):
        create_model("lenet5", input_shape=(32, 32, 3), num_classes=10, seed=seed)
    with pytest.raises(error, match=SEED_RANGE):
        load_digits_demo("train", seed=seed)
    with pytest.raises(error, match=SEED_RANGE):
        load_cifar("cifar10", seed=seed, data_dir="/nonexistent/never/read")
    with pytest.raises(error, match=SEED_RANGE):
        build_pipeline(None, training=True, batch_size=2, num_examples=2, seed=seed)


def test_numpy_integer_seed_is_accepted():
    _assert_same(_initial_variables("lenet5", seed=np.int64(3)),
                 _initial_variables("lenet5", seed=3))


# --- pipelines --------------------------------------------------------------------

def _passes(ds, count=2):
    """``count`` full passes (epochs) over ``ds``: ``[(images, labels), ...]``."""
    out = []
    for _ in range(count):
        images, labels = zip(*((x.numpy(), y.numpy()) for x, y in ds))
        out.append((np.concatenate(images), np.concatenate(labels)))
    return out


def _assert_same_passes(a, b):
    for (xa, ya), (xb, yb) in zip(a, b, strict=True):
        np.testing.assert_array_equal(ya, yb)  # order
        np.testing.assert_array_equal(xa, xb)  # pixels: crops (and flips) too


def _check_pipeline_determinism(load):
    first = _passes(load(seed=7))
    _same_global_seed_other_draws()
    _assert_same_passes(first, _passes(load(seed=7)))
    # Every epoch is shuffled and augmented anew...
    (x1, y1), (x2, y2) = first
    assert not np.array_equal(y1, y2) and not np.array_equal(x1, x2)
    # ...and another seed gives another order.
    assert not np.array_equal(_passes(load(seed=8), 1)[0][1], y1)
    # The augmentation follows the seed as well: same order as without it, other pixels.
    plain_x, plain_y = _passes(load(seed=7, augment=False), 1)[0]
    np.testing.assert_array_equal(plain_y, y1)
    assert not np.array_equal(plain_x, x1)


def test_digits_pipeline_is_deterministic_for_a_seed():
    def load(seed, augment=True):
        return load_digits_demo("train", batch_size=256, augment=augment, seed=seed)

    _check_pipeline_determinism(load)


def test_cifar_pipeline_is_deterministic_for_a_seed(tmp_path):
    def load(seed, augment=True):
        return load_cifar("cifar10", "train", batch_size=16, augment=augment,
                          seed=seed, data_dir=tmp_path)

    with tfds.testing.mock_data(num_examples=48):
        _check_pipeline_determinism(load)


# --- a short training run ---------------------------------------------------------

def _short_run(run_dir, seed):
    keras.backend.clear_session(free_memory=False)
    model = create_model("lenet5", input_shape=(32, 32, 3), num_classes=10, seed=seed)
    data = load_digits_demo("train", batch_size=32, augment=True, seed=seed)
    history = train(model, data, None, 2, optimizer="adam", lr_schedule="cosine",
                    warmup_epochs=1, steps_per_epoch=3, run_dir=run_dir, verbose=0)
    return history.history["loss"], [np.array(v) for v in history.model.variables]


def test_short_training_run_repeats_with_the_same_seed(tmp_path):
    loss, variables = _short_run(tmp_path / "a", seed=0)
    _disturb_global_random_state()
    again, again_variables = _short_run(tmp_path / "b", seed=0)
    np.testing.assert_allclose(again, loss, rtol=1e-6, atol=0)
    for x, y in zip(again_variables, variables, strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-7)
    other, _ = _short_run(tmp_path / "c", seed=1)
    assert not np.allclose(other, loss, rtol=1e-3)
