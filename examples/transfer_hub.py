"""InceptionV3 from TF-Hub under a new Dense head, on the offline digits dataset.

The course recipe (``hub.KerasLayer`` in a ``Sequential``) ported to Keras 3: the
TF-Hub feature extractor becomes a ``HubFeatureExtractor`` layer whose variables
are real Keras weights, so both phases work — train the head with the backbone
frozen, then unfreeze it and fine-tune at a 100x lower learning rate.

    python examples/transfer_hub.py                       # tfhub.dev, needs network
    python examples/transfer_hub.py --handle /models/inception_v3_fv --image-size 299

On an offline machine pass ``--handle`` a local copy of the SavedModel (download it
elsewhere with ``tensorflow_hub.resolve(url)`` and copy the printed directory).
Szegedy et al. 2015, "Rethinking the Inception Architecture", arXiv:1512.00567.
"""

import argparse
import sys

from keras_archs.data import load_dataset
from keras_archs.plots import plot_histories
from keras_archs.transfer import build_transfer_model, fine_tune

INCEPTION_V3_FEATURE_VECTOR = (
    "https://www.kaggle.com/models/google/inception-v3/TensorFlow2/feature-vector/2")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--handle", default=INCEPTION_V3_FEATURE_VECTOR,
                   help="TF-Hub/Kaggle URL or local SavedModel directory")
    p.add_argument("--image-size", type=int, default=299)
    p.add_argument("--epochs", type=int, default=3, help="head-training epochs")
    p.add_argument("--fine-tune-epochs", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--limit-batches", type=int, default=None,
                   help="only this many batches per epoch (smoke runs)")
    p.add_argument("--run-dir", default="runs/transfer_hub")
    args = p.parse_args(argv)

    # Raw 0-255 pixels: the model rescales them to the [0, 1] TF-Hub expects.
    data = dict(batch_size=args.batch_size, image_size=args.image_size,
                normalization="none", seed=0)
    train_ds, info = load_dataset("digits", "train", with_info=True, **data)
    val_ds = load_dataset("digits", "validation", **data)
    if args.limit_batches:
        train_ds, val_ds = (train_ds.take(args.limit_batches),
                            val_ds.take(args.limit_batches))

    try:
        model = build_transfer_model(f"hub:{args.handle}", info.num_classes,
                                     input_shape=(args.image_size,) * 2 + (3,))
    except ValueError as err:  # bad or unreachable handle: one line, no traceback
        print(f"error: {err}", file=sys.stderr)
        return 2
    model.summary()
    result = fine_tune(model, train_ds, val_ds, epochs=args.epochs,
                       fine_tune_epochs=args.fine_tune_epochs, learning_rate=1e-3,
                       run_dir=args.run_dir, verbose=2)
    plot_histories({"InceptionV3 (TF-Hub)": result.history},
                            f"{args.run_dir}/curves.png",
                            title=f"head: epochs 1-{result.head_epochs}, then "
                                  "fine-tuning")
    val = result.history.get("val_accuracy", [])
    print(f"validation accuracy after the head phase: {val[result.head_epochs - 1]:.4f}"
          f"; after fine-tuning: {val[-1]:.4f}")
    print(f"Results in {args.run_dir}: head/, fine_tune/, history.json, curves.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
