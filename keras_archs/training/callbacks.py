"""Callbacks keras-archs adds to Keras' own (History, CSVLogger, BackupAndRestore, ...)."""

from __future__ import annotations

import time

import keras

__all__ = ["EpochTimer"]


class EpochTimer(keras.callbacks.Callback):
    """Adds ``epoch_seconds`` and ``train_images_per_sec`` to each epoch's logs.

    Put it before ``CSVLogger`` in the callback list so the log file records both;
    Keras' ``History`` runs last and records them too. ``train_images_per_sec`` times
    only the training batches (not validation), from the first batch's start to the
    last batch's end, so the images/s figure is the training throughput.
    """

    def __init__(self, train_examples: int | None = None):
        super().__init__()
        self.train_examples = train_examples

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.perf_counter()
        self._train_end = None

    def on_train_batch_end(self, batch, logs=None):
        self._train_end = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        end = time.perf_counter()
        logs["epoch_seconds"] = end - self._epoch_start
        if self.train_examples and self._train_end is not None:
            train_seconds = self._train_end - self._epoch_start
            logs["train_images_per_sec"] = self.train_examples / max(train_seconds, 1e-9)
