"""One module per family; importing this package registers every model.

Every module here whose name does not start with ``_`` is a family: it is imported
(and so registers its models) without being listed anywhere, so adding a family means
adding its module and nothing else. Modules starting with ``_`` hold shared pieces
(``_builder``, ``_presets``, ``_residual``, ...) and are not families.

Argument names, in every block and builder: ``x`` the input tensor of a block;
``filters`` its output channels (a bottleneck's base width: it outputs 4 × filters);
``bn_momentum`` and ``bn_epsilon`` BatchNorm's (Keras momentum = 1 - PyTorch's);
``name`` the prefix of every layer name a block creates. The seed notebooks' calls
keep their own names (``input_tensor``, ``batch_norm_decay``): they are API.
"""

import importlib
import pkgutil

FAMILY_MODULES = tuple(sorted(
    m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")))

for _module in FAMILY_MODULES:
    importlib.import_module(f"{__name__}.{_module}")
