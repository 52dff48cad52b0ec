"""CIFAR-10/100 loaders, offline.

Most tests run under ``tfds.testing.mock_data``. Its default policy (``USE_CODE``) has
no split metadata and no prepared-dataset marker, so the tests give it real metadata:
``mock_data(data_dir=...)`` pointing at a tiny dataset written by
``make_synthetic_cifar`` in tfds' own format (``MockPolicy.USE_FILES``). Other tests
read such a synthetic dataset through tfds' real reading path with no mock at all.
"""

import os
import time

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from keras_archs.data import DATASETS, load_cifar, load_dataset
from keras_archs.data.cifar import DatasetNotPreparedError, make_synthetic_cifar

NAMES = ("cifar10", "cifar100")
MOCK_N = 40  # examples per split under mock_data (it yields the same count per split)


@pytest.fixture(scope="module")
def mock_meta_dir(tmp_path_factory):
    """Metadata for mock_data: split sizes equal to what mock_data yields."""
    root = tmp_path_factory.mktemp("tfds_meta")
    for name in NAMES:
        make_synthetic_cifar(name, root, num_train=MOCK_N, num_test=MOCK_N)
    return str(root)


@pytest.fixture(scope="module")
def real_dir(tmp_path_factory):
    """Tiny synthetic datasets on disk, read by tfds with no mock: 40 train, 24 test."""
    root = tmp_path_factory.mktemp("tfds_real")
    for name in NAMES:
        make_synthetic_cifar(name, root, num_train=40, num_test=24, seed=7)
    return str(root)


@pytest.fixture
def mocked(mock_meta_dir):
    with tfds.testing.mock_data(num_examples=MOCK_N, data_dir=mock_meta_dir,
                                policy=tfds.testing.MockPolicy.USE_FILES):
        yield mock_meta_dir


def _epoch(ds):
    images, labels = [], []
    for x, y in ds:
        images.append(x.numpy())
        labels.append(y.numpy())
    return np.concatenate(images), np.concatenate(labels)


@pytest.mark.parametrize("name,label,classes", [
    ("cifar10", "fine", 10), ("cifar100", "fine", 100), ("cifar100", "coarse", 20)])
@pytest.mark.parametrize("split", ["train", "test"])
def test_shapes_dtypes_batches_and_labels(mocked, name, label, classes, split):
    ds, info = load_cifar(name, split, batch_size=16, data_dir="/ignored/by/mock",
                          label=label, with_info=True, seed=0)
    batches = list(ds)
    # 40 examples in batches of 16: the last partial batch is kept, nothing dropped.
    assert [int(x.shape[0]) for x, _ in batches] == [16, 16, 8]
    for x, y in batches:
        assert x.dtype == tf.float32 and y.dtype == tf.int64
        assert tuple(x.shape[1:]) == (32, 32, 3)
    labels = np.concatenate([y.numpy() for _, y in batches])
    assert labels.min() >= 0 and labels.max() < classes
    assert info.num_classes == classes == len(info.class_names)
    assert info.image_shape == (32, 32, 3)
    assert (info.train_split, info.eval_split) == ("train", "test")
    assert info.split_sizes == {"train": MOCK_N, "test": MOCK_N}
    # tf.data's autotuning thread is off (it stalls the start of every Keras epoch).
    assert ds.options().autotune.enabled is False


def _cache_dtypes(ds):
    graph = tf.compat.v1.GraphDef.FromString(ds._as_serialized_graph().numpy())
    nodes = list(graph.node) + [n for f in graph.library.function for n in f.node_def]
    return [[tf.dtypes.as_dtype(t) for t in node.attr["output_types"].list.type]
            for node in nodes if node.op.startswith("CacheDataset")]


@pytest.mark.parametrize("split", ["train", "test"])
def test_cache_holds_uint8_pixels_and_batches_come_out_float32(mocked, split):
    # The cache (and the shuffle buffer after it) hold the stored uint8 pixels, a
    # quarter of float32, once; normalisation runs on whole batches after batching.
    ds = load_cifar("cifar10", split, batch_size=16, augment=True, normalization="tf")
    # The only cache is ours (tfds' auto-cache would hold a second copy).
    assert _cache_dtypes(ds) == [[tf.uint8, tf.int64]]
    x, _ = next(iter(ds))
    assert x.dtype == tf.float32
    assert -1.0 <= float(tf.reduce_min(x)) and float(tf.reduce_max(x)) <= 1.0


@pytest.mark.parametrize("mode,low,high,expected", [
    ("unit", 0.0, 1.0, lambda raw: raw / 255.0),
    ("tf", -1.0, 1.0, lambda raw: raw / 127.5 - 1.0),
    ("none", 0.0, 255.0, lambda raw: raw),
    ("torch", (0 - 0.485) / 0.229, (1 - 0.406) / 0.225,
     lambda raw: (raw / 255.0 - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225]),
    ("caffe", -123.68, 255 - 103.939,
     lambda raw: raw[..., ::-1] - [103.939, 116.779, 123.68]),
])
def test_normalization_values(mocked, mode, low, high, expected):
    raw, _ = _epoch(load_cifar("cifar10", "test", 64, normalization="none"))
    assert raw.min() >= 0 and raw.max() <= 255 and raw.max() > 200  # real 0-255 pixels
    assert np.array_equal(raw, np.round(raw))
    out, _ = _epoch(load_cifar("cifar10", "test", 64, normalization=mode))
    assert out.min() >= low - 1e-5 and out.max() <= high + 1e-5
    np.testing.assert_allclose(out, expected(raw.astype(np.float64)), atol=1e-4)


@pytest.mark.parametrize("name", NAMES)
def test_train_order_changes_each_epoch_test_order_does_not(mocked, name):
    train = load_cifar(name, "train", 8, seed=1)
    first, second = _epoch(train)[0], _epoch(train)[0]
    assert not np.array_equal(first, second)
    # The same examples, reordered: shuffling is per example, not per batch.
    key = lambda a: sorted(map(bytes, a.reshape(len(a), -1)))  # noqa: E731
    assert key(first) == key(second)
    starts = {tuple(first[i, 0, 0]) for i in range(0, MOCK_N, 8)}
    assert starts != {tuple(second[i, 0, 0]) for i in range(0, MOCK_N, 8)}
    test = load_cifar(name, "test", 8, seed=1)
    assert np.array_equal(_epoch(test)[0], _epoch(test)[0])


def test_same_seed_same_order_other_seed_other_order(mocked):
    a = _epoch(load_cifar("cifar10", "train", 16, seed=3))
    b = _epoch(load_cifar("cifar10", "train", 16, seed=3))
    c = _epoch(load_cifar("cifar10", "train", 16, seed=4))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_augmentation_keeps_shapes_and_labels_changes_pixels(mocked):
    plain_x, plain_y = _epoch(load_cifar("cifar10", "train", 16, seed=5))
    aug_x, aug_y = _epoch(load_cifar("cifar10", "train", 16, seed=5, augment=True))
    assert aug_x.shape == plain_x.shape == (MOCK_N, 32, 32, 3)
    assert np.array_equal(aug_y, plain_y)  # augmentation runs after the shuffle
    changed = [not np.array_equal(a, p) for a, p in zip(aug_x, plain_x)]
    assert sum(changed) > MOCK_N // 2
    assert aug_x.min() >= 0.0 and aug_x.max() <= 1.0
    # Each augmented image is a crop of the reflect-padded (maybe flipped) original.
    pad = np.pad(plain_x[0], ((4, 4), (4, 4), (0, 0)), mode="reflect")
    crops = [pad[i:i + 32, j:j + 32] for i in range(9) for j in range(9)]
    crops += [c[:, ::-1] for c in crops]
    assert any(np.allclose(aug_x[0], c) for c in crops)
    # The test split is never augmented.
    assert np.array_equal(
        _epoch(load_cifar("cifar10", "test", 16, augment=True))[0],
        _epoch(load_cifar("cifar10", "test", 16))[0])


def test_reads_prepared_files_in_order_with_no_mock(real_dir):
    ds, info = load_cifar("cifar100", "test", 10, normalization="none",
                          data_dir=real_dir, with_info=True, label="coarse")
    assert [int(y.shape[0]) for _, y in ds] == [10, 10, 4]
    assert info.split_sizes == {"train": 40, "test": 24}
    images, labels = _epoch(ds)
    raw = list(tfds.builder("cifar100", data_dir=real_dir).as_dataset(split="test"))
    assert np.array_equal(images, np.stack([ex["image"].numpy() for ex in raw]))
    assert np.array_equal(labels, [ex["coarse_label"].numpy() for ex in raw])
    # The registry entry and load_dataset reach the same loader.
    assert set(NAMES) <= set(DATASETS)
    x, y = next(iter(load_dataset("cifar10", batch_size=40, data_dir=real_dir)))
    assert x.shape == (40, 32, 32, 3)


@pytest.mark.parametrize("kwargs,argument", [
    ({"name": "cifar1000"}, "name"),
    ({"split": "validation"}, "split"),
    ({"normalization": "zscore"}, "normalization"),
    ({"batch_size": 0}, "batch_size"),
    ({"name": "cifar10", "label": "coarse"}, "label"),
    ({"name": "cifar100", "label": "medium"}, "label"),
])
def test_bad_arguments_raise_value_error_naming_them(tmp_path, kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        load_cifar(**{"data_dir": tmp_path, **kwargs})


def test_bad_types_and_file_data_dir(tmp_path):
    with pytest.raises(TypeError, match="batch_size"):
        load_cifar(batch_size="256")
    with pytest.raises(TypeError, match="data_dir"):
        load_cifar(data_dir=42)
    a_file = tmp_path / "cifar.tar.gz"
    a_file.write_bytes(b"not a directory")
    with pytest.raises(ValueError, match="data_dir.*is a file"):
        load_cifar(data_dir=a_file)
    assert a_file.read_bytes() == b"not a directory"


@pytest.mark.parametrize("name,label,classes", [
    ("cifar10", "fine", 10), ("cifar100", "fine", 100), ("cifar100", "coarse", 20)])
def test_plain_tfds_mock_data_works(tmp_path, name, label, classes):
    # tfds' documented test idiom, as a user writes it: no metadata, no data_dir, so
    # the mock runs with MockPolicy.USE_CODE and nothing is prepared on disk.
    with tfds.testing.mock_data(num_examples=24):
        ds, info = load_cifar(name, "train", batch_size=8, label=label, seed=1,
                              data_dir=tmp_path, with_info=True)
        (first, labels), (second, _) = _epoch(ds), _epoch(ds)
    assert first.shape == (24, 32, 32, 3) and first.dtype == np.float32
    assert labels.dtype == np.int64 and labels.min() >= 0 and labels.max() < classes
    assert info.num_classes == classes and info.split_sizes["train"] == 24
    # Reshuffled between epochs: the same examples in another order.
    assert not np.array_equal(first, second)
    key = lambda a: sorted(map(bytes, a.reshape(len(a), -1)))  # noqa: E731
    assert key(first) == key(second)
    assert list(tmp_path.iterdir()) == []  # the mock wrote nothing


@pytest.fixture
def offline(monkeypatch, no_network):
    """No network, whatever this machine has (conftest's no_network); and no download
    may be attempted."""
    def no_download(*args, **kwargs):
        raise AssertionError("load_cifar tried to download on an offline machine")

    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", no_download)


@pytest.mark.parametrize("name", NAMES)
def test_missing_data_fails_fast_with_instructions(tmp_path, offline, name):
    start = time.monotonic()
    with pytest.raises(DatasetNotPreparedError) as err:
        load_cifar(name, data_dir=tmp_path)
    assert time.monotonic() - start < 10
    msg = str(err.value)
    assert f"dataset {name!r}" in msg and f"data_dir={str(tmp_path)!r}" in msg
    assert "cannot be reached" in msg and f"tfds build {name}" in msg
    assert os.path.join(str(tmp_path), "downloads", "manual") in msg
    assert isinstance(err.value, FileNotFoundError)  # the CLI's one-line error path
    assert list(tmp_path.iterdir()) == []  # nothing was left behind


def test_manual_archive_is_used_offline_and_checksum_verified(tmp_path, no_network):
    # A file in <data_dir>/downloads/manual with the official archive's name makes
    # load_cifar prepare from it instead of giving up; tfds verifies its checksum, so
    # a wrong file is rejected, quickly and without any download attempt.
    manual = tmp_path / "downloads" / "manual"
    manual.mkdir(parents=True)
    (manual / "cifar-10-binary.tar.gz").write_bytes(b"not the CIFAR-10 archive")
    start = time.monotonic()
    with pytest.raises(Exception, match="wrong checksum") as err:
        load_cifar("cifar10", data_dir=tmp_path)
    assert time.monotonic() - start < 10
    assert not isinstance(err.value, DatasetNotPreparedError)
    assert (manual / "cifar-10-binary.tar.gz").read_bytes() == b"not the CIFAR-10 archive"
    assert not (tmp_path / "cifar10" / "3.0.2" / "dataset_info.json").exists()


def test_missing_data_names_the_resolved_tfds_default(tmp_path, monkeypatch, offline):
    monkeypatch.delenv("TFDS_DATA_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(DatasetNotPreparedError, match="the tfds default") as err:
        load_cifar("cifar10")
    assert repr(str(tmp_path / "tensorflow_datasets")) in str(err.value)
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "env_dir"))
    with pytest.raises(DatasetNotPreparedError, match="env_dir"):
        load_cifar("cifar10", download=False)


def test_synthetic_writer_never_replaces_a_prepared_dataset(real_dir):
    before = sorted(os.listdir(os.path.join(real_dir, "cifar10", "3.0.2")))
    with pytest.raises(ValueError, match="never overwrites"):
        make_synthetic_cifar("cifar10", real_dir, num_train=2, num_test=2)
    assert sorted(os.listdir(os.path.join(real_dir, "cifar10", "3.0.2"))) == before
    assert load_cifar("cifar10", "train", 64, data_dir=real_dir).cardinality() == 1


def test_cli_defaults_follow_the_dataset(monkeypatch):
    import keras_archs.training as training
    from keras_archs.cli import main

    calls = []
    monkeypatch.setattr(training, "compare", lambda names, **kw: calls.append(kw))
    assert main(["compare", "vgg16", "vgg19", "--dataset", "cifar10"]) == 0
    assert main(["compare", "vgg16", "--dataset", "digits"]) == 0
    assert main(["compare", "vgg16", "--dataset", "cifar10", "--epochs", "2",
                 "--batch-size", "8", "--data-dir", "/d"]) == 0
    assert [(c["epochs"], c["batch_size"]) for c in calls] == [(15, 256), (5, 32), (2, 8)]
    assert calls[0]["optimizer"] == "sgd" and calls[0]["learning_rate"] is None
    assert calls[2]["data_dir"] == "/d"


@pytest.mark.slow  # starts the real console script (imports TensorFlow)
def test_cli_compare_without_data_is_one_line_error(run_cli, tmp_path, offline_env):
    empty = tmp_path / "empty"
    empty.mkdir()
    # offline_env: with the network cut, the error still comes at once (no download
    # attempt to wait for), on any machine.
    result = run_cli("compare", "vgg16", "vgg19", "--dataset", "cifar10",
                     "--data-dir", empty, env=offline_env, timeout=120)
    assert result.returncode == 2, result.stderr
    # The whole of stderr is the error (no absl warning before it): a few short
    # lines naming the flags, then how to prepare the data.
    lines = result.stderr.strip().splitlines()
    assert lines[0] == (f"keras-archs compare: error: --dataset 'cifar10' is not "
                        f"prepared in --data-dir {empty}:"), lines
    assert "Traceback" not in result.stderr and "absl" not in result.stderr
    assert 6 <= len(lines) <= 9 and lines[2] == "To prepare it, either"
    assert all(len(ln) <= 100 for ln in lines[1:] if str(empty) not in ln), lines
    assert not (tmp_path / "runs").exists()


@pytest.mark.slow
def test_cli_compare_trains_on_prepared_cifar10(cli, real_dir, tmp_path):
    import json

    result = cli("compare", "vgg11", "--dataset", "cifar10", "--data-dir",
                 real_dir, "--epochs", "1", "--batch-size", "20",
                 "--run-dir", tmp_path / "cmp")
    assert result.returncode == 0, result.stderr[-2000:]
    saved = json.loads((tmp_path / "cmp" / "histories.json").read_text())
    assert saved["config"]["dataset"] == "cifar10"
    assert len(saved["histories"]["vgg11"]["val_accuracy"]) == 1
    assert (tmp_path / "cmp" / "curves.png").stat().st_size > 0
