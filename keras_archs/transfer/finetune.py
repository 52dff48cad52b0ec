"""Fine-tuning a transfer model: unfreeze the top of the backbone, train at a low rate.

The two-phase recipe of the Keras transfer-learning guide (Chollet,
keras.io/guides/transfer_learning; Yosinski et al. 2014, arXiv:1411.1792):

1. freeze the backbone and train only the new head, so its random initial
   gradients do not wreck the pretrained features;
2. unfreeze the top of the backbone (or all of it) and continue at a learning rate
   about 100× lower.

BatchNormalization layers stay frozen in phase 2 by default: a Keras 3
BatchNormalization layer with ``trainable=False`` runs in inference mode, so the
ImageNet statistics are neither updated from small batches of the new dataset nor
replaced by batch statistics, which would undo what the head learned.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import keras

from keras_archs._validation import check_bool, check_positive_int

__all__ = ["unfreeze", "freeze_backbone", "get_backbone", "fine_tune",
           "FineTuneResult"]


def get_backbone(model: keras.Model):
    """The layer named ``"backbone"`` (what ``build_transfer_model`` makes), else
    ``model`` itself."""
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    try:
        return model.get_layer("backbone")
    except ValueError:
        return model


def _leaves(layer) -> list:
    # Nested models (a keras.applications backbone inside a transfer model) are
    # flattened, so "the last n layers" means layers, not sub-models.
    if isinstance(layer, keras.Model):
        return [leaf for sub in layer.layers for leaf in _leaves(sub)]
    return [layer]


def _set_trainable(layer, value: bool) -> None:
    # Keras' TensorFlow backend skips `layer.trainable = v` when the flag already
    # equals v (its `self.x = self.x` short-circuit), so sub-layers re-frozen one by
    # one would stay frozen; toggling makes the assignment reach every sub-layer.
    if layer.trainable == value:
        layer.trainable = not value
    layer.trainable = value


def freeze_backbone(model: keras.Model):
    """Freeze the backbone of a transfer model (its BatchNorm runs in inference mode).

    Returns the backbone. Recompile the model afterwards.
    """
    backbone = get_backbone(model)
    if backbone is model:
        raise ValueError(
            f"model {model.name!r} has no layer named 'backbone'; build it with "
            "build_transfer_model or freeze its layers yourself")
    _set_trainable(backbone, False)
    return backbone


def unfreeze(model: keras.Model, last_n=None, *, keep_batchnorm_frozen: bool = True):
    """Make the top of the backbone trainable for fine-tuning.

    Args:
        model: a transfer model (its backbone is the layer named ``"backbone"``), or
            any model (then its own layers count).
        last_n: ``None`` unfreezes the whole backbone; an int ``n`` unfreezes its
            last ``n`` layers that have weights (and the weightless layers between
            them); a layer name unfreezes that layer and everything after it (e.g.
            ``"mixed8"`` for InceptionV3: the top two Inception blocks, the classic
            Keras recipe that froze its first 249 layers). A TF-Hub backbone is one layer and can only be unfrozen
            whole.
        keep_batchnorm_frozen: keep BatchNormalization layers frozen, hence in
            inference mode (the Keras guide's advice).

    Returns:
        Names of the backbone layers that now have trainable weights.

    Recompile the model afterwards (with a lower learning rate) for the change to
    take effect in ``fit``.
    """
    from keras_archs.transfer.hub import HubFeatureExtractor

    check_bool(keep_batchnorm_frozen, "keep_batchnorm_frozen")
    backbone = get_backbone(model)
    if isinstance(backbone, HubFeatureExtractor):
        if last_n is not None:
            raise ValueError(
                f"last_n={last_n!r}: a TF-Hub backbone ({backbone.handle}) is a single "
                "layer and can only be unfrozen whole; pass last_n=None")
        _set_trainable(backbone, True)
        return [backbone.name]
    leaves = _leaves(backbone)
    weighted = [i for i, layer in enumerate(leaves) if layer.weights]
    if last_n is None:
        start = 0
    elif isinstance(last_n, str):
        names = [layer.name for layer in leaves]
        if last_n not in names:
            import difflib

            close = difflib.get_close_matches(last_n, names, n=5, cutoff=0.5)
            raise ValueError(
                f"last_n={last_n!r} is not a layer of {backbone.name!r}"
                + (f"; did you mean: {', '.join(close)}?" if close else
                   f"; its layers are {names[0]!r} ... {names[-1]!r}"))
        start = names.index(last_n)
    else:
        check_positive_int(last_n, "last_n")
        if last_n > len(weighted):
            raise ValueError(
                f"last_n must be at most {len(weighted)} (the layers with weights in "
                f"{backbone.name!r}), got {last_n}")
        start = weighted[-last_n]
    _set_trainable(backbone, True)  # every layer inside; then re-freeze the bottom
    for layer in leaves[:start]:
        layer.trainable = False
    if keep_batchnorm_frozen:
        for layer in leaves:
            if isinstance(layer, keras.layers.BatchNormalization):
                layer.trainable = False
    return [layer.name for layer in leaves[start:]
            if layer.trainable and layer.trainable_weights]


@dataclass
class FineTuneResult:
    """What :func:`fine_tune` did: one Keras ``History`` per phase."""

    head: keras.callbacks.History
    fine_tune: keras.callbacks.History | None
    run_dir: Path
    unfrozen: list = field(default_factory=list)

    @property
    def head_epochs(self) -> int:
        return len(next(iter(self.head.history.values()), []))

    @property
    def history(self) -> dict:
        """Both phases' metrics, concatenated epoch by epoch."""
        merged = {k: [float(v) for v in vals] for k, vals in self.head.history.items()}
        if self.fine_tune is not None:
            for k, vals in self.fine_tune.history.items():
                merged.setdefault(k, [None] * self.head_epochs)
                merged[k] = merged[k] + [float(v) for v in vals]
        return merged


def fine_tune(model: keras.Model, train_ds, val_ds=None, *, epochs: int = 5,
              fine_tune_epochs: int = 5, unfreeze_last=None,
              keep_batchnorm_frozen: bool = True, optimizer="adam",
              learning_rate: float = 1e-3, fine_tune_learning_rate: float | None = None,
              run_dir="runs/transfer", overwrite: bool = False,
              train_examples: int | None = None, callbacks=(),
              verbose="auto") -> FineTuneResult:
    """Two-phase transfer learning: train the head, then fine-tune the backbone's top.

    Phase 1 freezes the backbone and trains for ``epochs`` at ``learning_rate``.
    Phase 2 (skipped if ``fine_tune_epochs`` is 0) calls
    ``unfreeze(model, unfreeze_last, keep_batchnorm_frozen=...)`` and trains
    ``fine_tune_epochs`` more at ``fine_tune_learning_rate`` (default
    ``learning_rate / 100``), with a fresh optimizer.

    Each phase is a :func:`keras_archs.training.train` run in ``run_dir/head`` and
    ``run_dir/fine_tune`` (``log.csv``, ``best.keras``); ``run_dir/history.json``
    holds both phases. An existing run is never replaced unless ``overwrite``.
    """
    from keras_archs.training.fit import make_optimizer, train

    check_positive_int(epochs, "epochs")
    check_positive_int(fine_tune_epochs, "fine_tune_epochs", minimum=0)
    if fine_tune_learning_rate is None:
        fine_tune_learning_rate = learning_rate / 100
    make_optimizer(optimizer, learning_rate)  # validate both before training
    make_optimizer(optimizer, fine_tune_learning_rate)
    run_dir = Path(run_dir)
    phases = ["head"] + (["fine_tune"] if fine_tune_epochs else [])
    if not overwrite:
        for phase in phases + ["history.json"]:
            path = run_dir / phase
            if path.exists() and (path.is_file() or any(path.iterdir())):
                raise ValueError(
                    f"run_dir {str(run_dir)!r} already holds a fine-tuning run "
                    f"({phase}); pass overwrite=True to replace it or choose another "
                    "run_dir (nothing was changed)")

    common = dict(optimizer=optimizer, resume=False, overwrite=overwrite,
                  train_examples=train_examples, callbacks=list(callbacks),
                  verbose=verbose)
    freeze_backbone(model)
    head = train(model, train_ds, val_ds, epochs, learning_rate=learning_rate,
                 run_dir=run_dir / "head", run_config={"phase": "head"}, **common)
    fine, unfrozen = None, []
    if fine_tune_epochs:
        unfrozen = unfreeze(model, unfreeze_last,
                            keep_batchnorm_frozen=keep_batchnorm_frozen)
        fine = train(model, train_ds, val_ds, fine_tune_epochs,
                     learning_rate=fine_tune_learning_rate,
                     run_dir=run_dir / "fine_tune",
                     run_config={"phase": "fine_tune", "unfreeze_last": unfreeze_last,
                                 "keep_batchnorm_frozen": keep_batchnorm_frozen},
                     **common)
    result = FineTuneResult(head, fine, run_dir, unfrozen)
    (run_dir / "history.json").write_text(json.dumps(
        {"model": model.name, "head_epochs": result.head_epochs,
         "learning_rate": learning_rate,
         "fine_tune_learning_rate": fine_tune_learning_rate if fine_tune_epochs else None,
         "unfreeze_last": unfreeze_last, "unfrozen_layers": len(unfrozen),
         "history": result.history}, indent=2))
    return result
