"""Feature pyramids: a backbone's stage outputs, stride 2 to 32, for detection/segmentation.

``create_model(name, features_only=True)`` returns a model whose outputs are a dict in
keras-hub's ``pyramid_outputs`` style: key ``"P{k}"`` holds the stage output at
stride ``2**k`` (``"P1"`` stride 2, ``"P2"`` stride 4, ..., ``"P5"`` stride 32),
fine to coarse, one per stride the model reaches at that input size (a CIFAR
ResNet-20 gives ``P1`` and ``P2``: it downsamples twice). Strides are nominal, as
timm's ``reduction``: the product of the layer strides, so a "valid" pooling that
takes 64 pixels to 31 is stride 2 and a "valid" 5×5 convolution stride 1::

    features = create_model("resnet50", input_shape=(224, 224, 3), features_only=True)
    features(images)["P5"].shape    # (batch, 7, 7, 2048)

The stages are derived from the graph, so a new family gets them for free: the stage
output at stride ``s`` is the *last* tensor at stride ``s`` that every path from the
input to the output passes through (a cut of the graph: a ResNet unit's ``_out``, an
Inception module's concatenation, never a tensor inside a branch); where there is
none (NASNet's cells read the two previous cells), the last merge at that stride. A family whose
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


def _spatial(tensor):
    shape = tuple(tensor.shape)
    return shape[1:3] if len(shape) == 4 and None not in shape[1:3] else None


def _layer_stride(node):
    """How much ``node`` downsamples: its input/output size ratio rounded to a power of
    two, as timm's ``reduction`` counts. A "valid" 5×5 convolution (14 → 10) is 1, a
    "valid" 3×3/2 pool (55 → 27) is 2, a padding (224 → 230) is 1."""
    out = _spatial(node.outputs[0])
    ratios = [max(1, 2 ** round(math.log2(size / o)))
              for t in node.input_tensors if _spatial(t)
              for size, o in zip(_spatial(t), out)]
    return max(ratios, default=1)


def _pads(node):
    """Whether ``node`` grows the map (a ZeroPadding2D): never a stage output."""
    out = _spatial(node.outputs[0])
    return any(_spatial(t) and out > _spatial(t) for t in node.input_tensors)


def stage_layers(model) -> dict[int, str]:
    """``{stride: layer name}`` of the stage outputs of a functional ``model``.

    ``stage_layers(ResNet50(include_top=False))`` → ``{2: "conv1_relu",
    4: "conv2_block3_out", 8: "conv3_block4_out", 16: "conv4_block6_out",
    32: "conv5_block3_out"}``.

    For each stride in :data:`PYRAMID_STRIDES`, the last layer (in topological
    order) whose output is at that stride and through which every input → output
    path passes. A node is such a cut exactly when no edge of the graph jumps over
    it in a topological order. Where a stride has no cut (NASNet's cells each read
    the two previous cells), the last merging layer (``Add``, ``Concatenate``) at
    that stride: the last cell's output.
    """
    return {stride: node.operation.name for stride, node in _stage_nodes(model).items()}


def _graph(model):
    """``[(node, stride, is_cut)]`` in topological order, for spatial single-output
    nodes: the nominal stride of the node's output (the product of the layer strides
    before it) and whether every input → output path passes through the node."""
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ValueError(
            f"feature pyramids need a one-input, one-output backbone; {model.name} has "
            f"{len(model.inputs)} inputs and {len(model.outputs)} outputs")
    if _spatial(model.inputs[0]) is None:
        raise ValueError("feature pyramids need a fixed input height and width, got "
                         f"input shape {tuple(model.inputs[0].shape)}")
    # Keras' depth is the longest path to the output: deepest first is topological.
    nodes = [node for depth in sorted(model._nodes_by_depth, reverse=True)
             for node in model._nodes_by_depth[depth]]
    position = {id(node): i for i, node in enumerate(nodes)}
    # A node is a cut exactly when no edge jumps over it in a topological order.
    spans = [0] * (len(nodes) + 1)
    for i, node in enumerate(nodes):
        for parent in node.parent_nodes:
            j = position.get(id(parent))
            if j is not None and i - j > 1:
                spans[j + 1] += 1
                spans[i] -= 1
    stride_of = {id(t): 1 for t in model.inputs}
    graph, open_edges = [], 0
    for i, node in enumerate(nodes):
        open_edges += spans[i]
        if node.is_input or _spatial(node.outputs[0]) is None:
            continue
        stride = max((stride_of.get(id(t), 1) for t in node.input_tensors), default=1)
        stride *= _layer_stride(node)
        for tensor in node.outputs:  # several for a split (ShuffleNet v2's ChannelSplit)
            stride_of[id(tensor)] = stride
        if len(node.outputs) == 1:
            graph.append((node, stride, open_edges == 0))
    return graph


def _stage_nodes(model):
    """``{stride: graph node}``: see :func:`stage_layers`."""
    cuts, merges = {}, {}
    for node, stride, is_cut in _graph(model):
        if stride not in PYRAMID_STRIDES or _pads(node):
            continue
        if is_cut:
            cuts[stride] = node
        if len(node.input_tensors) > 1:
            merges[stride] = node
    # Where every cell reads the two previous cells' outputs (NASNet), no tensor at a
    # stride is a cut: the last merge (Add/Concatenate) there is the last cell's output.
    stages = {**merges, **cuts}
    return dict(sorted(stages.items()))


def feature_model(model, layers=None, *, name=None):
    """A model from ``model``'s input to its stage outputs, ``{"P1": ..., "P5": ...}``.

    Args:
        model: a functional backbone (usually built with ``include_top=False``).
        layers: ``None`` to derive the stages with :func:`stage_layers`, or a family's
            override: layer names, or a function ``model -> layer names``. Each
            layer's stride (the product of the layer strides before it) must be
            one of :data:`PYRAMID_STRIDES`, one layer per stride.
        name: the new model's name (default ``"{model.name}_features"``).

    The new model shares ``model``'s layers and weights.
    """
    if layers is None:
        outputs = {pyramid_key(stride): node.outputs[0]
                   for stride, node in _stage_nodes(model).items()}
    else:
        names = layers(model) if callable(layers) else layers
        derived = {node.operation.name: stride for node, stride, _ in _graph(model)}
        by_stride = {}
        for layer_name in names:
            stride = derived.get(layer_name)
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
    return keras.Model(model.input, outputs, name=name or f"{model.name}_features")
