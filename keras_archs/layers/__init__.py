"""Pieces shared by several families (conv-BN-activation, ...)."""

from keras_archs.layers.conv import conv_bn_act
from keras_archs.layers.residual import (
    ChannelZeroPadding, residual_add, subsample, zero_pad_shortcut)

__all__ = ["conv_bn_act"]
__all__ += ["ChannelZeroPadding", "residual_add", "subsample", "zero_pad_shortcut"]
