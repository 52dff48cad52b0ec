"""Read files written by ``torch.save`` without torch, and without running their code.

A ``.pth``/``.pt``/``.bin`` file is a pickle, and unpickling runs whatever callables
the file names (``os.system``, ``builtins.eval``, ...). :func:`load_torch_pickle`
reads the two layouts ``torch.save`` writes:

* the zip archive of PyTorch ≥ 1.6: ``<folder>/data.pkl`` (the pickled object),
  ``<folder>/data/<key>`` (one raw storage per key) and ``<folder>/byteorder``;
* the legacy stream of earlier versions (``_use_new_zipfile_serialization=False``):
  pickled magic number, protocol version and system info, the pickled object, the
  pickled list of storage keys, then each storage as an 8-byte little-endian element
  count followed by its raw bytes.

The pickle is read by a restricted unpickler. Before anything is unpickled, every
global the pickle names is checked against a short allow-list — torch's tensor
rebuild functions, its storage and dtype names, ``collections.OrderedDict`` and a few
plain builtins — and any other one (``os.system``, ``builtins.eval``, a pickled
``nn.Module`` class) is refused with a ``ValueError`` naming the file and the global.
The allowed names map to functions of this module that build numpy arrays; nothing
from torch is imported, even where torch is installed, and the file is only read.

Tensors come back as numpy arrays (C-contiguous copies, native byte order); bfloat16
becomes float32 (numpy has no bfloat16), every other dtype is kept.
"""

from __future__ import annotations

import _compat_pickle
import collections
import io
import os
import pickle
import pickletools
import struct
import zipfile

import numpy as np

__all__ = ["load_torch_pickle"]

# torch's storage class names and dtype names → numpy dtype ("bfloat16": see _Storage).
_STORAGE_DTYPES = {
    "FloatStorage": "f4", "DoubleStorage": "f8", "HalfStorage": "f2",
    "BFloat16Storage": "bfloat16", "LongStorage": "i8", "IntStorage": "i4",
    "ShortStorage": "i2", "CharStorage": "i1", "ByteStorage": "u1", "BoolStorage": "?",
    "ComplexFloatStorage": "c8", "ComplexDoubleStorage": "c16",
}
_DTYPES = {
    "float32": "f4", "float": "f4", "float64": "f8", "double": "f8", "float16": "f2",
    "half": "f2", "bfloat16": "bfloat16", "int64": "i8", "long": "i8", "int32": "i4",
    "int": "i4", "int16": "i2", "short": "i2", "int8": "i1", "uint8": "u1",
    "uint16": "u2", "uint32": "u4", "uint64": "u8", "bool": "?", "complex64": "c8",
    "cfloat": "c8", "complex128": "c16", "cdouble": "c16",
}
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL = 1001
# Opcodes whose argument names a global (module and name separated by a space).
_NAMED_GLOBAL_OPCODES = ("GLOBAL", "INST")


class _Refused(Exception):
    """A global outside the allow-list (carries the user-facing reason)."""


class _Sealed:
    """An object the pickle may hold but not modify.

    The pickle BUILD opcode sets attributes on any object on the stack (through
    ``__setstate__`` if it has one). On the allowed objects, which live as long as the
    process, that would change how every later file is read; so every object this
    module hands the unpickler refuses it.
    """

    __slots__ = ()

    def __setstate__(self, state):
        raise _Corrupt(f"its pickle tries to modify {self!r} (BUILD), which no "
                       "torch.save file does")


class _Callable(_Sealed):
    """What the unpickler gets for an allowed function or class: calls it, nothing else."""

    __slots__ = ("fn", "name")

    def __init__(self, fn, name):
        object.__setattr__(self, "fn", fn)
        object.__setattr__(self, "name", name)

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    def __setattr__(self, key, value):
        raise _Corrupt(f"its pickle tries to modify {self!r}")

    def __repr__(self):
        return f"<allowed global {self.name}>"


class _Storage(_Sealed):
    """One torch storage: raw bytes read from the file, and its element type."""

    def __init__(self, raw, dtype: str, byteorder: str, key: str):
        self.raw = raw
        self.dtype = dtype
        self.byteorder = byteorder
        self.key = key

    def elements(self, dtype: str | None = None) -> np.ndarray:
        """The storage as a read-only 1-D array of ``dtype`` (bfloat16 as uint16 bits)."""
        dtype = dtype or self.dtype
        np_dtype = np.dtype("u2" if dtype == "bfloat16" else dtype)
        np_dtype = np_dtype.newbyteorder(self.byteorder)
        if len(self.raw) % np_dtype.itemsize:
            raise _Corrupt(f"storage {self.key!r} has {len(self.raw)} bytes, not a "
                           f"multiple of its element size {np_dtype.itemsize}")
        return np.frombuffer(self.raw, dtype=np_dtype)


class _Corrupt(Exception):
    """The file's structure is inconsistent (sizes, offsets, missing records)."""


class _Marker(_Sealed):
    """Stands for a torch object that only tags data (a dtype, ``torch.Tensor``, ...)."""

    def __init__(self, kind: str, name: str, value=None):
        self.kind, self.name, self.value = kind, name, value

    def __repr__(self):
        return f"<torch {self.kind} {self.name}>"


class _LazyTensor(_Sealed):
    """A tensor as the pickle describes it; its array is made once the storages are read.

    (In the legacy format the storages' bytes come after the pickle.)
    """

    def __init__(self, storage, storage_offset, size, stride, dtype=None):
        if not isinstance(storage, _Storage):
            raise _Corrupt(f"a tensor's storage is a {type(storage).__name__}, not a "
                           "storage")
        self.args = (storage, storage_offset, size, stride, dtype)

    def materialize(self) -> np.ndarray:
        return _tensor(*self.args)


def _tensor(storage, storage_offset, size, stride, dtype=None) -> np.ndarray:
    """Rebuild one tensor from its storage as ``torch.Tensor.set_`` would view it."""
    if not isinstance(storage, _Storage):
        raise _Corrupt(f"a tensor's storage is a {type(storage).__name__}, not a storage")
    size = tuple(int(s) for s in size)
    stride = tuple(int(s) for s in stride)
    offset = int(storage_offset)
    if len(size) != len(stride):
        raise _Corrupt(f"tensor size {size} and stride {stride} differ in length")
    if offset < 0 or any(s < 0 for s in size) or any(s < 0 for s in stride):
        raise _Corrupt(f"negative tensor offset, size or stride ({offset}, {size}, "
                       f"{stride})")
    elements = storage.elements(dtype)
    dtype = dtype or storage.dtype
    if 0 in size:
        out = np.zeros(size, dtype=elements.dtype)
    else:
        # as_strided reads raw memory: check that the view stays inside the storage.
        last = offset + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= elements.size:
            raise _Corrupt(
                f"a tensor of size {size}, stride {stride} at offset {offset} reaches "
                f"element {last} of storage {storage.key!r}, which has {elements.size}")
        view = np.lib.stride_tricks.as_strided(
            elements[offset:], shape=size,
            strides=tuple(s * elements.itemsize for s in stride), writeable=False)
        out = np.array(view, order="C")
    if dtype == "bfloat16":
        # bfloat16 is the upper half of a float32: shift the bits into place.
        out = (out.astype(np.uint32) << 16).view(np.float32)
    return out.astype(out.dtype.newbyteorder("="), copy=False)


def _rebuild_tensor(storage, storage_offset, size, stride):
    return _LazyTensor(storage, storage_offset, size, stride)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    return _LazyTensor(storage, storage_offset, size, stride)


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       dtype, metadata=None):
    # Newer dtypes (uint16, ...) are saved as bytes plus a dtype object.
    if not isinstance(dtype, _Marker) or dtype.kind != "dtype":
        raise _Corrupt(f"_rebuild_tensor_v3 got {dtype!r} instead of a dtype")
    return _LazyTensor(storage, storage_offset, size, stride, dtype=dtype.value)


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None, state=None):
    if not isinstance(data, _LazyTensor):
        raise _Corrupt(f"a Parameter wraps a {type(data).__name__}, not a tensor")
    return data


def _rebuild_from_type_v2(func, new_type, args, state):
    # torch.Tensor/Parameter with Python attributes: rebuild the data, drop the rest.
    if not isinstance(func, _Callable) or func.fn not in _REBUILD_FUNCTIONS:
        raise _Corrupt(f"_rebuild_from_type_v2 got {func!r} as the rebuild function")
    return func(*args)


def _codecs_encode(text, encoding="latin1"):
    # Protocol-2 pickles of ``bytes`` are _codecs.encode(str, "latin1").
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise _Corrupt(f"_codecs.encode({type(text).__name__}, {encoding!r})")
    return text.encode("latin1")


def _torch_size(dims=()):
    return tuple(int(d) for d in dims)


def _torch_device(*args):
    return str(args[0]) if args else "cpu"


_REBUILD_FUNCTIONS = (_rebuild_tensor, _rebuild_tensor_v2, _rebuild_tensor_v3,
                      _rebuild_parameter)

# The allow-list: (module, name) → what the unpickler gets instead of torch's object.
_ALLOWED = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "complex"): complex,
    ("builtins", "bytearray"): bytearray,
    ("_codecs", "encode"): _codecs_encode,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_tensor_v3"): _rebuild_tensor_v3,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("torch._tensor", "_rebuild_from_type_v2"): _rebuild_from_type_v2,
    ("torch", "Size"): _torch_size,
    ("torch", "device"): _torch_device,
    ("torch", "Tensor"): _Marker("class", "torch.Tensor"),
    ("torch.nn.parameter", "Parameter"): _Marker("class", "torch.nn.Parameter"),
    ("torch.storage", "UntypedStorage"): _Marker("storage", "UntypedStorage", "u1"),
    ("torch", "UntypedStorage"): _Marker("storage", "UntypedStorage", "u1"),
}
for _name, _dtype in _STORAGE_DTYPES.items():
    _ALLOWED[("torch", _name)] = _Marker("storage", _name, _dtype)
    _ALLOWED[("torch.cuda", _name)] = _Marker("storage", _name, _dtype)
for _name, _dtype in _DTYPES.items():
    _ALLOWED[("torch", _name)] = _Marker("dtype", f"torch.{_name}", _dtype)
_ALLOWED = {key: value if isinstance(value, _Marker) else _Callable(value, ".".join(key))
            for key, value in _ALLOWED.items()}

_WHOLE_MODEL_PREFIXES = ("torch.nn.", "torchvision.", "timm.", "__torch__")


def _refusal(module: str, name: str) -> str:
    """Why the global ``module.name`` is refused, in words for the user."""
    full = repr(f"{module}.{name}")
    if module in ("posix", "nt"):  # how os.system & co. are pickled
        full += f" (os.{name})"
    if module.startswith("__torch__"):
        return (f"it is a TorchScript archive (torch.jit.save; it names {full}). "
                "Save the weights with torch.save(model.state_dict(), path) instead")
    if module.startswith(_WHOLE_MODEL_PREFIXES):
        return (f"it is a pickled whole model (it names the class {full}), which "
                "needs that Python code to load. Save the weights with "
                "torch.save(model.state_dict(), path) and pass that file instead")
    if module.startswith("torch"):
        return (f"it names {full}, which keras-archs' checkpoint reader does not "
                "support (it rebuilds dense CPU tensors, storages and plain "
                "containers only)")
    return (f"its pickle asks for the global {full}, and unpickling it could run "
            "code: only tensors, storages and plain containers are allowed. Nothing "
            "was executed. If the file holds a whole model or training objects, save "
            "model.state_dict() instead")


def _scan_globals(data: bytes, start: int = 0):
    """Every (module, name) a pickle names, and where its STOP opcode ends.

    Reads the opcodes only (nothing is built), so a refused global is reported before
    anything runs. ``STACK_GLOBAL`` takes its names from the two strings pushed before
    it, resolved here through the memo; if that fails, ``find_class`` still refuses.
    """
    found = []
    strings = []          # the last values pushed that were strings (or None)
    memo = {}
    end = None
    stream = io.BytesIO(data)
    stream.seek(start)
    try:
        for opcode, arg, pos in pickletools.genops(stream):
            name = opcode.name
            if name in _NAMED_GLOBAL_OPCODES:
                module, _, attr = arg.partition(" ")
                found.append(_python3_name(module, attr))
                strings.append(None)
            elif name == "STACK_GLOBAL":
                if len(strings) >= 2 and None not in strings[-2:]:
                    found.append((strings[-2], strings[-1]))
                strings.append(None)
            elif "UNICODE" in name or name.endswith("STRING"):
                strings.append(arg if isinstance(arg, str) else None)
            elif name in ("PUT", "BINPUT", "LONG_BINPUT"):
                memo[arg] = strings[-1] if strings else None
            elif name == "MEMOIZE":
                memo[len(memo)] = strings[-1] if strings else None
            elif name in ("GET", "BINGET", "LONG_BINGET"):
                strings.append(memo.get(arg))
            elif name == "STOP":
                end = stream.tell()
                break
            else:
                strings.append(None)
            del strings[:-2]
    except ValueError as err:  # genops: unknown opcode or data past the end
        raise _Corrupt(f"its pickle is corrupted or truncated ({err})") from None
    if end is None:
        raise _Corrupt("its pickle is truncated (no STOP opcode)")
    return found, end


def _python3_name(module: str, name: str):
    """The name pickle's ``fix_imports`` gives a protocol-2 global (``__builtin__.set``)."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


class _Unpickler(pickle.Unpickler):
    """Maps allowed globals to this module's safe stand-ins; refuses every other one."""

    def __init__(self, file, storage_loader):
        super().__init__(file, encoding="utf-8")
        self._storage_loader = storage_loader

    def find_class(self, module, name):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise _Refused(_refusal(module, name)) from None

    def persistent_load(self, pid):
        return self._storage_loader(pid)


def _decode(value):
    return value.decode("ascii") if isinstance(value, bytes) else value


def _storage_type(marker) -> str:
    if not isinstance(marker, _Marker) or marker.kind != "storage":
        raise _Corrupt(f"a storage record names {marker!r} as its type")
    return marker.value


class _ZipStorages:
    """persistent_load for the zip format: storage ``key`` is ``<folder>/data/<key>``."""

    def __init__(self, archive, prefix, byteorder):
        self.archive, self.prefix, self.byteorder = archive, prefix, byteorder
        self.cache = {}

    def __call__(self, pid):
        if not isinstance(pid, tuple) or len(pid) != 5 or _decode(pid[0]) != "storage":
            raise _Corrupt(f"unexpected persistent id {pid!r} (a storage record has 5 "
                           "fields: 'storage', type, key, location, size)")
        _, marker, key, _location, numel = pid
        key = _decode(key)
        dtype = _storage_type(marker)
        if not isinstance(numel, int) or numel < 0:
            raise _Corrupt(f"storage {key!r} has size {numel!r}")
        nbytes = numel * _itemsize(dtype)
        if key not in self.cache:
            member = f"{self.prefix}data/{key}"
            try:
                # read only the bytes the record declares: a record that decompresses
                # to more (a zip bomb) is not expanded
                with self.archive.open(member) as f:
                    raw = f.read(nbytes)
            except KeyError:
                raise _Corrupt(f"the archive has no record {member!r}") from None
            self.cache[key] = _Storage(raw, dtype, self.byteorder, key)
        storage = self.cache[key]
        if storage.dtype != dtype:
            storage = _Storage(storage.raw, dtype, self.byteorder, key)
        if nbytes > len(storage.raw):
            raise _Corrupt(f"storage {key!r} should hold {numel} elements "
                           f"({nbytes} bytes), the file has {len(storage.raw)} bytes")
        return storage


class _LegacyStorages:
    """persistent_load for the legacy format: storages whose bytes follow the pickle.

    Each storage is recorded with its element type; :func:`_load_legacy` fills in
    the bytes once it has read past the pickle.
    """

    def __init__(self):
        self.storages = {}

    def __call__(self, pid):
        if not isinstance(pid, tuple) or not pid:
            raise _Corrupt(f"unexpected persistent id {pid!r}")
        kind = _decode(pid[0])
        if kind == "module":
            raise _Refused(_refusal("torch.nn.modules", "Module"))
        if kind != "storage" or len(pid) != 6:
            raise _Corrupt(f"unexpected persistent id {pid!r} (a legacy storage record "
                           "has 6 fields)")
        _, marker, key, _location, _numel, view = pid
        key = _decode(key)
        dtype = _storage_type(marker)
        storage = self.storages.setdefault(key, _Storage(None, dtype, "<", key))
        if view is None:
            return storage
        view_key, offset, view_size = view
        return _StorageView(storage, int(offset), int(view_size), _decode(view_key))


class _StorageView(_Storage):
    """A legacy storage view: ``size`` elements of ``base`` from ``offset``."""

    def __init__(self, base, offset, size, key):
        super().__init__(None, base.dtype, base.byteorder, key)
        self.base, self.offset, self.size = base, offset, size

    def elements(self, dtype=None):
        return self.base.elements(dtype)[self.offset:self.offset + self.size]


def _unpickle(data: bytes, start: int, storage_loader):
    """Check the globals of the pickle at ``data[start:]``, then load it."""
    names, end = _scan_globals(data, start)
    for module, name in names:
        if (module, name) not in _ALLOWED:
            raise _Refused(_refusal(module, name))
    stream = io.BytesIO(data)
    stream.seek(start)
    obj = _Unpickler(stream, storage_loader).load()
    return obj, end


def _load_zip(data: bytes):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        pickles = [n for n in archive.namelist()
                   if n == "data.pkl" or n.endswith("/data.pkl")]
        if len(pickles) != 1:
            if "constants.pkl" in {n.rsplit("/", 1)[-1] for n in archive.namelist()}:
                raise _Corrupt("it is a TorchScript archive without data.pkl")
            raise _Corrupt(
                "it is a zip archive but not one torch.save writes (expected exactly one "
                f"'<folder>/data.pkl', found {len(pickles)})")
        prefix = pickles[0][:-len("data.pkl")]
        byteorder = "<"
        if f"{prefix}byteorder" in archive.namelist():
            order = archive.read(f"{prefix}byteorder").decode("ascii", "replace").strip()
            if order not in ("little", "big"):
                raise _Corrupt(f"its byteorder record says {order!r}")
            byteorder = "<" if order == "little" else ">"
        obj, _ = _unpickle(archive.read(pickles[0]), 0,
                           _ZipStorages(archive, prefix, byteorder))
        return obj


def _load_legacy(data: bytes):
    magic, pos = _unpickle(data, 0, _no_storages)
    if magic != _LEGACY_MAGIC:
        raise _Corrupt("it is a pickle but not a torch.save file (no PyTorch magic "
                       "number)")
    protocol, pos = _unpickle(data, pos, _no_storages)
    if protocol != _LEGACY_PROTOCOL:
        raise _Corrupt(f"its legacy protocol version is {protocol!r}, not "
                       f"{_LEGACY_PROTOCOL}")
    sys_info, pos = _unpickle(data, pos, _no_storages)
    if isinstance(sys_info, dict) and sys_info.get("little_endian") is False:
        raise _Corrupt("it was written on a big-endian machine in the legacy format, "
                       "which is not supported")
    loader = _LegacyStorages()
    obj, pos = _unpickle(data, pos, loader)
    keys, pos = _unpickle(data, pos, _no_storages)
    if not isinstance(keys, list) or not all(isinstance(k, (str, bytes)) for k in keys):
        raise _Corrupt("its list of storage keys is not a list of strings")
    for key in map(_decode, keys):
        storage = loader.storages.get(key)
        if storage is None:
            raise _Corrupt(f"storage {key!r} is listed but no tensor uses it")
        if pos + 8 > len(data):
            raise _Corrupt(f"it is truncated: storage {key!r} is missing")
        (numel,) = struct.unpack_from("<q", data, pos)
        nbytes = numel * _itemsize(storage.dtype)
        pos += 8
        if numel < 0 or pos + nbytes > len(data):
            raise _Corrupt(f"it is truncated: storage {key!r} needs {nbytes} bytes, "
                           f"{len(data) - pos} are left")
        storage.raw = data[pos:pos + nbytes]
        pos += nbytes
    missing = [k for k, s in loader.storages.items() if s.raw is None]
    if missing:
        raise _Corrupt(f"storages {missing} are used by tensors but not in the file")
    return obj


def _no_storages(pid):
    raise _Corrupt(f"a header pickle refers to storage {pid!r}")


def _itemsize(dtype: str) -> int:
    return 2 if dtype == "bfloat16" else np.dtype(dtype).itemsize


def _materialize(obj, done=None):
    """Replace every _LazyTensor in ``obj`` (nested dicts, lists, tuples) by its array."""
    if isinstance(obj, _LazyTensor):
        return obj.materialize()
    if isinstance(obj, _Storage):
        return np.array(obj.elements())
    done = {} if done is None else done
    if id(obj) in done:
        return done[id(obj)]
    if isinstance(obj, dict):
        done[id(obj)] = obj
        for key in list(obj):
            obj[key] = _materialize(obj[key], done)
    elif isinstance(obj, list):
        done[id(obj)] = obj
        obj[:] = [_materialize(v, done) for v in obj]
    elif isinstance(obj, tuple):
        obj = done[id(obj)] = tuple(_materialize(v, done) for v in obj)
    return obj


def load_torch_pickle(path) -> object:
    """Load what ``torch.save`` wrote to ``path``, tensors as numpy arrays.

    Reads the zip format (any top-level folder name) and the legacy pre-1.6 format.
    Returns the saved object (usually an ``OrderedDict`` of arrays, or a training
    checkpoint dict around one). Raises ``ValueError`` naming the file and the cause
    when the file is empty, truncated, not a torch checkpoint, or names a global
    outside the allow-list (code execution, a pickled whole model) — in that last case
    before anything is unpickled. The file is opened read-only.
    """
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as err:
        raise ValueError(f"cannot read PyTorch checkpoint {path!r}: {err}") from err
    try:
        return _materialize(_load(data))
    except _Refused as err:
        raise ValueError(f"refusing to load PyTorch checkpoint {path!r}: {err}") from None
    except _Corrupt as err:
        raise ValueError(f"cannot read PyTorch checkpoint {path!r}: {err}") from None
    except (pickle.UnpicklingError, EOFError, zipfile.BadZipFile, struct.error,
            TypeError, KeyError, IndexError, AttributeError, UnicodeDecodeError,
            ValueError, MemoryError, OverflowError) as err:
        raise ValueError(
            f"cannot read PyTorch checkpoint {path!r}: the file is corrupted "
            f"({type(err).__name__}: {err})") from None


def _load(data: bytes):
    if not data:
        raise _Corrupt("the file is empty (0 bytes)")
    if zipfile.is_zipfile(io.BytesIO(data)):
        return _load_zip(data)
    if data[:4] == b"PK\x03\x04":
        raise _Corrupt("it starts like a zip archive (torch.save's format) but has no "
                       "zip directory at its end: the file is truncated or corrupted")
    if data[:1] == b"\x80":
        return _load_legacy(data)
    if data[:8] == b"\x89HDF\r\n\x1a\n":
        raise _Corrupt("it is an HDF5 file (a Keras .h5/.weights.h5?), not a torch.save "
                       "file")
    if len(data) > 8 and data[8:9] == b"{":
        raise _Corrupt("it looks like a safetensors file; give it the .safetensors "
                       "extension")
    raise _Corrupt("it is not a PyTorch checkpoint (neither the zip archive torch.save "
                   "writes nor the legacy pickle format)")
