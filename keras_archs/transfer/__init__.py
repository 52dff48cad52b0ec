"""Transfer learning under Keras 3: TF-Hub and keras.applications backbones, fine-tuning.

``build_transfer_model("hub:<handle>" | "applications:<Name>" | registry name, ...)``
puts a pretrained backbone under a new classifier; :class:`HubFeatureExtractor` is
the Keras 3 replacement for ``hub.KerasLayer``; :func:`unfreeze` and
:func:`fine_tune` implement the two-phase recipe. ``tensorflow_hub`` is imported only
when a URL handle has to be downloaded.
"""

from keras_archs.transfer.applications import (
    APPLICATIONS_PREPROCESSING, applications_names, applications_preprocessing,
    build_transfer_model)
from keras_archs.transfer.finetune import (
    FineTuneResult, fine_tune, freeze_backbone, get_backbone, unfreeze)
from keras_archs.transfer.hub import HubFeatureExtractor, load_saved_model, resolve_handle
from keras_archs.transfer.preprocessing import ImagePreprocessing

__all__ = [
    "APPLICATIONS_PREPROCESSING", "FineTuneResult", "HubFeatureExtractor",
    "ImagePreprocessing", "applications_names", "applications_preprocessing",
    "build_transfer_model", "fine_tune", "freeze_backbone", "get_backbone",
    "load_saved_model", "resolve_handle", "unfreeze",
]
