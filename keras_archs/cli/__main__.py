import sys

from keras_archs.cli import main

sys.exit(main())
