"""``keras-archs transfer``: a pretrained backbone under a new head, then fine-tuning.

Two phases (keras_archs.transfer.fine_tune): train the new head with the backbone
frozen, then unfreeze the top of the backbone and continue at a lower learning rate.
Writes ``head/`` and ``fine_tune/`` run directories and ``history.json`` into
``--run-dir``.
"""

from __future__ import annotations


def _unfreeze_arg(text: str):
    """'all' → None, '20' → 20, 'mixed8' → 'mixed8'."""
    if text == "all":
        return None
    return int(text) if text.isdigit() else text


def resolve_weights(backbone: str, weights: str | None):
    """``--weights`` for ``backbone``: the default is what exists for it.

    ``None`` (not given) → ``"imagenet"`` for keras.applications backbones and
    registry models with a keras.applications twin, else random initialisation
    (with a note); ``"none"`` → ``None``; ``"imagenet"`` for a registry model
    without a twin is an error listing the alternatives.
    """
    from keras_archs.cli import UserError

    if backbone.startswith("hub:"):
        return None if weights is None or weights.lower() in ("none", "imagenet") \
            else weights  # build_transfer_model refuses a file for a hub backbone
    if weights is not None and weights.lower() == "none":
        return None
    if backbone.startswith("applications:"):
        return "imagenet" if weights is None else weights
    from keras_archs.registry import model_info

    info = model_info(backbone)
    if info.keras_applications:
        return "imagenet" if weights is None else weights
    files = f"a .weights.h5 of {info.name} without top"
    if info.torch_twins:  # the PyTorch twin's checkpoints load too
        files += f", or a PyTorch checkpoint of {' / '.join(info.torch_twins)}"
    alternatives = f"--weights none (random initialisation) or --weights PATH ({files})"
    if weights is None:
        print(f"note: {info.name} has no keras.applications twin, so no ImageNet "
              f"weights; its backbone starts from random initialisation (--weights "
              f"none). For pretrained weights pass --weights PATH ({files}).")
        return None
    if weights == "imagenet":
        raise UserError(
            f"--weights imagenet: {info.name} has no keras.applications twin, so "
            f"there are no ImageNet weights to load; pass {alternatives}, or choose "
            "a backbone that has them (`keras-archs list` shows the twins)")
    return weights


def register(sub):
    from keras_archs.training.options import OPTIMIZERS

    p = sub.add_parser(
        "transfer", help="train a new head on a pretrained backbone, then fine-tune",
        description="Put a pretrained backbone under a new classifier for --dataset: "
                    "train the head with the backbone frozen (--epochs), then unfreeze "
                    "the top of the backbone (--unfreeze) and continue at a lower "
                    "learning rate (--fine-tune-epochs). The model contains the "
                    "backbone's own input preprocessing.")
    p.add_argument("--backbone", required=True,
                   help="hub:<URL or SavedModel dir>, applications:<Name> (e.g. "
                        "applications:InceptionV3) or a keras-archs model name")
    p.add_argument("--dataset", default="digits",
                   help="dataset name (default: digits, the offline demo set)")
    p.add_argument("--data-dir", default=None, help="where prepared datasets live")
    p.add_argument("--image-size", type=int, default=None,
                   help="square image side fed to the backbone (default: the hub "
                        "model's traced size, else 224; 75 is InceptionV3's minimum)")
    p.add_argument("--weights", default=None,
                   help="backbone weights: imagenet (needs network on first use), "
                        "none (random initialisation) or a local .weights.h5 of the "
                        "backbone without top. Default: imagenet where it exists "
                        "(applications:<Name>, and registry models with a "
                        "keras.applications twin), else none")
    p.add_argument("--signature", default=None, help="hub: signature to call")
    p.add_argument("--output-key", default=None, help="hub: output to use")
    p.add_argument("--epochs", type=int, default=5, help="head-training epochs")
    p.add_argument("--fine-tune-epochs", type=int, default=5,
                   help="fine-tuning epochs after unfreezing (0: skip)")
    p.add_argument("--unfreeze", dest="unfreeze_last", type=_unfreeze_arg, default=None,
                   help="what to unfreeze for fine-tuning: all (default), a number "
                        "of last layers with weights, or the first layer name to "
                        "unfreeze (e.g. mixed8: InceptionV3's top two blocks)")
    p.add_argument("--train-batchnorm", action="store_true",
                   help="also unfreeze BatchNormalization layers (default: frozen)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--dropout", type=float, default=0.2)
    p.add_argument("--optimizer", default="adam", choices=OPTIMIZERS)
    p.add_argument("--learning-rate", type=float, default=1e-3)
    p.add_argument("--fine-tune-learning-rate", type=float, default=None,
                   help="default: --learning-rate / 100")
    p.add_argument("--limit-batches", type=int, default=None,
                   help="use only this many batches per epoch (quick checks)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--run-dir", default="runs/transfer")
    p.add_argument("--overwrite", action="store_true",
                   help="replace a run already in --run-dir")
    p.set_defaults(func=run)


def run(args):
    import keras
    import tensorflow as tf

    from keras_archs._validation import check_positive_int
    from keras_archs.cli import check_dataset
    from keras_archs.data import load_dataset
    from keras_archs.transfer import build_transfer_model, fine_tune

    check_dataset(args.dataset)
    for name in ("epochs", "batch_size", "limit_batches", "image_size"):
        if getattr(args, name) is not None:
            check_positive_int(getattr(args, name), name)
    check_positive_int(args.fine_tune_epochs, "fine_tune_epochs", minimum=0)
    weights = resolve_weights(args.backbone, args.weights)
    if weights not in (None, "imagenet") and not args.backbone.startswith("hub:"):
        from keras_archs.weights import check_weights_arg

        # A missing, foreign or truncated file fails before the data is loaded.
        check_weights_arg(weights, keras_applications=None, include_top=False,
                          classes=1)

    # Raw 0-255 pixels: the transfer model applies its backbone's preprocessing.
    common = dict(batch_size=args.batch_size, seed=args.seed, data_dir=args.data_dir,
                  normalization="none")
    train_ds, info = load_dataset(args.dataset, "train", with_info=True, **common)
    val_ds = load_dataset(args.dataset, info.eval_split, **common)

    keras.utils.set_random_seed(args.seed)
    hub = args.backbone.startswith("hub:")
    # A hub model traced at a fixed size (e.g. 299x299) sets the size by itself.
    input_shape = None if hub and args.image_size is None else \
        (args.image_size or 224,) * 2 + (3,)
    model = build_transfer_model(
        args.backbone, info.num_classes, input_shape=input_shape, dropout=args.dropout,
        weights=weights, signature=args.signature,
        output_key=args.output_key)
    size = tuple(d or 224 for d in model.input_shape[1:3])
    print(f"{model.name}: {args.backbone} at {size[0]}x{size[1]}, "
          f"{model.count_params():,} parameters, {info.num_classes} classes")

    def resize(images, labels):
        return tf.image.resize(images, size), labels

    if tuple(info.image_shape[:2]) != size:
        train_ds = train_ds.map(resize, num_parallel_calls=tf.data.AUTOTUNE)
        val_ds = val_ds.map(resize, num_parallel_calls=tf.data.AUTOTUNE)
    if args.limit_batches:
        train_ds = train_ds.take(args.limit_batches)
        val_ds = val_ds.take(args.limit_batches)
    result = fine_tune(
        model, train_ds, val_ds, epochs=args.epochs,
        fine_tune_epochs=args.fine_tune_epochs, unfreeze_last=args.unfreeze_last,
        keep_batchnorm_frozen=not args.train_batchnorm, optimizer=args.optimizer,
        learning_rate=args.learning_rate,
        fine_tune_learning_rate=args.fine_tune_learning_rate, run_dir=args.run_dir,
        overwrite=args.overwrite)
    history = result.history
    for phase, epochs in (("head", range(result.head_epochs)),
                          ("fine-tune", range(result.head_epochs,
                                              len(history.get("loss", []))))):
        for epoch in epochs:
            val = history.get("val_accuracy", [None] * (epoch + 1))[epoch]
            print(f"{phase:9s} epoch {epoch + 1}: loss {history['loss'][epoch]:.4f}, "
                  f"accuracy {history['accuracy'][epoch]:.4f}"
                  + (f", val_accuracy {val:.4f}" if val is not None else ""))
    print(f"Results in {result.run_dir}: head/, fine_tune/, history.json")
    return 0
