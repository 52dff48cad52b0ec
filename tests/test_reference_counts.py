"""Every reference parameter count, written here with the place it was published.

The registry keeps ``reference_params`` next to each model, in the code under test.
This table is the independent record: each number below was copied from the source
named beside it, or is derived from published numbers by arithmetic that
``test_derived_counts_add_up`` redoes. The tests check that the registry states the
same number and the same counting convention, and that the built model has exactly
that many parameters.

Counting conventions: keras.applications counts BatchNorm's moving mean and variance
(they are Keras weights); torchvision, timm and osmr/imgclsmob count parameters only
(running statistics are buffers in PyTorch). ``KERAS``/``TORCH`` below say which.

Sources:

* KERAS_IO: the "Available models" table of https://keras.io/api/applications/
  ("Parameters" column; exact counts in keras-team/keras-io
  templates/api/applications/index.md, the rendered page rounds to 0.1 M).
* TV: torchvision 0.26 ``<Model>_Weights.IMAGENET1K_V1.meta["num_params"]``, the
  "Params" column of https://pytorch.org/vision/stable/models.html.
* OSMR: the ImageNet-1K table of osmr/imgclsmob ``pytorch/README.md`` (pytorchcv),
  "Params" column (the SE-ResNets and DPNs are Cadene's pretrained-models.pytorch
  weights, which timm's models of the same names load).
* PAPER: the paper's own table, where it gives a rounded figure the exact count is
  derived from the paper's layout by the arithmetic in ``test_derived_counts_add_up``.
"""

import json
import math
from pathlib import Path

import keras
import pytest

from keras_archs import create_model, list_models, model_info

KERAS, TORCH = True, False  # does the count include BatchNorm moving statistics?

KERAS_IO = "keras.io/api/applications table"
TV = "torchvision 0.26 {}_Weights.IMAGENET1K_V1 meta num_params"
OSMR = "osmr/imgclsmob pytorch/README.md ImageNet-1K table, {}"

# name: (parameters, counts BatchNorm statistics, source)
REFERENCE_COUNTS = {
    # keras.applications twins
    "vgg16": (138_357_544, KERAS, f"{KERAS_IO}, VGG16 (= {TV.format('VGG16')})"),
    "vgg19": (143_667_240, KERAS, f"{KERAS_IO}, VGG19 (= {TV.format('VGG19')})"),
    "resnet50": (25_636_712, KERAS, f"{KERAS_IO}, ResNet50"),
    "resnet101": (44_707_176, KERAS, f"{KERAS_IO}, ResNet101"),
    "resnet152": (60_419_944, KERAS, f"{KERAS_IO}, ResNet152"),
    "resnet50v2": (25_613_800, KERAS, f"{KERAS_IO}, ResNet50V2"),
    "resnet101v2": (44_675_560, KERAS, f"{KERAS_IO}, ResNet101V2"),
    "resnet152v2": (60_380_648, KERAS, f"{KERAS_IO}, ResNet152V2"),
    "inception_v3": (23_851_784, KERAS, f"{KERAS_IO}, InceptionV3"),
    "mobilenet": (4_253_864, KERAS, f"{KERAS_IO}, MobileNet"),
    "mobilenetv2": (3_538_984, KERAS, f"{KERAS_IO}, MobileNetV2"),
    "densenet121": (8_062_504, KERAS, f"{KERAS_IO}, DenseNet121"),
    "densenet169": (14_307_880, KERAS, f"{KERAS_IO}, DenseNet169"),
    "densenet201": (20_242_984, KERAS, f"{KERAS_IO}, DenseNet201"),
    "nasnetmobile": (5_326_716, KERAS, f"{KERAS_IO}, NASNetMobile"),
    "nasnetlarge": (88_949_818, KERAS, f"{KERAS_IO}, NASNetLarge"),
    "efficientnetb0": (5_330_571, KERAS, f"{KERAS_IO}, EfficientNetB0"),
    "efficientnetb1": (7_856_239, KERAS, f"{KERAS_IO}, EfficientNetB1"),
    "efficientnetb2": (9_177_569, KERAS, f"{KERAS_IO}, EfficientNetB2"),
    "efficientnetb3": (12_320_535, KERAS, f"{KERAS_IO}, EfficientNetB3"),
    "efficientnetb4": (19_466_823, KERAS, f"{KERAS_IO}, EfficientNetB4"),
    "efficientnetb5": (30_562_527, KERAS, f"{KERAS_IO}, EfficientNetB5"),
    "efficientnetb6": (43_265_143, KERAS, f"{KERAS_IO}, EfficientNetB6"),
    "efficientnetb7": (66_658_687, KERAS, f"{KERAS_IO}, EfficientNetB7"),
    # torchvision twins
    "alexnet": (61_100_840, TORCH, TV.format("AlexNet")),
    "vgg11": (132_863_336, TORCH, TV.format("VGG11")),
    "vgg13": (133_047_848, TORCH, TV.format("VGG13")),
    "vgg11_bn": (132_868_840, TORCH, TV.format("VGG11_BN")),
    "vgg13_bn": (133_053_736, TORCH, TV.format("VGG13_BN")),
    "vgg16_bn": (138_365_992, TORCH, TV.format("VGG16_BN")),
    "vgg19_bn": (143_678_248, TORCH, TV.format("VGG19_BN")),
    "resnet18": (11_689_512, TORCH, TV.format("ResNet18")),
    "resnet34": (21_797_672, TORCH, TV.format("ResNet34")),
    "tv_resnet50": (25_557_032, TORCH, TV.format("ResNet50")),
    "tv_resnet101": (44_549_160, TORCH, TV.format("ResNet101")),
    "tv_resnet152": (60_192_808, TORCH, TV.format("ResNet152")),
    "resnet50_seed": (25_557_032, TORCH,
                      f"{TV.format('ResNet50')} (the seed's layout is torchvision's v1.5)"),
    "resnext50_32x4d": (25_028_904, TORCH, TV.format("ResNeXt50_32X4D")),
    "resnext101_32x8d": (88_791_336, TORCH, TV.format("ResNeXt101_32X8D")),
    "wide_resnet50_2": (68_883_240, TORCH, TV.format("Wide_ResNet50_2")),
    "wide_resnet101_2": (126_886_696, TORCH, TV.format("Wide_ResNet101_2")),
    "tv_densenet121": (7_978_856, TORCH, TV.format("DenseNet121")),
    "densenet161": (28_681_000, TORCH, TV.format("DenseNet161")),
    "tv_densenet169": (14_149_480, TORCH, TV.format("DenseNet169")),
    "tv_densenet201": (20_013_928, TORCH, TV.format("DenseNet201")),
    "tv_googlenet": (6_624_904, TORCH, TV.format("GoogLeNet")),
    "tv_inception_v3": (23_834_568, TORCH,
                        f"{TV.format('Inception_V3')} 27,161,264 less the auxiliary "
                        "classifier (aux_logits=False), derived below"),
    "mobilenet_v2": (3_504_872, TORCH, TV.format("MobileNet_V2")),
    "mnasnet0_5": (2_218_512, TORCH, TV.format("MNASNet0_5")),
    "mnasnet0_75": (3_170_208, TORCH, TV.format("MNASNet0_75")),
    "mnasnet1_0": (4_383_312, TORCH, TV.format("MNASNet1_0")),
    "mnasnet1_3": (6_282_256, TORCH, TV.format("MNASNet1_3")),
    "shufflenet_v2_x0_5": (1_366_792, TORCH, TV.format("ShuffleNet_V2_X0_5")),
    "shufflenet_v2_x1_0": (2_278_604, TORCH, TV.format("ShuffleNet_V2_X1_0")),
    "shufflenet_v2_x1_5": (3_503_624, TORCH, TV.format("ShuffleNet_V2_X1_5")),
    "shufflenet_v2_x2_0": (7_393_996, TORCH, TV.format("ShuffleNet_V2_X2_0")),
    "squeezenet1_0": (1_248_424, TORCH, TV.format("SqueezeNet1_0")),
    "squeezenet1_1": (1_235_496, TORCH, TV.format("SqueezeNet1_1")),
    # timm twins (same counts as the Cadene/osmr models timm's weights come from)
    "seresnet50": (28_088_024, TORCH, OSMR.format("SE-ResNet-50")),
    "seresnet101": (49_326_872, TORCH, OSMR.format("SE-ResNet-101")),
    "seresnext50_32x4d": (27_559_896, TORCH, OSMR.format("SE-ResNeXt-50 (32x4d)")),
    "dpn68": (12_611_602, TORCH, OSMR.format("DPN-68")),
    "dpn98": (61_570_728, TORCH, OSMR.format("DPN-98")),
    "mobilenetv1_100": (4_231_976, TORCH, OSMR.format("MobileNet x1.0")),
    # No peer with these exact layers: derived from published numbers and the paper.
    "googlenet": (7_005_832, TORCH,
                  f"{TV.format('GoogLeNet')} 6,624,904 plus the paper's real 5x5 "
                  "kernels (Szegedy et al. 2014, Table 1), derived below"),
    "resnet20": (269_722, TORCH, "He et al. 2015 (arXiv:1512.03385) §4.2 layout, "
                                 "derived below; Table 6: 0.27M"),
    "resnet32": (464_154, TORCH, "He et al. 2015 §4.2 layout, derived below; "
                                 "Table 6: 0.46M"),
    "resnet44": (658_586, TORCH, "He et al. 2015 §4.2 layout, derived below; "
                                 "Table 6: 0.66M"),
    "resnet56": (853_018, TORCH, "He et al. 2015 §4.2 layout, derived below; "
                                 "Table 6: 0.85M"),
    "resnet110": (1_727_962, TORCH, "He et al. 2015 §4.2 layout, derived below; "
                                    "Table 6: 1.7M"),
    "lenet5": (61_706, KERAS, "LeCun et al. 1998 §II.B per-layer counts, C3 fully "
                              "connected, derived below"),
    "simple_cnn": (325_956, KERAS, "the seed notebook's CIFAR-100 layout, derived below"),
}


def _se_params(blocks, widths=(256, 512, 1024, 2048), ratio=16):
    """Parameters SE blocks add to a bottleneck ResNet: per block, the C→C/r and
    C/r→C fully connected layers with biases (Hu et al. 2018, Fig. 3)."""
    return sum(n * (2 * c * (c // ratio) + c // ratio + c) for n, c in zip(blocks, widths))


def _cifar_resnet_params(n, classes=10):
    """He et al. 2015 §4.2: a 3×3 conv to 16 channels, three stages of n basic blocks
    (two 3×3 convs) at 16, 32, 64 channels, option-A (parameter-free) shortcuts, BN
    γ/β after every conv, global pooling and a 64→classes layer."""
    convs = [(3, 16)] + [(16, 16)] * (2 * n)
    convs += [(16, 32)] + [(32, 32)] * (2 * n - 1)
    convs += [(32, 64)] + [(64, 64)] * (2 * n - 1)
    return sum(9 * cin * cout + 2 * cout for cin, cout in convs) + 64 * classes + classes


def test_derived_counts_add_up():
    counts = {name: params for name, (params, _, _) in REFERENCE_COUNTS.items()}
    # GoogLeNet: torchvision's 6,624,904 has 3×3 kernels in the "5×5" branches; 5×5
    # adds 16 weights per (#5x5 reduce, #5x5) pair of the paper's Table 1.
    five_by_five = [(16, 32), (32, 96), (16, 48), (24, 64), (24, 64), (32, 64),
                    (32, 128), (32, 128), (48, 128)]
    assert counts["googlenet"] == 6_624_904 + 16 * sum(r * o for r, o in five_by_five)
    # Inception v3 without torchvision's auxiliary classifier (27,161,264 with it):
    # 1×1 conv 768→128 + BN, 5×5 conv 128→768 + BN, fc 768→1000.
    aux = (768 * 128 + 2 * 128) + (25 * 128 * 768 + 2 * 768) + (768 * 1000 + 1000)
    assert counts["tv_inception_v3"] == 27_161_264 - aux
    # The published SE-ResNet counts are torchvision's ResNet/ResNeXt plus SE blocks.
    assert counts["seresnet50"] == counts["tv_resnet50"] + _se_params((3, 4, 6, 3))
    assert counts["seresnet101"] == counts["tv_resnet101"] + _se_params((3, 4, 23, 3))
    assert counts["seresnext50_32x4d"] == \
        counts["resnext50_32x4d"] + _se_params((3, 4, 6, 3))
    # CIFAR ResNets: the layout counted exactly, rounded as in the paper's Table 6.
    for depth, table6 in ((20, 0.27), (32, 0.46), (44, 0.66), (56, 0.85), (110, 1.7)):
        exact = _cifar_resnet_params((depth - 2) // 6)
        assert counts[f"resnet{depth}"] == exact
        assert round(exact / 1e6, 1 if depth == 110 else 2) == table6
    # LeNet-5: C1 156, C5 48,120 and F6 10,164 as the paper counts them; C3 fully
    # connected 16×(6×25+1) (the paper's sparse table has 1,516); a 84→10 Dense output
    # (the paper's RBF layer).
    assert counts["lenet5"] == 156 + 16 * (6 * 25 + 1) + 48_120 + 10_164 + (84 * 10 + 10)
    assert 6 * (25 + 1) == 156 and 120 * (16 * 25 + 1) == 48_120 \
        and 84 * (120 + 1) == 10_164
    # simple_cnn (32×32×3, 100 classes): conv 3→16, pool, conv 16→32, pool (6×6×32),
    # dense 1152→256, dense 256→100.
    assert counts["simple_cnn"] == (27 * 16 + 16) + (9 * 16 * 32 + 32) \
        + (6 * 6 * 32 * 256 + 256) + (256 * 100 + 100)


REFERENCED = [n for n in list_models() if model_info(n).reference_params is not None]


def test_every_registry_reference_is_in_the_table():
    missing = sorted(set(REFERENCED) - set(REFERENCE_COUNTS))
    assert not missing, (f"{missing} have reference_params in the registry but no row "
                         "here: add each with its published source")
    unknown = sorted(set(REFERENCE_COUNTS) - set(list_models()))
    assert not unknown, f"{unknown} are not registry models"


def test_registry_states_the_published_counts():
    # One test over the table (a test per row would cost more in fixtures than in
    # checks); the convention is checked where it matters, on the built model below.
    wrong = {name: (model_info(name).reference_params, params)
             for name, (params, _, _) in REFERENCE_COUNTS.items()
             if model_info(name).reference_params != params}
    assert not wrong, f"registry vs published: {wrong}"
    assert all(model_info(name).reference_source for name in REFERENCE_COUNTS)


def test_torch_reference_fixture_measured_the_same_counts():
    """tests/fixtures/torch_reference/reference.json holds the counts the real
    torchvision/timm models had when the parity fixtures were made."""
    path = Path(__file__).parent / "fixtures" / "torch_reference" / "reference.json"
    measured = json.loads(path.read_text())["models"]
    assert measured
    for key, entry in measured.items():
        twins = [n for n in REFERENCE_COUNTS
                 if getattr(model_info(n), entry["library"]) == entry["name"]]
        assert twins, key
        assert any(REFERENCE_COUNTS[n][0] == entry["params"] for n in twins), \
            (key, entry["params"], {n: REFERENCE_COUNTS[n][0] for n in twins})


def _is_bn_statistic(variable):
    return variable.path.endswith(("moving_mean", "moving_variance"))


@pytest.mark.slow
@pytest.mark.parametrize("name", REFERENCED)
def test_built_model_has_the_published_count(name):
    params, bn_statistics, source = REFERENCE_COUNTS[name]
    info = model_info(name)
    # Inside a StatelessScope the variables are created without values: the count
    # needs only their shapes, and nothing is initialised or allocated.
    with keras.StatelessScope():
        model = create_model(name, input_shape=info.reference_input_shape,
                             num_classes=info.reference_classes)
    counted = sum(math.prod(v.shape) for v in model.weights
                  if bn_statistics or not _is_bn_statistic(v))
    assert counted == params, f"{name}: {counted:,} parameters, {source}: {params:,}"
    if any(_is_bn_statistic(v) for v in model.weights):
        # The registry counts the way its source does (where there is BatchNorm).
        assert info.reference_counts_bn_statistics is bn_statistics
