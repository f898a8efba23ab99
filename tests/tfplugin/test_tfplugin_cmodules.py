"""The C modules the start path uses (tfplugin._cmodules), and the public ones it falls back to.

The TLS context's own fallback is in test_tfplugin_tls.py; a real start on the public modules, in
test_tfplugin_process.py. Every test here runs on each Python the suite runs on (.ci/run's matrix)."""
from __future__ import annotations

import hashlib
import socket
import sys
import types

import pytest

from tfplugin import _cmodules


def test_the_c_modules_serve_on_the_pythons_measured(monkeypatch):
    """The start figures (docs/tfplugin.md) are for the C modules: on Python 3.11-3.13 they are the ones used."""
    if sys.version_info[:2] > (3, 13):
        pytest.skip("measured on Python 3.11-3.13 only")
    monkeypatch.delenv(_cmodules.PUBLIC_ENV, raising=False)
    assert _cmodules.sockets().__name__ == "_socket"
    assert _cmodules.signals().__name__ == "_signal"
    sha = "_sha256" if sys.version_info[:2] == (3, 11) else "_sha2"
    with monkeypatch.context() as patch:  # the C module is the one that answers
        patch.setattr(__import__(sha), "sha256", lambda data: hashlib.sha256(b"C module: " + data))
        assert _cmodules.sha256_digest(b"x") == hashlib.sha256(b"C module: x").digest()


def test_sha256_digest_is_sha256():
    assert _cmodules.sha256_digest(b"tbs") == hashlib.sha256(b"tbs").digest()


@pytest.mark.parametrize("setting", ["all", "socket,signal", " signal , socket "])
def test_the_public_modules_when_asked(monkeypatch, setting):
    monkeypatch.setenv(_cmodules.PUBLIC_ENV, setting)
    _cmodules.check_setting()
    assert _cmodules.sockets() is socket
    assert _cmodules.signals().__name__ == "signal"
    if setting == "all":
        assert _cmodules.public_wanted("hashlib") and _cmodules.public_wanted("ssl")


def test_only_the_modules_named_are_public(monkeypatch):
    monkeypatch.delenv(_cmodules.PUBLIC_ENV, raising=False)
    default = _cmodules.sockets(), _cmodules.signals()
    monkeypatch.setenv(_cmodules.PUBLIC_ENV, "ssl")
    assert _cmodules.public_wanted("ssl") and not _cmodules.public_wanted("socket")
    assert (_cmodules.sockets(), _cmodules.signals()) == default


def test_a_c_module_without_what_the_layer_calls_gives_the_public_one(monkeypatch):
    import _signal
    import _socket
    monkeypatch.delenv(_cmodules.PUBLIC_ENV, raising=False)
    no_accept = types.SimpleNamespace(**{**vars(_socket), "socket": type("socket", (), {})})
    monkeypatch.setitem(sys.modules, "_socket", no_accept)
    assert _cmodules.sockets() is socket
    monkeypatch.setitem(sys.modules, "_socket", None)
    assert _cmodules.sockets() is socket
    no_sig_ign = types.SimpleNamespace(**{k: v for k, v in vars(_signal).items() if k != "SIG_IGN"})
    monkeypatch.setitem(sys.modules, "_signal", no_sig_ign)
    assert _cmodules.signals().__name__ == "signal"
    monkeypatch.setitem(sys.modules, "_signal", None)
    assert _cmodules.signals().__name__ == "signal"


@pytest.mark.parametrize("setting", ["sockets", "all,sha256", "queue"])
def test_an_unknown_name_is_refused_with_the_names_it_takes(monkeypatch, setting):
    monkeypatch.setenv(_cmodules.PUBLIC_ENV, setting)
    with pytest.raises(ValueError, match="it takes 'all' or names from socket, signal, ssl, hashlib, comma-separated"):
        _cmodules.check_setting()
