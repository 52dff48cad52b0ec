"""Every custom layer of keras-archs serialises: registered under "keras_archs", its
``get_config`` names every constructor argument, and ``from_config`` (directly, and
through Keras' own deserialisation with ``safe_mode=True`` and no ``custom_objects``,
as a ``.keras`` file does) rebuilds a layer with the same config and the same output.

The layers are found by walking the package, so a new layer fails
``test_every_custom_layer_has_an_example`` until an example is written below.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import keras
import numpy as np
import pytest

import keras_archs

PACKAGE = "keras_archs"


def _custom_layer_classes():
    """Every keras.layers.Layer subclass defined in a keras_archs module."""
    found = {}
    for module_info in pkgutil.walk_packages(keras_archs.__path__, f"{PACKAGE}."):
        if module_info.name.endswith("__main__"):
            continue  # running it would start the command line
        module = importlib.import_module(module_info.name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, keras.layers.Layer) and not issubclass(obj, keras.Model) \
                    and obj.__module__.startswith(f"{PACKAGE}."):
                found[obj.__name__] = obj
    return found


CLASSES = _custom_layer_classes()


def _hub_saved_model(path):
    """A one-convolution TF-Hub-style SavedModel (``__call__(images, training)``)."""
    import tensorflow as tf

    keras.utils.set_random_seed(3)
    inputs = keras.Input((None, None, 3))
    net = keras.Model(inputs, keras.layers.Conv2D(4, 3, name="conv")(inputs))
    fn = tf.function(lambda images, training=False: net(images, training=training))
    for training in (True, False):
        fn.get_concrete_function(tf.TensorSpec([None, None, None, 3], tf.float32),
                                 training=training)
    obj = tf.train.Checkpoint()
    obj.__call__ = fn
    obj.variables = [v.value for v in net.variables]
    obj.trainable_variables = [v.value for v in net.trainable_variables]
    tf.saved_model.save(obj, str(path))
    return str(path)


# class name → (constructor arguments, input shape). Arguments differ from the defaults
# where there are defaults, so a config that forgets one is caught.
EXAMPLES = {
    "ChannelShuffle": (dict(groups=4), (2, 3, 3, 8)),
    "ChannelSplit": (dict(num_splits=4), (2, 3, 3, 8)),
    "ChannelSlice": (dict(start=2, stop=5), (2, 3, 3, 8)),
    "ChannelZeroPadding": (dict(before=1, after=3), (2, 3, 3, 4)),
    "AdaptiveAveragePooling2D": (dict(output_size=(2, 3)), (2, 7, 5, 3)),
    "LocalResponseNormalization": (dict(depth_radius=3, bias=1.5, alpha=2e-3,
                                        beta=0.5), (2, 3, 3, 8)),
    "ImagePreprocessing": (dict(mode="caffe"), (2, 4, 4, 3)),
    "HubFeatureExtractor": (dict(handle=_hub_saved_model, trainable=True),
                            (2, 6, 6, 3)),
}


def test_every_custom_layer_has_an_example_and_is_registered():
    assert sorted(EXAMPLES) == sorted(CLASSES), (
        "write an example for each new custom layer in EXAMPLES")
    registered = {key.split(">", 1)[1]: obj
                  for key, obj in keras.saving.get_custom_objects().items()
                  if key.startswith(f"{PACKAGE}>")}
    for name, cls in CLASSES.items():
        # register_keras_serializable(package="keras_archs"): .keras files find it.
        assert keras.saving.get_registered_name(cls) == f"{PACKAGE}>{name}"
        assert keras.saving.get_registered_object(f"{PACKAGE}>{name}") is cls
    layers = {name for name, obj in registered.items()
              if inspect.isclass(obj) and issubclass(obj, keras.layers.Layer)}
    assert layers == set(CLASSES)


def _outputs(result):
    return [np.asarray(t) for t in keras.tree.flatten(result)]


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_config_round_trip_gives_the_same_layer(name, tmp_path):
    cls = CLASSES[name]
    kwargs, shape = EXAMPLES[name]
    kwargs = {k: v(tmp_path / "hub") if callable(v) else v for k, v in kwargs.items()}
    layer = cls(name=f"my_{name.lower()}", **kwargs)
    x = np.random.default_rng(0).uniform(0, 255, shape).astype("float32")
    expected = _outputs(layer(x, training=False))

    config = layer.get_config()
    wanted = [p for p in inspect.signature(cls.__init__).parameters
              if p not in ("self", "kwargs")]
    assert set(wanted) <= set(config), f"get_config lacks {set(wanted) - set(config)}"
    clone = cls.from_config(config)
    assert clone.get_config() == config

    # The path a .keras file takes: the registered name, safe mode, no custom_objects.
    serialized = keras.saving.serialize_keras_object(layer)
    assert serialized["registered_name"] == f"{PACKAGE}>{name}"
    revived = keras.saving.deserialize_keras_object(serialized, safe_mode=True)
    assert type(revived) is cls and revived.get_config() == config

    for other in (clone, revived):
        actual = _outputs(other(x, training=False))
        assert len(actual) == len(expected)
        for a, b in zip(actual, expected):
            np.testing.assert_array_equal(a, b)
