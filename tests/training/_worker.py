"""Training subprocess used by the distributed and fault-tolerance tests.

``python _worker.py '<json>'`` trains a tiny conv net on fixed random data with
:func:`keras_archs.training.train` and prints one ``RESULT {...}`` JSON line.
Options: ``strategy`` (a get_strategy name or null), ``logical_cpus`` (split the CPU
into that many logical devices first), ``run_dir``, ``epochs``, ``batch``
(global), ``mixed_precision``, ``kill_at`` ([epoch, batch], 0-based: SIGKILL this
process at that batch, to simulate a preempted job), ``weights_out`` (an .npz of the
trained weights), ``state_out`` (an .npz of every variable of the trained model,
``model/<path>``, and of its optimizer, ``optimizer/<path>``),
``optimizer`` and ``lr_schedule`` (as :func:`train` takes them; default plain SGD,
constant rate), ``seed`` (an int: the training batches come from
:func:`~keras_archs.data.pipeline.build_pipeline` with that seed, shuffled and
randomly cropped and flipped anew every epoch; default: the examples in order).
The RESULT line also gives the optimizer's ``iterations``.
"""

import json
import os
import signal
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main(opts):
    import tensorflow as tf

    if opts.get("logical_cpus"):
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * opts["logical_cpus"])
    from keras_archs.training import get_strategy, train

    # The strategy first: MultiWorkerMirroredStrategy must precede any TF operation.
    strategy = get_strategy(opts["strategy"]) if opts.get("strategy") else None
    import keras
    import numpy as np

    rng = np.random.RandomState(0)
    n = opts.get("examples", 64)
    # Two classes a small conv net separates in a few epochs: dark and bright images.
    y = rng.randint(0, 2, n).astype("int64")
    x = (rng.rand(n, 8, 8, 3) * 0.5 + y[:, None, None, None] * 0.4).astype("float32")
    batch = opts.get("batch", 16)
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(batch)
    train_ds = ds
    if opts.get("seed") is not None:
        from keras_archs.data.pipeline import build_pipeline, random_crop_flip

        def augment(image, label, example_seed):
            return random_crop_flip(image, pad=1, flip=True, seed=example_seed), label

        train_ds = build_pipeline(
            tf.data.Dataset.from_tensor_slices((x, y)), training=True, batch_size=batch,
            num_examples=n, augment=augment, seed=opts["seed"])

    keras.utils.set_random_seed(0)
    inputs = keras.Input((8, 8, 3))
    h = keras.layers.Conv2D(8, 3, activation="relu", name="conv")(inputs)
    h = keras.layers.GlobalAveragePooling2D(name="pool")(h)
    h = keras.layers.Dense(2, name="predictions")(h)
    outputs = keras.layers.Activation("softmax", dtype="float32",
                                      name="predictions_activation")(h)
    model = keras.Model(inputs, outputs, name="tiny")

    callbacks = []
    if opts.get("kill_at"):
        kill_epoch, kill_batch = opts["kill_at"]

        class _Preempt(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                self.epoch = epoch

            def on_train_batch_end(self, batch, logs=None):
                if self.epoch == kill_epoch and batch == kill_batch:
                    print(f"KILLING at epoch {self.epoch + 1} batch {batch}",
                          flush=True)
                    os.kill(os.getpid(), signal.SIGKILL)

        callbacks.append(_Preempt())

    history = train(model, train_ds, ds, opts.get("epochs", 2),
                    optimizer=opts.get("optimizer", "sgd"),
                    learning_rate=opts.get("learning_rate", 0.5),
                    lr_schedule=opts.get("lr_schedule"),
                    run_dir=opts["run_dir"], strategy=strategy, verbose=2,
                    mixed_precision=opts.get("mixed_precision", False),
                    callbacks=callbacks)
    trained = history.model
    if opts.get("weights_out"):
        np.savez(opts["weights_out"], *trained.get_weights())
    if opts.get("state_out"):
        state = {f"model/{v.path}": v for v in trained.variables}
        state.update({f"optimizer/{v.path}": v for v in trained.optimizer.variables})
        np.savez(opts["state_out"], **{k: np.asarray(v) for k, v in state.items()})
    print("RESULT " + json.dumps({
        "iterations": int(trained.optimizer.iterations.numpy()),
        "replicas": 1 if strategy is None else strategy.num_replicas_in_sync,
        "history": {k: [float(v) for v in vals] for k, vals in history.history.items()},
        "epochs_run": len(history.history["loss"]),
        "run_dir": str(history.run_dir),
    }), flush=True)


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
