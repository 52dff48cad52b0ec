"""`keras-archs plot`, `flops`, `bench` and `chart`: drawing through the real console
script, the rest through `main()` in this process (the `cli` fixture)."""

import sys
from pathlib import Path

import pytest

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("name,layer_count_words", [
    ("resnet20", "resnet20: "),
    ("inception_v1_block", "inception_v1_block: 9 layers, 163,696 parameters"),
])
def test_plot_writes_a_png_of_a_model_or_a_block(run_cli, tmp_path, name,
                                                  layer_count_words):
    result = run_cli("plot", name, "--out", "diagram.png")
    assert result.returncode == 0, result.stderr
    data = (tmp_path / "diagram.png").read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 10_000
    assert layer_count_words in result.stdout


def test_plot_never_overwrites_silently(cli, tmp_path):
    (tmp_path / "mine.png").write_bytes(b"precious")
    result = cli("plot", "se_block", "--out", "mine.png")
    assert result.returncode == 2 and "pass --overwrite" in result.stderr
    assert (tmp_path / "mine.png").read_bytes() == b"precious"
    result = cli("plot", "se_block", "--out", "mine.png", "--overwrite")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "mine.png").read_bytes().startswith(PNG_MAGIC)


def test_plot_without_graphviz_says_what_to_install(cli, tmp_path):
    # Only the interpreter's own directory on PATH: no `dot`.
    result = cli("plot", "resnet20", env={"PATH": str(Path(sys.executable).parent)})
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert "apt-get install graphviz" in last and "brew install graphviz" in last
    assert not (tmp_path / "resnet20.png").exists()


@pytest.mark.parametrize("args,words", [
    (("plot", "resnet2O"), "unknown model or block 'resnet2O'. Did you mean: resnet"),
    (("plot", "vgg16", "--out", "x.jpg"), "--out must name a .png file"),
    (("flops", "nothing*"), "no model matches 'nothing*'"),
    (("flops", "vgg16", "--input-shape", "8,8,3"), "--input-shape height must be at least 32"),
])
def test_bad_input_is_one_line_and_exit_2(cli, args, words):
    result = cli(*args)
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"keras-archs {args[0]}: error:") and words in last


def test_flops_prints_params_and_gmacs_per_model(cli):
    import keras

    from keras_archs import create_model
    from keras_archs.analysis import count_macs

    result = cli("flops", "resnet[25]6", "--input-shape", "32,32,3")
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[2:]}
    assert list(rows) == ["resnet56"]
    model = create_model("resnet56", input_shape=(32, 32, 3))
    keras.backend.clear_session(free_memory=False)
    _, family, shape, params, gmacs, top1 = rows["resnet56"]
    assert (family, shape) == ("resnet", "32x32x3")
    assert params == f"{model.count_params():,}"
    assert gmacs == f"{count_macs(model) / 1e9:.3f}"


@pytest.mark.parametrize("args,words", [
    (("bench", "lenet*"), "no model matching 'lenet*' has a keras.applications twin"),
    (("bench", "vgg16", "--batch-size", "0"), "batch"),
])
def test_bench_bad_input_is_one_line_and_exit_2(cli, args, words):
    result = cli(*args)
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("keras-archs bench: error:") and words in last


def test_chart_draws_one_ball_per_model_with_a_top1(cli, tmp_path):
    result = cli("chart", "squeezenet1_*", "--out", "chart.png")
    assert result.returncode == 0, result.stderr
    assert "wrote chart.png (2 models)" in result.stdout
    data = (tmp_path / "chart.png").read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 10_000


@pytest.mark.parametrize("args,words", [
    (("chart", "resnet20"), "no model matching 'resnet20' records a reference top-1"),
    (("chart", "nothing*"), "no model matches 'nothing*'"),
    (("chart", "--out", "chart.svg"), "--out must name a .png file"),
    (("chart", "--out", "mine.png"), "--out 'mine.png' exists; pass --overwrite"),
])
def test_chart_bad_input_is_one_line_and_exit_2(cli, tmp_path, args, words):
    (tmp_path / "mine.png").write_bytes(b"precious")
    result = cli(*args)
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("keras-archs chart: error:") and words in last
    assert (tmp_path / "mine.png").read_bytes() == b"precious"
