"""Pieces shared by several families (conv-BN-activation, residual shortcuts, LRN, SE,
channel shuffle, PyTorch's adaptive average pooling)."""

from keras_archs.layers.attention import (
    apply_attention, check_attention, check_se_ratio, se_block)
from keras_archs.layers.conv import conv_bn_act
from keras_archs.layers.normalization import LocalResponseNormalization
from keras_archs.layers.pooling import AdaptiveAveragePooling2D
from keras_archs.layers.residual import (
    ChannelZeroPadding, residual_add, subsample, zero_pad_shortcut)
from keras_archs.layers.shuffle import ChannelShuffle, ChannelSplit

__all__ = ["AdaptiveAveragePooling2D", "ChannelShuffle", "ChannelSplit",
           "ChannelZeroPadding", "LocalResponseNormalization", "apply_attention",
           "check_attention", "check_se_ratio", "conv_bn_act",
           "residual_add", "se_block", "subsample", "zero_pad_shortcut"]
