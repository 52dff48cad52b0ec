"""HubFeatureExtractor: a TF-Hub SavedModel as a Keras 3 layer with real weights."""

import socket
import time

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_archs.transfer import HubFeatureExtractor, build_transfer_model, resolve_handle

LABELS = np.arange(8) % 3


def _head(layer, input_shape=(16, 16, 3)):
    return keras.Sequential([keras.Input(input_shape), layer,
                             keras.layers.Dense(3, activation="softmax")])


def _values(variables):
    return [np.array(v.numpy(), copy=True) for v in variables]


def test_weights_are_the_saved_models_variables(tiny_hub):
    restored = tf.saved_model.load(tiny_hub.path)
    layer = HubFeatureExtractor(tiny_hub.path, trainable=True)
    assert len(layer.weights) == len(restored.variables) == 6
    assert len(layer.trainable_weights) == len(restored.trainable_variables) == 4
    assert sum(int(np.prod(w.shape)) for w in layer.weights) == \
        tiny_hub.model.count_params()
    frozen = HubFeatureExtractor(tiny_hub.path)
    assert frozen.trainable_weights == [] and len(frozen.non_trainable_weights) == 6


def test_outputs_equal_the_original_model(tiny_hub, images):
    layer = HubFeatureExtractor(tiny_hub.path)
    expected = tiny_hub.model(images, training=False).numpy()
    np.testing.assert_allclose(layer(images).numpy(), expected, rtol=1e-6, atol=1e-6)


def test_works_in_sequential_and_functional(tiny_hub, images):
    seq = _head(HubFeatureExtractor(tiny_hub.path))
    assert seq.predict(images, verbose=0).shape == (8, 3)
    inputs = keras.Input((None, None, 3))
    x = HubFeatureExtractor(tiny_hub.path, name="hub")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(5)(x))
    assert model.get_layer("hub").output.shape == (None, 8)
    assert model.predict(images, verbose=0).shape == (8, 5)


def test_frozen_layer_is_bit_identical_after_fit(tiny_hub, images):
    layer = HubFeatureExtractor(tiny_hub.path)
    model = _head(layer)
    before, head_before = _values(layer.weights), _values(model.layers[-1].weights)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(images * 255.0, LABELS, epochs=3, batch_size=4, verbose=0)
    for old, new in zip(before, _values(layer.weights)):
        np.testing.assert_array_equal(old, new)  # incl. BatchNorm moving stats
    assert not np.array_equal(head_before[0], model.layers[-1].weights[0].numpy())


def test_trainable_layer_is_updated_by_fit(tiny_hub, images):
    layer = HubFeatureExtractor(tiny_hub.path, trainable=True)
    model = _head(layer)
    before = _values(layer.weights)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(images * 255.0, LABELS, epochs=2, batch_size=4, verbose=0)
    changed = [not np.array_equal(old, new)
               for old, new in zip(before, _values(layer.weights))]
    # kernel, bias, gamma, beta by the optimizer; moving mean/variance in training mode
    assert changed == [True] * 6


def test_keras_roundtrip_safe_mode(tiny_hub, images, tmp_path):
    model = build_transfer_model(f"hub:{tiny_hub.path}", 3, input_shape=(16, 16, 3),
                                 trainable=True)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(images * 255.0, LABELS, epochs=1, verbose=0)  # weights differ from disk
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(loaded.get_layer("backbone"), HubFeatureExtractor)
    assert loaded.get_layer("backbone").get_config()["handle"] == tiny_hub.path
    for a, b in zip(model.weights, loaded.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(model.predict(images * 255.0, verbose=0),
                                  loaded.predict(images * 255.0, verbose=0))


def test_signature_and_output_key(tiny_signature_hub, images):
    layer = HubFeatureExtractor(tiny_signature_hub.path, output_key="logits")
    expected = tiny_signature_hub.model(images, training=False).numpy() * 2.0
    np.testing.assert_allclose(layer(images).numpy(), expected, rtol=1e-6, atol=1e-6)
    assert len(layer.weights) == 6
    with pytest.raises(ValueError, match="several outputs.*features, logits"):
        HubFeatureExtractor(tiny_signature_hub.path)
    with pytest.raises(ValueError, match="output_key 'probs' is not an output.*"
                                         "features, logits"):
        HubFeatureExtractor(tiny_signature_hub.path, output_key="probs")
    with pytest.raises(ValueError, match="signature 'serve' is not in.*serving_default"):
        HubFeatureExtractor(tiny_signature_hub.path, signature="serve",
                            output_key="logits")


def test_input_shape_the_model_cannot_take(tiny_signature_hub):
    with pytest.raises(ValueError, match=r"cannot take inputs of shape "
                                         r"\(None, 32, 32, 3\).*\(None, 16, 16, 3\)"):
        _head(HubFeatureExtractor(tiny_signature_hub.path, output_key="features"),
              input_shape=(32, 32, 3))


def test_bad_handles(tmp_path, tiny_hub):
    with pytest.raises(ValueError, match="handle '/no/such/model' does not exist"):
        HubFeatureExtractor("/no/such/model")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="is not a SavedModel.*saved_model.pb"):
        HubFeatureExtractor(str(tmp_path / "empty"))
    (tmp_path / "file.txt").write_text("not a model")
    with pytest.raises(ValueError, match="is not a SavedModel"):
        HubFeatureExtractor(str(tmp_path / "file.txt"))
    bare = tf.Module()
    bare.v = tf.Variable(1.0)
    tf.saved_model.save(bare, str(tmp_path / "bare"))
    with pytest.raises(ValueError, match="has no usable signature"):
        HubFeatureExtractor(str(tmp_path / "bare"))
    with pytest.raises(ValueError, match="signature 'serving_default' is not in"):
        HubFeatureExtractor(tiny_hub.path, signature="serving_default")
    with pytest.raises(TypeError, match="handle must be"):
        HubFeatureExtractor(None)


def test_offline_url_fails_fast_with_local_path_advice(tmp_path, monkeypatch,
                                                       no_network):
    monkeypatch.setenv("TFHUB_CACHE_DIR", str(tmp_path / "cache"))
    handle = "https://tfhub.dev/google/imagenet/inception_v3/feature_vector/5"
    start = time.perf_counter()
    with pytest.raises(ValueError, match="local path") as err:
        HubFeatureExtractor(handle)
    assert time.perf_counter() - start < 30  # seconds, not a download timeout
    message = str(err.value)
    assert handle in message
    assert "tfhub.dev is unreachable (OSError: [Errno 101] Network is unreachable " \
        "(cut by the test's no_network fixture)" in message
    assert "this machine looks offline" in message
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())


def test_stalled_download_is_abandoned(tmp_path, monkeypatch):
    monkeypatch.setenv("TFHUB_CACHE_DIR", str(tmp_path / "cache"))
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)  # accepts connections, never answers
    try:
        url = f"http://127.0.0.1:{server.getsockname()[1]}/feature_vector/1"
        start = time.perf_counter()
        with pytest.raises(ValueError, match="could not download handle.*local"):
            resolve_handle(url, timeout=2, stall_timeout=2)
        assert time.perf_counter() - start < 15
    finally:
        server.close()


@pytest.mark.slow
def test_inception_v3_hub_export(inception_hub):
    restored = tf.saved_model.load(inception_hub.hub_path)
    layer = HubFeatureExtractor(inception_hub.hub_path)
    assert len(layer.weights) == len(restored.variables) == \
        len(inception_hub.model.weights)
    # 21,802,784 = keras.applications InceptionV3 without top (23,851,784 - 2,049,000)
    assert sum(int(np.prod(w.shape)) for w in layer.weights) == 21_802_784
    x = np.random.default_rng(0).uniform(0, 1, (1, 75, 75, 3)).astype("float32")
    expected = inception_hub.model(x, training=False).numpy().mean(axis=(1, 2))
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match=r"\(None, 75, 75, 3\)"):
        _head(HubFeatureExtractor(inception_hub.hub_path), input_shape=(299, 299, 3))


def test_url_handle_already_in_the_hub_cache_loads_offline(tiny_hub, tmp_path,
                                                           monkeypatch, images,
                                                           no_network):
    import shutil

    from tensorflow_hub import compressed_module_resolver

    monkeypatch.setenv("TFHUB_CACHE_DIR", str(tmp_path / "cache"))
    handle = "https://tfhub.dev/example/tiny_feature_vector/1"
    shutil.copytree(tiny_hub.path, compressed_module_resolver._module_dir(handle),
                    dirs_exist_ok=True)
    layer = HubFeatureExtractor(handle)
    assert layer.get_config()["handle"] == handle  # the URL, not the cache path
    np.testing.assert_allclose(layer(images).numpy(),
                               tiny_hub.model(images, training=False).numpy(),
                               rtol=1e-6, atol=1e-6)


def test_inference_only_export_fine_tunes_in_inference_mode(tmp_path, images):
    inputs = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(4, 3, name="conv")(inputs)
    x = keras.layers.BatchNormalization(name="bn")(x)
    net = keras.Model(inputs, keras.layers.GlobalAveragePooling2D()(x))
    fn = tf.function(lambda images, training=False: net(images, training=training))
    fn.get_concrete_function(tf.TensorSpec([None, None, None, 3]), training=False)
    obj = tf.train.Checkpoint()
    obj.__call__ = fn
    obj.net_variables = [v.value for v in net.variables]  # not the hub `variables` list
    tf.saved_model.save(obj, str(tmp_path / "inference_only"))
    layer = HubFeatureExtractor(str(tmp_path / "inference_only"), trainable=True)
    # Without a `variables` list, the variables come from the traced function.
    assert len(layer.weights) == 6 and len(layer.trainable_weights) == 4
    model = _head(layer)
    before = _values(layer.weights)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(images, LABELS, epochs=1, batch_size=4, verbose=0)
    after = _values(layer.weights)
    assert not np.array_equal(before[0], after[0])  # conv kernel trained
    np.testing.assert_array_equal(before[-1], after[-1])  # BN variance untouched


def test_regularization_losses_count_while_trainable(tmp_path, images):
    inputs = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(4, 3, name="conv")(inputs)
    net = keras.Model(inputs, keras.layers.GlobalAveragePooling2D()(x))
    fn = tf.function(lambda images, training=False: net(images, training=training))
    fn.get_concrete_function(tf.TensorSpec([None, None, None, 3]), training=False)
    kernel = net.get_layer("conv").kernel.value
    obj = tf.train.Checkpoint()
    obj.__call__ = fn
    obj.variables = [v.value for v in net.variables]
    obj.trainable_variables = [v.value for v in net.trainable_variables]
    obj.regularization_losses = [tf.function(
        lambda: 0.5 * tf.reduce_sum(tf.square(kernel)), input_signature=[])]
    tf.saved_model.save(obj, str(tmp_path / "regularized"))
    penalty = 0.5 * float(np.sum(np.square(kernel.numpy())))
    cross_entropy = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    for trainable, extra in ((True, penalty), (False, 0.0)):
        layer = HubFeatureExtractor(str(tmp_path / "regularized"), trainable=trainable)
        model = _head(layer)
        model.layers[-1].activation = keras.activations.linear
        model.compile("sgd", cross_entropy)
        loss = model.evaluate(images, LABELS, verbose=0)
        plain = float(cross_entropy(LABELS, model.predict(images, verbose=0)))
        assert loss == pytest.approx(plain + extra, rel=1e-5)
