"""Channel shuffle and channel split: ShuffleNet's two tensor reshuffles, as layers.

Zhang, Zhou, Lin & Sun, "ShuffleNet: An Extremely Efficient Convolutional Neural
Network for Mobile Devices", CVPR 2018, arXiv:1707.01083 (section 3.1, Figure 1):
after a group convolution every output channel has seen only its own group's inputs;
reshaping the channels to ``(groups, C / groups)``, transposing and flattening back
interleaves the groups, so the next group convolution mixes information across all
of them. ShuffleNet v2 (Ma, Zhang, Zheng & Sun, ECCV 2018, arXiv:1807.11164) splits
the channels in two halves (:class:`ChannelSplit`) and shuffles with 2 groups after
concatenating them again.

Both are registered, serialisable layers written with ``keras.ops`` only (no
``Lambda``), so a model using them saves to ``.keras`` and loads with
``safe_mode=True`` under any backend.
"""

from __future__ import annotations

import keras

from keras_archs._validation import check_positive_int

__all__ = ["ChannelShuffle", "ChannelSplit"]


def _channels(input_shape, groups, what, argument="groups"):
    channels = input_shape[-1]
    if channels is None:
        raise ValueError(f"{what} needs a known number of channels, got input shape "
                         f"{tuple(input_shape)}")
    if channels % groups:
        raise ValueError(f"{argument} ({groups}) must divide the number of channels "
                         f"({channels}) of {what}'s input")
    return channels


@keras.saving.register_keras_serializable(package="keras_archs")
class ChannelShuffle(keras.layers.Layer):
    """Interleave ``groups`` channel groups (channels-last input).

    Channel ``g * (C / groups) + i`` moves to position ``i * groups + g``: PyTorch's
    ``x.view(N, groups, C // groups, H, W).transpose(1, 2)``, as torchvision's
    ``channel_shuffle``. A shuffle with ``C / groups`` groups undoes it.

    Args:
        groups: number of groups; must divide the input's channels.
    """

    def __init__(self, groups, **kwargs):
        super().__init__(**kwargs)
        self.groups = check_positive_int(groups, "groups")
        # (batch, height, width, channels): call() reshapes with height and width
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def build(self, input_shape):
        _channels(input_shape, self.groups, f"ChannelShuffle {self.name!r}")
        super().build(input_shape)

    def call(self, inputs):
        shape = keras.ops.shape(inputs)
        channels = inputs.shape[-1]
        x = keras.ops.reshape(
            inputs, (-1, shape[1], shape[2], self.groups, channels // self.groups))
        x = keras.ops.transpose(x, (0, 1, 2, 4, 3))
        return keras.ops.reshape(x, (-1, shape[1], shape[2], channels))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "groups": self.groups}


@keras.saving.register_keras_serializable(package="keras_archs")
class ChannelSplit(keras.layers.Layer):
    """Split the channels into ``num_splits`` equal consecutive parts (a list).

    ShuffleNet v2's channel split; ``ChannelSplit(2)`` is PyTorch's
    ``x.chunk(2, dim=1)``.

    Args:
        num_splits: number of parts; must divide the input's channels.
    """

    def __init__(self, num_splits=2, **kwargs):
        super().__init__(**kwargs)
        self.num_splits = check_positive_int(num_splits, "num_splits")
        self.input_spec = keras.layers.InputSpec(min_ndim=2)

    def build(self, input_shape):
        _channels(input_shape, self.num_splits, f"ChannelSplit {self.name!r}",
                  "num_splits")
        super().build(input_shape)

    def call(self, inputs):
        return keras.ops.split(inputs, self.num_splits, axis=-1)

    def compute_output_shape(self, input_shape):
        part = tuple(input_shape[:-1]) + (input_shape[-1] // self.num_splits,)
        return [part] * self.num_splits

    def get_config(self):
        return {**super().get_config(), "num_splits": self.num_splits}
