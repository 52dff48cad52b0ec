"""CIFAR-10 and CIFAR-100 as tf.data pipelines, read with tensorflow-datasets.

The datasets are Krizhevsky's "Learning Multiple Layers of Features from Tiny Images"
(2009): 50,000 training and 10,000 test colour images of 32×32 pixels, 10 classes
(CIFAR-10) or 100 fine / 20 coarse classes (CIFAR-100).

The pipeline is the shared one (:func:`keras_archs.data.pipeline.build_pipeline`):
decode → cache (uint8) → shuffle examples (train only, the whole split) → pad-4 crop +
flip (train only, optional) → batch (last partial batch kept) → normalise → prefetch,
with tf.data's autotuning thread off
(:func:`~keras_archs.data.pipeline.pipeline_options`). The seed recipe this replaces
batched before shuffling (shuffling 200 whole batches), repeated before shuffling,
mapped on one thread and dropped data with ``steps_per_epoch`` arithmetic.

Inside ``tfds.testing.mock_data`` (tfds' documented way to test a pipeline)
:func:`load_cifar` reads the mock's random examples, whatever its policy.

Offline machines: when the dataset is not prepared in ``data_dir`` and its download
host cannot be reached, :func:`load_cifar` raises :class:`DatasetNotPreparedError` in
a few seconds, before tfds' download manager (which retries for minutes) is touched.

:func:`make_synthetic_cifar` writes a *synthetic* dataset (random pixels) in the exact
tfds on-disk format under the real name, so tests and benchmarks exercise the real
reading path offline. It is never real CIFAR and refuses to touch a prepared dataset.
"""

from __future__ import annotations

import concurrent.futures
import functools
import os
import socket

import numpy as np
import tensorflow as tf

from keras_archs._validation import (
    check_bool, check_choice, check_positive_int, check_seed)
from keras_archs.data.pipeline import (
    NORMALIZATIONS, DatasetInfo, build_pipeline, normalize, random_crop_flip)

__all__ = ["CIFAR_NAMES", "CIFAR_SPLITS", "DatasetNotPreparedError", "load_cifar",
           "load_cifar10", "load_cifar100", "make_synthetic_cifar",
           "resolve_data_dir"]

CIFAR_NAMES = ("cifar10", "cifar100")
CIFAR_SPLITS = ("train", "test")
_LABELS = {"cifar10": ("fine",), "cifar100": ("fine", "coarse")}
_LABEL_KEY = {"fine": "label", "coarse": "coarse_label"}
# Where tfds' cifar builders download from (tensorflow_datasets/image_classification/
# cifar.py). Probed with a short timeout before any download is attempted.
_URL_BASE = "https://www.cs.toronto.edu/~kriz/"
_DOWNLOAD_HOST = ("www.cs.toronto.edu", 443)
_ARCHIVES = {"cifar10": "cifar-10-binary.tar.gz", "cifar100": "cifar-100-binary.tar.gz"}
_PROBE_SECONDS = 3.0


class DatasetNotPreparedError(FileNotFoundError):
    """The dataset is not in ``data_dir`` and cannot be downloaded from here.

    A ``FileNotFoundError``, so the CLI reports it as one line (exit status 2).
    """


def resolve_data_dir(data_dir=None) -> str:
    """The directory tfds reads from: ``data_dir``, else ``$TFDS_DATA_DIR``, else
    ``~/tensorflow_datasets`` (tfds' own default, resolved now, not at import)."""
    if data_dir is not None:
        if not isinstance(data_dir, (str, os.PathLike)):
            raise TypeError(
                f"data_dir must be a path (str or os.PathLike) or None, got "
                f"{type(data_dir).__name__}")
        path = os.path.abspath(os.path.expanduser(os.fspath(data_dir)))
        if os.path.exists(path) and not os.path.isdir(path):
            raise ValueError(
                f"data_dir must be a directory holding tfds datasets, but {path!r} is "
                "a file")
        return path
    from tensorflow_datasets.core import constants

    return os.path.abspath(os.path.expanduser(constants.get_default_data_dir()))


def _host_reachable(host_port, timeout: float = _PROBE_SECONDS) -> bool:
    # A thread bounds the DNS lookup too, which socket timeouts do not cover.
    def connect():
        with socket.create_connection(host_port, timeout=timeout):
            return True

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(connect).result(timeout=timeout + 0.5)
    except (OSError, concurrent.futures.TimeoutError):
        return False
    finally:
        pool.shutdown(wait=False)


def _manual_archive(name, data_dir) -> str:
    # tfds' DownloadManager takes a file found under <download_dir>/manual (named as
    # in its url_checksums) instead of downloading it, checksum verified.
    return os.path.join(data_dir, "downloads", "manual", _ARCHIVES[name])


def _not_prepared_message(name, builder, data_dir, searched_default, reason):
    # Short lines: the command line prints this as it is.
    where = f"data_dir={data_dir!r}" + (
        " (the tfds default: no data_dir given, $TFDS_DATA_DIR not set)"
        if searched_default else "")
    return (
        f"dataset {name!r} is not prepared in {where}:\n"
        f"  {builder.data_path} has no dataset_info.json, and {reason}.\n"
        f"To prepare it, either\n"
        f"  (a) on a machine with network, run `tfds build {name} --data_dir DIR`\n"
        f"      and copy DIR/{name} into {data_dir}; or\n"
        f"  (b) download {_URL_BASE}{_ARCHIVES[name]}\n"
        f"      and save it as {_manual_archive(name, data_dir)}:\n"
        f"      the next run prepares the dataset from it without network.")


def _mocked_by_tfds() -> bool:
    """Whether ``tfds.testing.mock_data`` is active.

    It replaces ``DatasetBuilder.as_dataset`` with a generator of random examples,
    so a builder reads without prepared files (and ``is_prepared()`` is False).
    """
    from tensorflow_datasets.core import dataset_builder

    reader = dataset_builder.DatasetBuilder.as_dataset
    return getattr(reader, "__module__", "").startswith("tensorflow_datasets.testing")


def _builder(name, data_dir, download):
    """A tfds builder whose data is prepared, or a fast, explanatory error."""
    import tensorflow_datasets as tfds

    searched_default = data_dir is None and "TFDS_DATA_DIR" not in os.environ
    resolved = resolve_data_dir(data_dir)
    builder = tfds.builder(name, data_dir=resolved)
    if builder.is_prepared() or _mocked_by_tfds():
        return builder
    has_archive = os.path.isfile(_manual_archive(name, resolved))
    if not download:
        reason = "download=False"
    elif not has_archive and not _host_reachable(_DOWNLOAD_HOST):
        reason = (f"its download host {_DOWNLOAD_HOST[0]} cannot be reached "
                  "(no network?)")
    else:
        # No GCS attempt: where only some hosts are blocked it retries for minutes.
        builder.download_and_prepare(
            download_config=tfds.download.DownloadConfig(try_download_gcs=False))
        return builder
    raise DatasetNotPreparedError(
        _not_prepared_message(name, builder, resolved, searched_default, reason))


def _split_size(builder, split, ds) -> int:
    # The dataset's own count first: under tfds.testing.mock_data it is what the mock
    # yields, while the split metadata (if any) describes the real dataset.
    n = int(ds.cardinality())
    if n >= 0:
        return n
    splits = builder.info.splits
    if split in splits and splits[split].num_examples:
        return int(splits[split].num_examples)
    # Unknown or infinite: a full-split shuffle buffer needs the count.
    raise ValueError(f"cannot tell how many examples split {split!r} holds")


def load_cifar(name: str = "cifar10", split: str = "train", batch_size: int = 32, *,
               augment: bool = False, normalization: str = "unit", seed=None,
               data_dir=None, with_info: bool = False, label: str = "fine",
               download: bool = True):
    """Batched ``(float32 image 32×32×3, int64 label)`` CIFAR dataset.

    Same interface as :func:`keras_archs.data.load_digits_demo`.

    Args:
        name: ``"cifar10"`` or ``"cifar100"``.
        split: ``"train"`` (50,000 images; shuffled every epoch) or ``"test"``
            (10,000 images; fixed order).
        batch_size: examples per batch; the last partial batch is kept, so an
            evaluation sees every test image exactly once.
        augment: pad 4 pixels, crop 32×32 at random and flip horizontally
            (training split only; ignored for ``"test"``).
        normalization: one of :data:`~keras_archs.data.pipeline.NORMALIZATIONS`;
            use the model's ``model_info(name).preprocessing`` (``"unit"``, 0–1,
            for models trained from scratch).
        seed: shuffle/augmentation seed (``None`` or an integer in
            [0, 2**32 - 1]); the same seed gives the same batches, order and
            augmentation, epoch by epoch, under the same global seed (see
            :func:`~keras_archs.data.pipeline.build_pipeline`).
        data_dir: directory holding prepared tfds datasets (default:
            ``$TFDS_DATA_DIR`` or ``~/tensorflow_datasets``).
        with_info: also return a :class:`~keras_archs.data.pipeline.DatasetInfo`.
        label: ``"fine"`` (100 classes) or ``"coarse"`` (20 superclasses) for
            CIFAR-100; CIFAR-10 has only ``"fine"``.
        download: try to download and prepare the dataset if it is missing and
            the download host answers.

    Raises:
        DatasetNotPreparedError: the data is not in ``data_dir`` and cannot be
            downloaded (within a few seconds, naming ``data_dir`` and the fix).
    """
    check_choice(name, "name", CIFAR_NAMES)
    check_choice(split, "split", CIFAR_SPLITS)
    check_positive_int(batch_size, "batch_size")
    check_choice(normalization, "normalization", NORMALIZATIONS)
    check_choice(label, "label", _LABELS[name])
    check_bool(augment, "augment")
    check_bool(with_info, "with_info")
    check_bool(download, "download")
    check_seed(seed)
    resolve_data_dir(data_dir)  # bad paths fail before tfds is imported

    builder = _builder(name, data_dir, download)
    label_key = _LABEL_KEY[label]
    import tensorflow_datasets as tfds

    # tfds would cache small datasets itself (auto-cache); the pipeline's own cache
    # below is the one that counts, so one copy of the split is held, not two.
    ds = builder.as_dataset(split=split, shuffle_files=False,
                            read_config=tfds.ReadConfig(try_autocache=False))
    num_examples = _split_size(builder, split, ds)

    def preprocess(example):
        # uint8 pixels into the cache: 150 MB for CIFAR's 50,000 training images,
        # where float32 would take 600 MB (and as much again in the shuffle buffer).
        return example["image"], tf.cast(example[label_key], tf.int64)

    def normalize_batch(images, labels):
        return normalize(images, normalization), labels

    training = split == "train"
    augment_fn = None
    if augment and training:
        def augment_fn(image, label_, example_seed):
            return random_crop_flip(image, pad=4, flip=True, seed=example_seed), label_

    ds = build_pipeline(ds, training=training, batch_size=batch_size,
                        num_examples=num_examples, preprocess=preprocess,
                        augment=augment_fn, seed=seed, batch_map=normalize_batch)
    if not with_info:
        return ds
    feature = builder.info.features[label_key]
    sizes = {s: int(builder.info.splits[s].num_examples)
             for s in CIFAR_SPLITS if s in builder.info.splits}
    sizes[split] = num_examples
    info = DatasetInfo(
        name=name, num_classes=int(feature.num_classes),
        class_names=tuple(feature.names), image_shape=(32, 32, 3),
        split_sizes=sizes, train_split="train", eval_split="test",
        normalization=normalization,
        source=f"tfds {builder.info.full_name} in {builder.data_dir}")
    return ds, info


load_cifar10 = functools.partial(load_cifar, "cifar10")
load_cifar10.__doc__ = "CIFAR-10 with :func:`load_cifar`'s interface (``name`` bound)."
load_cifar100 = functools.partial(load_cifar, "cifar100")
load_cifar100.__doc__ = "CIFAR-100 with :func:`load_cifar`'s interface (``name`` bound)."


def make_synthetic_cifar(name: str, data_dir, *, num_train: int = 50_000,
                         num_test: int = 10_000, seed: int = 0) -> str:
    """Write a SYNTHETIC ``name`` dataset (random pixels and labels) in tfds format.

    Same features, shapes, dtypes, split names and on-disk layout as the real one, so
    ``load_cifar(name, data_dir=data_dir)`` reads it through tfds' real code path. For
    offline tests and benchmarks only: the images are noise. Refuses (ValueError) if
    ``data_dir`` already holds a prepared ``name``, so real data is never replaced.
    Returns the dataset's version directory.
    """
    check_choice(name, "name", CIFAR_NAMES)
    check_positive_int(num_train, "num_train")
    check_positive_int(num_test, "num_test")
    import tensorflow_datasets as tfds
    from tensorflow_datasets.image_classification import cifar

    data_dir = resolve_data_dir(data_dir)
    base = cifar.Cifar10 if name == "cifar10" else cifar.Cifar100
    class _Synthetic(base, skip_registration=True):
        # The real name, so tfds.builder(name, data_dir=...) finds these files.
        def _split_generators(self, dl_manager):
            del dl_manager
            return {"train": self._examples("train_", num_train, seed),
                    "test": self._examples("test_", num_test, seed + 1)}

        def _examples(self, prefix, n, split_seed):
            rng = np.random.default_rng(split_seed)
            features = self.info.features
            keys = [k for k in ("label", "coarse_label") if k in features]
            for index in range(n):
                record = {k: int(rng.integers(features[k].num_classes)) for k in keys}
                record["id"] = f"{prefix}{index:05d}"
                record["image"] = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
                yield index, record

    _Synthetic.name = name
    builder = _Synthetic(data_dir=data_dir)
    if builder.is_prepared():
        raise ValueError(
            f"data_dir {data_dir!r} already holds a prepared {name!r} "
            f"({builder.data_path}); make_synthetic_cifar never overwrites it")
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(
        try_download_gcs=False, compute_stats=tfds.download.ComputeStatsMode.SKIP))
    return os.fspath(builder.data_path)
