"""One module per family; importing this package registers every model.

Every module here whose name does not start with ``_`` is a family: it is imported
(and so registers its models) without being listed anywhere, so adding a family means
adding its module and nothing else. Modules starting with ``_`` hold shared pieces
(``_builder``, ``_presets``, ``_residual``, ``_features``, ...) and are not families.
A family's stage outputs for ``create_model(..., features_only=True)`` come from
its graph (``models/_features.py``), so it needs no code for that either.

Argument names: every new block function and builder uses these words for these
things (the seed notebooks' signatures, such as ``conv_block(input_tensor,
kernel_size, filters, stage, block)`` or ``build_vgg_block(input_layer, ...)``, keep
their own names: they are API):

``x``
    the input tensor of a block function (``block(x, ..., name=...) -> x``); a
    constructor's is keras.applications' ``input_tensor``.
``filters``
    output channels of a convolution or block (an int; a tuple where a block has
    several, e.g. a bottleneck's ``(64, 64, 256)``).
``strides``
    the stride of the block's downsampling layer (int or pair); 1 keeps the size.
``groups``
    grouped-convolution groups (ResNeXt cardinality; ``groups == channels`` is a
    depthwise convolution).
``bn_momentum``, ``bn_epsilon``
    BatchNormalization's ``momentum`` and ``epsilon`` in Keras' convention
    (PyTorch's momentum 0.1 is Keras' 0.9). Never ``batch_norm_decay``.
``name``
    the prefix of every layer name a block creates (``{name}_conv``,
    ``{name}_bn``, ...); a model's name for constructors.
``stem``
    ``"auto"``, ``"imagenet"`` or ``"cifar"``: the input layout; ``"auto"`` picks
    ``"cifar"`` for inputs of at most 64×64 (``_builder.resolve_stem``).
``preset``
    the numerical recipe a model reproduces (keras.applications, torchvision, the
    seed's TF official models): BN epsilon/momentum, initialisers, regularisers,
    padding style, head. Separate from ``naming``.
``naming``
    the layer-name scheme only (e.g. keras.applications' ``conv2_block1_1_conv``
    vs the seed's ``res2a_branch2a``); it never changes the numbers.
``attention``
    the hook of residual-style units: ``None``, ``"se"`` (``layers.se_block``) or a
    callable ``(x, name) -> x``.
"""

import importlib
import pkgutil

FAMILY_MODULES = tuple(sorted(
    m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")))

for _module in FAMILY_MODULES:
    importlib.import_module(f"{__name__}.{_module}")
