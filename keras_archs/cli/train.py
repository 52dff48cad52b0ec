"""``keras-archs train``: train one registry model, on one device or many.

The same command runs on this CPU, on a multi-GPU machine (``--strategy auto``
picks ``MirroredStrategy``) and on several machines (each runs it with its own
``TF_CONFIG``; ``auto`` picks ``MultiWorkerMirroredStrategy``).
"""

from __future__ import annotations

import os

PRECISIONS = ("auto", "mixed_float16", "mixed_bfloat16")


def register(sub):
    from keras_archs.training.distribute import STRATEGIES
    from keras_archs.cli import add_training_args
    from keras_archs.training.options import LR_SCHEDULES

    p = sub.add_parser(
        "train", help="train one model (tf.distribute, mixed precision, resumable)",
        description="Train a registered model with Keras progress bars. Writes "
                    "run.json, log.csv (one row per epoch) and best.keras into "
                    "--run-dir; a run killed part-way continues with --resume.")
    p.add_argument("name", help="registry name (see `keras-archs list`)")
    add_training_args(p)
    p.add_argument("--epochs", type=int, default=10,
                   help="total epochs of the run (default: 10)")
    p.add_argument("--batch-size", type=int, default=32,
                   help="batch per replica; the global batch is this × replicas "
                        "(default: 32)")
    p.add_argument("--strategy", default="auto", choices=STRATEGIES,
                   help="tf.distribute strategy (default: auto — TPU, several GPUs, "
                        "TF_CONFIG cluster, else one device)")
    p.add_argument("--mixed-precision", nargs="?", const="auto", default=None,
                   choices=PRECISIONS,
                   help="mixed precision; alone it picks float16 on GPU, bfloat16 on "
                        "CPU/TPU")
    p.add_argument("--jit-compile", action="store_true",
                   help="XLA compilation (off by default on CPU, where it is slower)")
    p.add_argument("--lr-schedule", default="constant", choices=LR_SCHEDULES,
                   help="constant (default), step (÷10 at 50%% and 75%%), cosine "
                        "(warm-up, then cosine decay)")
    p.add_argument("--warmup-epochs", type=int, default=None,
                   help="linear warm-up epochs of the cosine schedule (default 5%%)")
    p.add_argument("--steps-per-epoch", type=int, default=None,
                   help="train on only the first N batches of each epoch (quick trial)")
    p.add_argument("--validation-steps", type=int, default=None,
                   help="validate on only the first N batches")
    p.add_argument("--run-dir", default=None,
                   help="output directory (default: runs/train/NAME)")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in --run-dir: an unfinished one where it "
                        "stopped, a finished one up to a larger --epochs")
    p.add_argument("--overwrite", action="store_true",
                   help="replace a finished run in --run-dir")
    p.add_argument("--tensorboard", action="store_true",
                   help="also write TensorBoard logs to RUN_DIR/tensorboard")
    p.set_defaults(func=run)


def run(args):
    from keras_archs._validation import check_positive_int
    from keras_archs.cli import check_dataset
    from keras_archs.training.fit import has_run

    # Everything a user can get wrong is checked before TensorFlow starts working.
    check_dataset(args.dataset)
    for name in ("epochs", "batch_size", "steps_per_epoch", "validation_steps",
                 "warmup_epochs"):
        if getattr(args, name) is not None:
            check_positive_int(getattr(args, name), name)
    if args.resume and args.overwrite:
        raise ValueError("resume=True and overwrite=True contradict each other; pass one")
    from keras_archs.registry import model_info

    name = model_info(args.name).name  # "ResNet20" → "resnet20"
    run_dir = args.run_dir or os.path.join("runs", "train", name)
    if args.resume and not has_run(run_dir) and not (
            os.path.isdir(run_dir) and os.listdir(run_dir)):
        # (A directory with files but no run.json is refused by train().)
        print(f"--resume: no run in {run_dir} yet; starting a new one")

    from keras_archs.training.distribute import (
        get_strategy, global_batch_size, resolve_mixed_precision)

    if args.mixed_precision not in (None, "auto"):
        resolve_mixed_precision(args.mixed_precision)  # float16 without a GPU fails here
    # First TensorFlow work: MultiWorkerMirroredStrategy must precede any operation.
    strategy = get_strategy(args.strategy)

    import keras

    from keras_archs.data import load_dataset
    from keras_archs.training import train

    batch = global_batch_size(args.batch_size, strategy)
    common = dict(batch_size=batch, seed=args.seed, data_dir=args.data_dir)
    train_ds, info = load_dataset(args.dataset, "train", augment=args.augment,
                                  with_info=True, **common)
    val_ds = load_dataset(args.dataset, info.eval_split, **common)
    train_examples = info.split_sizes[info.train_split]
    if args.steps_per_epoch is not None:
        train_examples = min(train_examples, args.steps_per_epoch * batch)
    keras.utils.set_random_seed(args.seed)
    history = train(
        name, train_ds, val_ds, args.epochs, optimizer=args.optimizer,
        learning_rate=args.learning_rate, input_shape=info.image_shape,
        num_classes=info.num_classes, run_dir=run_dir, resume=args.resume,
        overwrite=args.overwrite, tensorboard=args.tensorboard, strategy=strategy,
        train_examples=train_examples,
        mixed_precision=args.mixed_precision or False,
        jit_compile=True if args.jit_compile else None,
        lr_schedule=None if args.lr_schedule == "constant" else args.lr_schedule,
        warmup_epochs=args.warmup_epochs, steps_per_epoch=args.steps_per_epoch,
        validation_steps=args.validation_steps,
        run_config={"dataset": info.name, "batch_size_per_replica": args.batch_size,
                    "global_batch_size": batch, "seed": args.seed})
    _print_summary(name, info.name, history, strategy, batch)
    return 0


def _print_summary(name, dataset, history, strategy, batch):
    from keras_archs.training.distribute import strategy_name

    hist = history.history
    val_acc = hist.get("val_accuracy") or []
    parts = [f"trained {name} on {dataset}: {len(hist.get('loss', []))} epoch(s) this "
             f"session with {strategy_name(strategy)} "
             f"({strategy.num_replicas_in_sync} replica(s), global batch {batch})"]
    if val_acc:
        best = max(range(len(val_acc)), key=val_acc.__getitem__)
        parts.append(f"best val_accuracy {val_acc[best]:.4f}, "
                     f"final val_loss {hist['val_loss'][-1]:.4f}")
    seconds = hist.get("epoch_seconds") or []
    if seconds:
        parts.append(f"{seconds[-1]:.1f} s/epoch")
    print("; ".join(parts))
    print(f"results in {history.run_dir}: run.json, log.csv, best.keras, backup/ "
          f"(--resume with a larger --epochs trains it further)")
