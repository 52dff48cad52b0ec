"""The `keras-archs` command line: `list` through the real console script (it must not
import TensorFlow), the rest through ``main()`` in this process (the ``cli`` fixture)."""

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


def test_list_sorts_naturally_and_shows_every_sourced_reference_count(run_cli):
    result = run_cli("list", "resnet*")
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[2:]}
    names = list(rows)
    assert names.index("resnet18") < names.index("resnet50") < names.index("resnet101")
    # Counts the README gives, each with its source in the registry.
    assert rows["resnet20"][2] == "269.72k"
    lenet = run_cli("list", "lenet5").stdout.splitlines()[2].split()
    assert lenet[2] == "61.71k"


def test_list_without_match_is_a_user_error(run_cli):
    result = run_cli("list", "nothing*")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == ("keras-archs list: error: no model matches "
                                     "'nothing*'; `keras-archs list` shows them all")


def test_summary_echoes_the_normalised_name(capsys):
    from keras_archs.cli import main

    assert main(["summary", "LeNet5", "--num-classes", "10", "--verbose"]) == 0
    out = capsys.readouterr().out
    assert "model: lenet5 (lenet;" in out and "LeNet5 (" not in out


def test_summary_at_cifar_size(cli):
    result = cli("summary", "vgg16", "--input-shape", "32,32,3", "--num-classes", "10")
    assert result.returncode == 0, result.stderr
    assert "parameters: 33,638,218" in result.stdout
    assert "reference parameters: 138,357,544" in result.stdout
    assert "block5_conv3" in result.stdout


@pytest.mark.parametrize("args, words", [
    (("summary", "vgg61"), "Unknown model name 'vgg61'. Did you mean:"),
    (("summary", "vgg16", "--input-shape", "8,8,3"), "--input-shape height must be at least 32"),
    (("compare", "vgg16", "--dataset", "imagenet"), "--dataset must be one of"),
    (("compare", "vgg16", "--epochs", "0"), "--epochs must be an integer >= 1"),
])
def test_user_errors_are_one_line_without_traceback(cli, args, words):
    result = cli(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"keras-archs {args[0]}: error:") and words in last


def test_bad_shape_syntax_is_an_argparse_error(cli):
    result = cli("summary", "vgg16", "--input-shape", "32x32")
    assert result.returncode == 2 and "HEIGHT,WIDTH,CHANNELS" in result.stderr


def test_compare_end_to_end(cli, tmp_path):
    result = cli("compare", "lenet5", "simple_cnn", "--dataset", "digits", "--epochs",
                 "1", "--batch-size", "128", "--optimizer", "adam", "--run-dir", "out")
    assert result.returncode == 0, result.stderr[-2000:]
    out = tmp_path / "out"
    for name in ("histories.json", "summary.csv", "curves.png", "lenet5/best.keras",
                 "lenet5/log.csv", "simple_cnn/best.keras", "simple_cnn/log.csv"):
        assert (out / name).exists(), name
    table = result.stdout[result.stdout.index("best_val_accuracy") - 100:]
    assert "lenet5" in table and "simple_cnn" in table and "Results in out" in table
    assert "12/12" in result.stdout  # Keras progress bar: 1,438 images / 128 per batch
    header = next(line for line in result.stdout.splitlines() if "best_val_accuracy" in line)
    row = next(line for line in result.stdout.splitlines() if line.startswith("lenet5 "))
    seconds = row.split()[header.split().index("seconds_per_epoch")]
    # Seconds per epoch to a useful precision (two significant digits under 1 s).
    assert len(seconds.replace(".", "").lstrip("0")) <= 3, row
    again = cli("compare", "lenet5", "--epochs", "1", "--run-dir", "out")
    assert again.returncode == 0 and "writing this comparison to out-2" in again.stdout
    assert (tmp_path / "out-2" / "summary.csv").exists()
