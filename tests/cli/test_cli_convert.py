"""``keras-archs convert``: a PyTorch checkpoint in, a plain-Keras weights file out."""

from pathlib import Path

import keras
import numpy as np
import pytest

from keras_archs import create_model
from keras_archs.cli import main
from keras_archs.models.alexnet import alexnet_torch_keys

CHECKPOINTS = Path(__file__).resolve().parents[1] / "fixtures" / "torch_checkpoints"
# AlexNet at its smallest ImageNet-stem input (pool5 is 1×1) with 10 classes keeps the
# files small (~20 M parameters); the layout is torchvision's.
SHAPE = (63, 63, 3)
ARGS = ["--num-classes", "10", "--input-shape", "63,63,3"]


def torch_state_dict(model, torch_keys, seed=0):
    """A random state dict in PyTorch's layouts for ``model`` (the loader's inverse)."""
    rng = np.random.default_rng(seed)
    state = {}
    for name, prefix in torch_keys(model).items():
        layer = model.get_layer(name)
        kernel = rng.standard_normal(layer.kernel.shape).astype(np.float32) * 0.05
        if isinstance(layer, keras.layers.Conv2D):
            state[f"{prefix}.weight"] = kernel.transpose(3, 2, 0, 1)   # → O, I, kh, kw
        else:
            state[f"{prefix}.weight"] = kernel.T                       # → out, in
        state[f"{prefix}.bias"] = rng.standard_normal(layer.bias.shape).astype(
            np.float32) * 0.05
    # safetensors.numpy.save_file writes a non-contiguous array's raw buffer as is
    return {k: np.ascontiguousarray(v) for k, v in state.items()}


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    from safetensors.numpy import save_file

    template = create_model("alexnet", input_shape=SHAPE, num_classes=10,
                            stem="imagenet")
    state = torch_state_dict(template, alexnet_torch_keys)
    path = tmp_path_factory.mktemp("ckpt") / "alexnet.safetensors"
    save_file(state, str(path))
    keras.backend.clear_session(free_memory=False)
    return path, state


def test_converted_file_loads_with_plain_keras_and_gives_identical_logits(
        checkpoint, tmp_path, capsys):
    path, state = checkpoint
    out = tmp_path / "alexnet.weights.h5"
    assert main(["convert", "alexnet", str(path), "--out", str(out), *ARGS]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out}: alexnet (" in printed and "input 63,63,3, 10 classes" in printed

    plain = create_model("alexnet", input_shape=SHAPE, num_classes=10, stem="imagenet",
                         classifier_activation=None)
    plain.load_weights(out)                       # Keras' own loader, no keras-archs code
    direct = create_model("alexnet", input_shape=SHAPE, num_classes=10,
                          classifier_activation=None, weights=str(path))
    np.testing.assert_array_equal(np.asarray(plain.get_layer("conv1").kernel),
                                  state["features.0.weight"].transpose(2, 3, 1, 0))
    x = np.random.default_rng(1).standard_normal((2, *SHAPE)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(plain(x)), np.asarray(direct(x)))


def test_existing_out_is_kept_unless_overwrite(checkpoint, tmp_path, capsys):
    path, _ = checkpoint
    out = tmp_path / "kept.weights.h5"
    out.write_bytes(b"precious")
    assert main(["convert", "alexnet", str(path), "--out", str(out), *ARGS]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"keras-archs convert: error: --out {str(out)!r} exists; pass "
                   "--overwrite to replace it")
    assert out.read_bytes() == b"precious"
    assert main(["convert", "alexnet", str(path), "--out", str(out), *ARGS,
                 "--overwrite"]) == 0
    assert out.read_bytes() != b"precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.weights.h5"]


@pytest.mark.parametrize("argv, words", [
    (["lenet5", "{ckpt}", "--out", "{tmp}/x.weights.h5"], "lenet5 has no PyTorch twin"),
    (["vgg99", "{ckpt}", "--out", "{tmp}/x.weights.h5"], "vgg99"),
    (["alexnet", "{tmp}/w.npz", "--out", "{tmp}/x.weights.h5"],
     "CHECKPOINT must be a PyTorch checkpoint ending in .safetensors, .pth"),
    (["alexnet", "{tmp}/missing.pth", "--out", "{tmp}/x.weights.h5"], "does not exist"),
    (["alexnet", "{ckpt}", "--out", "{tmp}/x.h5"], "--out must end in .weights.h5"),
    (["alexnet", "{ckpt}", "--out", "{tmp}/no/such/x.weights.h5"],
     "the folder of --out"),
    (["alexnet", "{ckpt}", "--out", "{tmp}/x.weights.h5", "--num-classes", "0"],
     "--num-classes must be >= 1"),
    (["alexnet", str(CHECKPOINTS / "refuse_code_execution.pth"), "--out",
      "{tmp}/x.weights.h5", "--input-shape", "63,63,3"], "'posix.system' (os.system)"),
    (["alexnet", str(CHECKPOINTS / "state_dict.pth"), "--out", "{tmp}/x.weights.h5",
      "--input-shape", "63,63,3"], "checkpoint keys left unused: 'conv.weight'"),
])
def test_errors_exit_2_with_one_line_and_write_nothing(argv, words, checkpoint,
                                                       tmp_path, capsys):
    argv = [a.format(ckpt=checkpoint[0], tmp=tmp_path) for a in argv]
    assert main(["convert", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("keras-archs convert: error: ")
    assert words in err
    assert list(tmp_path.iterdir()) == []
