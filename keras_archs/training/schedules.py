"""Learning-rate schedules by name, built from Keras' own schedule classes.

* ``"step"`` — the ResNet recipe (He et al. 2015, arXiv:1512.03385, §3.4): the
  rate is divided by 10 at 50 % and again at 75 % of training
  (``keras.optimizers.schedules.PiecewiseConstantDecay``).
* ``"cosine"`` — linear warm-up then cosine decay to zero (Loshchilov & Hutter 2017,
  SGDR, arXiv:1608.03983; warm-up as in Goyal et al. 2017, arXiv:1706.02677), one
  ``keras.optimizers.schedules.CosineDecay`` with ``warmup_target``.
* ``"constant"`` — no schedule.

Schedules count optimizer steps, so they continue exactly where they stopped when a
run resumes (``BackupAndRestore`` restores the optimizer's iteration counter).
"""

from __future__ import annotations

import keras

from keras_archs._validation import check_number, check_positive_int
from keras_archs.training.options import LR_SCHEDULES

__all__ = ["LR_SCHEDULES", "make_lr_schedule"]


def make_lr_schedule(name, learning_rate: float, *, epochs: int, steps_per_epoch: int,
                     warmup_epochs: int | None = None):
    """A schedule (or the constant ``learning_rate``) for ``epochs`` × ``steps_per_epoch``.

    ``warmup_epochs`` applies to ``"cosine"``; ``None`` means 5 % of the epochs, at
    least 1 when there are 2 epochs or more. A ``LearningRateSchedule`` instance is
    returned unchanged.
    """
    if isinstance(name, keras.optimizers.schedules.LearningRateSchedule):
        return name
    if name not in LR_SCHEDULES:
        raise ValueError(f"lr_schedule must be one of {', '.join(LR_SCHEDULES)} or a "
                         f"keras.optimizers.schedules.LearningRateSchedule; got {name!r}")
    check_number(learning_rate, "learning_rate", minimum=0, include_minimum=False)
    epochs = check_positive_int(epochs, "epochs")
    steps_per_epoch = check_positive_int(steps_per_epoch, "steps_per_epoch")
    total = epochs * steps_per_epoch
    if name == "constant":
        return float(learning_rate)
    if name == "step":
        boundaries = sorted({max(1, int(total * f)) for f in (0.5, 0.75)} - {total})
        values = [learning_rate * 0.1 ** i for i in range(len(boundaries) + 1)]
        return keras.optimizers.schedules.PiecewiseConstantDecay(boundaries, values)
    if warmup_epochs is None:
        warmup_epochs = max(1, round(0.05 * epochs)) if epochs >= 2 else 0
    warmup_epochs = check_positive_int(warmup_epochs, "warmup_epochs", minimum=0)
    if warmup_epochs >= epochs:
        raise ValueError(f"warmup_epochs must be less than epochs ({epochs}), "
                         f"got {warmup_epochs}")
    warmup_steps = warmup_epochs * steps_per_epoch
    if warmup_steps == 0:
        return keras.optimizers.schedules.CosineDecay(learning_rate, total)
    return keras.optimizers.schedules.CosineDecay(
        0.0, total - warmup_steps, warmup_target=learning_rate,
        warmup_steps=warmup_steps)
