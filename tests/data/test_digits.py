"""The embedded offline digits dataset and the shared tf.data pipeline."""

import numpy as np
import pytest
import tensorflow as tf

from keras_archs.data import DATASETS, load_dataset, load_digits_demo
from keras_archs.data.digits import digits_arrays
from keras_archs.data.pipeline import normalize


def _collect(ds):
    images, labels = [], []
    for x, y in ds:
        images.append(x.numpy())
        labels.append(y.numpy())
    return np.concatenate(images), np.concatenate(labels)


def test_split_is_deterministic_disjoint_stratified_and_complete():
    train_x, train_y = digits_arrays("train")
    val_x, val_y = digits_arrays("validation")
    again_x, again_y = digits_arrays("validation")
    np.testing.assert_array_equal(val_x, again_x)
    np.testing.assert_array_equal(val_y, again_y)
    assert len(train_y) + len(val_y) == 1797
    # every class is held out at ~20 %
    for cls in range(10):
        share = np.sum(val_y == cls) / np.sum(np.concatenate([train_y, val_y]) == cls)
        assert 0.18 < share < 0.22
    # no image appears in both splits at the same position of the original set
    train_keys = {x.tobytes() + bytes([y]) for x, y in zip(train_x, train_y)}
    overlap = sum(x.tobytes() + bytes([y]) in train_keys for x, y in zip(val_x, val_y))
    assert overlap <= 5  # sklearn's digits contain a few exact duplicate images


def test_batches_shapes_dtypes_ranges_and_info():
    ds, info = load_digits_demo("train", batch_size=64, with_info=True)
    assert info.num_classes == 10 and info.class_names[3] == "3"
    assert info.image_shape == (32, 32, 3)
    assert info.eval_split == "validation"
    x, y = _collect(ds)
    assert x.shape == (info.split_sizes["train"], 32, 32, 3)
    assert x.dtype == np.float32 and y.dtype == np.int64
    assert x.min() >= 0.0 and x.max() <= 1.0 and x.max() > 0.9
    assert set(np.unique(y)) == set(range(10))
    np.testing.assert_array_equal(x[..., 0], x[..., 2])  # grey replicated to RGB


def test_last_partial_batch_is_kept():
    ds = load_digits_demo("validation", batch_size=100)
    sizes = [int(x.shape[0]) for x, _ in ds]
    n = len(digits_arrays("validation")[1])
    assert sizes == [100] * (n // 100) + [n % 100]


def test_pipelines_run_without_the_autotune_thread():
    # With tf.data autotuning on, model.fit can wait seconds before every epoch after
    # the first; see pipeline_options and benchmarks/pipeline.py.
    for split, augment in (("train", True), ("train", False), ("validation", False)):
        ds = load_digits_demo(split, batch_size=32, augment=augment)
        assert ds.options().autotune.enabled is False
        # ...and it stays off through the maps a user (or the transfer CLI) adds.
        resized = ds.map(lambda x, y: (tf.image.resize(x, (48, 48)), y))
        assert resized.options().autotune.enabled is False
        # The parallel stages still run in parallel with a prefetch buffer.
        graph = ds._as_serialized_graph().numpy()
        assert b"PrefetchDataset" in graph and b"ParallelBatchDataset" in graph


def test_train_order_changes_every_epoch_validation_order_does_not():
    train = load_digits_demo("train", batch_size=256, seed=3)
    first, second = (_collect(train)[1] for _ in range(2))
    assert not np.array_equal(first, second)
    assert sorted(first) == sorted(second)
    val = load_digits_demo("validation", batch_size=256)
    np.testing.assert_array_equal(_collect(val)[1], _collect(val)[1])
    np.testing.assert_array_equal(_collect(val)[1], digits_arrays("validation")[1])


def test_same_seed_gives_same_order():
    a = _collect(load_digits_demo("train", batch_size=256, seed=7))[1]
    b = _collect(load_digits_demo("train", batch_size=256, seed=7))[1]
    np.testing.assert_array_equal(a, b)


def test_augmentation_keeps_shapes_and_changes_pixels():
    plain = _collect(load_digits_demo("train", batch_size=256, seed=1))
    shifted = _collect(load_digits_demo("train", batch_size=256, seed=1, augment=True))
    assert shifted[0].shape == plain[0].shape
    np.testing.assert_array_equal(plain[1], shifted[1])
    assert not np.allclose(plain[0], shifted[0])


@pytest.mark.parametrize("mode, low, high", [
    ("unit", 0.0, 1.0), ("tf", -1.0, 1.0), ("none", 0.0, 255.0),
    ("torch", (0 - 0.485) / 0.229, (1 - 0.406) / 0.225),
    ("caffe", -123.68, 255 - 103.939),
])
def test_normalization_modes(mode, low, high):
    x, _ = next(iter(load_digits_demo("validation", batch_size=512, normalization=mode)))
    x = x.numpy()
    assert x.min() >= low - 1e-4 and x.max() <= high + 1e-4
    assert x.max() - x.min() > 0.5 * (high - low)


def test_caffe_mode_is_keras_applications_preprocess_input():
    import keras

    image = np.random.default_rng(0).uniform(0, 255, (2, 8, 8, 3)).astype("float32")
    expected = keras.applications.vgg16.preprocess_input(image.copy())
    np.testing.assert_allclose(normalize(tf.constant(image), "caffe"), expected, atol=1e-4)


def test_load_dataset_dispatches_by_name():
    assert "digits" in DATASETS
    x, _ = next(iter(load_dataset("digits", "validation", batch_size=4, image_size=16)))
    assert x.shape == (4, 16, 16, 3)


@pytest.mark.parametrize("kwargs, words", [
    (dict(split="test"), "split must be one of 'train', 'validation'"),
    (dict(batch_size=0), "batch_size must be an integer >= 1"),
    (dict(normalization="imagenet"), "normalization must be one of"),
    (dict(image_size=4), "image_size must be an integer >= 8"),
])
def test_bad_input(kwargs, words):
    with pytest.raises(ValueError, match=words):
        load_digits_demo(**kwargs)


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match="dataset must be one of 'digits'"):
        load_dataset("mnist")
