"""``keras-archs compare``: train models side by side on the same data and schedule."""

from __future__ import annotations

# Defaults when --epochs/--batch-size are not given. CIFAR: the seed's VGG-16 vs
# VGG-19 experiment (15 epochs of batch 256, with the default SGD(0.01, clipnorm=1.0)).
_DATASET_DEFAULTS = {"cifar10": {"epochs": 15, "batch_size": 256},
                     "cifar100": {"epochs": 15, "batch_size": 256}}
_FALLBACK_DEFAULTS = {"epochs": 5, "batch_size": 32}


def register(sub):
    from keras_archs.cli import add_training_args

    p = sub.add_parser(
        "compare", help="train several models on the same data and compare them",
        description="Train each model with the same data, optimizer and epochs; write "
                    "histories.json, summary.csv, curves.png and one run directory per "
                    "model into --run-dir, and print a summary table.")
    p.add_argument("names", nargs="+", help="registry names, e.g. vgg16 vgg19")
    add_training_args(p)
    p.add_argument("--epochs", type=int, default=None,
                   help="default: 15 for cifar10/cifar100 (the seed recipe), else 5")
    p.add_argument("--batch-size", type=int, default=None,
                   help="default: 256 for cifar10/cifar100 (the seed recipe), else 32")
    p.add_argument("--run-dir", default="runs/compare",
                   help="output directory; if it has results, -2, -3, ... is used")
    p.add_argument("--overwrite", action="store_true",
                   help="replace results already in --run-dir instead")
    p.set_defaults(func=run)


def run(args):
    from keras_archs.cli import check_dataset
    from keras_archs.training import compare

    check_dataset(args.dataset)
    defaults = _DATASET_DEFAULTS.get(args.dataset, _FALLBACK_DEFAULTS)
    epochs = defaults["epochs"] if args.epochs is None else args.epochs
    batch_size = defaults["batch_size"] if args.batch_size is None else args.batch_size
    compare(args.names, dataset=args.dataset, epochs=epochs,
            batch_size=batch_size, optimizer=args.optimizer,
            learning_rate=args.learning_rate, run_dir=args.run_dir,
            overwrite=args.overwrite, augment=args.augment, data_dir=args.data_dir,
            seed=args.seed)
    return 0
