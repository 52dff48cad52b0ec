"""Our benchmark models trace to the same compute ops as keras.applications' twins.

The throughput comparison (benchmarks/vs_applications.py) times ours against
keras.applications'; these tests pin down the part that does not depend on the
machine: the same architecture runs the same kernels the same number of times.
"""

import keras
import pytest

from keras_archs import create_model, list_models, model_info
from keras_archs.analysis.throughput import DEFAULT_MODELS, compute_op_counts

# Above 64×64 so that families with a CIFAR stem build their ImageNet layout, as
# keras.applications always does.
SHAPE = (96, 96, 3)


@pytest.mark.parametrize("name", [n for n in DEFAULT_MODELS if n in list_models()])
def test_benchmark_model_has_the_compute_ops_of_its_keras_applications_twin(name):
    app = model_info(name).keras_applications
    with keras.StatelessScope():        # shapes only: nothing is initialised
        ours = create_model(name, input_shape=SHAPE, num_classes=10)
        theirs = getattr(keras.applications, app)(weights=None, input_shape=SHAPE,
                                                 classes=10)
    counts = compute_op_counts(ours)
    assert counts["Conv2D"] + counts.get("DepthwiseConv2dNative", 0) > 10
    assert counts == compute_op_counts(theirs)


def test_compute_op_counts_sees_an_extra_layer():
    def model(batch_norm):
        inputs = keras.Input((8, 8, 3))
        x = keras.layers.Conv2D(4, 3)(inputs)
        if batch_norm:
            x = keras.layers.BatchNormalization()(x)
        return keras.Model(inputs, keras.layers.Dense(2)(keras.layers.Flatten()(x)))

    plain, with_bn = compute_op_counts(model(False)), compute_op_counts(model(True))
    assert plain["Conv2D"] == with_bn["Conv2D"] == 1
    assert plain != with_bn and "Rsqrt" in with_bn and "Rsqrt" not in plain
    # Bookkeeping ops are left out; inference traces BatchNorm without batch statistics.
    assert "Const" not in plain and "Reshape" not in plain
    assert compute_op_counts(model(True), training=False) != with_bn
