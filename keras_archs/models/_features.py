"""Feature pyramids: a backbone's stage outputs, stride 2 to 32, for detection/segmentation.

``create_model(name, features_only=True)`` returns a model whose outputs are a dict in
keras-hub's ``pyramid_outputs`` style: key ``"P{k}"`` holds the stage output at
stride ``2**k`` (``"P1"`` stride 2, ``"P2"`` stride 4, ..., ``"P5"`` stride 32),
fine to coarse, one per stride the model reaches at that input size (a CIFAR
ResNet-20 gives ``P1`` and ``P2``: it downsamples twice). Strides are nominal, as
timm's ``reduction``: a "valid" pooling that takes 64 pixels to 31 is stride 2::

    features = create_model("resnet50", input_shape=(224, 224, 3), features_only=True)
    features(images)["P5"].shape    # (batch, 7, 7, 2048)

The stages are derived from the graph, so a new family gets them for free: the stage
output at stride ``s`` is the *last* tensor at stride ``s`` that every path from the
input to the output passes through (a cut of the graph: a ResNet unit's ``_out``, an
Inception module's concatenation, never a tensor inside a branch). A family whose
natural stage ends differ declares them once, in its ``register_model(...,
feature_layers=...)``: a function ``model -> layer names`` (see
:func:`feature_model`).
"""

from __future__ import annotations

import math

import keras

__all__ = ["PYRAMID_STRIDES", "pyramid_key", "stage_layers", "feature_model"]

PYRAMID_STRIDES = (2, 4, 8, 16, 32)


def pyramid_key(stride: int) -> str:
    """``4`` → ``"P2"``: keras-hub's level name for a stride of ``2**level``."""
    return f"P{int(math.log2(stride))}"


def _stride(shape, input_hw):
    """The nominal stride of a 4-D channels-last ``shape`` relative to ``input_hw``.

    ``input / output`` rounded to a power of two, as timm's ``reduction``: a
    "valid" 3×3/2 pool on 64 pixels gives 31, still stride 2 (AlexNet). None when
    height and width disagree.
    """
    if len(shape) != 4 or None in shape[1:3]:
        return None
    strides = {2 ** round(math.log2(size / out)) for size, out in zip(input_hw, shape[1:3])}
    return strides.pop() if len(strides) == 1 else None


def _pads(node):
    """Whether ``node`` grows the map (a ZeroPadding2D): never a stage output."""
    grows = [tuple(node.outputs[0].shape[1:3]) > tuple(t.shape[1:3])
             for t in node.input_tensors if len(t.shape) == 4]
    return any(grows)


def stage_layers(model) -> dict[int, str]:
    """``{stride: layer name}`` of the stage outputs of a functional ``model``.

    ``stage_layers(ResNet50(include_top=False))`` → ``{2: "conv1_relu",
    4: "conv2_block3_out", 8: "conv3_block4_out", 16: "conv4_block6_out",
    32: "conv5_block3_out"}``.

    For each stride in :data:`PYRAMID_STRIDES`, the last layer (in topological
    order) whose output is at that stride and through which every input → output
    path passes. A node is such a cut exactly when no edge of the graph jumps over
    it in a topological order.
    """
    return {stride: node.operation.name for stride, node in _stage_nodes(model).items()}


def _stage_nodes(model):
    """``{stride: graph node}``: see :func:`stage_layers`."""
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ValueError(
            f"feature pyramids need a one-input, one-output backbone; {model.name} has "
            f"{len(model.inputs)} inputs and {len(model.outputs)} outputs")
    input_hw = tuple(model.inputs[0].shape[1:3])
    if None in input_hw:
        raise ValueError("feature pyramids need a fixed input height and width, got "
                         f"input shape {tuple(model.inputs[0].shape)}")
    nodes = [node for depth in sorted(model._nodes_by_depth, reverse=True)
             for node in model._nodes_by_depth[depth]]
    position = {id(node): i for i, node in enumerate(nodes)}
    # spans[i] > 0: some edge goes from before node i to after it.
    spans = [0] * (len(nodes) + 1)
    for i, node in enumerate(nodes):
        for parent in node.parent_nodes:
            j = position.get(id(parent))
            if j is not None and i - j > 1:
                spans[j + 1] += 1
                spans[i] -= 1
    stages, open_edges = {}, 0
    for i, node in enumerate(nodes):
        open_edges += spans[i]
        if open_edges or node.is_input or len(node.outputs) != 1 or _pads(node):
            continue
        stride = _stride(tuple(node.outputs[0].shape), input_hw)
        if stride in PYRAMID_STRIDES:
            stages[stride] = node
    return dict(sorted(stages.items()))


def feature_model(model, layers=None, *, name=None):
    """A model from ``model``'s input to its stage outputs, ``{"P1": ..., "P5": ...}``.

    Args:
        model: a functional backbone (usually built with ``include_top=False``).
        layers: ``None`` to derive the stages with :func:`stage_layers`, or a family's
            override: layer names, or a function ``model -> layer names``. Each
            layer's stride is read from its output shape and must be one of
            :data:`PYRAMID_STRIDES`, one layer per stride.
        name: the new model's name (default ``"{model.name}_features"``).

    The new model shares ``model``'s layers and weights.
    """
    if layers is None:
        outputs = {pyramid_key(stride): node.outputs[0]
                   for stride, node in _stage_nodes(model).items()}
    else:
        names = layers(model) if callable(layers) else layers
        input_hw = tuple(model.inputs[0].shape[1:3])
        by_stride = {}
        for layer_name in names:
            stride = _stride(tuple(model.get_layer(layer_name).output.shape), input_hw)
            if stride not in PYRAMID_STRIDES or stride in by_stride:
                raise ValueError(
                    f"feature layer {layer_name!r} of {model.name} is at stride "
                    f"{stride}; each of the strides {PYRAMID_STRIDES} may have one "
                    "stage layer")
            by_stride[stride] = layer_name
        outputs = {pyramid_key(stride): model.get_layer(by_stride[stride]).output
                   for stride in sorted(by_stride)}
    if not outputs:
        raise ValueError(
            f"{model.name} has no stage at stride 2 to 32 for input "
            f"{tuple(model.inputs[0].shape[1:])}")
    return keras.Model(model.inputs, outputs, name=name or f"{model.name}_features")
