"""ChannelShuffle and ChannelSplit: ShuffleNet's reshuffles as serialisable layers."""

import keras
import numpy as np
import pytest

from keras_archs.layers import ChannelShuffle, ChannelSplit


def _apply(layer, x):
    return np.asarray(layer(keras.ops.convert_to_tensor(x)))


def test_shuffle_interleaves_groups_like_pytorch():
    """12 channels in 3 groups of 4: PyTorch's view(3, 4).transpose → channel order
    0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11."""
    x = np.broadcast_to(np.arange(12, dtype="float32"), (1, 2, 2, 12))
    out = _apply(ChannelShuffle(3), x)
    assert out[0, 1, 0].tolist() == [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]


@pytest.mark.parametrize("groups", [2, 3, 4, 6])
def test_shuffle_with_g_groups_is_undone_by_c_over_g_groups(groups):
    x = np.random.default_rng(groups).random((2, 3, 5, 12), dtype="float32")
    shuffled = _apply(ChannelShuffle(groups), x)
    assert not np.array_equal(shuffled, x)
    np.testing.assert_array_equal(_apply(ChannelShuffle(12 // groups), shuffled), x)


def test_split_gives_consecutive_halves():
    x = np.random.default_rng(0).random((1, 4, 4, 6), dtype="float32")
    first, second = ChannelSplit(2)(x)
    np.testing.assert_array_equal(np.asarray(first), x[..., :3])
    np.testing.assert_array_equal(np.asarray(second), x[..., 3:])


def test_keras_round_trip_with_safe_mode(tmp_path):
    inputs = keras.Input((None, None, 8))
    a, b = ChannelSplit(2, name="split")(inputs)
    x = keras.layers.Concatenate()([b, keras.layers.Conv2D(4, 1)(a)])
    outputs = ChannelShuffle(4, name="shuffle")(x)
    model = keras.Model(inputs, outputs)
    x = np.random.default_rng(1).random((2, 5, 3, 8), dtype="float32")
    expected = np.asarray(model(x))
    path = tmp_path / "shuffle.keras"
    model.save(path)
    restored = keras.saving.load_model(path, safe_mode=True)
    assert restored.get_layer("shuffle").get_config()["groups"] == 4
    assert restored.get_layer("split").get_config()["num_splits"] == 2
    assert not any(isinstance(layer, keras.layers.Lambda) for layer in restored.layers)
    np.testing.assert_array_equal(np.asarray(restored(x)), expected)


@pytest.mark.parametrize("make, error, match", [
    (lambda: ChannelShuffle(0), ValueError, "groups must be an integer >= 1"),
    (lambda: ChannelShuffle(2.0), TypeError, "groups must be an integer"),
    (lambda: ChannelSplit(0), ValueError, "num_splits must be an integer >= 1"),
])
def test_bad_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_groups_must_divide_the_channels():
    with pytest.raises(ValueError, match=r"groups \(5\) must divide the number of "
                                         r"channels \(12\)"):
        ChannelShuffle(5)(keras.Input((4, 4, 12)))
    with pytest.raises(ValueError, match=r"num_splits \(2\) must divide the number "
                                         r"of channels \(7\)"):
        ChannelSplit(2)(keras.Input((4, 4, 7)))
