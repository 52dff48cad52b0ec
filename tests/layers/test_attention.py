"""keras_archs.layers.attention: SE and the shared ``attention=`` resolution."""

import pytest

import keras

from keras_archs.layers import (
    apply_attention, check_attention, check_se_ratio, se_block)


def test_se_block_adds_its_analytic_parameter_count():
    x = keras.Input((7, 7, 64))
    model = keras.Model(x, se_block(x, 16, name="s"))
    # Hu et al.: 2·C·C/r + C/r + C (two 1×1 convolutions with biases).
    assert model.count_params() == 2 * 64 * 4 + 4 + 64
    assert [l.name for l in model.layers[1:]] == [
        "s_squeeze", "s_reshape", "s_reduce", "s_expand", "s_excite"]


def test_apply_attention_resolves_none_se_and_callables():
    x = keras.Input((4, 4, 32))
    assert apply_attention(x, None, "a") is x
    y = apply_attention(x, "se", "a", ratio=8)
    model = keras.Model(x, y)
    assert model.get_layer("a_reduce").filters == 4
    seen = []

    def gate(t, name):
        seen.append(name)
        return t

    assert apply_attention(x, gate, "b") is x and seen == ["b"]


@pytest.mark.parametrize("bad", ["cbam", "SE", 1, ["se"]])
def test_unknown_attention_names_the_argument(bad):
    with pytest.raises(ValueError, match="attention must be None, 'se' or a callable"):
        check_attention(bad)
    with pytest.raises(ValueError, match="attention must be None"):
        apply_attention(keras.Input((4, 4, 8)), bad, "a")


def test_se_ratio_check():
    assert check_se_ratio(16, 16) == 16
    assert check_se_ratio(64, 16, attention=None) == 64  # no SE: not bounded
    with pytest.raises(ValueError,
                       match="se_ratio must be at most the channel count 16"):
        check_se_ratio(17, 16)
    with pytest.raises((ValueError, TypeError), match="se_ratio"):
        check_se_ratio(0, 16)
