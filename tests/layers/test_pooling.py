"""AdaptiveAveragePooling2D: torch.nn.AdaptiveAvgPool2d's windows, as a Keras layer."""

import keras
import numpy as np
import pytest

from keras_archs.layers import AdaptiveAveragePooling2D


def test_windows_are_pytorchs():
    """14 → 4 (torchvision GoogLeNet's aux heads): rows [0, 4), [3, 7), [7, 11),
    [10, 14) — floor(i·14/4) to ceil((i+1)·14/4); 5 → 3: [0, 2), [1, 4), [3, 5)."""
    x = np.random.default_rng(0).random((2, 14, 5, 3), dtype="float32")
    out = np.asarray(AdaptiveAveragePooling2D((4, 3))(x))
    rows, cols = [(0, 4), (3, 7), (7, 11), (10, 14)], [(0, 2), (1, 4), (3, 5)]
    expected = np.stack([np.stack([x[:, r0:r1, c0:c1].mean(axis=(1, 2))
                                   for c0, c1 in cols], axis=1)
                         for r0, r1 in rows], axis=1)
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-6)


def test_round_trip(tmp_path):
    inputs = keras.Input((7, 7, 2))
    model = keras.Model(inputs, AdaptiveAveragePooling2D(3, name="pool")(inputs))
    x = np.random.default_rng(1).random((1, 7, 7, 2), dtype="float32")
    path = tmp_path / "pool.keras"
    model.save(path)
    restored = keras.saving.load_model(path, safe_mode=True)
    assert restored.get_layer("pool").output_size == (3, 3)
    np.testing.assert_allclose(np.asarray(restored(x)), np.asarray(model(x)), rtol=1e-6)


def test_bad_input():
    with pytest.raises(ValueError, match="output_size must be an integer >= 1"):
        AdaptiveAveragePooling2D(0)
    with pytest.raises(ValueError, match="output_size must have 2 entries"):
        AdaptiveAveragePooling2D((1, 2, 3))
    with pytest.raises(ValueError, match="needs a fixed input height and width"):
        AdaptiveAveragePooling2D(2)(keras.Input((None, None, 3)))
