"""One module per family; importing this package registers every model."""

from keras_archs.models import vgg  # noqa: F401
from keras_archs.models import lenet  # noqa: F401
from keras_archs.models import alexnet  # noqa: F401
from keras_archs.models import googlenet  # noqa: F401
