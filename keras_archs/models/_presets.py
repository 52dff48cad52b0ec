"""Names and numerics of the residual families, kept apart.

``naming=`` only renames: ``"keras"`` gives keras.applications' names
(``conv2_block1_1_conv``, ``conv2_block1_0_conv`` for a projection shortcut,
``conv2_block1_out``); ``"tf_official"`` the TF official-models (and Caffe) names the
seed notebook uses (``res2a_branch2a``, ``bn2a_branch2a``, ``res2a_branch1``).

A :class:`Preset` carries the numerics of the model a network reproduces: BatchNorm
momentum and epsilon, initialiser, L2, padding style, convolution biases, the order
of the ``Add`` inputs and the classifier's initialiser. ``"keras_applications"``,
``"torchvision"`` (PyTorch's BatchNorm; timm uses the same) and ``"tf_official"``
(the official-models ResNet-50 the seed notebook copies).
"""

from __future__ import annotations

import string
from dataclasses import dataclass, replace

from keras_archs._validation import check_bool, check_choice, check_number, check_rate

__all__ = ["Preset", "PRESETS", "NAMINGS", "resolve_preset", "block_letter"]

NAMINGS = ("keras", "tf_official")
# The paper's shortcut options (§3.3): A zero-pads new channels, B projects where the


@dataclass(frozen=True)
class Preset:
    """The numerics of the model a ResNet reproduces; layer names are ``naming``'s.

    Attributes:
        name: the preset's name.
        bn_momentum, bn_epsilon: BatchNorm's (Keras momentum = 1 - PyTorch's).
        kernel_initializer: Keras identifier of the convolution initialiser.
        l2: L2 factor on every kernel (and the classifier bias), or ``None``.
        padding: ``"same"`` (TensorFlow's, more at the bottom/right when strided) or
            ``"symmetric"`` (``ZeroPadding2D`` + ``"valid"`` for strided k×k
            convolutions and the stem max-pool, as Caffe and PyTorch pad).
        use_bias: biases in the convolutions of v1 bottleneck nets.
        shortcut_first: order of the ``Add`` inputs; it does not change the sum, but
            Keras orders a model's variables (and a ``.weights.h5`` file) by walking
            the graph through them.
        head: ``"keras"`` (a plain ``Dense``) or ``"tf_official"`` (N(0, 0.01)
            initialiser, L2 on kernel and bias).
    """

    name: str
    bn_momentum: float
    bn_epsilon: float
    kernel_initializer: object
    l2: float | None
    padding: str
    use_bias: bool
    shortcut_first: bool
    head: str


# torchvision initialises convolutions with kaiming_normal_(mode="fan_out").
_KAIMING_FAN_OUT = {"class_name": "VarianceScaling", "config": {
    "scale": 2.0, "mode": "fan_out", "distribution": "untruncated_normal"}}

PRESETS = {
    "keras_applications": Preset(
        "keras_applications", bn_momentum=0.99, bn_epsilon=1.001e-5,
        kernel_initializer="glorot_uniform", l2=None, padding="symmetric",
        use_bias=True, shortcut_first=True, head="keras"),
    # PyTorch's BatchNorm momentum 0.1 is Keras' 0.9; timm uses the same numerics.
    "torchvision": Preset(
        "torchvision", bn_momentum=0.9, bn_epsilon=1e-5,
        kernel_initializer=_KAIMING_FAN_OUT, l2=None, padding="symmetric",
        use_bias=False, shortcut_first=True, head="keras"),
    # The TF official-models ResNet-50 (the seed notebook's): L2(1e-4), He-normal,
    # TensorFlow "same" padding, no convolution biases.
    "tf_official": Preset(
        "tf_official", bn_momentum=0.9, bn_epsilon=1e-5, kernel_initializer="he_normal",
        l2=1e-4, padding="same", use_bias=False, shortcut_first=False,
        head="tf_official"),
}


def resolve_preset(preset, *, bn_momentum=None, bn_epsilon=None,
                   kernel_initializer=None, l2=None, use_bias=None) -> Preset:
    """A :class:`Preset` by name (or as given), with the non-``None`` overrides."""
    if not isinstance(preset, Preset):
        check_choice(preset, "preset", tuple(PRESETS))
        preset = PRESETS[preset]
    changes = {}
    if bn_momentum is not None:
        changes["bn_momentum"] = check_rate(bn_momentum, "bn_momentum")
    if bn_epsilon is not None:
        changes["bn_epsilon"] = check_number(bn_epsilon, "bn_epsilon", minimum=0,
                                             include_minimum=False)
    if kernel_initializer is not None:
        changes["kernel_initializer"] = kernel_initializer
    if l2 is not None:
        changes["l2"] = check_number(l2, "l2", minimum=0) or None
    if use_bias is not None:
        changes["use_bias"] = check_bool(use_bias, "use_bias")
    return replace(preset, **changes) if changes else preset


# ----------------------------------------------------------------------------- names

class _Names:
    """Layer names of one unit in one naming scheme (``None`` = let Keras pick)."""

    def __init__(self, naming, prefix=None, stage=None, block=None, preact=False):
        self.naming, self.prefix, self.preact = naming, prefix, preact
        self.stage, self.block = stage, block
        self.keras = naming == "keras"

    def _official(self, kind, i):
        branch = "branch1" if i == 0 else f"branch2{string.ascii_lowercase[i - 1]}"
        return f"{kind}{self.stage}{self.block}_{branch}"

    def conv(self, i):
        return f"{self.prefix}_{i}_conv" if self.keras else self._official("res", i)

    def bn(self, i):
        return f"{self.prefix}_{i}_bn" if self.keras else self._official("bn", i)

    def relu(self, i):
        return f"{self.prefix}_{i}_relu" if self.keras else None

    def pad(self, i):
        return f"{self.prefix}_{i}_pad" if self.keras else None

    def dropout(self, i):
        return f"{self.prefix}_{i}_dropout" if self.keras else None

    def attention(self):
        return f"{self.prefix}_se" if self.keras else f"se{self.stage}{self.block}"

    def preact_bn(self):
        return f"{self.prefix}_preact_bn" if self.keras \
            else f"bn{self.stage}{self.block}_branch2_preact"

    def preact_relu(self):
        return f"{self.prefix}_preact_relu" if self.keras else None

    def shortcut(self):
        return f"{self.prefix}_0" if self.keras else f"res{self.stage}{self.block}_branch1"

    def subsample(self):
        return f"{self.prefix}_0_pool" if self.keras else None

    def add(self):
        if not self.keras:
            return None
        # keras.applications: v1 "..._add" then ReLU "..._out"; v2 ends at "..._out".
        return f"{self.prefix}_out" if self.preact else f"{self.prefix}_add"

    def out(self):
        return f"{self.prefix}_out" if self.keras else None


def block_letter(index, count):
    """Caffe/official block labels: a, b, c, ...; past 26 blocks a, b1, b2, ..."""
    if count <= len(string.ascii_lowercase):
        return string.ascii_lowercase[index]
    return "a" if index == 0 else f"b{index}"

