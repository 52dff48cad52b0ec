"""DPN: the dual path block's arithmetic, the timm twins' counts, layout and key map,
the CIFAR layouts, serialisation, and bad input.

Output parity with timm's dpn68 is checked by the generic
tests/models/test_torch_parity.py (``dpn68`` declares the twin)."""

import numpy as np
import pytest

import keras

from keras_archs import create_model, list_models, model_info
from keras_archs.analysis import count_params
from keras_archs.models import dpn as P

# PyTorch counts (no BatchNorm running statistics):
DPN68 = 12_611_602   # timm 1.0.29 dpn68 (the PyTorch reference's "params"); also
#                      osmr/imgclsmob's table for Cadene's DPN-68
DPN98 = 61_570_728   # osmr/imgclsmob pytorch/README.md, DPN-98 (Cadene's weights,
#                      the ones timm's dpn98 loads)
DPN92_M = 37.67      # timm's dpn92, "≈ 37.67 M" (project STYLE.md; timm's results)


def test_dual_path_block_adds_the_residual_part_and_concatenates_the_dense_part():
    x = keras.Input((8, 8, 16))
    # 16 input channels cannot hold a 20-channel residual part: the block projects.
    y = P.dual_path_block(x, 16, 20, 4, groups=4, name="b1")
    z = P.dual_path_block(y, 16, 20, 4, groups=4, name="b2")          # splits its input
    assert y.shape[1:] == (8, 8, 20 + 2 * 4 + 4)
    assert z.shape[1:] == (8, 8, 20 + 3 * 4 + 4)
    s = P.dual_path_block(z, 16, 32, 8, groups=8, strides=2, name="b3")
    assert s.shape[1:] == (4, 4, 32 + 3 * 8)
    model = keras.Model(x, [y, z, s])
    assert model.get_layer("b1_2_conv").groups == 4
    assert model.get_layer("b3_0_conv").strides == (2, 2)
    assert model.get_layer("b3_2_conv").strides == (2, 2)
    assert model.get_layer("b3_2_pad").padding == ((1, 1), (1, 1))  # PyTorch's
    assert "b2_0_conv" not in [l.name for l in model.layers]

    parts = keras.Model(x, [model.get_layer(n).output for n in (
        "b2_residual", "b2_dense", "b2_3_conv", "b2_out")])
    batch = np.random.default_rng(0).normal(size=(2, 8, 8, 16)).astype("float32")
    residual, dense, new, out = (np.asarray(t) for t in parts(batch, training=False))
    # out = [residual + new[:20] | dense | new[20:]]
    np.testing.assert_allclose(out[..., :20], residual + new[..., :20], rtol=1e-6,
                               atol=1e-6)
    np.testing.assert_array_equal(out[..., 20:32], dense)
    np.testing.assert_array_equal(out[..., 32:], new[..., 20:])


def test_dpn68_twin_of_timm_at_224():
    model = create_model("dpn68", classifier_activation=None)
    assert model.name == "dpn68"
    assert count_params(model, include_bn_statistics=False) == DPN68
    # timm's "small" DPN: 3×3/2 stem of 10 channels, symmetric padding, max-pool.
    conv = model.get_layer("conv1_conv")
    assert (conv.filters, conv.kernel_size, conv.strides) == (10, (3, 3), (2, 2))
    assert model.get_layer("conv1_pad").padding == ((1, 1), (1, 1))
    assert model.get_layer("pool1").output.shape[1:3] == (56, 56)
    assert model.get_layer("post_bn").input.shape[1:] == (7, 7, 512 + 5 * 64)
    bns = [l for l in model.layers if isinstance(l, keras.layers.BatchNormalization)]
    assert {(l.epsilon, l.momentum) for l in bns} == {(1e-3, 0.9)}
    y = model(np.zeros((1, 224, 224, 3), "float32"), training=False)
    assert y.shape == (1, 1000)

    keys = P.torch_keys(model)
    assert set(keys) == {l.name for l in model.layers if l.weights}
    assert len(set(keys.values())) == len(keys)
    # timm's dpn68 has 144 modules with parameters (433 state_dict keys): the stem
    # conv + BN, 22 blocks × 3 BnActConv2d (BN + conv), 4 projections (BN + conv),
    # conv5_bn_ac, classifier.
    assert len(keys) == 2 + 22 * 6 + 4 * 2 + 1 + 1
    assert keys["conv1_conv"] == "features.conv1_1.conv"
    assert keys["conv1_bn"] == "features.conv1_1.bn"
    assert keys["conv2_block1_0_bn"] == "features.conv2_1.c1x1_w_s1.bn"
    assert keys["conv3_block1_0_conv"] == "features.conv3_1.c1x1_w_s2.conv"
    assert keys["conv4_block12_1_bn"] == "features.conv4_12.c1x1_a.bn"
    assert keys["conv4_block12_2_conv"] == "features.conv4_12.c3x3_b.conv"
    assert keys["conv5_block3_3_conv"] == "features.conv5_3.c1x1_c.conv"
    assert keys["post_bn"] == "features.conv5_bn_ac.bn"
    assert keys["predictions"] == "classifier"
    assert model_info("dpn68").timm == "dpn68"
    assert model_info("dpn68").reference_params == DPN68


@pytest.mark.slow
@pytest.mark.parametrize("name", ["dpn92", "dpn98"])
def test_large_dpns_build_count_and_run_at_224(name):
    model = create_model(name)
    count = count_params(model, include_bn_statistics=False)
    if name == "dpn98":
        assert count == DPN98
        assert model.get_layer("conv1_conv").filters == 96
        assert model.get_layer("conv3_block1_2_conv").groups == 40
    else:
        assert round(count / 1e6, 2) == DPN92_M
        assert model.get_layer("post_bn").input.shape[-1] == 2048 + 5 * 128
    assert model.get_layer("conv1_conv").kernel_size == (7, 7)
    y = model(np.zeros((1, 224, 224, 3), "float32"), training=False)
    assert y.shape == (1, 1000)
    assert model_info(name).timm == name


@pytest.mark.parametrize("name, blocks", [("dpn26", (2, 2, 2, 2)),
                                          ("dpn92", (3, 4, 20, 3))])
def test_cifar_layouts_forward_at_32(name, blocks):
    """kuangliu's pytorch-cifar DPN26/DPN92 layouts: widths 96/192/384/768, residual
    256/512/1024/2048, dense depths 16/32/24/128, 3×3/1 stem of 64, no max-pool."""
    model = create_model(name, input_shape=(32, 32, 3), num_classes=10)
    assert model.name == ("dpn26" if name == "dpn26" else "dpn92_cifar")
    names = [l.name for l in model.layers]
    assert "pool1" not in names
    assert model.get_layer("conv1_conv").strides == (1, 1)
    assert model.get_layer("conv1_conv").filters == 64
    for stage, (count, width, residual) in enumerate(
            zip(blocks, (96, 192, 384, 768), (256, 512, 1024, 2048)), start=2):
        assert f"conv{stage}_block{count}_out" in names
        assert f"conv{stage}_block{count + 1}_out" not in names
        assert model.get_layer(f"conv{stage}_block1_2_conv").filters == width
        assert model.get_layer(f"conv{stage}_block1_add").output.shape[-1] == residual
    assert model.get_layer("post_bn").input.shape[1:] == (4, 4, 2048 + (blocks[-1] + 2)
                                                          * 128)
    assert {l.momentum for l in model.layers
            if isinstance(l, keras.layers.BatchNormalization)} == {0.9}
    if name == "dpn26":  # DPN-92 at 32×32 runs in tests/test_registry.py (slow)
        y = model(np.zeros((2, 32, 32, 3), "float32"), training=False)
        assert y.shape == (2, 10)


def test_small_dpn_round_trips_through_keras_file_safe_mode(tmp_path):
    model = P.DPN((1, 2), (8, 16), (16, 32), (4, 8), groups=4, input_shape=(16, 16, 3),
                  classes=5, stem_filters=8)
    assert model.name == "dpn_cifar"
    batch = np.random.default_rng(0).random((2, 16, 16, 3), dtype=np.float32)
    expected = np.asarray(model(batch, training=False))
    path = tmp_path / "dpn.keras"
    model.save(path)
    restored = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(restored.get_layer("conv2_block1_0_residual"), P.ChannelSlice)
    np.testing.assert_allclose(np.asarray(restored(batch, training=False)), expected,
                               rtol=1e-6, atol=1e-6)


def _timm_state_dict(model):
    """``model``'s weights as timm's DPN stores them (torch layouts, 1×1-conv
    classifier), through our torch_keys."""
    state = {}
    for name, prefix in P.torch_keys(model).items():
        layer = model.get_layer(name)
        if isinstance(layer, keras.layers.BatchNormalization):
            for leaf, var in zip(("weight", "bias", "running_mean", "running_var"),
                                 (layer.gamma, layer.beta, layer.moving_mean,
                                  layer.moving_variance)):
                state[f"{prefix}.{leaf}"] = np.asarray(var)
        elif isinstance(layer, keras.layers.Dense):
            state[f"{prefix}.weight"] = np.asarray(layer.kernel).T[:, :, None, None]
            state[f"{prefix}.bias"] = np.asarray(layer.bias)
        else:
            state[f"{prefix}.weight"] = np.asarray(layer.kernel).transpose(3, 2, 0, 1)
    return state


def test_timm_layout_state_dict_loads_through_torch_keys():
    """A DPN of another configuration, its classifier a (classes, C, 1, 1) 1×1 conv
    as in timm, loads through the general key map with identical outputs."""
    from keras_archs.weights import load_torch_weights

    def build():
        return P.DPN((2, 1), (8, 16), (16, 32), (4, 8), groups=4,
                     input_shape=(32, 32, 3), stem="imagenet", stem_kernel=3,
                     stem_filters=8, classes=6, classifier_activation=None)

    source = build()
    rng = np.random.default_rng(0)
    for v in source.weights:
        v.assign(rng.uniform(0.5, 1.5, tuple(v.shape)).astype("float32")
                 if v.path.endswith("moving_variance")
                 else rng.normal(0, 0.3, tuple(v.shape)).astype("float32"))
    state = _timm_state_dict(source)
    assert state["classifier.weight"].shape == (6, 32 + 3 * 8, 1, 1)
    assert "features.conv3_1.c1x1_w_s2.conv.weight" in state
    assert "features.conv2_2.c3x3_b.bn.running_var" in state
    target = build()
    load_torch_weights(target, state, P.torch_keys)
    batch = rng.normal(size=(2, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(np.asarray(target(batch, training=False)),
                               np.asarray(source(batch, training=False)),
                               rtol=1e-5, atol=1e-5)


def test_registry_lists_the_family():
    assert set(list_models("dpn*")) >= {"dpn26", "dpn68", "dpn92", "dpn98"}
    assert model_info("dpn26").default_input_shape == (32, 32, 3)
    assert model_info("dpn98").reference_params == DPN98
    assert not model_info("dpn98").reference_counts_bn_statistics


# -------------------------------------------------------------------- bad input

@pytest.fixture
def no_build(monkeypatch):
    """Fail the test if anything reaches layer construction."""
    def boom(*args, **kwargs):
        raise AssertionError("a layer was built before the bad input was rejected")

    monkeypatch.setattr(P, "model_input", boom)
    monkeypatch.setattr(P, "_bn_relu_conv", boom)


BAD_MODEL_ARGUMENTS = [
    (lambda: P.DPN((1, 1), (48, 96), (64, 128), (8, 8), groups=32),
     "groups must divide the bottleneck width: groups=32 does not divide filters=48"),
    (lambda: P.DPN68(groups=24), "groups=24 does not divide filters=128"),
    (lambda: P.DPN((1, 1), (32, 64), (64, 128, 256), (8, 8)),
     "residual_channels and stage_sizes must have the same length"),
    (lambda: P.DPN((1, 1), (32, 64), (64, 128), (8, 0)), "dense_channels entries"),
    (lambda: P.DPN((1, 0), (32, 64), (64, 128), (8, 8)), "stage_sizes entries"),
    (lambda: P.DPN((1, 1), (32, 64), (64, 128), (8, 8), groups=0), "groups"),
    (lambda: P.DPN((1, 1), (32, 64), (64, 128), (8, 8), strides=(1, 2, 2)),
     "strides and stage_sizes must have the same length"),
    (lambda: P.DPN((1, 1), (32, 64), (64, 128), (8, 8), bn_momentum=1.0),
     "bn_momentum"),
    (lambda: P.DPN92(stem="tiny"), "stem must be one of"),
    (lambda: P.DPN92(input_shape=(16, 16, 3), stem="imagenet"), "downsample by 32"),
    (lambda: P.DPN92(weights="imagenet"), "keras.applications counterpart"),
]


# One test per list, not one per case: fewer per-test set-ups.
def test_bad_model_arguments_raise_before_building(no_build, no_network):
    for call, words in BAD_MODEL_ARGUMENTS:
        with pytest.raises((ValueError, TypeError), match=words):
            call()


BAD_BLOCK_ARGUMENTS = [
    (lambda x: P.dual_path_block(x, 48, 32, 8, groups=32, name="b"),
     "groups=32 does not divide filters=48"),
    (lambda x: P.dual_path_block(x, 32, 32, 0, name="b"), "dense_channels"),
    (lambda x: P.dual_path_block(x, 32, 32, 8, strides=0, name="b"), "strides"),
    (lambda x: P.dual_path_block(x, 32, 8, 8, strides=2, project=False, name="b"),
     "project=False needs strides=1"),
    (lambda x: P.dual_path_block("x", 32, 32, 8, name="b"), "4-D Keras tensor"),
]


def test_bad_block_arguments_raise_before_building(no_build):
    for call, words in BAD_BLOCK_ARGUMENTS:
        with pytest.raises((ValueError, TypeError), match=words):
            call(keras.Input((8, 8, 16)))
