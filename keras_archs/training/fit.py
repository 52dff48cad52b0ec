"""Training one model (:func:`train`) and comparing several (:func:`compare`).

Everything is Keras' own machinery: ``model.fit`` with its progress bar,
``BackupAndRestore`` to resume a crashed run, ``ModelCheckpoint`` for the best
``.keras`` model and ``CSVLogger(append=True)`` for a log that survives restarts.

A run directory holds one run of one model::

    run.json      what was trained (model name, dataset, settings, strategy) and
                  its status ("running" until the last epoch is done)
    log.csv       one row per epoch (loss, accuracy, val_*, epoch_seconds, img/s)
    best.keras    the best model so far by validation accuracy
    backup/       BackupAndRestore state: the last finished epoch's weights and
                  optimizer state, from which ``resume=True`` continues an
                  unfinished run, or a finished one up to a larger ``epochs``

Nothing already in a run directory is deleted without ``overwrite=True``, and a
resume that cannot continue the run changes nothing in it: a ``run.json``,
``log.csv`` or backup that is damaged or half-written (as a killed process leaves
it), a directory without ``run.json``, a backup that does not fit the model (another
dataset, number of classes or input shape) and another optimizer, schedule or dataset
than the run's are refused with a ValueError naming the file, before training
starts. A last ``log.csv`` row cut short by a kill is dropped and written again.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
import statistics
import time
from pathlib import Path

import keras

from keras_archs._validation import check_number, check_positive_int
from keras_archs.data.pipeline import with_pipeline_options
from keras_archs.training.callbacks import EpochTimer
from keras_archs.training.options import DEFAULT_LEARNING_RATES as _DEFAULT_LR
from keras_archs.training.options import OPTIMIZERS

__all__ = ["train", "compare", "make_optimizer", "prepare_run_dir", "unique_run_dir",
           "has_run", "restored_epoch", "reconcile_log", "OPTIMIZERS",
           "ComparisonResult"]

_RUN_FILES = ("run.json", "log.csv", "best.keras")


def make_optimizer(optimizer="sgd", learning_rate=None, clipnorm=1.0):
    """A fresh optimizer from a name, a config dict or an instance (cloned).

    ``"sgd"`` is the seed's SGD(0.01, clipnorm=1.0); ``"momentum"`` adds Nesterov
    momentum 0.9; ``"adam"``, ``"adamw"``, ``"rmsprop"`` use Keras' defaults.
    ``learning_rate`` may be a float or a ``keras.optimizers.schedules`` schedule.
    """
    if isinstance(optimizer, keras.optimizers.Optimizer):
        # A clone: an optimizer instance holds per-model state and cannot be shared.
        return optimizer.__class__.from_config(optimizer.get_config())
    if not isinstance(optimizer, str) or optimizer.lower() not in OPTIMIZERS:
        raise ValueError(
            f"optimizer must be one of {', '.join(OPTIMIZERS)} or a "
            f"keras.optimizers.Optimizer, got {optimizer!r}")
    name = optimizer.lower()
    lr = _DEFAULT_LR[name] if learning_rate is None else learning_rate
    if not isinstance(lr, keras.optimizers.schedules.LearningRateSchedule) \
            and not callable(lr):
        check_number(lr, "learning_rate", minimum=0, include_minimum=False)
    if name == "sgd":
        return keras.optimizers.SGD(lr, clipnorm=clipnorm)
    if name == "momentum":
        return keras.optimizers.SGD(lr, momentum=0.9, nesterov=True, clipnorm=clipnorm)
    if name == "adam":
        return keras.optimizers.Adam(lr)
    if name == "adamw":
        return keras.optimizers.AdamW(lr)
    return keras.optimizers.RMSprop(lr)


def _has_results(path: Path) -> bool:
    return path.is_dir() and any(path.iterdir())


def has_run(run_dir) -> bool:
    """Whether ``run_dir`` holds a keras-archs run (finished or not)."""
    return (Path(run_dir) / "run.json").is_file()


def _base_learning_rate(optimizer, learning_rate):
    """The learning rate the optimizer starts with (before any schedule)."""
    if learning_rate is not None:
        return learning_rate
    if isinstance(optimizer, str):
        return _DEFAULT_LR[optimizer.lower()]
    rate = optimizer.get_config().get("learning_rate")
    return float(rate) if isinstance(rate, (int, float)) else rate


def unique_run_dir(run_dir) -> Path:
    """``run_dir`` if it is new or empty, else the first free ``run_dir-2``, ``-3``, …"""
    run_dir = Path(run_dir)
    if not _has_results(run_dir):
        return run_dir
    n = 2
    while _has_results(run_dir.with_name(f"{run_dir.name}-{n}")):
        n += 1
    return run_dir.with_name(f"{run_dir.name}-{n}")


def prepare_run_dir(run_dir, *, model_name: str, config: dict | None = None,
                    resume: bool = True, overwrite: bool = False,
                    epochs: int | None = None) -> tuple[Path, bool]:
    """Check and create a run directory; returns ``(path, resuming)``.

    * new or empty → created, ``run.json`` written;
    * an unfinished run of the same model (``run.json`` says ``"status":
      "running"``) and ``resume`` → reused, training continues where it stopped;
    * a finished run of the same model, ``resume`` and more ``epochs`` than it
      completed → reused, training continues from its last epoch (its ``backup/``)
      up to ``epochs``;
    * anything else already there raises ValueError, unless ``overwrite=True``,
      which deletes only keras-archs' own run files.

    A resumed run's ``run.json`` keeps its settings, with ``status`` back to
    ``"running"`` and ``epochs`` the new total.
    """
    run_dir = Path(run_dir)
    if run_dir.exists() and not run_dir.is_dir():
        raise ValueError(f"run_dir {str(run_dir)!r} is a file, not a directory")
    meta_path = run_dir / "run.json"
    if _has_results(run_dir) and not overwrite:
        if not meta_path.exists():
            found = ", ".join(sorted(p.name + "/" * p.is_dir()
                                     for p in run_dir.iterdir())[:8])
            raise ValueError(
                f"run_dir {str(run_dir)!r} is not empty ({found}) but has no run.json, "
                "so it is not a keras-archs run directory (or its run.json was "
                "removed) and cannot be resumed; choose a new run_dir (nothing was "
                "changed)")
        meta = _read_run_json(meta_path)
        previous = meta.get("model")
        if previous != model_name:
            raise ValueError(
                f"run_dir {str(run_dir)!r} holds a run of model {previous!r}, not "
                f"{model_name!r}; choose another run_dir (nothing was changed)")
        # A run killed before its first backup has no backup/ yet; train() marks
        # its run.json "running" until it finishes. (Runs written before run.json
        # had a status are unfinished while they have a backup/.)
        status = meta.get("status")
        unfinished = status == "running" or (
            status is None and (run_dir / "backup").exists())
        if unfinished:
            if resume:
                done = _check_resumable(run_dir, meta, config)
                if epochs is not None and done >= epochs:
                    raise ValueError(
                        f"run_dir {str(run_dir)!r} has {done} epochs done already; "
                        f"pass epochs=N with N > {done} to train it further")
                return run_dir, _resumed(meta_path, meta, epochs)
            raise ValueError(
                f"run_dir {str(run_dir)!r} holds an unfinished run of {model_name!r}; "
                "pass resume=True to continue it or overwrite=True to start again")
        done = meta.get("epochs_completed", meta.get("epochs"))
        if resume and epochs is not None and done is not None and epochs > done:
            _check_extensible(run_dir, meta, done)
            _check_resumable(run_dir, meta, config)
            return run_dir, _resumed(meta_path, meta, epochs)
        more = f"epochs=N with N > {done}" if done is not None else "more epochs"
        raise ValueError(
            f"run_dir {str(run_dir)!r} already holds a finished run of {model_name!r}"
            f"{f' ({done} epochs)' if done is not None else ''}; pass {more} and "
            "resume=True to train it further, overwrite=True to replace it, or "
            "choose another run_dir")
    if overwrite and run_dir.exists():
        for name in _RUN_FILES:
            (run_dir / name).unlink(missing_ok=True)
        shutil.rmtree(run_dir / "backup", ignore_errors=True)
    run_dir.mkdir(parents=True, exist_ok=True)
    meta = {"model": model_name, "created": time.strftime("%Y-%m-%d %H:%M:%S")}
    meta.update(config or {})
    meta_path.write_text(json.dumps(meta, indent=2, default=str))
    return run_dir, False


def _read_run_json(meta_path: Path) -> dict:
    """A run's ``run.json``; ValueError naming the file when it is damaged."""
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as err:  # JSONDecodeError is a ValueError
        raise ValueError(
            f"{str(meta_path)!r} is damaged ({type(err).__name__}: {err}), so the run "
            "in its directory cannot be resumed; repair the file, pass "
            "overwrite=True to start the run again, or choose another run_dir "
            "(nothing was changed)") from None
    if not isinstance(meta, dict):
        raise ValueError(
            f"{str(meta_path)!r} holds a {type(meta).__name__}, not the JSON object "
            "keras-archs writes; repair the file, pass overwrite=True to start the "
            "run again, or choose another run_dir (nothing was changed)")
    return meta


def _check_resumable(run_dir: Path, meta: dict, config: dict | None) -> int:
    """Fail, before anything is written, on a damaged backup or log or on settings
    other than the run's; returns the epochs the backup holds."""
    done = restored_epoch(run_dir / "backup")
    _read_log(run_dir / "log.csv")
    _check_same_settings(run_dir, meta, config)
    return done


def _check_extensible(run_dir: Path, meta: dict, done: int) -> None:
    where = f"the finished run in {str(run_dir)!r}"
    if not (run_dir / "backup" / "training_metadata.json").exists():
        raise ValueError(
            f"{where} kept no backup/ of its last epoch (it was trained with "
            "backup=False or by an older keras-archs), so it cannot continue; pass "
            "overwrite=True to train it again")
    if meta.get("lr_schedule") not in (None, "constant"):
        raise ValueError(
            f"{where} used lr_schedule={meta['lr_schedule']!r}, laid out for its "
            f"{done} epochs; more epochs would change the schedule of the epochs "
            "already done, so it cannot continue; pass overwrite=True to train it "
            "again with the new epochs")


def _check_backup_fits(backup_dir: Path, model) -> None:
    """ValueError naming the backup when its weights do not fit ``model`` (a resume
    with another dataset, number of classes or input shape); Keras would fail inside
    ``fit`` with its internal layer paths."""
    from keras_archs.weights import _H5_READ_ERRORS, _file_mismatches

    weights = backup_dir / "latest.weights.h5"
    if not weights.exists():
        return  # no backup yet: the run starts from its first epoch
    if not _h5_readable(weights):
        weights = weights.with_name(weights.name + ".bkp")  # Keras' fallback
    try:
        problems = _file_mismatches(model, weights)
    except _H5_READ_ERRORS as err:
        raise ValueError(
            f"the backup {str(weights)!r} is damaged ({type(err).__name__}: {err}), so "
            "the run cannot resume; pass overwrite=True to start it again (nothing "
            "was changed)") from None
    if problems:
        raise ValueError(
            f"the backup {str(weights)!r} does not fit {model.name} as built for this "
            f"run: {'; '.join(problems[:3])}"
            f"{f' (and {len(problems) - 3} more)' if len(problems) > 3 else ''}. "
            "Resume with the dataset, number of classes and input shape the run was "
            "started with (see its run.json), or pass overwrite=True to start again "
            "(nothing was changed)")


# Settings that change what a backup holds or means: resuming with another one would
# load optimizer state into the wrong optimizer, or train another task.
_RESUME_SETTINGS = ("dataset", "optimizer", "lr_schedule")


def _check_same_settings(run_dir: Path, meta: dict, config: dict | None) -> None:
    from keras_archs.training.options import LR_SCHEDULES, OPTIMIZERS

    names = {"optimizer": OPTIMIZERS, "lr_schedule": LR_SCHEDULES}
    config = config or {}
    for key in _RESUME_SETTINGS:
        if key not in meta or key not in config:
            continue
        old, new = meta[key], config[key]
        if key in names:
            if key == "lr_schedule":  # None is the constant schedule
                old, new = (v if v is not None else "constant" for v in (old, new))
            # Instances (an optimizer, a Keras schedule) have no stable name to compare.
            old, new = (v.lower() if isinstance(v, str) else v for v in (old, new))
            if old not in names[key] or new not in names[key]:
                continue
        if old != new:
            raise ValueError(
                f"run_dir {str(run_dir)!r} holds a run started with {key}="
                f"{meta[key]!r}, and resuming it with {key}={config[key]!r} would not "
                f"continue it; resume with {key}={meta[key]!r}, or pass overwrite=True "
                "to start again (nothing was changed)")


def _resumed(meta_path: Path, meta: dict, epochs: int | None) -> bool:
    meta["status"] = "running"
    if epochs is not None:
        meta["epochs"] = epochs
    meta_path.write_text(json.dumps(meta, indent=2, default=str))
    return True


def _compile(model, optimizer, learning_rate, jit_compile="auto"):
    model.compile(optimizer=make_optimizer(optimizer, learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                  jit_compile=jit_compile)


def _h5_readable(path: Path) -> bool:
    import h5py

    try:
        with h5py.File(path, "r"):
            return True
    except OSError:
        return False


def restored_epoch(backup_dir) -> int:
    """The epoch ``BackupAndRestore`` will resume from (0 when there is no backup).

    Mirrors Keras: if the latest weights cannot be read (the process died while
    writing them) Keras falls back to the ``.bkp`` copies; without them it cannot
    resume. Every backup Keras would misread raises ValueError naming the file
    before anything in the run is touched: weights without the metadata that says
    their epoch (or the reverse, which Keras would resume from fresh weights), a
    damaged ``training_metadata.json``, unreadable ``.bkp`` copies.
    """
    backup_dir = Path(backup_dir)
    meta = backup_dir / "training_metadata.json"
    weights = backup_dir / "latest.weights.h5"
    where = f"the backup in {str(backup_dir)!r}"
    cannot = "so the run cannot resume; pass overwrite=True to start it again"
    if weights.exists() and not _h5_readable(weights):
        previous = weights.with_name(weights.name + ".bkp")
        if not previous.exists():
            raise ValueError(
                f"{where} is damaged (its weights file was cut short) and has no "
                f"previous copy, {cannot}")
        if not _h5_readable(previous):
            raise ValueError(
                f"{where} is damaged: neither {weights.name!r} nor its previous copy "
                f"{previous.name!r} is a readable weights file, {cannot}")
        meta = meta.with_name(meta.name + ".bkp")
        weights = previous
    if not meta.exists():
        if weights.exists():
            raise ValueError(
                f"{where} has weights ({weights.name!r}) but no {meta.name!r} to say "
                "which epoch they belong to (the run was stopped while writing its "
                f"first backup, or the file was removed), {cannot}")
        return 0
    try:
        epoch = json.loads(meta.read_text(encoding="utf-8"))["epoch"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as err:
        raise ValueError(
            f"{where} is damaged: {meta.name!r} is not the JSON Keras writes "
            f"({type(err).__name__}: {err}), {cannot}") from None
    if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
        raise ValueError(f"{where} is damaged: {meta.name!r} gives epoch {epoch!r}, "
                         f"{cannot}")
    if epoch > 0 and not weights.exists():
        raise ValueError(
            f"{where} records {epoch} finished epoch(s) in {meta.name!r} but has no "
            f"weights file {weights.name!r} (Keras would continue from untrained "
            f"weights), {cannot}")
    return epoch


def _read_log(log_path):
    """The rows of a run's CSVLogger file, checked: ``(fieldnames, rows, torn)``.

    A last row cut short (the process died while CSVLogger wrote it) is left out
    and counted in ``torn``: its epoch was not backed up yet, so it is replayed.
    Anything else that is not CSVLogger's format raises ValueError naming the file
    and the line. The file is only read.
    """
    log_path = Path(log_path)
    if not log_path.exists():
        return None, [], 0
    damaged = (f"the run's log {str(log_path)!r}", "; repair it or move it away to "
               "resume the run (nothing was changed)")
    try:
        text = log_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"{damaged[0]} cannot be read ({type(err).__name__}: "
                         f"{err}){damaged[1]}") from None
    if not text.strip():
        return None, [], 0
    lines = text.splitlines()
    reader = csv.DictReader(lines)
    fields = reader.fieldnames or []
    if "epoch" not in fields:
        raise ValueError(
            f"{damaged[0]} has no 'epoch' column (its first line is {lines[0][:80]!r}),"
            f" so it is not the log.csv keras-archs writes{damaged[1]}")
    rows, torn = [], []
    for row in reader:
        complete = None not in row and None not in row.values() and \
            (row["epoch"] or "").strip().isdigit()
        if torn or not complete:
            torn.append(reader.line_num)
        else:
            rows.append(row)
    if len(torn) > 1:  # only the last row can be cut short by a kill
        raise ValueError(
            f"{damaged[0]} is damaged at line {torn[0]} ({lines[torn[0] - 1][:80]!r} "
            f"is not a whole CSVLogger row) and rows follow it{damaged[1]}")
    return fields, rows, len(torn)


def reconcile_log(log_path, epoch: int, monitor: str | None = None):
    """Keep the rows of epochs before ``epoch`` in a CSVLogger file.

    A run killed between writing an epoch's row and saving its backup replays that
    epoch when it resumes, so its row would appear twice; the replayed epoch's row
    is dropped here (its weights were discarded by the restore) and written again.
    A last row cut short by the kill goes too. A log that is not CSVLogger's raises
    ValueError naming the file, and is left as it is. Returns ``(rows kept, best
    value of monitor among them or None)``.
    """
    log_path = Path(log_path)
    fields, rows, torn = _read_log(log_path)
    if fields is None:
        return 0, None
    kept = [row for row in rows if int(row["epoch"]) < epoch]
    values = []
    for row in kept:
        if monitor and row.get(monitor):
            try:
                values.append(float(row[monitor]))
            except ValueError:
                raise ValueError(
                    f"the run's log {str(log_path)!r} has {monitor}="
                    f"{row[monitor]!r} in the row of epoch {row['epoch']}, not a "
                    "number; repair it or move it away to resume the run (nothing "
                    "was changed)") from None
    if len(kept) != len(rows) + torn:
        print(f"Resuming at epoch {epoch + 1}: dropping {len(rows) + torn - len(kept)} "
              f"log row(s) of epochs whose weights were not backed up")
        tmp = log_path.with_name(log_path.name + ".tmp")
        with open(tmp, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=fields)
            writer.writeheader()
            writer.writerows(kept)
        os.replace(tmp, log_path)
    return len(kept), (max(values) if values else None)


def _mark_finished(run_dir: Path, epochs: int):
    # The backup stays, so resume=True with more epochs can continue the run; its
    # previous copies (double_checkpoint) are only needed while it is written.
    for copy in (run_dir / "backup").glob("*.bkp"):
        copy.unlink(missing_ok=True)
    meta_path = run_dir / "run.json"
    meta = json.loads(meta_path.read_text())
    meta.update(status="finished", finished=time.strftime("%Y-%m-%d %H:%M:%S"),
                epochs_completed=epochs)
    meta_path.write_text(json.dumps(meta, indent=2, default=str))


def _check_model_policy(model, policy):
    layers = [layer for layer in model.layers if layer.weights]
    found = sorted({layer.dtype_policy.name for layer in layers})
    if policy is not None and found != [policy]:
        raise ValueError(
            f"mixed_precision asks for {policy!r} but the model was built with "
            f"{', '.join(found)}; dtype policies are fixed when layers are built, so "
            f"pass the model's registry name, or build it after "
            f"keras.config.set_dtype_policy({policy!r})")


def _in_strategy(model, strategy) -> bool:
    return all(strategy.extended.variable_created_in_scope(v.value)
               for v in model.weights)


def _steps_in(dataset, name):
    steps = int(dataset.cardinality())
    if steps < 0:
        raise ValueError(
            f"{name} has an unknown or infinite number of batches, so the learning-rate "
            "schedule cannot be laid out; pass steps_per_epoch")
    return steps


def _epoch_stream(train_ds, first_epoch: int, epochs: int):
    """``(dataset, steps per epoch)`` for training epochs ``first_epoch`` to
    ``epochs - 1`` (0-based): one pass over ``train_ds`` per epoch, in order.

    A pipeline that reshuffles (or re-augments) every pass draws the pass's
    randomness when an iterator over it is created, so with a seed the n-th pass is
    the same in every process. Keras creates iterators as it sees fit (Keras 3.15
    makes a spare one at the end of every epoch: its epochs saw passes 0, 2, 4), so
    a resumed run would start its first epoch on some other pass than the
    uninterrupted run did. Here the epochs are the repetitions of
    ``train_ds.repeat(n)`` (one iterator per pass, in order: passes 0, 1, 2),
    and a resumed run first creates, and drops, the ``first_epoch`` iterators of the
    passes it already trained on: creating an iterator draws the pass's seeds
    without reading any data. A dataset of unknown size is left to Keras as it is.
    """
    steps = int(train_ds.cardinality())
    if steps <= 0:
        return train_ds, None
    for _ in range(first_epoch):
        iter(train_ds)  # only advances its shuffle and augmentation seeds
    return train_ds.repeat(epochs - first_epoch), steps


def train(model_or_name, train_ds, val_ds=None, epochs: int = 10, *, optimizer="sgd",
          learning_rate=None, input_shape=None, num_classes=None, run_dir="runs/train",
          resume: bool = True, overwrite: bool = False, tensorboard: bool = False,
          callbacks=(), strategy=None, train_examples: int | None = None,
          verbose="auto", run_config: dict | None = None, mixed_precision=False,
          jit_compile=None, lr_schedule=None, warmup_epochs: int | None = None,
          steps_per_epoch: int | None = None, validation_steps: int | None = None,
          backup: bool = True):
    """Train one model with the standard callbacks; returns the Keras ``History``.

    Args:
        model_or_name: a ``keras.Model`` or a registry name (then ``input_shape``
            and ``num_classes`` are needed). A model built outside ``strategy``'s
            scope is cloned inside it with the same weights (its variables must be
            the strategy's); ``history.model`` is the model that was trained.
        train_ds, val_ds: ``(image, int label)`` datasets batched with the *global*
            batch size, per-replica batch × replicas (see
            :func:`~keras_archs.training.distribute.global_batch_size`): Keras
            gives each replica an equal slice of every batch.
        epochs: total epochs of the run (a resumed run trains only the rest; a
            finished run resumed with a larger ``epochs`` trains the new ones).
        optimizer, learning_rate: see :func:`make_optimizer`; the default is the
            seed's SGD(0.01, clipnorm=1.0).
        run_dir: where ``run.json``, ``log.csv``, ``best.keras`` and the backup go.
            In a multi-worker run only the chief writes there; other workers write
            ``<run_dir>-worker<i>`` (see
            :func:`~keras_archs.training.distribute.worker_run_dir`).
        resume: continue the run found in ``run_dir``: an unfinished one where it
            stopped, a finished one up to ``epochs`` (Keras' ``initial_epoch``,
            restored by ``BackupAndRestore``), appending to its ``log.csv``.
        overwrite: replace a run in ``run_dir``.
        tensorboard: also write TensorBoard logs to ``run_dir/tensorboard``.
        callbacks: extra Keras callbacks.
        strategy: a ``tf.distribute`` strategy (see
            :func:`~keras_archs.training.distribute.get_strategy`); the model and
            its optimizer are built and compiled in its scope.
        train_examples: size of the training split, for the images/s figure.
        mixed_precision: ``False``, ``True``/``"auto"`` (float16 on GPU, bfloat16
            on CPU/TPU) or a policy name; the model is built under that policy,
            which is restored afterwards. Variables stay float32 and the final
            softmax runs in float32.
        jit_compile: XLA; ``None`` = off on CPU (4–5× slower here), Keras'
            ``"auto"`` on GPU/TPU.
        lr_schedule: ``None``/``"constant"``, ``"step"``, ``"cosine"`` (with
            ``warmup_epochs`` of linear warm-up) or a Keras schedule; see
            :func:`~keras_archs.training.schedules.make_lr_schedule`.
        steps_per_epoch, validation_steps: use only the first N batches of each
            epoch (quick trials).
        backup: keep a ``BackupAndRestore`` backup so a killed run can resume.
            It writes the weights and optimizer state twice every epoch (about
            1 GB for VGG-19 with Adam) and keeps one copy when the run finishes,
            so it can be extended; ``compare()``, which never resumes, turns it
            off.
    """
    from keras_archs.training import distribute as dist
    from keras_archs.training.schedules import make_lr_schedule

    check_positive_int(epochs, "epochs")
    name = model_or_name if isinstance(model_or_name, str) else model_or_name.name
    if not isinstance(model_or_name, (str, keras.Model)):
        raise TypeError(
            "model_or_name must be a keras.Model or a registry name, got "
            f"{type(model_or_name).__name__}")
    if isinstance(model_or_name, str):
        from keras_archs.registry import model_info

        model_info(model_or_name)  # unknown names fail before anything is written
        if input_shape is None or num_classes is None:
            raise ValueError(
                "train() with a model name needs input_shape and num_classes")
    make_optimizer(optimizer, learning_rate)
    policy = dist.resolve_mixed_precision(mixed_precision, strategy)
    jit = dist.resolve_jit_compile(jit_compile, strategy)
    if isinstance(model_or_name, keras.Model):
        _check_model_policy(model_or_name, policy)
    if steps_per_epoch is not None:
        train_ds = train_ds.take(check_positive_int(steps_per_epoch, "steps_per_epoch"))
    if validation_steps is not None and val_ds is not None:
        val_ds = val_ds.take(check_positive_int(validation_steps, "validation_steps"))
    base_lr = _base_learning_rate(optimizer, learning_rate)
    if lr_schedule is not None:
        if isinstance(optimizer, keras.optimizers.Optimizer) and not isinstance(
                lr_schedule, keras.optimizers.schedules.LearningRateSchedule):
            raise ValueError("lr_schedule by name needs an optimizer name (e.g. "
                             "'momentum'), not an optimizer instance")
        learning_rate = make_lr_schedule(
            lr_schedule, base_lr, epochs=epochs,
            steps_per_epoch=_steps_in(train_ds, "train_ds"), warmup_epochs=warmup_epochs)
    dist.check_global_batch(train_ds, strategy, "train_ds")
    dist.check_global_batch(val_ds, strategy, "val_ds")
    train_ds = dist.distribute_dataset_options(train_ds, strategy)
    val_ds = dist.distribute_dataset_options(val_ds, strategy)
    # tf.data's autotune thread stalls the start of every epoch (pipeline_options).
    train_ds = with_pipeline_options(train_ds)
    val_ds = with_pipeline_options(val_ds)

    replicas = 1 if strategy is None else strategy.num_replicas_in_sync
    config = {"epochs": epochs, "optimizer": str(optimizer),
              "learning_rate": base_lr,
              "lr_schedule": str(lr_schedule) if lr_schedule is not None else None,
              "strategy": dist.strategy_name(strategy), "replicas": replicas,
              "mixed_precision": policy, "jit_compile": jit, "status": "running"}
    config.update(run_config or {})
    run_dir = dist.worker_run_dir(run_dir, strategy)
    meta_path = Path(run_dir) / "run.json"
    meta_before = meta_path.read_bytes() if meta_path.is_file() else None
    run_dir, resuming = prepare_run_dir(run_dir, model_name=name, config=config,
                                        resume=resume, overwrite=overwrite,
                                        epochs=epochs)
    monitor = "val_accuracy" if val_ds is not None else "accuracy"

    def build_and_compile():
        model = model_or_name
        if isinstance(model, str):
            from keras_archs.registry import create_model

            model = create_model(model, input_shape=input_shape, num_classes=num_classes)
        elif strategy is not None and not _in_strategy(model, strategy):
            # Variables created outside the scope are plain variables that the
            # strategy cannot mirror; Keras fails on them with a bare AssertionError.
            print(f"Rebuilding {model.name} inside the {dist.strategy_name(strategy)} "
                  "scope (same architecture and weights)")
            clone = keras.models.clone_model(model)
            clone.set_weights(model.get_weights())
            model = clone
        _compile(model, optimizer, learning_rate, jit)
        return model

    scope = strategy.scope() if strategy is not None else contextlib.nullcontext()
    best = None
    epoch = 0
    try:
        with scope, dist.dtype_policy_scope(policy):
            model = build_and_compile()
        if resuming:
            epoch = restored_epoch(run_dir / "backup")
            _check_backup_fits(run_dir / "backup", model)
            _, best = reconcile_log(run_dir / "log.csv", epoch, monitor)
            print(f"Resuming {name} in {run_dir} after epoch {epoch} of {epochs}")
    except BaseException:
        if resuming and meta_before is not None:
            meta_path.write_bytes(meta_before)  # a failed resume changes nothing
        raise
    # BackupAndRestore makes Keras start at `epoch` too (the same backup decides).
    train_ds, fit_steps = _epoch_stream(train_ds, epoch if backup else 0, epochs)

    # CSVLogger writes an epoch's row before BackupAndRestore records the epoch as
    # done: a crash in between replays the epoch and reconcile_log drops the stale
    # row, so no epoch is lost from the log or logged twice.
    cbs = [
        EpochTimer(train_examples),
        keras.callbacks.CSVLogger(str(run_dir / "log.csv"), append=True),
        keras.callbacks.ModelCheckpoint(str(run_dir / "best.keras"), monitor=monitor,
                                        mode="max", save_best_only=True,
                                        initial_value_threshold=best),
    ]
    if backup:
        # double_checkpoint: a process killed while writing the backup leaves the
        # previous one to resume from.
        cbs.append(keras.callbacks.BackupAndRestore(str(run_dir / "backup"),
                                                    double_checkpoint=True,
                                                    delete_checkpoint=False))
    if tensorboard:
        cbs.append(keras.callbacks.TensorBoard(str(run_dir / "tensorboard")))
    cbs.extend(callbacks)
    with dist._keras_multiworker_fit(model, strategy):
        history = model.fit(train_ds, validation_data=val_ds, epochs=epochs,
                            steps_per_epoch=fit_steps, callbacks=cbs, verbose=verbose,
                            shuffle=False)  # the dataset shuffles itself
    _mark_finished(run_dir, epochs)
    history.run_dir = run_dir
    return history


class ComparisonResult(dict):
    """``compare``'s result: ``{model name: summary row}`` plus ``histories`` and
    ``run_dir``."""

    def __init__(self, rows, histories, run_dir):
        super().__init__((row["model"], row) for row in rows)
        self.rows = rows
        self.histories = histories
        self.run_dir = Path(run_dir)


def _steady(values):
    # The first epoch includes graph tracing; report the median of the rest.
    values = [v for v in values if v is not None]
    if not values:
        return None
    return statistics.median(values[1:] if len(values) > 1 else values)


SUMMARY_COLUMNS = ("model", "params", "macs", "best_val_accuracy", "best_epoch",
                   "final_val_loss", "seconds_per_epoch", "images_per_sec")


def compare(names, dataset="digits", epochs: int = 5, batch_size: int = 32, *,
            optimizer="sgd", learning_rate=None, run_dir="runs/compare",
            overwrite: bool = False, augment: bool = False, data_dir=None, seed: int = 0,
            verbose="auto", print_table: bool = True):
    """Train each registry model on the same data and schedule, then compare them.

    Every model gets the same dataset, batches, optimizer settings, epochs and seed.
    Writes into ``run_dir`` (a fresh ``run_dir-2``, ``-3``, … if it already has
    results and ``overwrite`` is False):

    * ``histories.json`` — every model's per-epoch metrics;
    * ``summary.csv`` and a printed table — params, MACs, best validation accuracy,
      seconds/epoch and training images/s (medians over epochs after the first);
    * ``curves.png`` — loss and accuracy, train (solid) vs validation (dashed);
    * ``<model>/`` — each model's run directory (``best.keras``, ``log.csv``).

    Returns a :class:`ComparisonResult`.
    """
    from keras_archs.analysis import count_macs
    from keras_archs.data import load_dataset
    from keras_archs.plots import plot_histories
    from keras_archs.registry import create_model, model_info
    from keras_archs.reports import format_table, seconds

    if isinstance(names, str):
        names = [names]
    names = list(names)
    if not names:
        raise ValueError("names must list at least one model")
    if len(set(names)) != len(names):
        raise ValueError(f"names must not repeat a model, got {names}")
    for name in names:
        model_info(name)
    check_positive_int(epochs, "epochs")
    check_positive_int(batch_size, "batch_size")
    make_optimizer(optimizer, learning_rate)  # validate before loading data

    common = dict(batch_size=batch_size, seed=seed, data_dir=data_dir)
    train_ds, info = load_dataset(dataset, "train", augment=augment, with_info=True,
                                  **common)
    val_ds = load_dataset(dataset, info.eval_split, **common)

    run_dir = Path(run_dir)
    if overwrite and run_dir.exists():
        for name in ("histories.json", "summary.csv", "curves.png"):
            (run_dir / name).unlink(missing_ok=True)
    else:
        chosen = unique_run_dir(run_dir)
        if chosen != run_dir:
            print(f"{run_dir} already has results; writing this comparison to {chosen}")
        run_dir = chosen
    run_dir.mkdir(parents=True, exist_ok=True)

    histories, rows = {}, []
    for name in names:
        print(f"\n=== {name} on {info.name} ({epochs} epoch{'s' * (epochs != 1)}, "
              f"batch {batch_size}) ===")
        keras.utils.set_random_seed(seed)
        model = create_model(name, input_shape=info.image_shape,
                             num_classes=info.num_classes)
        history = train(
            model, train_ds, val_ds, epochs, optimizer=optimizer,
            learning_rate=learning_rate, run_dir=run_dir / name, resume=False,
            backup=False,  # a comparison is rerun into a new run_dir, never resumed
            overwrite=overwrite, train_examples=info.split_sizes[info.train_split],
            verbose=verbose, run_config={"dataset": info.name, "batch_size": batch_size})
        hist = {k: [float(v) for v in vals] for k, vals in history.history.items()}
        histories[name] = hist
        val_acc = hist.get("val_accuracy", [])
        best = max(range(len(val_acc)), key=val_acc.__getitem__) if val_acc else None
        rows.append({
            "model": name,
            "params": model.count_params(),
            "macs": count_macs(model),
            "best_val_accuracy": val_acc[best] if best is not None else None,
            "best_epoch": best + 1 if best is not None else None,
            "final_val_loss": hist.get("val_loss", [None])[-1],
            "seconds_per_epoch": _steady(hist.get("epoch_seconds", [])),
            "images_per_sec": _steady(hist.get("train_images_per_sec", [])),
        })
        del model
        keras.backend.clear_session()

    meta = {"dataset": info.name, "epochs": epochs, "batch_size": batch_size,
            "optimizer": str(optimizer),
            "learning_rate": _base_learning_rate(optimizer, learning_rate),
            "augment": augment, "seed": seed}
    (run_dir / "histories.json").write_text(
        json.dumps({"config": meta, "histories": histories}, indent=2))
    with open(run_dir / "summary.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=SUMMARY_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    plot_histories(histories, run_dir / "curves.png",
                   title=f"{' vs '.join(names)} on {info.name}")
    if print_table:
        print()
        print(format_table(rows, SUMMARY_COLUMNS, formats={
            "seconds_per_epoch": seconds,
            "images_per_sec": lambda v: "-" if v is None else f"{v:,.0f}"}))
        print(f"\nResults in {os.fspath(run_dir)}: histories.json, summary.csv, "
              f"curves.png, and one run directory per model.")
    return ComparisonResult(rows, histories, run_dir)
