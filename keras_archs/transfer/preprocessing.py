"""Pixel preprocessing as a model layer, so transfer models take raw 0–255 images.

Every pretrained backbone expects its own input scaling — keras.applications'
``preprocess_input`` modes ("caffe": BGR minus the ImageNet mean, VGG and ResNet v1;
"tf": [-1, 1], Inception, Xception, MobileNet, ResNetV2, NASNet; "torch": ImageNet
mean/std, DenseNet; none: EfficientNet, ConvNeXt, RegNet and MobileNetV3 rescale inside
the model) and TF-Hub image models take [0, 1] ("unit"). Feeding the wrong one is the
classic silent transfer-learning bug, so keras-archs puts the right one *inside* the
transfer model as :class:`ImagePreprocessing`: the data pipeline only delivers raw
pixels (``normalization="none"``) and a saved model carries its preprocessing with it.
The arithmetic is :func:`keras_archs.data.pipeline.normalize`, the one the data
pipeline uses.
"""

from __future__ import annotations

import keras

from keras_archs._validation import check_choice
from keras_archs.data.pipeline import NORMALIZATIONS, normalize

__all__ = ["ImagePreprocessing"]


@keras.saving.register_keras_serializable(package="keras_archs")
class ImagePreprocessing(keras.layers.Layer):
    """Maps float pixels in [0, 255] to what a backbone expects.

    Args:
        mode: one of ``"unit"`` ([0, 1]), ``"tf"``, ``"torch"``, ``"caffe"``
            (keras.applications' ``preprocess_input`` modes) or ``"none"``.
    """

    def __init__(self, mode="unit", **kwargs):
        check_choice(mode, "mode (preprocessing)", NORMALIZATIONS)
        # Preprocessing arithmetic (mean subtraction, ÷127.5) stays in float32 even
        # under mixed precision; the backbone casts afterwards.
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.mode = mode

    def call(self, inputs):
        return normalize(inputs, self.mode)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["mode"] = self.mode
        return config
