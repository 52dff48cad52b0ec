"""``keras-archs compare``: train models side by side on the same data and schedule."""

from __future__ import annotations


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
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=32)
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
    compare(args.names, dataset=args.dataset, epochs=args.epochs,
            batch_size=args.batch_size, optimizer=args.optimizer,
            learning_rate=args.learning_rate, run_dir=args.run_dir,
            overwrite=args.overwrite, augment=args.augment, data_dir=args.data_dir,
            seed=args.seed)
    return 0
