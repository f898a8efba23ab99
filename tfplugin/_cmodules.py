"""The C modules the start path uses instead of their public wrappers, each checked, each with the way back.

Terraform starts a provider about three times per plan, and four public modules cost a start more than 2 ms over
the C module each wraps, measured on Python 3.11-3.13 (docs/tfplugin.md, "Private CPython modules on the start
path"; ``benchmarks/tfplugin_bench.py --imports``): ``socket`` (its enums and ``selectors``), ``signal`` (its
enums), ``ssl`` (``socket``, enums, ``base64``; tfplugin._tls builds its context) and ``hashlib`` (OpenSSL's
digests, for the one SHA-256 that signs the certificate). A C module is used only when it has every name the
layer calls, else the public module is. ``TFPLUGIN_PUBLIC_MODULES`` (``all``, or names from PUBLIC,
comma-separated) takes the public ones whatever the Python has: the way out should a Python change a C module in
a way these checks miss, and how the tests run the public path on every Python.
"""
from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType

PUBLIC_ENV = "TFPLUGIN_PUBLIC_MODULES"
PUBLIC = ("socket", "signal", "ssl", "hashlib")

_SOCKET_NAMES = ("socket", "AF_UNIX", "SOCK_STREAM", "SHUT_RDWR")
_SIGNAL_NAMES = ("signal", "SIGTERM", "SIGINT", "SIG_IGN")


def public_wanted(name: str) -> bool:
    """Whether TFPLUGIN_PUBLIC_MODULES asks for the public module ``name`` (one of PUBLIC)."""
    raw = os.environ.get(PUBLIC_ENV, "").strip()
    if not raw:
        return False
    wanted = {part.strip() for part in raw.split(",")}
    return "all" in wanted or name in wanted


def check_setting() -> None:
    """A ValueError naming TFPLUGIN_PUBLIC_MODULES when it holds a name the layer does not know."""
    raw = os.environ.get(PUBLIC_ENV, "").strip()
    unknown = sorted({part.strip() for part in raw.split(",")} - {"all", *PUBLIC}) if raw else []
    if unknown:
        raise ValueError(f"{PUBLIC_ENV} names {', '.join(map(repr, unknown))}; it takes 'all' or names from "
                         f"{', '.join(PUBLIC)}, comma-separated (unset it to use the C modules)")


def sockets() -> ModuleType:
    """``_socket`` when it has the names the layer uses and its socket type the accept primitive the HTTP/2
    server calls (``_accept``), else ``socket``."""
    if not public_wanted("socket"):
        try:
            import _socket
        except ImportError:
            pass
        else:
            if _has(_socket, _SOCKET_NAMES) and hasattr(_socket.socket, "_accept"):
                return _socket
    import socket
    return socket


def signals() -> ModuleType:
    """``_signal`` (loaded by the interpreter itself: free) when it has the names the layer uses, else ``signal``."""
    if not public_wanted("signal"):
        try:
            import _signal
        except ImportError:
            pass
        else:
            if _has(_signal, _SIGNAL_NAMES):
                return _signal
    import signal
    return signal


def sha256_digest(data: bytes) -> bytes:
    """SHA-256 of ``data`` from the C module ``hashlib`` takes it from (``_sha256`` until Python 3.11, ``_sha2``
    since 3.12) when it has ``sha256``, else from ``hashlib``."""
    if not public_wanted("hashlib"):
        for name in ("_sha256", "_sha2"):
            try:
                module = __import__(name)
            except ImportError:
                continue
            if hasattr(module, "sha256"):
                return bytes(module.sha256(data).digest())
    from hashlib import sha256
    return sha256(data).digest()


def _has(module: ModuleType, names: tuple[str, ...]) -> bool:
    return all(hasattr(module, name) for name in names)
