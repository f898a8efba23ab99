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
    module = _c_module("socket", "_socket", _SOCKET_NAMES)
    if module is not None and hasattr(module.socket, "_accept"):
        return module
    import socket
    return socket


def signals() -> ModuleType:
    """``_signal`` (loaded by the interpreter itself: free) when it has the names the layer uses, else ``signal``."""
    module = _c_module("signal", "_signal", _SIGNAL_NAMES)
    if module is not None:
        return module
    import signal
    return signal


def sha256_digest(data: bytes) -> bytes:
    """SHA-256 of ``data`` from the C module ``hashlib`` takes it from (``_sha256`` until Python 3.11, ``_sha2``
    since 3.12) when it has ``sha256``, else from ``hashlib``."""
    module = _c_module("hashlib", "_sha256", ("sha256",)) or _c_module("hashlib", "_sha2", ("sha256",))
    if module is not None:
        return bytes(module.sha256(data).digest())
    from hashlib import sha256
    return sha256(data).digest()


def _c_module(public: str, name: str, names: tuple[str, ...]) -> ModuleType | None:
    """The C module ``name`` when TFPLUGIN_PUBLIC_MODULES leaves ``public`` to it, it imports, and it has
    ``names``; else None."""
    if public_wanted(public):
        return None
    try:
        module: ModuleType = __import__(name)
    except ImportError:
        return None
    return module if all(hasattr(module, n) for n in names) else None
