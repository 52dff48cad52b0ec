"""Pieces shared by several families (conv-BN-activation, ...)."""

from keras_archs.layers.conv import conv_bn_act

__all__ = ["conv_bn_act"]
