"""Training: one model (train), several side by side (compare)."""

from keras_archs.training.callbacks import EpochTimer
from keras_archs.training.distribute import get_strategy, global_batch_size
from keras_archs.training.fit import ComparisonResult, compare, make_optimizer, train
from keras_archs.training.schedules import make_lr_schedule

__all__ = ["ComparisonResult", "EpochTimer", "compare", "get_strategy",
           "global_batch_size", "make_lr_schedule", "make_optimizer", "train"]
