"""LeNet-5 and the seed's simple CNN: layout, hand-derived parameter counts, bad input."""

import keras
import numpy as np
import pytest

from keras_archs import LeNet5, SimpleCNN, create_model, list_models
from keras_archs.data import load_dataset


def _conv(k, c_in, c_out):
    return k * k * c_in * c_out + c_out


def _dense(n_in, n_out):
    return n_in * n_out + n_out


def test_lenet5_param_count_grayscale_10_classes():
    """C1 6·(5·5·1+1)=156, C3 16·(5·5·6+1)=2,416 (full connection), C5 400·120+120=48,120,
    F6 120·84+84=10,164, output 84·10+10=850: 61,706."""
    expected = _conv(5, 1, 6) + _conv(5, 6, 16) + _dense(400, 120) + _dense(120, 84) \
        + _dense(84, 10)
    assert expected == 61_706
    assert LeNet5(input_shape=(32, 32, 1), classes=10).count_params() == 61_706


def test_lenet5_rgb_input_only_changes_c1():
    """RGB: C1 becomes 6·(5·5·3+1)=456, 300 more: 62,006."""
    assert LeNet5(input_shape=(32, 32, 3), classes=10).count_params() == 62_006


def test_lenet5_layout_classic_and_modern():
    model = LeNet5(input_shape=(32, 32, 1))
    shapes = {n: model.get_layer(n).output.shape[1:] for n in ("c1", "s2", "c3", "s4")}
    assert shapes == {"c1": (28, 28, 6), "s2": (14, 14, 6), "c3": (10, 10, 16),
                      "s4": (5, 5, 16)}
    assert isinstance(model.get_layer("s2"), keras.layers.AveragePooling2D)
    assert model.get_layer("c1").activation is keras.activations.tanh
    assert model.get_layer("fc1").activation is keras.activations.tanh
    assert model.get_layer("fc1").units == 120 and model.get_layer("fc2").units == 84

    keras.backend.clear_session(free_memory=False)
    modern = LeNet5(input_shape=(32, 32, 1), activation="relu", pooling_type="max")
    assert isinstance(modern.get_layer("s4"), keras.layers.MaxPooling2D)
    assert modern.get_layer("c3").activation is keras.activations.relu
    assert modern.count_params() == 61_706


def test_lenet5_forward_pass_and_features():
    model = create_model("lenet5", input_shape=(32, 32, 3), num_classes=10)
    probs = model(np.random.rand(1, 32, 32, 3).astype("float32"))
    assert probs.shape == (1, 10)
    np.testing.assert_allclose(float(np.sum(probs)), 1.0, rtol=1e-5)
    features = LeNet5(input_shape=(32, 32, 1), include_top=False, pooling="avg")
    assert features.output.shape == (None, 16)


def test_simple_cnn_param_counts():
    """conv 3·3·3·16+16=448, conv 3·3·16·32+32=4,640 (32→30→15→13→6),
    fc1 6·6·32·256+256=295,168, predictions 256·100+100=25,700: 325,956;
    with 10 classes the last layer is 2,570: 302,826."""
    assert _conv(3, 3, 16) + _conv(3, 16, 32) + _dense(1152, 256) + _dense(256, 100) \
        == 325_956
    assert SimpleCNN(input_shape=(32, 32, 3), classes=100).count_params() == 325_956
    keras.backend.clear_session(free_memory=False)
    model = create_model("simple_cnn", input_shape=(32, 32, 3), num_classes=10)
    assert model.count_params() == 302_826
    assert model.get_layer("pool2").output.shape[1:] == (6, 6, 32)


def test_registered():
    assert {"lenet5", "simple_cnn"} <= set(list_models())


@pytest.mark.parametrize("kwargs, match", [
    (dict(activation="sigmoid"), "activation must be one of 'tanh', 'relu'"),
    (dict(pooling_type="min"), "pooling_type must be one of 'average', 'max'"),
    (dict(input_shape=(15, 15, 1)), "input_shape height must be at least 16"),
    (dict(classes=0), "classes"),
    (dict(pooling="sum", include_top=False), "pooling must be one of"),
])
def test_lenet5_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        LeNet5(**kwargs)


def test_lenet5_smallest_input_builds():
    assert LeNet5(input_shape=(16, 16, 1)).get_layer("s4").output.shape[1:] == (1, 1, 16)


def test_simple_cnn_too_small_input():
    with pytest.raises(ValueError, match="input_shape height must be at least 10"):
        SimpleCNN(input_shape=(9, 32, 3))


def test_lenet5_learns_digits_and_round_trips(tmp_path):
    """Three epochs on the offline digits set take LeNet-5 far above chance (10 %)."""
    train = load_dataset("digits", "train", batch_size=64, seed=0)
    val = load_dataset("digits", "validation", batch_size=128)
    model = create_model("lenet5", input_shape=(32, 32, 3), num_classes=10)
    model.compile(keras.optimizers.Adam(3e-3), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(train, epochs=3, verbose=0)
    accuracy = model.evaluate(val, verbose=0, return_dict=True)["accuracy"]
    assert accuracy > 0.6

    path = tmp_path / "lenet5.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    images, _ = next(iter(val))
    np.testing.assert_array_equal(model.predict(images, verbose=0),
                                  loaded.predict(images, verbose=0))
