"""Datasets as tf.data pipelines: the embedded digits demo (offline) and CIFAR via tfds."""

from keras_archs._validation import check_choice
from keras_archs.data.cifar import (
    DatasetNotPreparedError, load_cifar, load_cifar10, load_cifar100)
from keras_archs.data.digits import load_digits_demo
from keras_archs.data.pipeline import (
    NORMALIZATIONS, DatasetInfo, build_pipeline, normalize, pipeline_options,
    with_pipeline_options)

__all__ = ["DATASETS", "DatasetInfo", "NORMALIZATIONS", "build_pipeline", "load_dataset",
           "load_digits_demo", "normalize", "pipeline_options", "with_pipeline_options",
           "DatasetNotPreparedError", "load_cifar", "load_cifar10", "load_cifar100"]

# name -> loader(split, batch_size, *, augment, normalization, seed, data_dir, with_info)
DATASETS = {
    "digits": load_digits_demo,
    "cifar10": load_cifar10,
    "cifar100": load_cifar100,
}


def load_dataset(name: str, split: str | None = None, batch_size: int = 32, **kwargs):
    """Load dataset ``name`` (one of :data:`DATASETS`) with the shared interface.

    ``split=None`` loads the training split. Returns a ``tf.data.Dataset`` or, with
    ``with_info=True``, ``(dataset, DatasetInfo)``.
    """
    check_choice(name, "dataset", tuple(DATASETS))
    loader = DATASETS[name]
    if split is None:
        split = "train"
    return loader(split=split, batch_size=batch_size, **kwargs)
