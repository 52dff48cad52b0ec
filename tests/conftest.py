"""Shared test fixtures. Everything here works offline."""

import errno
import gc
import os
import socket
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

import keras  # noqa: E402
import pytest  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
# A directory whose sitecustomize.py cuts the network of any Python process that has
# it on PYTHONPATH (see the offline_env fixture).
OFFLINE_SITE = Path(__file__).resolve().parent / "fixtures" / "offline_site"
# Nothing listens on the discard port: a proxy there refuses every connection.
DEAD_PROXY = "http://127.0.0.1:9"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
                   "http_proxy", "https_proxy", "all_proxy")


def pytest_collection_modifyitems(items):
    """Tests marked slow first (stable otherwise): pytest-xdist hands tests out in
    collection order, so a minute-long test collected last would leave the other
    worker idle at the end of the run."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_collection_finish(session):
    """What the imports and collection made (TensorFlow's ~435k objects) lives for the
    whole run: frozen, Python's full collections skip it (0.2 s -> 0.05 s each)."""
    gc.freeze()


_TESTS_SINCE_GC = [0]
# clear_session() runs a full garbage collection over TensorFlow's large heap by
# default; twice per test, that was minutes of suite time. Python's own collector
# still runs; collecting every GC_EVERY tests bounds memory between its runs.
GC_EVERY = 25


@pytest.fixture(autouse=True)
def _fresh_keras_session():
    """Each test starts with fresh layer-name counters and a fixed seed."""
    keras.backend.clear_session(free_memory=False)
    keras.utils.set_random_seed(0)
    yield
    _TESTS_SINCE_GC[0] += 1
    free = _TESTS_SINCE_GC[0] % GC_EVERY == 0
    keras.backend.clear_session(free_memory=free)


def _console_script(name="keras-archs") -> str:
    script = Path(sys.executable).parent / name
    if not script.exists():
        pytest.fail(f"console script {script} is missing: is the package installed "
                    "(pip install -e .)?")
    return str(script)


@pytest.fixture(scope="session", autouse=True)
def _cli_cache_dir(tmp_path_factory):
    """The CLI's model catalog is cached in a directory of this test session, not in
    the user's ~/.cache (for in-process `main()` calls and `run_cli` alike)."""
    path = tmp_path_factory.mktemp("keras-archs-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KERAS_ARCHS_CACHE_DIR", str(path))
        yield path


@pytest.fixture
def run_cli(tmp_path, _cli_cache_dir):
    """Run the real `keras-archs` console script; returns the CompletedProcess.

    PYTHONPATH points at this checkout so the script imports the code under test even
    when the venv's editable install points at another checkout.
    """

    def run(*args, timeout=600, cwd=None, env=None):
        full_env = dict(os.environ, PYTHONPATH=str(REPO), TF_CPP_MIN_LOG_LEVEL="2",
                        KERAS_ARCHS_CACHE_DIR=str(_cli_cache_dir))
        full_env.update(env or {})
        return subprocess.run(
            [_console_script(), *map(str, args)], capture_output=True, text=True,
            timeout=timeout, cwd=cwd or tmp_path, env=full_env)

    return run


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """Run ``keras_archs.cli.main(args)`` in this process, from ``tmp_path``; returns a
    CompletedProcess as :func:`run_cli` does.

    For tests of what a command prints, exits with and writes: it skips the new
    interpreter and TensorFlow's start-up (~5 s a call on 2 cores). The console script
    itself, its quiet start-up and its imports are tested through ``run_cli``
    (tests/cli/test_cli_startup.py).
    """
    from keras_archs.cli import main

    def run(*args, env=None):
        monkeypatch.chdir(tmp_path)
        # main() quietens TensorFlow through this variable: restored after the test.
        monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"))
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        capsys.readouterr()
        argv = [str(a) for a in args]
        try:
            code = main(argv)
        except SystemExit as exit_:  # argparse's errors and --help
            code = exit_.code
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(["keras-archs", *argv], code, out, err)

    return run


def _notebook(name):
    import nbformat

    return nbformat.read(REPO / "notebooks" / name, as_version=4)


@pytest.fixture
def committed_notebook():
    """``committed_notebook(name)`` checks that notebooks/NAME is committed valid, with
    exactly one ``parameters``-tagged code cell; returns that cell. (Its outputs are
    checked for every notebook by tests/notebooks/test_committed_outputs.py.)"""
    import nbformat

    def check(name):
        nb = _notebook(name)
        nbformat.validate(nb)
        code = [c for c in nb.cells if c.cell_type == "code"]
        tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1
        return tagged[0]

    return check


@pytest.fixture
def run_notebook(tmp_path, monkeypatch):
    """``run_notebook(name, **parameters)`` executes a copy of notebooks/NAME with
    papermill, with ``tmp_path`` as its working directory; returns the executed notebook
    and the text its code cells printed.

    The kernel runs this interpreter and this checkout's code: the "python3"
    kernelspec starts ``python`` from PATH, so this interpreter's directory goes first
    on PATH and this checkout on PYTHONPATH.
    """
    import nbformat
    import papermill  # the dev extra installs it; a missing one must fail, not skip

    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}"
                               f"{os.environ.get('PATH', '')}")
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")

    def run(name, **parameters):
        out = tmp_path / f"executed-{name}"
        committed = (REPO / "notebooks" / name).read_bytes()
        papermill.execute_notebook(
            str(REPO / "notebooks" / name), str(out), kernel_name="python3",
            cwd=str(tmp_path), progress_bar=False, parameters=parameters)
        # The smoke run executes a copy: the committed notebook and its outputs stay.
        assert (REPO / "notebooks" / name).read_bytes() == committed
        nb = nbformat.read(out, as_version=4)
        text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                       for o in c.outputs if o.output_type == "stream")
        return nb, text

    return run


def _tiny_cnn(filters):
    def build(input_shape=(32, 32, 3), classes=10, weights=None, **kwargs):
        inputs = keras.Input(input_shape)
        x = keras.layers.Conv2D(filters, 3, strides=2, activation="relu")(inputs)
        x = keras.layers.GlobalAveragePooling2D()(x)
        x = keras.layers.Dense(classes)(x)
        outputs = keras.layers.Activation("softmax", dtype="float32")(x)
        return keras.Model(inputs, outputs, name=f"tiny{filters}")

    build.__doc__ = f"A {filters}-filter toy CNN for fast tests."
    return build


@pytest.fixture
def tiny_models(monkeypatch):
    """Registers 'tiny4' and 'tiny8' (toy CNNs) for the duration of one test."""
    from keras_archs import registry

    registry._ensure_loaded()
    names = []
    for filters in (4, 8):
        name = f"tiny{filters}"
        info = registry.ModelInfo(name=name, family="test", paper="-",
                                  builder=_tiny_cnn(filters), default_input_shape=(32, 32, 3))
        monkeypatch.setitem(registry._REGISTRY, name, info)
        names.append(name)
    return names


def _network_is_cut(*args, **kwargs):
    raise OSError(errno.ENETUNREACH,
                  "Network is unreachable (cut by the test's no_network fixture)")


@pytest.fixture
def no_network(monkeypatch, tmp_path_factory):
    """This test runs with no network, whatever the machine has.

    Name lookups and socket connections in this process raise OSError (ENETUNREACH),
    as on a machine with no route out; proxies point at a dead local port; and Keras'
    and TF-Hub's download caches are empty directories, so an earlier download on a
    networked machine cannot stand in for the missing network either.
    """
    for name in ("getaddrinfo", "create_connection"):
        monkeypatch.setattr(socket, name, _network_is_cut)
    for name in ("connect", "connect_ex"):
        monkeypatch.setattr(socket.socket, name, _network_is_cut)
    for name in PROXY_VARIABLES:
        monkeypatch.setenv(name, DEAD_PROXY)
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.setenv("no_proxy", "")
    from keras.src.backend import config as keras_config  # where keras_home() looks

    caches = tmp_path_factory.mktemp("offline_caches")
    monkeypatch.setattr(keras_config, "_KERAS_DIR", str(caches / "keras_home"))
    monkeypatch.setenv("TFHUB_CACHE_DIR", str(caches / "tfhub_cache"))


@pytest.fixture
def offline_env(tmp_path_factory):
    """Environment variables that give a subprocess no network (for ``run_cli(env=)``
    or ``subprocess.run(env=)``): OFFLINE_SITE's sitecustomize cuts name lookups and
    socket connections at interpreter start-up, proxies point at a dead local port,
    and the Keras and TF-Hub caches are empty directories."""
    caches = tmp_path_factory.mktemp("offline_caches")
    env = {name: DEAD_PROXY for name in PROXY_VARIABLES}
    env.update(NO_PROXY="", no_proxy="",
               PYTHONPATH=os.pathsep.join([str(OFFLINE_SITE), str(REPO)]),
               KERAS_HOME=str(caches / "keras_home"),
               TFHUB_CACHE_DIR=str(caches / "tfhub_cache"))
    return env
