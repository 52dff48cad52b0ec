"""Training: one model (train), several side by side (compare)."""

from keras_archs.training.callbacks import EpochTimer
from keras_archs.training.fit import ComparisonResult, compare, make_optimizer, train

__all__ = ["ComparisonResult", "EpochTimer", "compare", "make_optimizer", "train"]
