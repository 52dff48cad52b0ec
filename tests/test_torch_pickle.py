"""The torch-free checkpoint reader: real torch.save files, crafted hostile ones.

The files in fixtures/torch_checkpoints/ were written by torch 2.11 and safetensors
(fixtures/torch_reference/make_checkpoints.py); expected.npz holds what each must read
back as. Other cases are written here without torch by a
small pickler that emits the same opcodes torch.save does.
"""

import collections
import io
import os
import pickle
import shutil
import struct
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from keras_archs._torch_pickle import load_torch_pickle

CHECKPOINTS = Path(__file__).parent / "fixtures" / "torch_checkpoints"
STATE_DICT_KEYS = ["conv.weight", "bn.weight", "bn.bias", "bn.running_mean",
                   "bn.running_var", "bn.num_batches_tracked", "fc.weight", "fc.bias"]


@pytest.fixture(scope="module")
def expected():
    with np.load(CHECKPOINTS / "expected.npz") as data:
        return dict(data)


def assert_same_arrays(got, want):
    assert list(got) == list(want)
    for key in want:
        assert isinstance(got[key], np.ndarray), key
        assert got[key].dtype == want[key].dtype, key
        assert got[key].shape == want[key].shape, key
        np.testing.assert_array_equal(got[key], want[key], err_msg=key)


@pytest.mark.parametrize("filename, wrapper", [
    ("state_dict.pth", None),
    ("state_dict_legacy.pth", None),
    ("checkpoint_model_key.pth", "model"),
    ("checkpoint_state_dict_key.pth", "state_dict"),
])
def test_real_state_dicts_read_back_exactly(filename, wrapper, expected):
    obj = load_torch_pickle(CHECKPOINTS / filename)
    if wrapper == "model":
        assert obj["epoch"] == 3 and obj["arch"] == "tiny"
    if wrapper == "state_dict":
        assert obj["best_acc1"] == 0.5
    state = obj[wrapper] if wrapper else obj
    assert isinstance(state, collections.OrderedDict)   # PyTorch's key order kept
    assert_same_arrays(state, {k: expected[k] for k in STATE_DICT_KEYS})


def test_odd_tensors_views_offsets_shared_storage_and_dtypes(expected):
    odd = load_torch_pickle(CHECKPOINTS / "odd_tensors.pth")
    want = {k[len("odd."):]: v for k, v in expected.items() if k.startswith("odd.")}
    assert_same_arrays(odd, want)
    # the facts behind the names: a transposed view and a slice of one shared storage
    np.testing.assert_array_equal(odd["transposed"], odd["shared_a"].T)
    np.testing.assert_array_equal(odd["row_slice"], odd["shared_a"][2:5])
    assert odd["bfloat16"].dtype == np.float32       # bfloat16 widened exactly
    assert odd["scalar"].shape == () and odd["scalar"] == 2.5
    # independent, writable, contiguous arrays (not views into one buffer)
    assert all(v.flags.c_contiguous and v.flags.writeable for v in odd.values())
    odd["shared_a"][0, 0] = 123.0
    assert odd["transposed"][0, 0] != 123.0


@pytest.fixture(autouse=True)
def _fresh_keras_session():
    """Overrides conftest's: the reader does not touch Keras (saves ~1 s a test)."""
    yield


@pytest.fixture
def record_code_execution(monkeypatch):
    """``calls = record_code_execution()`` replaces os.system & co. by recorders.

    Called after the hostile file is written (pickling needs the real functions).
    """
    def start():
        calls = []
        _patch(monkeypatch, calls)
        return calls

    return start


def _patch(monkeypatch, calls):
    for module, name in [(os, "system"), (os, "popen"),
                         (__import__("builtins"), "eval")]:
        monkeypatch.setattr(module, name,
                            lambda *a, _n=name, **k: calls.append((_n, a)))
    if hasattr(os, "posix_spawn"):
        monkeypatch.setattr(os, "posix_spawn", lambda *a, **k: calls.append(a))
    import posix
    monkeypatch.setattr(posix, "system", lambda *a, **k: calls.append(("posix", a)))


def test_code_execution_is_refused_naming_the_global(record_code_execution, tmp_path):
    path = CHECKPOINTS / "refuse_code_execution.pth"
    calls = record_code_execution()
    with pytest.raises(ValueError) as err:
        load_torch_pickle(path)
    message = str(err.value)
    assert str(path) in message
    assert "'posix.system' (os.system)" in message
    assert "Nothing was executed" in message
    assert calls == []
    assert not Path("/tmp/keras_archs_pwned").exists()


def test_whole_module_is_refused_with_the_state_dict_advice(record_code_execution):
    path = CHECKPOINTS / "refuse_whole_module.pth"
    calls = record_code_execution()
    with pytest.raises(ValueError) as err:
        load_torch_pickle(path)
    message = str(err.value)
    assert str(path) in message
    assert "'torch.nn.modules.container.Sequential'" in message
    assert "model.state_dict()" in message
    assert calls == []


@pytest.mark.parametrize("filename", sorted(
    p.name for p in CHECKPOINTS.glob("*.pth")))
def test_reading_never_modifies_the_file(filename, tmp_path):
    path = tmp_path / filename
    shutil.copy2(CHECKPOINTS / filename, path)
    before, stat = path.read_bytes(), path.stat()
    try:
        load_torch_pickle(path)
    except ValueError:
        pass                                       # the refuse_* files
    assert path.read_bytes() == before
    assert path.stat().st_mtime_ns == stat.st_mtime_ns
    assert sorted(p.name for p in tmp_path.iterdir()) == [filename]


# --- broken files -----------------------------------------------------------------

def test_empty_file(tmp_path):
    path = tmp_path / "empty.pth"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty\.pth.*empty \(0 bytes\)"):
        load_torch_pickle(path)


def test_missing_file(tmp_path):
    with pytest.raises(ValueError, match="cannot read PyTorch checkpoint.*nope.pth"):
        load_torch_pickle(tmp_path / "nope.pth")


@pytest.mark.parametrize("filename", ["state_dict.pth", "state_dict_legacy.pth"])
@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9, 0.99])
def test_truncated_files(filename, fraction, tmp_path):
    data = (CHECKPOINTS / filename).read_bytes()
    path = tmp_path / f"cut_{filename}"
    path.write_bytes(data[:int(len(data) * fraction)])
    with pytest.raises(ValueError) as err:
        load_torch_pickle(path)
    message = str(err.value)
    assert str(path) in message
    assert "truncated" in message or "corrupted" in message, message


@pytest.mark.parametrize("content, cause", [
    (b"hello, this is not a checkpoint\n" * 10, "not a PyTorch checkpoint"),
    (os.urandom(0) + bytes(range(256)) * 4, "not a PyTorch checkpoint"),
    (b"\x89HDF\r\n\x1a\n" + bytes(100), "HDF5"),
])
def test_garbage_files(content, cause, tmp_path):
    path = tmp_path / "garbage.pth"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=cause) as err:
        load_torch_pickle(path)
    assert str(path) in str(err.value)


def test_zip_that_is_not_a_torch_file(tmp_path):
    path = tmp_path / "other.pth"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hi")
    with pytest.raises(ValueError, match="not one torch.save writes"):
        load_torch_pickle(path)


def test_plain_pickle_without_the_legacy_header(tmp_path):
    path = tmp_path / "plain.pkl"
    path.write_bytes(pickle.dumps({"a": 1}, protocol=2))
    with pytest.raises(ValueError, match="no PyTorch magic number"):
        load_torch_pickle(path)


# --- crafted files, written the way torch.save writes them, without torch ---------

class _Global:
    """Pickles as GLOBAL 'module name' (a name torch's files use, or a hostile one)."""

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __call__(self, *args):  # pickle's save_reduce wants a callable
        raise AssertionError("never called")


class _Tensor:
    def __init__(self, storage, offset, size, stride, rebuild="_rebuild_tensor_v2",
                 extra=()):
        self.args = (storage, offset, tuple(size), tuple(stride), False,
                     collections.OrderedDict(), *extra)
        self.rebuild = rebuild

    def __reduce__(self):
        return _Global("torch._utils", self.rebuild), self.args


class _StorageRef:
    def __init__(self, key, array, storage_type="FloatStorage", module="torch"):
        self.key, self.array = key, np.ascontiguousarray(array)
        self.type = _Global(module, storage_type)


class _TorchPickler(pickle._Pickler):
    """Writes GLOBAL for _Global and torch's persistent ids for _StorageRef."""

    dispatch = dict(pickle._Pickler.dispatch)

    def __init__(self, file, legacy=False):
        super().__init__(file, protocol=2)
        self.legacy, self.storages = legacy, {}

    def save_fake_global(self, obj):
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode())
        self.memoize(obj)

    dispatch[_Global] = save_fake_global

    def persistent_id(self, obj):
        if not isinstance(obj, _StorageRef):
            return None
        self.storages[obj.key] = obj
        record = ("storage", obj.type, obj.key, "cpu", obj.array.size)
        return record + (None,) if self.legacy else record


def write_zip(path, obj, folder="archive", byteorder="little"):
    buf = io.BytesIO()
    pickler = _TorchPickler(buf)
    pickler.dump(obj)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{folder}/data.pkl", buf.getvalue())
        archive.writestr(f"{folder}/byteorder", byteorder)
        for key, ref in pickler.storages.items():
            array = ref.array.astype(ref.array.dtype.newbyteorder(
                "<" if byteorder == "little" else ">"))
            archive.writestr(f"{folder}/data/{key}", array.tobytes())
        archive.writestr(f"{folder}/version", "3\n")


def write_legacy(path, obj):
    buf = io.BytesIO()
    for header in (0x1950A86A20F9469CFC6C, 1001,
                   {"protocol_version": 1001, "little_endian": True,
                    "type_sizes": {"short": 2, "int": 4, "long": 4}}):
        pickle.dump(header, buf, protocol=2)
    pickler = _TorchPickler(buf, legacy=True)
    pickler.dump(obj)
    pickle.dump(sorted(pickler.storages), buf, protocol=2)
    for key in sorted(pickler.storages):
        array = pickler.storages[key].array
        buf.write(struct.pack("<q", array.size) + array.astype(
            array.dtype.newbyteorder("<")).tobytes())
    Path(path).write_bytes(buf.getvalue())


@pytest.mark.parametrize("writer", [write_zip, write_legacy])
def test_crafted_views_match_numpy(writer, tmp_path):
    base = np.arange(24, dtype=np.float32)
    ref = _StorageRef("0", base)
    ints = _StorageRef("1", np.arange(5, dtype=np.int32), "IntStorage")
    obj = collections.OrderedDict(
        whole=_Tensor(ref, 0, (4, 6), (6, 1)),
        transposed=_Tensor(ref, 0, (6, 4), (1, 6)),
        strided=_Tensor(ref, 1, (3, 2), (8, 3)),
        broadcast=_Tensor(ref, 5, (3, 4), (0, 1)),        # expand(): stride 0
        empty=_Tensor(ref, 0, (0, 6), (6, 1)),
        scalar=_Tensor(ref, 7, (), ()),
        ints=_Tensor(ints, 2, (3,), (1,)),
        nested=[{"deep": _Tensor(ref, 20, (4,), (1,))}, (1, "two")],
    )
    path = tmp_path / "crafted.pth"
    writer(path, obj)
    got = load_torch_pickle(path)
    grid = base.reshape(4, 6)
    np.testing.assert_array_equal(got["whole"], grid)
    np.testing.assert_array_equal(got["transposed"], grid.T)
    np.testing.assert_array_equal(got["strided"], [[1, 4], [9, 12], [17, 20]])
    np.testing.assert_array_equal(got["broadcast"], np.tile(base[5:9], (3, 1)))
    assert got["empty"].shape == (0, 6)
    assert got["scalar"].shape == () and got["scalar"] == 7
    assert got["ints"].dtype == np.int32
    np.testing.assert_array_equal(got["ints"], [2, 3, 4])
    np.testing.assert_array_equal(got["nested"][0]["deep"], base[20:24])
    assert got["nested"][1] == (1, "two")


def test_any_top_level_folder_and_big_endian_files(tmp_path):
    values = np.linspace(-1, 1, 6).astype(np.float64)
    path = tmp_path / "big.pth"
    write_zip(path, {"w": _Tensor(_StorageRef("0", values, "DoubleStorage"), 0, (2, 3),
                                  (3, 1))},
              folder="some_other_name", byteorder="big")
    got = load_torch_pickle(path)["w"]
    assert got.dtype == np.float64 and got.dtype.isnative
    np.testing.assert_array_equal(got, values.reshape(2, 3))


def test_newer_files_untyped_storage_with_a_dtype(tmp_path):
    # _rebuild_tensor_v3(storage, offset, size, stride, grad, hooks, dtype): the bytes
    # of an UntypedStorage read as the dtype object that follows (uint16 here).
    values = np.array([1, 2, 65535, 7], dtype="<u2")
    raw = _StorageRef("0", values.view(np.uint8), "UntypedStorage", "torch.storage")
    path = tmp_path / "v3.pth"
    write_zip(path, {"u": _Tensor(raw, 1, (3,), (1,), "_rebuild_tensor_v3",
                                  extra=(_Global("torch", "uint16"),))})
    got = load_torch_pickle(path)["u"]
    assert got.dtype == np.uint16
    np.testing.assert_array_equal(got, [2, 65535, 7])


def test_parameters_are_unwrapped(tmp_path):
    class Parameter:
        def __reduce__(self):
            tensor = _Tensor(_StorageRef("0", np.ones(3, np.float32)), 0, (3,), (1,))
            return _Global("torch._utils", "_rebuild_parameter"), (
                tensor, True, collections.OrderedDict())

    path = tmp_path / "param.pth"
    write_zip(path, {"p": Parameter()})
    np.testing.assert_array_equal(load_torch_pickle(path)["p"], np.ones(3))


@pytest.mark.parametrize("offset, size, stride", [
    (20, (5,), (1,)),              # runs past the end of the 24-element storage
    (0, (4, 7), (6, 1)),           # last element at index 3*6+6 = 24
    (0, (2, 2), (-1, 1)),          # negative stride
])
def test_views_outside_their_storage_are_refused(offset, size, stride, tmp_path):
    path = tmp_path / "oob.pth"
    ref = _StorageRef("0", np.arange(24, dtype=np.float32))
    write_zip(path, {"w": _Tensor(ref, offset, size, stride)})
    with pytest.raises(ValueError, match=r"oob\.pth.*(reaches element|negative)"):
        load_torch_pickle(path)


def test_storage_shorter_than_declared_is_refused(tmp_path):
    path = tmp_path / "short.pth"
    ref = _StorageRef("0", np.arange(4, dtype=np.float32))
    write_zip(path, {"w": _Tensor(ref, 0, (4,), (1,))})
    with zipfile.ZipFile(path) as archive:
        records = {n: archive.read(n) for n in archive.namelist()}
    records["archive/data/0"] = records["archive/data/0"][:8]
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in records.items():
            archive.writestr(name, data)
    with pytest.raises(ValueError, match="should hold 4 elements"):
        load_torch_pickle(path)


class _CallsOsSystem:
    def __reduce__(self):
        return os.system, ("echo pwned > /tmp/keras_archs_pwned_test",)


class _CallsEval:
    def __reduce__(self):
        return eval, ("__import__('os').system('echo pwned')",)


REFUSED = [
    (_CallsOsSystem(), "(os.system)"),
    (_CallsEval(), "'builtins.eval'"),
    (_Global("subprocess", "check_call"), "'subprocess.check_call'"),
    (_Global("__main__", "MyNet"), "'__main__.MyNet'"),
    (_Global("torchvision.models.resnet", "ResNet"), "pickled whole model"),
    (_Global("torch._utils", "_rebuild_qtensor"), "does not support"),
    (_Global("__torch__.Net", "Net"), "TorchScript"),
]


def assert_refused(path, named, record_code_execution):
    calls = record_code_execution()
    with pytest.raises(ValueError, match="refusing to load") as err:
        load_torch_pickle(path)
    assert named in str(err.value)
    assert str(path) in str(err.value)
    assert calls == []
    assert not Path("/tmp/keras_archs_pwned_test").exists()


@pytest.mark.parametrize("payload, named", REFUSED)
@pytest.mark.parametrize("writer", [write_zip, write_legacy])
def test_every_other_global_is_refused_before_anything_runs(
        payload, named, writer, tmp_path, record_code_execution):
    path = tmp_path / "evil.pth"
    writer(path, {"ok": _Tensor(_StorageRef("0", np.ones(2, np.float32)), 0, (2,), (1,)),
                  "evil": payload})
    assert_refused(path, named, record_code_execution)


@pytest.mark.parametrize("payload, named", REFUSED[:2])
def test_protocol_4_stack_global_is_refused(payload, named, tmp_path,
                                            record_code_execution):
    # protocol 4 names globals with STACK_GLOBAL (two strings on the stack)
    path = tmp_path / "evil4.pth"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x/data.pkl", pickle.dumps({"evil": payload}, protocol=4))
    assert_refused(path, named, record_code_execution)


def test_torch_is_never_imported(monkeypatch):
    # a "torch" that explodes on import: the reader must not touch it
    class Boom:
        def __getattr__(self, name):
            raise AssertionError("torch was used")

    monkeypatch.setitem(sys.modules, "torch", Boom())
    state = load_torch_pickle(CHECKPOINTS / "state_dict.pth")
    assert list(state) == STATE_DICT_KEYS


# --- through keras_archs.torch_checkpoint.read_torch_checkpoint ---------------------

@pytest.mark.parametrize("filename", [
    "state_dict.pth", "state_dict_legacy.pth", "checkpoint_model_key.pth",
    "checkpoint_state_dict_key.pth", "state_dict.safetensors"])
def test_read_torch_checkpoint_unwraps_every_real_file(filename, expected):
    from keras_archs.torch_checkpoint import read_torch_checkpoint

    state = read_torch_checkpoint(CHECKPOINTS / filename)
    want = {k: expected[k] for k in STATE_DICT_KEYS}
    assert sorted(state) == sorted(want)      # safetensors stores keys sorted
    assert_same_arrays({k: state[k] for k in want}, want)


def test_read_torch_checkpoint_odd_tensors(expected):
    from keras_archs.torch_checkpoint import read_torch_checkpoint

    state = read_torch_checkpoint(CHECKPOINTS / "odd_tensors.pth")
    assert_same_arrays(state, {k[4:]: v for k, v in expected.items()
                               if k.startswith("odd.")})


@pytest.mark.parametrize("filename, named", [
    ("refuse_code_execution.pth", "'posix.system' (os.system)"),
    ("refuse_whole_module.pth", "model.state_dict()"),
])
def test_read_torch_checkpoint_refuses(filename, named, record_code_execution):
    from keras_archs.torch_checkpoint import read_torch_checkpoint

    calls = record_code_execution()
    with pytest.raises(ValueError, match="refusing to load") as err:
        read_torch_checkpoint(CHECKPOINTS / filename)
    assert named in str(err.value) and filename in str(err.value)
    assert calls == []


def _raw_pickle_zip(path, opcodes: bytes):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x/data.pkl", b"\x80\x02" + opcodes + b".")


@pytest.mark.parametrize("target, state", [
    # BUILD with a dict: would rewrite the allowed object's attributes
    (b"ctorch\nFloatStorage\n", b"}X\x05\x00\x00\x00valueX\x02\x00\x00\x00f2s"),
    # BUILD with (None, slots): setattr on our rebuild function, for later loads
    (b"ctorch._utils\n_rebuild_tensor_v2\n",
     b"N}X\x0c\x00\x00\x00__defaults__)s\x86"),
    (b"ccollections\nOrderedDict\n", b"N}X\x01\x00\x00\x00xK\x01s\x86"),
])
def test_allowed_objects_cannot_be_modified_by_the_pickle(target, state, tmp_path,
                                                           expected):
    path = tmp_path / "tamper.pth"
    _raw_pickle_zip(path, target + state + b"b")
    with pytest.raises(ValueError, match="tamper.pth"):
        load_torch_pickle(path)
    # later loads in the same process are unaffected
    state_dict = load_torch_pickle(CHECKPOINTS / "state_dict.pth")
    assert_same_arrays(state_dict, {k: expected[k] for k in STATE_DICT_KEYS})


def test_a_huge_broadcast_view_of_a_tiny_storage_is_an_error_not_a_crash(tmp_path):
    path = tmp_path / "bomb.pth"
    ref = _StorageRef("0", np.ones(1, np.float32))
    write_zip(path, {"w": _Tensor(ref, 0, (2 ** 31, 2 ** 31, 2 ** 31), (0, 0, 0))})
    with pytest.raises(ValueError, match=r"bomb\.pth"):
        load_torch_pickle(path)
