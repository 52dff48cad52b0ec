"""``keras-archs compare``: train models side by side on the same data and schedule."""

from __future__ import annotations

# Defaults when --epochs/--batch-size are not given. CIFAR: the seed's VGG-16 vs
# VGG-19 experiment (15 epochs of batch 256, with the default SGD(0.01, clipnorm=1.0)).
_DATASET_DEFAULTS = {"cifar10": {"epochs": 15, "batch_size": 256},
                     "cifar100": {"epochs": 15, "batch_size": 256}}
_FALLBACK_DEFAULTS = {"epochs": 5, "batch_size": 32}


def register(sub):
    from keras_archs.training.fit import OPTIMIZERS

    p = sub.add_parser(
        "compare", help="train several models on the same data and compare them",
        description="Train each model with the same data, optimizer and epochs; write "
                    "histories.json, summary.csv, curves.png and one run directory per "
                    "model into --run-dir, and print a summary table.")
    p.add_argument("names", nargs="+", help="registry names, e.g. vgg16 vgg19")
    p.add_argument("--dataset", default="digits",
                   help="dataset name (default: digits, the offline demo set)")
    p.add_argument("--data-dir", default=None, help="where prepared datasets live")
    p.add_argument("--epochs", type=int, default=None,
                   help="default: 15 for cifar10/cifar100 (the seed recipe), else 5")
    p.add_argument("--batch-size", type=int, default=None,
                   help="default: 256 for cifar10/cifar100 (the seed recipe), else 32")
    p.add_argument("--optimizer", default="sgd", choices=OPTIMIZERS,
                   help="sgd is the seed's SGD(0.01, clipnorm=1.0) (default)")
    p.add_argument("--learning-rate", type=float, default=None)
    p.add_argument("--augment", action="store_true", help="random crops (and flips)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--run-dir", default="runs/compare",
                   help="output directory; if it has results, -2, -3, ... is used")
    p.add_argument("--overwrite", action="store_true",
                   help="replace results already in --run-dir instead")
    p.set_defaults(func=run)


def run(args):
    from keras_archs.data import DATASETS
    from keras_archs.training import compare

    if args.dataset not in DATASETS:
        raise ValueError(
            f"--dataset must be one of {', '.join(DATASETS)}, got {args.dataset!r}")
    defaults = _DATASET_DEFAULTS.get(args.dataset, _FALLBACK_DEFAULTS)
    epochs = defaults["epochs"] if args.epochs is None else args.epochs
    batch_size = defaults["batch_size"] if args.batch_size is None else args.batch_size
    compare(args.names, dataset=args.dataset, epochs=epochs,
            batch_size=batch_size, optimizer=args.optimizer,
            learning_rate=args.learning_rate, run_dir=args.run_dir,
            overwrite=args.overwrite, augment=args.augment, data_dir=args.data_dir,
            seed=args.seed)
    return 0
