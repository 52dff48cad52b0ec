"""The `keras-archs` command line, through its real console-script entry point."""

import pytest


def test_list_prints_every_model(run_cli):
    result = run_cli("list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["model", "family", "reference_params"]
    assert any(line.startswith("vgg16 ") and "VGG16" in line for line in lines)


def test_list_with_pattern(run_cli):
    result = run_cli("list", "vgg1?_bn")
    assert result.returncode == 0
    names = [line.split()[0] for line in result.stdout.splitlines()[2:]]
    assert names == ["vgg11_bn", "vgg13_bn", "vgg16_bn", "vgg19_bn"]


def test_summary_at_cifar_size(run_cli):
    result = run_cli("summary", "vgg16", "--input-shape", "32,32,3", "--num-classes", "10")
    assert result.returncode == 0, result.stderr
    assert "parameters: 33,638,218" in result.stdout
    assert "reference parameters: 138,357,544" in result.stdout
    assert "block5_conv3" in result.stdout


@pytest.mark.parametrize("args, words", [
    (("summary", "vgg61"), "Unknown model name 'vgg61'. Did you mean:"),
    (("summary", "vgg16", "--input-shape", "8,8,3"), "input_shape height must be at least 32"),
    (("compare", "vgg16", "--dataset", "imagenet"), "--dataset must be one of"),
    (("compare", "vgg16", "--epochs", "0"), "epochs must be an integer >= 1"),
])
def test_user_errors_are_one_line_without_traceback(run_cli, args, words):
    result = run_cli(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"keras-archs {args[0]}: error:") and words in last


def test_bad_shape_syntax_is_an_argparse_error(run_cli):
    result = run_cli("summary", "vgg16", "--input-shape", "32x32")
    assert result.returncode == 2 and "HEIGHT,WIDTH,CHANNELS" in result.stderr


@pytest.mark.slow
def test_compare_end_to_end(run_cli, tmp_path):
    result = run_cli("compare", "vgg11", "--dataset", "digits", "--epochs", "1",
                     "--batch-size", "128", "--optimizer", "adam", "--run-dir", "out")
    assert result.returncode == 0, result.stderr[-2000:]
    out = tmp_path / "out"
    for name in ("histories.json", "summary.csv", "curves.png", "vgg11/best.keras",
                 "vgg11/log.csv"):
        assert (out / name).exists(), name
    assert "images_per_sec" in result.stdout and "Results in out" in result.stdout
    assert "12/12" in result.stdout  # Keras progress bar: 1,438 images / 128 per batch
