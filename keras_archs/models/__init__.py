"""One module per family; importing this package registers every model."""

from keras_archs.models import (  # noqa: F401
    alexnet, googlenet, lenet, resnet, vgg)
