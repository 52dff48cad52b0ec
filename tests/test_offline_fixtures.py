"""The fixtures that make offline tests offline on any machine (tests/conftest.py):
``no_network`` in this process, ``offline_env`` for subprocesses."""

import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import keras
import pytest


CUT = "cut by the test's no_network fixture"  # not this machine's own offline error


def test_no_network_cuts_lookups_connections_and_downloads(no_network):
    with pytest.raises(OSError, match=CUT):
        socket.getaddrinfo("tfhub.dev", 443)
    with pytest.raises(OSError, match=CUT):
        socket.create_connection(("142.250.0.1", 443), timeout=1)
    with socket.socket() as raw, pytest.raises(OSError, match=CUT):
        raw.connect(("142.250.0.1", 443))
    with pytest.raises(urllib.error.URLError, match=CUT):
        urllib.request.urlopen("https://storage.googleapis.com/", timeout=5)
    # Keras' downloader (keras.applications weights, datasets) fails, into an empty
    # cache, not this machine's ~/.keras.
    with pytest.raises(Exception, match=f"URL fetch failure.*{CUT}"):
        keras.utils.get_file("x.txt", "https://storage.googleapis.com/x.txt")
    assert not keras.src.backend.config.keras_home().startswith(
        os.path.expanduser("~/.keras"))


def test_offline_env_cuts_the_network_of_a_subprocess(offline_env):
    code = ("import socket, urllib.request\n"
            "try:\n"
            "    urllib.request.urlopen('https://tfhub.dev/', timeout=5)\n"
            "except OSError as err:\n"
            "    print('refused:', err)\n"
            "socket.create_connection(('142.250.0.1', 443), timeout=1)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True,
                            text=True, timeout=60, env={**os.environ, **offline_env})
    assert result.returncode == 1
    assert "refused: <urlopen error" in result.stdout
    assert "cut by tests/fixtures/offline_site" in result.stdout + result.stderr
    assert "OSError: [Errno 101] Network is unreachable" in result.stderr
