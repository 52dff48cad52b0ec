"""One module per family; importing this package registers every model."""

from keras_archs.models import vgg  # noqa: F401
from keras_archs.models import resnet  # noqa: F401
