"""Errors speak the command line's language: every message names the flag to change.

One mechanism (``keras_archs.cli.flag_message``) turns the library's Python names into
the sub-command's flags; these tests go through each CLI error path.
"""

import json

import pytest

from keras_archs.cli import build_parser, flag_message, main
from keras_archs.training.fit import prepare_run_dir


def _train_parser():
    parser = build_parser()
    sub = next(a for a in parser._actions if hasattr(a, "choices") and a.choices)
    return sub.choices


@pytest.mark.parametrize("command, message, expected", [
    ("train", "epochs must be an integer >= 1, got 0", "--epochs must be an integer >= 1, got 0"),
    ("train", "learning_rate must be > 0, got -1.0", "--learning-rate must be > 0, got -1.0"),
    ("train", "pass overwrite=True to replace it or choose another run_dir",
     "pass --overwrite to replace it or choose another --run-dir"),
    ("train", "mixed_precision='mixed_float16' is unsupported here",
     "--mixed-precision mixed_float16 is unsupported here"),
    ("train", "pass mixed_precision=True", "pass --mixed-precision"),
    ("train", "steps_per_epoch must be an integer >= 1", "--steps-per-epoch must be an integer >= 1"),
    ("transfer", "Pass weights=None or a path to a .weights.h5 file.",
     "Pass --weights none or a path to a .weights.h5 file."),
    ("transfer", "unfreeze_last='mixed99' is not a layer", "--unfreeze mixed99 is not a layer"),
    # Quoted text (paths, names), other arguments' names and English words stay.
    ("train", "run_dir '/x/run_dir/y' holds the weights file; classes=10",
     "--run-dir '/x/run_dir/y' holds the weights file; classes=10"),
    ("train", "the model's epochs", "the model's epochs"),
    ("summary", "input_shape height must be at least 32", "--input-shape height must be at least 32"),
])
def test_flag_message_rewrites_python_names_into_flags(command, message, expected):
    assert flag_message(message, _train_parser()[command]) == expected


def _error(capsys, *argv):
    # --verbose: leave this test process' logging and warning filters alone.
    code = main([*argv, "--verbose"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err, err
    return err[-1] if len(err) == 1 else "\n".join(err)


@pytest.mark.parametrize("argv, flags", [
    (("compare", "lenet5", "--epochs", "0"), ["--epochs must be an integer >= 1"]),
    (("compare", "lenet5", "--batch-size", "0"), ["--batch-size must be an integer >= 1"]),
    (("compare", "lenet5", "--learning-rate", "-1"), ["--learning-rate must be a number > 0"]),
    (("compare", "lenet5", "--dataset", "imagenet"), ["--dataset must be one of"]),
    (("train", "lenet5", "--epochs", "0"), ["--epochs must be an integer >= 1"]),
    (("train", "lenet5", "--steps-per-epoch", "0"), ["--steps-per-epoch must be an integer"]),
    (("train", "lenet5", "--resume", "--overwrite"),
     ["--resume and --overwrite contradict each other"]),
    (("train", "lenet5", "--epochs", "1", "--learning-rate", "0", "--run-dir", "{tmp}/lr"),
     ["--learning-rate must be a number > 0"]),
    (("summary", "lenet5", "--input-shape", "8,8,1"), ["--input-shape"]),
    (("summary", "lenet5", "--num-classes", "0"), ["--num-classes must be"]),
    (("transfer", "--backbone", "lenet5", "--weights", "imagenet"),
     ["--weights imagenet:", "--weights none", "--weights PATH"]),
    (("transfer", "--backbone", "lenet5", "--epochs", "0"), ["--epochs must be an integer"]),
    (("transfer", "--backbone", "lenet5", "--fine-tune-epochs", "-1"),
     ["--fine-tune-epochs must be an integer >= 0"]),
])
def test_each_cli_error_names_its_flags(capsys, tmp_path, argv, flags):
    line = _error(capsys, *[a.replace("{tmp}", str(tmp_path)) for a in argv])
    assert line.startswith(f"keras-archs {argv[0]}: error: ")
    for flag in flags:
        assert flag in line, line
    for python_name in ("learning_rate", "batch_size", "=True", "=None", "input_shape",
                        "num_classes", "run_dir", "steps_per_epoch"):
        assert python_name not in line, line


def test_run_directory_errors_name_resume_overwrite_and_epochs(capsys, tmp_path):
    unfinished = tmp_path / "unfinished"
    prepare_run_dir(unfinished, model_name="lenet5", config={"status": "running"})
    line = _error(capsys, "train", "lenet5", "--run-dir", str(unfinished))
    assert "pass --resume to continue it or --overwrite to start again" in line

    finished = tmp_path / "finished"
    prepare_run_dir(finished, model_name="lenet5",
                    config={"status": "finished", "epochs": 2, "epochs_completed": 2})
    line = _error(capsys, "train", "lenet5", "--epochs", "2", "--run-dir", str(finished))
    assert (f"--run-dir {str(finished)!r} already holds a finished run of 'lenet5' "
            "(2 epochs); pass --epochs N with N > 2 and --resume to train it further, "
            "--overwrite to replace it, or choose another --run-dir") in line
    # A finished run without its last epoch's backup cannot be extended.
    line = _error(capsys, "train", "lenet5", "--epochs", "3", "--resume",
                  "--run-dir", str(finished))
    assert "kept no backup/ of its last epoch" in line and "pass --overwrite" in line
    assert json.loads((finished / "run.json").read_text())["status"] == "finished"


def test_argparse_errors_are_one_line(run_cli):
    result = run_cli("train", "lenet5", "--strategy", "foo")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "keras-archs train: error: argument --strategy: invalid choice: 'foo' (choose "
        "from 'auto', 'default', 'mirrored', 'multiworker', 'tpu') (see `keras-archs "
        "train --help`)"]
    assert result.stdout == ""
