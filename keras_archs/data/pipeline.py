"""The tf.data pipeline every dataset in keras-archs goes through.

Order matters and is the same for every dataset:
decode → cache → shuffle (train only, before batching, buffer covering the split) →
augment (train only) → batch → normalise (whole batches) → prefetch(AUTOTUNE), with
parallel maps. Shuffling before batching shuffles examples, not whole batches; caching
before augmenting keeps augmentation random in every epoch; caching the stored pixels
(uint8) and normalising whole batches at the end keeps the cache and the shuffle
buffer 4× smaller than float32 copies would be.

A seed makes the whole pipeline reproducible: the shuffle takes it, and augmentation
uses stateless random ops keyed by a per-example seed drawn from a stream seeded
from it, so the n-th pass over two pipelines built with the same seed yields the
same batches, pixel for pixel (and each pass differs from the one before). As
everywhere in TensorFlow, these op seeds are paired with the global seed
(``tf.random.set_seed``, which ``keras.utils.set_random_seed`` calls; a fixed
default while none is set), so "the same seed" means the same seed under the same
global seed: in a fresh process, or after the same ``set_random_seed``. Stateful
random ops in a parallel map are not reproducible: which example receives which
random number depends on thread timing (``tests/test_reproducibility.py`` fails
with a stateful crop: two pipelines built with the same seed give different pixels).

Every pipeline also carries :func:`pipeline_options`, which turns off tf.data's
autotuning *model thread*: with it on, every Keras epoch after the first can wait
seconds before its first step (see that function).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import tensorflow as tf

from keras_archs._validation import check_choice, check_positive_int, check_seed

__all__ = ["DatasetInfo", "NORMALIZATIONS", "normalize", "random_crop_flip",
           "build_pipeline", "pipeline_options", "with_pipeline_options"]

AUTOTUNE = tf.data.AUTOTUNE

# "unit": [0, 1] (the seed notebooks; models trained from scratch). The others are
# keras.applications' preprocess_input modes, for transferred weights:
# "caffe": RGB→BGR and ImageNet mean subtraction, no scaling (VGG, ResNet v1);
# "tf": [-1, 1] (ResNetV2, MobileNet, Inception); "torch": ImageNet mean/std
# (DenseNet); "none": raw 0–255 floats (EfficientNet rescales inside the model).
NORMALIZATIONS = ("unit", "caffe", "tf", "torch", "none")
_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)
_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
# Offset of the augmentation stream's seed from the shuffle's (any constant works).
_AUGMENT_STREAM = 0x5EED


@dataclass(frozen=True)
class DatasetInfo:
    """What a loader knows about its dataset (the tfds ``with_info`` convention)."""

    name: str
    num_classes: int
    class_names: tuple[str, ...]
    image_shape: tuple[int, int, int]
    split_sizes: dict = field(default_factory=dict)
    train_split: str = "train"
    eval_split: str = "test"
    normalization: str = "unit"
    source: str = ""


def normalize(image, mode: str = "unit"):
    """Map pixels in [0, 255] (uint8 or float, one image or a batch) to what a model
    with preprocessing ``mode`` expects, as float32."""
    check_choice(mode, "normalization", NORMALIZATIONS)
    image = tf.cast(image, tf.float32)
    if mode == "unit":
        return image / 255.0
    if mode == "tf":
        return image / 127.5 - 1.0
    if mode == "torch":
        return (image / 255.0 - _IMAGENET_MEAN) / _IMAGENET_STD
    if mode == "caffe":
        return image[..., ::-1] - _CAFFE_MEAN_BGR
    return image


def random_crop_flip(image, pad: int = 4, flip: bool = True, seed=None):
    """Pad ``pad`` pixels on each side (reflect), crop back at random, maybe flip.

    The standard CIFAR augmentation (He et al. 2015, §4.2). Works on one image.
    ``seed`` is a stateless seed, a shape ``(2,)`` integer tensor as
    ``tf.random.stateless_*`` take (what :func:`build_pipeline` hands its
    ``augment``): the crop and flip are then a function of it. ``None`` draws from
    TensorFlow's global random state instead (not reproducible in a parallel map).
    """
    shape = tf.shape(image)
    padded = tf.pad(image, [[pad, pad], [pad, pad], [0, 0]], mode="REFLECT")
    if seed is None:
        image = tf.image.random_crop(padded, shape)
        return tf.image.random_flip_left_right(image) if flip else image
    crop_seed, flip_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
    image = tf.image.stateless_random_crop(padded, shape, seed=crop_seed)
    if flip:
        image = tf.image.stateless_random_flip_left_right(image, seed=flip_seed)
    return image


def pipeline_options() -> tf.data.Options:
    """The ``tf.data.Options`` every keras-archs pipeline carries: autotuning off.

    ``model.fit`` stops each epoch after its known number of steps and drops that
    epoch's iterator when the next epoch starts. With tf.data autotuning on, dropping
    the iterator can wait for the autotuning thread to sleep out its current
    optimisation period, which doubles up to a minute as training runs (gdb shows
    ``RootDataset::Iterator::~Iterator`` joining ``Model::OptimizeLoop``): seconds
    before the first step of an epoch, irregularly. ``python benchmarks/pipeline.py``
    measures the stall ratio with and without this option; the recorded figures are
    in ``benchmarks/README.md``.

    What stays: ``num_parallel_calls=AUTOTUNE`` maps and batches run with tf.data's
    default parallelism, and ``prefetch(AUTOTUNE)`` keeps its own buffer tuner.
    Apply it to a pipeline of your
    own with ``ds.with_options(pipeline_options())``.
    """
    options = tf.data.Options()
    options.autotune.enabled = False
    return options


def with_pipeline_options(ds):
    """``ds`` with :func:`pipeline_options`, unless it set tf.data autotuning itself.

    :func:`~keras_archs.training.train` applies this to the datasets it is given, so a
    pipeline of your own does not stall between epochs either; one that turned
    autotuning on or off explicitly is left as it is. ``None`` passes through.
    """
    if ds is None or not isinstance(ds, tf.data.Dataset):
        return ds
    if ds.options().autotune.enabled is not None:
        return ds
    return ds.with_options(pipeline_options())


def build_pipeline(ds: tf.data.Dataset, *, training: bool, batch_size: int,
                   num_examples: int, preprocess=None, augment=None, seed=None,
                   cache: bool = True, drop_remainder: bool = False,
                   batch_map=None) -> tf.data.Dataset:
    """Apply the canonical order to a dataset of single ``(image, label)`` examples.

    Args:
        ds: unbatched ``(image, label)`` examples, images as they are stored.
        training: shuffle (every epoch anew) and augment; evaluation keeps order.
        batch_size: examples per batch; the last partial batch is kept unless
            ``drop_remainder``.
        num_examples: size of the split; the shuffle buffer covers all of it.
        preprocess: per-example decode/resize function, cached after. Keep its
            output as small as it can be (uint8 pixels): the cache and the shuffle
            buffer each hold the whole split.
        augment: per-example random augmentation ``augment(image, label, seed) ->
            (image, label)``, applied after the cache and the shuffle. ``seed`` is
            a stateless seed for that example (a shape ``(2,)`` int64 tensor); use
            ``tf.random.stateless_*``/``tf.image.stateless_*`` ops with it (as
            :func:`random_crop_flip` does) so the augmentation is reproducible.
        seed: ``None`` or an integer in [0, 2**32 - 1]; the same seed (under the
            same global seed, see above) gives the same order and augmentation in
            every pass, run after run. ``None`` leaves them to TensorFlow's global
            seed alone, and is random without one.
        batch_map: a function of ``(images, labels)`` batches applied after
            batching, e.g. the normalisation, vectorised over the batch.
    """
    check_positive_int(batch_size, "batch_size")
    seed = check_seed(seed)
    if preprocess is not None:
        ds = ds.map(preprocess, num_parallel_calls=AUTOTUNE)
    if cache:
        ds = ds.cache()
    if training:
        ds = ds.shuffle(max(int(num_examples), 1), seed=seed,
                        reshuffle_each_iteration=True)
        if augment is not None:
            # One stateless seed per example, from a stream that is drawn anew on
            # every pass (as the shuffle is) and is not the shuffle's own stream.
            seeds = tf.data.Dataset.random(
                seed=None if seed is None else seed + _AUGMENT_STREAM,
                rerandomize_each_iteration=True).batch(2)
            ds = tf.data.Dataset.zip((ds, seeds)).map(
                lambda example, example_seed: augment(*example, example_seed),
                num_parallel_calls=AUTOTUNE)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder,
                  num_parallel_calls=AUTOTUNE)
    if batch_map is not None:
        ds = ds.map(batch_map, num_parallel_calls=AUTOTUNE)
    return ds.prefetch(AUTOTUNE).with_options(pipeline_options())
