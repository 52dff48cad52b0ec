"""Training one model (:func:`train`) and comparing several (:func:`compare`).

Everything is Keras' own machinery: ``model.fit`` with its progress bar,
``BackupAndRestore`` to resume a crashed run, ``ModelCheckpoint`` for the best
``.keras`` model and ``CSVLogger(append=True)`` for a log that survives restarts.

A run directory holds one run of one model::

    run.json      what was trained (model name, dataset, settings)
    log.csv       one row per epoch (loss, accuracy, val_*, epoch_seconds, img/s)
    best.keras    the best model so far by validation accuracy
    backup/       BackupAndRestore state while the run is unfinished

Nothing already in a run directory is deleted without ``overwrite=True``.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import statistics
import time
from pathlib import Path

import keras

from keras_archs._validation import check_positive_int
from keras_archs.training.callbacks import EpochTimer

__all__ = ["train", "compare", "make_optimizer", "prepare_run_dir", "unique_run_dir",
           "OPTIMIZERS", "ComparisonResult"]

# Seed recipe: SGD, learning rate 0.01, gradient norm clipped to 1.0.
OPTIMIZERS = ("sgd", "momentum", "adam", "adamw", "rmsprop")
_DEFAULT_LR = {"sgd": 0.01, "momentum": 0.01, "adam": 1e-3, "adamw": 1e-3,
               "rmsprop": 1e-3}
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
    if isinstance(lr, (int, float)) and lr <= 0:
        raise ValueError(f"learning_rate must be > 0, got {lr}")
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
                    resume: bool = True, overwrite: bool = False) -> tuple[Path, bool]:
    """Check and create a run directory; returns ``(path, resuming)``.

    * new or empty → created, ``run.json`` written;
    * an unfinished run of the same model (``backup/`` present) and ``resume`` →
      reused, training continues where it stopped;
    * anything else already there raises ValueError, unless ``overwrite=True``,
      which deletes only keras-archs' own run files.
    """
    run_dir = Path(run_dir)
    if run_dir.exists() and not run_dir.is_dir():
        raise ValueError(f"run_dir {str(run_dir)!r} is a file, not a directory")
    meta_path = run_dir / "run.json"
    if _has_results(run_dir) and not overwrite:
        if not meta_path.exists():
            raise ValueError(
                f"run_dir {str(run_dir)!r} is not empty and is not a keras-archs run "
                "directory; choose a new run_dir")
        previous = json.loads(meta_path.read_text()).get("model")
        if previous != model_name:
            raise ValueError(
                f"run_dir {str(run_dir)!r} holds a run of model {previous!r}, not "
                f"{model_name!r}; choose another run_dir (nothing was changed)")
        if (run_dir / "backup").exists():
            if resume:
                return run_dir, True
            raise ValueError(
                f"run_dir {str(run_dir)!r} holds an unfinished run of {model_name!r}; "
                "pass resume=True to continue it or overwrite=True to start again")
        raise ValueError(
            f"run_dir {str(run_dir)!r} already holds a finished run of {model_name!r}; "
            "pass overwrite=True to replace it or choose another run_dir")
    if overwrite and run_dir.exists():
        for name in _RUN_FILES:
            (run_dir / name).unlink(missing_ok=True)
        shutil.rmtree(run_dir / "backup", ignore_errors=True)
    run_dir.mkdir(parents=True, exist_ok=True)
    meta = {"model": model_name, "created": time.strftime("%Y-%m-%d %H:%M:%S")}
    meta.update(config or {})
    meta_path.write_text(json.dumps(meta, indent=2, default=str))
    return run_dir, False


def _compile(model, optimizer, learning_rate):
    model.compile(optimizer=make_optimizer(optimizer, learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])


def train(model_or_name, train_ds, val_ds=None, epochs: int = 10, *, optimizer="sgd",
          learning_rate=None, input_shape=None, num_classes=None, run_dir="runs/train",
          resume: bool = True, overwrite: bool = False, tensorboard: bool = False,
          callbacks=(), strategy=None, train_examples: int | None = None,
          verbose="auto", run_config: dict | None = None):
    """Train one model with the standard callbacks; returns the Keras ``History``.

    Args:
        model_or_name: a ``keras.Model`` or a registry name (then ``input_shape``
            and ``num_classes`` are needed).
        train_ds, val_ds: batched ``(image, int label)`` datasets.
        epochs: total epochs of the run (a resumed run trains only the rest).
        optimizer, learning_rate: see :func:`make_optimizer`; the default is the
            seed's SGD(0.01, clipnorm=1.0).
        run_dir: where ``run.json``, ``log.csv``, ``best.keras`` and the backup go.
        resume: continue an unfinished run found in ``run_dir``.
        overwrite: replace a finished run in ``run_dir``.
        tensorboard: also write TensorBoard logs to ``run_dir/tensorboard``.
        callbacks: extra Keras callbacks.
        strategy: a ``tf.distribute`` strategy; the model is built and compiled in
            its scope.
        train_examples: size of the training split, for the images/s figure.
    """
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
    config = {"epochs": epochs, "optimizer": str(optimizer),
              "learning_rate": learning_rate}
    config.update(run_config or {})
    run_dir, _ = prepare_run_dir(run_dir, model_name=name, config=config,
                                 resume=resume, overwrite=overwrite)

    def build_and_compile():
        model = model_or_name
        if isinstance(model, str):
            from keras_archs.registry import create_model

            model = create_model(model, input_shape=input_shape, num_classes=num_classes)
        _compile(model, optimizer, learning_rate)
        return model

    if strategy is not None:
        with strategy.scope():
            model = build_and_compile()
    else:
        model = build_and_compile()

    monitor = "val_accuracy" if val_ds is not None else "accuracy"
    cbs = [
        EpochTimer(train_examples),
        keras.callbacks.BackupAndRestore(str(run_dir / "backup")),
        keras.callbacks.ModelCheckpoint(str(run_dir / "best.keras"), monitor=monitor,
                                        mode="max", save_best_only=True),
        keras.callbacks.CSVLogger(str(run_dir / "log.csv"), append=True),
    ]
    if tensorboard:
        cbs.append(keras.callbacks.TensorBoard(str(run_dir / "tensorboard")))
    cbs.extend(callbacks)
    history = model.fit(train_ds, validation_data=val_ds, epochs=epochs, callbacks=cbs,
                        verbose=verbose, shuffle=False)  # the dataset shuffles itself
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
    from keras_archs.reports import format_table

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
            "optimizer": str(optimizer), "learning_rate": learning_rate,
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
        print(format_table(rows, SUMMARY_COLUMNS))
        print(f"\nResults in {os.fspath(run_dir)}: histories.json, summary.csv, "
              f"curves.png, and one run directory per model.")
    return ComparisonResult(rows, histories, run_dir)
