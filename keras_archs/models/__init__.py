"""One module per family; importing this package registers every model.

Every module here whose name does not start with ``_`` is a family: it is imported
(and so registers its models) without being listed anywhere, so adding a family means
adding its module and nothing else.
"""

import importlib
import pkgutil

FAMILY_MODULES = tuple(sorted(
    m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")))

for _module in FAMILY_MODULES:
    importlib.import_module(f"{__name__}.{_module}")
