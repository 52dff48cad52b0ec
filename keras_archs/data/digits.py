"""The offline demo dataset: 1,797 real handwritten digits, resized to 32×32×3.

The images are the UCI "Optical Recognition of Handwritten Digits" test set
(Alpaydin & Kaynak 1998; 8×8 pixels, 17 grey levels, CC BY 4.0) as scikit-learn
ships it inside its wheel, so it loads with no network. We upsample to 32×32 and
repeat the grey channel three times so that every CIFAR-sized model takes it as is.

The train/validation split is stratified and deterministic: the same 20 % of each
class is held out on every machine.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from keras_archs._validation import (
    check_bool, check_choice, check_positive_int, check_seed)
from keras_archs.data.pipeline import (
    DatasetInfo, build_pipeline, normalize, random_crop_flip)

__all__ = ["load_digits_demo", "digits_arrays"]

SPLITS = ("train", "validation")
CLASS_NAMES = tuple(str(i) for i in range(10))
_SPLIT_SEED = 1998  # fixed: the split is part of the dataset's definition
VALIDATION_FRACTION = 0.2


def digits_arrays(split: str = "train"):
    """The split as numpy arrays: uint8 images ``(n, 8, 8)`` in 0–255 and int labels."""
    check_choice(split, "split", SPLITS)
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = np.round(bunch.images * (255.0 / 16.0)).astype(np.uint8)
    labels = bunch.target.astype(np.int64)
    rng = np.random.RandomState(_SPLIT_SEED)
    is_val = np.zeros(len(labels), dtype=bool)
    for cls in range(10):
        idx = np.flatnonzero(labels == cls)
        rng.shuffle(idx)
        is_val[idx[: int(round(len(idx) * VALIDATION_FRACTION))]] = True
    keep = is_val if split == "validation" else ~is_val
    return images[keep], labels[keep]


def load_digits_demo(split: str = "train", batch_size: int = 32, *, augment=False,
                     normalization: str = "unit", image_size: int = 32, seed=None,
                     data_dir=None, with_info: bool = False):
    """Batched ``(float32 image 32×32×3, int64 label)`` dataset of handwritten digits.

    Same interface as :func:`keras_archs.data.load_cifar`; ``data_dir`` is accepted
    for symmetry and ignored (the data ships with scikit-learn).

    Args:
        split: ``"train"`` (1,438 images) or ``"validation"`` (359 images).
        batch_size: examples per batch (last partial batch kept).
        augment: random 2-pixel shifts on the training split (no flips: a
            mirrored digit is another symbol).
        normalization: one of :data:`~keras_archs.data.pipeline.NORMALIZATIONS`.
        image_size: side of the square output image (>= 8).
        seed: shuffle/augmentation seed (``None`` or an integer in
            [0, 2**32 - 1]); the same seed gives the same batches, order and
            augmentation, epoch by epoch, under the same global seed (see
            :func:`~keras_archs.data.pipeline.build_pipeline`).
        with_info: also return a :class:`DatasetInfo`.
    """
    check_choice(split, "split", SPLITS)
    check_positive_int(batch_size, "batch_size")
    check_positive_int(image_size, "image_size", minimum=8)
    from keras_archs.data.pipeline import NORMALIZATIONS

    check_choice(normalization, "normalization", NORMALIZATIONS)
    check_bool(augment, "augment")
    check_bool(with_info, "with_info")
    check_seed(seed)
    images, labels = digits_arrays(split)

    def preprocess(image, label):
        image = tf.cast(image[..., None], tf.float32)
        image = tf.image.resize(image, (image_size, image_size), method="bilinear")
        image = tf.clip_by_value(image, 0.0, 255.0)
        image = tf.image.grayscale_to_rgb(image)
        return normalize(image, normalization), label

    training = split == "train"
    augment_fn = None
    if augment and training:
        pad = max(image_size // 16, 1)

        def augment_fn(image, label, example_seed):
            return random_crop_flip(image, pad=pad, flip=False, seed=example_seed), label

    ds = build_pipeline(
        tf.data.Dataset.from_tensor_slices((images, labels)), training=training,
        batch_size=batch_size, num_examples=len(labels), preprocess=preprocess,
        augment=augment_fn, seed=seed)
    if not with_info:
        return ds
    train_n = len(digits_arrays("train")[1])
    info = DatasetInfo(
        name="digits", num_classes=10, class_names=CLASS_NAMES,
        image_shape=(image_size, image_size, 3),
        split_sizes={"train": train_n, "validation": 1797 - train_n},
        train_split="train", eval_split="validation", normalization=normalization,
        source="UCI optdigits via scikit-learn (CC BY 4.0)")
    return ds, info
