"""The names ``train()`` and ``compare()`` accept for their choices.

Kept free of Keras and TensorFlow imports so the command line lists them in
``--help`` without loading either.
"""

__all__ = ["OPTIMIZERS", "DEFAULT_LEARNING_RATES", "LR_SCHEDULES"]

# "sgd" is the seed recipe: SGD, learning rate 0.01, gradient norm clipped to 1.0.
OPTIMIZERS = ("sgd", "momentum", "adam", "adamw", "rmsprop")
# The learning rate each optimizer name gets when none is given.
DEFAULT_LEARNING_RATES = {"sgd": 0.01, "momentum": 0.01, "adam": 1e-3, "adamw": 1e-3,
                          "rmsprop": 1e-3}
LR_SCHEDULES = ("constant", "step", "cosine")
