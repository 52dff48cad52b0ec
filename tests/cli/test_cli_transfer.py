"""``keras-archs transfer --weights``: the default is what exists for the backbone."""

import pytest

from keras_archs.cli import UserError, main
from keras_archs.cli.transfer import resolve_weights


@pytest.mark.parametrize("backbone, weights, expected", [
    ("vgg16", None, "imagenet"),                    # keras.applications twin
    ("applications:InceptionV3", None, "imagenet"),
    ("vgg16", "none", None),
    ("vgg11", "none", None),
    ("vgg11", "/w/vgg11.weights.h5", "/w/vgg11.weights.h5"),
    ("hub:/models/feature_vector", None, None),     # a hub model carries its weights
])
def test_weights_resolve_to_what_exists(backbone, weights, expected):
    assert resolve_weights(backbone, weights) == expected


def test_default_for_a_model_without_imagenet_weights_is_random_with_a_note(capsys):
    assert resolve_weights("VGG11", None) is None
    note = capsys.readouterr().out
    assert note.startswith("note: vgg11 has no keras.applications twin, so no ImageNet "
                           "weights; its backbone starts from random initialisation "
                           "(--weights none).")
    assert "--weights PATH" in note


def test_imagenet_without_a_twin_lists_the_alternatives_as_flags():
    with pytest.raises(UserError) as err:
        resolve_weights("vgg11", "imagenet")
    message = str(err.value)
    assert message.startswith("--weights imagenet: vgg11 has no keras.applications twin")
    assert "--weights none (random initialisation)" in message
    assert "--weights PATH (a .weights.h5 of vgg11 without top" in message
    assert "a PyTorch checkpoint of torchvision.vgg11" in message


def test_help_shows_the_default(run_cli):
    result = run_cli("transfer", "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "Default: imagenet where it exists (applications:<Name>, and registry " \
           "models with a keras.applications twin), else none" in text


def test_transfer_on_a_backbone_without_twin_works_by_default(capsys, tmp_path):
    code = main(["transfer", "--backbone", "simple_cnn", "--image-size", "32",
                 "--epochs", "1", "--fine-tune-epochs", "0", "--limit-batches", "2",
                 "--run-dir", str(tmp_path / "run"), "--verbose"])
    out = capsys.readouterr().out
    assert code == 0
    assert "note: simple_cnn has no keras.applications twin" in out
    assert "head      epoch 1:" in out


def test_the_alternatives_name_a_pytorch_twins_checkpoint():
    from keras_archs.registry import list_models, model_info

    name = next(n for n in list_models() if model_info(n).torchvision
                and not model_info(n).keras_applications)
    with pytest.raises(UserError) as err:
        resolve_weights(name, "imagenet")
    assert f"a PyTorch checkpoint of torchvision.{model_info(name).torchvision}" \
        in str(err.value)
