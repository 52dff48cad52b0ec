"""Pieces shared by several families (conv-BN-activation, ...)."""

from keras_archs.layers.conv import conv_bn_act
from keras_archs.layers.normalization import LocalResponseNormalization

__all__ = ["conv_bn_act", "LocalResponseNormalization"]
