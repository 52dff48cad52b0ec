"""Offline TF-Hub-style SavedModels and a keras.applications weights file, built once.

* ``tiny_hub``: a conv → BatchNorm → ReLU → global-pool net saved the TF-Hub
  "Reusable SavedModel" way: ``__call__(images, training)`` traced for both values
  of ``training``, plus ``variables``/``trainable_variables`` lists. Any image size.
* ``tiny_signature_hub``: the same net with no ``__call__``, only a
  ``serving_default`` signature at a fixed 16×16 size returning a dict.
* ``inception_hub``: keras.applications InceptionV3 (random weights) at 75×75, its
  minimum, exported as a feature-vector hub model, and the same backbone's
  ``.weights.h5`` for the ``applications:`` path.
"""

from collections import namedtuple

import keras
import numpy as np
import pytest
import tensorflow as tf

HubFixture = namedtuple("HubFixture", "path model")
InceptionFixture = namedtuple("InceptionFixture", "hub_path weights_path model")


def _export_hub(model, path, spec, pooled=False):
    """Save ``model`` as a TF-Hub reusable SavedModel at ``path``."""

    def call(images, training=False):
        features = model(images, training=training)
        return keras.ops.mean(features, axis=(1, 2)) if pooled else features

    fn = tf.function(call)
    for training in (True, False):
        fn.get_concrete_function(spec, training=training)
    obj = tf.train.Checkpoint()
    obj.__call__ = fn
    obj.variables = [v.value for v in model.variables]
    obj.trainable_variables = [v.value for v in model.trainable_variables]
    obj.regularization_losses = []
    tf.saved_model.save(obj, str(path))


def _tiny_net(seed=0):
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(8, 3, padding="same", name="conv")(inputs)
    x = keras.layers.BatchNormalization(name="bn")(x)
    x = keras.layers.ReLU(name="relu")(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    return keras.Model(inputs, x, name="tiny")


@pytest.fixture(scope="session")
def tiny_hub(tmp_path_factory):
    model = _tiny_net()
    path = tmp_path_factory.mktemp("hub") / "tiny"
    _export_hub(model, path, tf.TensorSpec([None, None, None, 3], tf.float32))
    return HubFixture(str(path), model)


@pytest.fixture(scope="session")
def tiny_signature_hub(tmp_path_factory):
    model = _tiny_net(seed=1)
    path = tmp_path_factory.mktemp("hub") / "tiny_signature"

    @tf.function(input_signature=[tf.TensorSpec([None, 16, 16, 3], tf.float32)])
    def serve(images):
        features = model(images, training=False)
        return {"features": features, "logits": features * 2.0}

    module = tf.Module()
    module.model_variables = [v.value for v in model.variables]
    tf.saved_model.save(module, str(path), signatures={"serving_default": serve})
    return HubFixture(str(path), model)


@pytest.fixture(scope="session")
def inception_hub(tmp_path_factory):
    keras.utils.set_random_seed(0)
    base = keras.applications.InceptionV3(include_top=False, weights=None,
                                          input_shape=(75, 75, 3))
    root = tmp_path_factory.mktemp("inception")
    weights_path = root / "inception_v3_notop.weights.h5"
    base.save_weights(str(weights_path))
    _export_hub(base, root / "hub", tf.TensorSpec([None, 75, 75, 3], tf.float32),
                pooled=True)
    return InceptionFixture(str(root / "hub"), str(weights_path), base)


@pytest.fixture
def images():
    rng = np.random.default_rng(0)
    return rng.uniform(0.0, 1.0, (8, 16, 16, 3)).astype("float32")
