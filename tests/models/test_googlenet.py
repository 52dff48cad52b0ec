"""GoogLeNet (Inception v1): blocks, ImageNet and CIFAR layouts, auxiliary heads.

Parameter counts are derived here from the paper's Table 1 (the six widths of every
module) with the formulas below, independently of the model code.
"""

import json
from pathlib import Path

import keras
import numpy as np
import pytest

from keras_archs import (
    GoogLeNet, compile_googlenet, create_model, googlenet_aux_targets,
    googlenet_inference_model, inception_v1_block, list_models, model_info,
    naive_inception_block)
from keras_archs.analysis import count_params
from keras_archs.layers import AdaptiveAveragePooling2D
from keras_archs.models import googlenet as googlenet_module
from keras_archs.models.googlenet import INCEPTION_V1_MODULES
from keras_archs.weights import load_torch_weights

REPO = Path(__file__).resolve().parents[2]

TORCHVISION_GOOGLENET = 6_624_904  # torchvision googlenet, no aux heads, 1000 classes


def _must_not_build(*args, **kwargs):
    raise AssertionError("a layer was built before the arguments were validated")


def _conv(k, c_in, c_out, *, bias, bn):
    """Weights of a conv (+bias) (+BatchNorm gamma/beta, as PyTorch counts)."""
    return k * k * c_in * c_out + (c_out if bias else 0) + (2 * c_out if bn else 0)


def _module(c_in, widths, *, k5, bias, bn, factorized=False):
    f1, r3, f3, r5, f5, pp = widths
    five = (_conv(3, r5, f5, bias=bias, bn=bn) + _conv(3, f5, f5, bias=bias, bn=bn)
            if factorized else _conv(k5, r5, f5, bias=bias, bn=bn))
    return (_conv(1, c_in, f1, bias=bias, bn=bn) + _conv(1, c_in, r3, bias=bias, bn=bn)
            + _conv(3, r3, f3, bias=bias, bn=bn) + _conv(1, c_in, r5, bias=bias, bn=bn)
            + five + _conv(1, c_in, pp, bias=bias, bn=bn))


def _body(c_in, **kwargs):
    total = 0
    for widths in INCEPTION_V1_MODULES.values():
        total += _module(c_in, widths, **kwargs)
        c_in = widths[0] + widths[2] + widths[4] + widths[5]
    return total, c_in


def test_module_table_is_the_papers():
    """Output widths of Table 1: 256, 480, 512, 512, 512, 528, 832, 832, 1024."""
    outs = [w[0] + w[2] + w[4] + w[5] for w in INCEPTION_V1_MODULES.values()]
    assert outs == [256, 480, 512, 512, 512, 528, 832, 832, 1024]


def test_naive_block_grows_channels():
    """1×1: 192·64+64; 3×3: 9·192·128+128; 5×5: 25·192·32+32 → 387,296 params;
    output 64+128+32 plus the 192 pooled input channels = 416."""
    inputs = keras.Input((28, 28, 192))
    model = keras.Model(inputs, naive_inception_block(inputs))
    assert model.output.shape == (None, 28, 28, 416)
    assert model.count_params() == 387_296
    assert sum(1 for layer in model.layers if isinstance(layer, keras.layers.Conv2D)) == 3


def test_inception_v1_block_defaults_are_3a_with_a_real_5x5():
    """(3a) without BN: 12,352 + 18,528 + 110,720 + 3,088 + 12,832 + 6,176 = 163,696."""
    inputs = keras.Input((28, 28, 192))
    outputs = inception_v1_block(inputs, name="inception3a")  # the seed's call
    model = keras.Model(inputs, outputs)
    assert outputs.shape == (None, 28, 28, 256)
    assert model.count_params() == _module(192, INCEPTION_V1_MODULES["3a"], k5=5,
                                           bias=True, bn=False) == 163_696
    assert model.get_layer("inception3a_5x5").kernel.shape == (5, 5, 16, 32)
    assert not any(isinstance(layer, keras.layers.BatchNormalization)
                   for layer in model.layers)


def test_inception_v1_block_positional_filters_and_auto_names():
    inputs = keras.Input((14, 14, 480))
    first = inception_v1_block(inputs, 192, 96, 208, 16, 48, 64)
    second = inception_v1_block(first)
    assert first.shape[-1] == 512 and second.shape[-1] == 256
    model = keras.Model(inputs, second)
    names = [layer.name for layer in model.layers]
    assert len(names) == len(set(names))


def test_factorized_block_is_the_pytorch_seed_form():
    inputs = keras.Input((32, 32, 192))
    model = keras.Model(inputs, inception_v1_block(inputs, name="a3", factorized=True))
    assert model.get_layer("a3_5x5a").kernel.shape == (3, 3, 16, 32)
    assert model.get_layer("a3_5x5b").kernel.shape == (3, 3, 32, 32)
    assert model.get_layer("a3_5x5b").use_bias  # PyTorch's default conv bias
    assert isinstance(model.get_layer("a3_5x5b_bn"), keras.layers.BatchNormalization)
    assert count_params(model, include_bn_statistics=False) == _module(
        192, INCEPTION_V1_MODULES["3a"], k5=5, bias=True, bn=True, factorized=True)


def _imagenet_stem(*, bias, bn):
    return (_conv(7, 3, 64, bias=bias, bn=bn) + _conv(1, 64, 64, bias=bias, bn=bn)
            + _conv(3, 64, 192, bias=bias, bn=bn))


def test_imagenet_batchnorm_variant_vs_torchvision():
    """torchvision's layout (BN, no conv bias, 3×3 in the "5×5" branch) counts exactly
    6,624,904; the paper's real 5×5 kernels add Σ 16·r5·f5 = 380,928 (5.7 % more), so
    the faithful model has 7,005,832 parameters (PyTorch counting)."""
    body, width = _body(192, k5=3, bias=False, bn=True)
    assert _imagenet_stem(bias=False, bn=True) + body + 1024 * 1000 + 1000 \
        == TORCHVISION_GOOGLENET
    torchvision_layout = GoogLeNet(input_shape=(224, 224, 3), kernel_size_5x5=3)
    assert count_params(torchvision_layout, include_bn_statistics=False) \
        == TORCHVISION_GOOGLENET

    keras.backend.clear_session(free_memory=False)
    model = GoogLeNet(input_shape=(224, 224, 3))
    extra = sum(16 * w[3] * w[4] for w in INCEPTION_V1_MODULES.values())
    assert extra == 380_928
    assert count_params(model, include_bn_statistics=False) \
        == TORCHVISION_GOOGLENET + extra == 7_005_832
    assert model.name == "googlenet" and model.output.shape == (None, 1000)
    assert model.get_layer("inception3b_5x5").kernel.shape == (5, 5, 32, 96)
    assert model.get_layer("top_dropout").rate == 0.4
    assert {(layer.momentum, layer.epsilon) for layer in model.layers
            if isinstance(layer, keras.layers.BatchNormalization)} == {(0.9, 1e-3)}
    assert model.get_layer("pool2").output.shape[1:] == (28, 28, 192)
    assert model.get_layer("inception4e_concat").output.shape[1:] == (14, 14, 832)
    assert model.get_layer("inception5b_concat").output.shape[1:] == (7, 7, 1024)


def test_imagenet_paper_variant_has_biases_and_lrn():
    model = GoogLeNet(input_shape=(224, 224, 3), batch_norm=False)
    body, _ = _body(192, k5=5, bias=True, bn=False)
    assert model.count_params() == _imagenet_stem(bias=True, bn=False) + body \
        + 1024 * 1000 + 1000
    assert {"pool1_norm", "conv3_norm"} <= {layer.name for layer in model.layers}


def test_cifar_variant_is_kuangliu_pytorch_cifar():
    """kuangliu/pytorch-cifar GoogLeNet: 3×3 conv 192 (+bias, BN), factorized modules
    with biases and BN, linear 1024→10: 6,166,250 parameters as PyTorch counts."""
    body, width = _body(192, k5=5, bias=True, bn=True, factorized=True)
    expected = _conv(3, 3, 192, bias=True, bn=True) + body + width * 10 + 10
    assert expected == 6_166_250
    model = create_model("googlenet", input_shape=(32, 32, 3), num_classes=10)
    assert model.name == "googlenet_cifar"
    assert count_params(model, include_bn_statistics=False) == expected
    assert model.get_layer("conv1").kernel.shape == (3, 3, 3, 192)
    assert model.get_layer("inception3b_concat").output.shape[1:] == (32, 32, 480)
    assert model.get_layer("pool3").output.shape[1:] == (16, 16, 480)
    assert model.get_layer("pool4").output.shape[1:] == (8, 8, 832)
    assert model.get_layer("inception5b_concat").output.shape[1:] == (8, 8, 1024)
    assert not any(isinstance(layer, keras.layers.Dropout) for layer in model.layers)
    # PyTorch's BatchNorm defaults: momentum 0.1 (Keras 0.9), epsilon 1e-5.
    bns = [layer for layer in model.layers
           if isinstance(layer, keras.layers.BatchNormalization)]
    assert len(bns) == 1 + 9 * 7
    assert {(bn.momentum, bn.epsilon) for bn in bns} == {(0.9, 1e-5)}
    probs = model(np.random.rand(1, 32, 32, 3).astype("float32"))
    assert probs.shape == (1, 10)


def test_cifar_pool_pads_like_pytorch():
    """MaxPool2d(3, 2, padding=1): output 0 covers rows/cols -1..1, so it sees the
    corner pixel; TensorFlow's "same" would start at 0 and see rows 0..2."""
    model = GoogLeNet(input_shape=(8, 8, 3), classes=10)
    pool_in = model.get_layer("pool3_pad").input
    probe = keras.Model(pool_in, model.get_layer("pool3").output)
    x = np.zeros((1, 8, 8, 480), "float32")
    x[0, 2, 2, 0] = 1.0  # PyTorch: in windows (1,1) only
    out = probe(x).numpy()[0, :, :, 0]
    assert out[1, 1] == 1.0 and out[0, 0] == 0.0 and out.sum() == 1.0


def test_aux_heads_three_outputs_torchvision_count():
    """Aux head (torchvision): conv 1×1 ·128 + BN, fc 2048→1024, fc 1024→1000:
    aux1 3,188,968 + aux2 3,191,016 on top of 6,624,904 = 13,004,888."""
    aux = [_conv(1, c, 128, bias=False, bn=True) + 2048 * 1024 + 1024 + 1024 * 1000 + 1000
           for c in (512, 528)]
    model = GoogLeNet(input_shape=(224, 224, 3), aux_logits=True, kernel_size_5x5=3)
    assert len(model.outputs) == 3
    assert model.output_names == ["predictions_activation", "aux1", "aux2"]
    assert [tuple(o.shape) for o in model.outputs] == [(None, 1000)] * 3
    assert count_params(model, include_bn_statistics=False) \
        == TORCHVISION_GOOGLENET + sum(aux) == 13_004_888
    # Heads read 4a and 4d, pooled 14×14 → 4×4 by a 5×5/3 average pool.
    assert model.get_layer("aux1_avg_pool").input is \
        model.get_layer("inception4a_concat").output
    assert model.get_layer("aux2_avg_pool").input is \
        model.get_layer("inception4d_concat").output
    assert model.get_layer("aux1_avg_pool").output.shape[1:] == (4, 4, 512)
    assert model.get_layer("aux2_dropout").rate == 0.7


def test_inference_model_shares_weights_and_round_trips(tmp_path):
    model = GoogLeNet(input_shape=(16, 16, 3), classes=10, aux_logits=True)
    inference = googlenet_inference_model(model)
    assert len(model.outputs) == 3 and len(inference.outputs) == 1
    assert len(inference.weights) < len(model.weights)
    assert all(any(w is v for v in model.weights) for w in inference.weights)
    assert not any(layer.name.startswith("aux") for layer in inference.layers)
    assert googlenet_inference_model(inference) is inference

    x = np.random.rand(2, 16, 16, 3).astype("float32")
    main, aux1, aux2 = (o.numpy() for o in model(x))
    np.testing.assert_array_equal(inference(x).numpy(), main)

    path = tmp_path / "googlenet_aux.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    for before, after in zip((main, aux1, aux2), loaded(x)):
        np.testing.assert_allclose(after.numpy(), before, rtol=1e-5, atol=1e-6)


def test_compile_weights_aux_losses_by_0_3():
    model = GoogLeNet(input_shape=(16, 16, 3), classes=10, aux_logits=True)
    compile_googlenet(model, run_eagerly=True)
    x = np.random.rand(4, 16, 16, 3).astype("float32")
    y = np.arange(4)
    result = model.evaluate(x, (y, y, y), return_dict=True, verbose=0)
    expected = result["predictions_activation_loss"] \
        + 0.3 * (result["aux1_loss"] + result["aux2_loss"])
    assert result["loss"] == pytest.approx(expected, rel=1e-5)
    assert "predictions_activation_accuracy" in result


def test_aux_targets_repeat_the_label():
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((np.zeros((3, 2), "float32"), [7, 8, 9]))
    _, targets = next(iter(googlenet_aux_targets(ds.batch(3))))
    assert [list(t.numpy()) for t in targets] == [[7, 8, 9]] * 3


def test_registered():
    assert {"googlenet", "tv_googlenet"} <= set(list_models())


def test_torchvision_preset_is_torchvisions_layout():
    """torchvision.models.googlenet: conv1 7×7/2 padding 3; MaxPool2d(3, 2,
    ceil_mode=True) ×3 and MaxPool2d(2, 2, ceil_mode=True) before 5a; 3×3 "5×5"
    branches (pytorch/vision#906); BasicConv2d = conv (no bias) + BN(eps=0.001) + ReLU;
    dropout 0.2; 6,624,904 parameters (torchvision's GoogLeNet_Weights num_params)."""
    model = create_model("tv_googlenet")
    assert model.name == "tv_googlenet"
    assert count_params(model, include_bn_statistics=False) == TORCHVISION_GOOGLENET
    assert model_info("tv_googlenet").torchvision == "googlenet"
    assert model_info("googlenet").torchvision is None
    assert model.get_layer("conv1_pad").padding == ((3, 3), (3, 3))
    assert model.get_layer("conv1").padding == "valid"
    assert model.get_layer("inception3a_5x5").kernel.shape == (3, 3, 16, 32)
    assert model.get_layer("pool4").pool_size == (2, 2)
    assert model.get_layer("top_dropout").rate == 0.2
    for pool, shape in (("pool1", (56, 56, 64)), ("pool2", (28, 28, 192)),
                        ("pool3", (14, 14, 480)), ("pool4", (7, 7, 832))):
        assert model.get_layer(pool).output.shape[1:] == shape
    keys = googlenet_module.googlenet_torch_keys(model)
    assert keys["conv1"] == "conv1.conv" and keys["conv1_bn"] == "conv1.bn"
    assert keys["inception3a_3x3_reduce"] == "inception3a.branch2.0.conv"
    assert keys["inception5b_5x5_bn"] == "inception5b.branch3.1.bn"
    assert keys["inception4e_pool_proj"] == "inception4e.branch4.1.conv"
    assert keys["predictions"] == "fc"
    assert set(keys) == {layer.name for layer in model.layers if layer.weights}


def _torch_state(shapes):
    rng = np.random.default_rng(0)
    return {key: rng.normal(0, 0.1, shape).astype("float32") for key, shape in shapes}


def _torchvision_keys(twin):
    """(key, shape) of a torchvision state dict, from the reference fixture."""
    path = REPO / "tests" / "fixtures" / "torch_reference" / "reference.json"
    entries = json.loads(path.read_text())["models"][twin]["state_dict"]
    return [(key, tuple(shape)) for key, shape, dtype in entries
            if dtype.startswith("float")]


def test_torchvision_aux_heads_load_torchvisions_aux_keys():
    """torchvision's ImageNet checkpoint has aux1/aux2 (InceptionAux: adaptive 4×4
    average pool, BasicConv2d 128, fc1 2048→1024, fc2 1024→1000): with
    aux_logits=True every key of it finds a layer."""
    model = create_model("tv_googlenet", aux_logits=True, classifier_activation=None)
    pool = model.get_layer("aux1_avg_pool")
    assert isinstance(pool, AdaptiveAveragePooling2D) and pool.output.shape[1:] == (
        4, 4, 512)
    shapes = _torchvision_keys("torchvision.googlenet")
    for aux, channels in (("aux1", 512), ("aux2", 528)):
        shapes += [(f"{aux}.conv.conv.weight", (128, channels, 1, 1))]
        shapes += [(f"{aux}.conv.bn.{leaf}", (128,))
                   for leaf in ("weight", "bias", "running_mean", "running_var")]
        shapes += [(f"{aux}.fc1.weight", (1024, 2048)), (f"{aux}.fc1.bias", (1024,)),
                   (f"{aux}.fc2.weight", (1000, 1024)), (f"{aux}.fc2.bias", (1000,))]
    state = _torch_state(shapes)
    load_torch_weights(model, state, googlenet_module.googlenet_torch_keys)
    np.testing.assert_array_equal(model.get_layer("aux2_conv").kernel.numpy(),
                                  state["aux2.conv.conv.weight"].transpose(2, 3, 1, 0))
    np.testing.assert_array_equal(model.get_layer("aux1_predictions").kernel.numpy(),
                                  state["aux1.fc2.weight"].T)
    # fc1 reads PyTorch's (C, H, W) flattening: rows permuted to Keras' (H, W, C).
    fc1 = state["aux1.fc1.weight"].T.reshape(128, 4, 4, 1024).transpose(1, 2, 0, 3)
    np.testing.assert_array_equal(model.get_layer("aux1_fc").kernel.numpy(),
                                  fc1.reshape(2048, 1024))


@pytest.mark.parametrize("side, expected", [(15, 1), (79, 3)])
def test_torchvision_ceil_mode_pools_at_odd_sizes(side, expected):
    """PyTorch's output sizes: conv1 (7, stride 2, padding 3) floor((n - 1) / 2) + 1,
    MaxPool2d(3, 2, ceil_mode=True) floor((n - 2) / 2) + 1, MaxPool2d(2, 2,
    ceil_mode=True) ceil(n / 2): 15 → 8 → 4 → 2 → 1 → 1 (torchvision's min_size is
    15×15); 33 → 17 → 8 → 4 → 2 → 1 (the paper's "same" pools would give 2);
    79 → 40 → 20 → 10 → 5 → 3; 225 → 113 → 56 → 28 → 14 → 7."""
    model = create_model("tv_googlenet", input_shape=(side, side, 3), num_classes=10)
    assert model.get_layer("pool4").output.shape[1:3] == (expected, expected)


def test_torchvision_ceil_pool_windows_match_pytorch():
    """Odd input (7): ceil_mode windows start at 0, 2, 4 and never need padding;
    even input (8): the last window (6..8) hangs one column over the edge."""
    inputs = keras.Input((None, None, 1))
    probe = keras.Model(inputs, googlenet_module._ceil_max_pool(inputs, 3, name="p"))
    for side, cells in ((7, 3), (8, 4)):
        x = np.arange(side * side, dtype="float32").reshape(1, side, side, 1)
        out = probe(x).numpy()[0, :, :, 0]
        windows = [min(2 * i + 2, side - 1) for i in range(cells)]
        expected = np.array([[x[0, r, c, 0] for c in windows] for r in windows])
        np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("call, error, match", [
    (lambda x: naive_inception_block(x, filters=(64, 128)), ValueError,
     "filters must have 3 entries, got 2"),
    (lambda x: naive_inception_block(x, filters=(64, 0, 32)), ValueError,
     "filters entries must be >= 1"),
    (lambda x: inception_v1_block(x, filters_3x3=0), ValueError, "filters_3x3 must be"),
    (lambda x: inception_v1_block(x, filters_pool_proj=-4), ValueError,
     "filters_pool_proj must be"),
    (lambda x: inception_v1_block(x, filters_1x1="64"), TypeError, "filters_1x1 must be"),
    (lambda x: inception_v1_block(x, kernel_size_5x5=7), ValueError, "kernel_size_5x5"),
    (lambda x: inception_v1_block(x, factorized="yes"), TypeError, "factorized"),
    (lambda x: inception_v1_block(x, bn_momentum=1.0), ValueError, "bn_momentum"),
    (lambda x: inception_v1_block(x, bn_epsilon=0), ValueError, "bn_epsilon"),
])
def test_block_bad_input_raises_before_building(call, error, match, monkeypatch):
    inputs = keras.Input((8, 8, 16))
    monkeypatch.setattr(keras.layers, "Conv2D", _must_not_build)
    with pytest.raises(error, match=match):
        call(inputs)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(input_shape=(64, 64, 3), stem="imagenet", aux_logits=True), ValueError,
     "aux_logits=True needs an input of at least 65×65 with the imagenet stem"),
    (dict(input_shape=(8, 8, 3), aux_logits=True), ValueError,
     "aux_logits=True needs an input of at least 9×9 with the cifar stem"),
    (dict(input_shape=(None, None, 3), stem="cifar", aux_logits=True), ValueError,
     "aux_logits=True needs a fixed input height and width"),
    (dict(input_shape=(32, 32, 3), aux_logits=True, include_top=False), ValueError,
     "aux_logits=True needs include_top=True"),
    (dict(aux_logits=1), TypeError, "aux_logits must be True or False"),
    (dict(dropout=1.5), ValueError, "dropout must be a number in"),
    (dict(aux_dropout=-0.1), ValueError, "aux_dropout must be a number in"),
    (dict(stem="mobile"), ValueError, "stem must be one of"),
    (dict(preset="caffe"), ValueError, "preset must be one of 'paper', 'torchvision'"),
    (dict(preset="torchvision", stem="cifar"), ValueError,
     r"stem \(with preset='torchvision'\) must be one of"),
    (dict(preset="torchvision", batch_norm=False), ValueError,
     "batch_norm must be True with preset='torchvision'"),
])
def test_googlenet_bad_input_raises_before_building(kwargs, error, match, monkeypatch):
    monkeypatch.setattr(googlenet_module, "model_input", _must_not_build)
    with pytest.raises(error, match=match):
        GoogLeNet(**kwargs)


def test_aux_logits_smallest_inputs_build():
    assert len(GoogLeNet(input_shape=(65, 65, 3), stem="imagenet", classes=10,
                         aux_logits=True).outputs) == 3
    keras.backend.clear_session(free_memory=False)
    assert len(GoogLeNet(input_shape=(9, 9, 3), classes=10, aux_logits=True).outputs) == 3


def test_compile_rejects_bad_weight():
    model = GoogLeNet(input_shape=(16, 16, 3), classes=10)
    with pytest.raises(ValueError, match=r"aux_loss_weight must be a number >= 0"):
        compile_googlenet(model, aux_loss_weight=-1)


def test_feature_extractor():
    model = GoogLeNet(input_shape=(32, 32, 3), include_top=False, pooling="avg")
    assert model.output.shape == (None, 1024)
    assert not any(layer.name.startswith("predictions") for layer in model.layers)
