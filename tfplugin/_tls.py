"""A fresh self-signed TLS server certificate per start (go-plugin "AutoMTLS").

When Terraform sets PLUGIN_CLIENT_CERT it expects the plugin to answer with the
base64 DER of a server certificate in the handshake line and to speak TLS.
The key is EC P-256, generated and the certificate signed (ECDSA/SHA-256) in pure
Python: importing ``cryptography`` costs ~100 ms per start, and this runs on every
provider start. The nonce comes from the OS CSPRNG; timing side channels do not
matter for a key that lives for one process on a local socket.

Transport security does not rest on this alone: the unix socket lives in a fresh
0700 folder, so only this user can connect. The client certificate Terraform sends
in PLUGIN_CLIENT_CERT is pinned as the only trusted CA and required (see
``server_context``); should a future go-plugin client certificate not verify under
OpenSSL, set TFPLUGIN_TLS_VERIFY_CLIENT=0 and the folder permissions remain the guard.
"""
from __future__ import annotations

import binascii
import os
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeAlias

    Jacobian: TypeAlias = tuple[int, int, int]  # a P-256 point (X, Y, Z): x = X/Z^2, y = Y/Z^3; Z = 0 is infinity

# NIST P-256 (secp256r1) domain parameters (SEC 2, section 2.4.2)
P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
A = P - 3
B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
GX = 0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296
GY = 0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5

_INF: Jacobian = (0, 1, 0)


def _double(pt: Jacobian) -> Jacobian:
    x, y, z = pt
    if not y or not z:
        return _INF
    delta = z * z % P
    gamma = y * y % P
    beta = x * gamma % P
    alpha = 3 * (x - delta) * (x + delta) % P
    x3 = (alpha * alpha - 8 * beta) % P
    z3 = ((y + z) * (y + z) - gamma - delta) % P
    y3 = (alpha * (4 * beta - x3) - 8 * gamma * gamma) % P
    return (x3, y3, z3)


def _add(p1: Jacobian, p2: Jacobian) -> Jacobian:
    if not p1[2]:
        return p2
    if not p2[2]:
        return p1
    x1, y1, z1 = p1
    x2, y2, z2 = p2
    z1z1 = z1 * z1 % P
    z2z2 = z2 * z2 % P
    u1 = x1 * z2z2 % P
    u2 = x2 * z1z1 % P
    s1 = y1 * z2 * z2z2 % P
    s2 = y2 * z1 * z1z1 % P
    if u1 == u2:
        return _double(p1) if s1 == s2 else _INF
    h = (u2 - u1) % P
    i = 4 * h * h % P
    j = h * i % P
    r = 2 * (s2 - s1) % P
    v = u1 * i % P
    x3 = (r * r - j - 2 * v) % P
    y3 = (r * (v - x3) - 2 * s1 * j) % P
    z3 = ((z1 + z2) * (z1 + z2) - z1z1 - z2z2) * h % P
    return (x3, y3, z3)


def scalar_mult(k: int, point: tuple[int, int] = (GX, GY)) -> tuple[int, int]:
    """k * point in affine coordinates (x, y)."""
    result = _INF
    addend: Jacobian = (point[0], point[1], 1)
    for bit in bin(k)[2:]:
        result = _double(result)
        if bit == "1":
            result = _add(result, addend)
    x, y, z = result
    if not z:
        raise ValueError("point at infinity")
    zi = pow(z, -1, P)
    zi2 = zi * zi % P
    return (x * zi2 % P, y * zi2 * zi % P)


def _rand_scalar() -> int:
    while True:
        k = int.from_bytes(os.urandom(32), "big")
        if 1 <= k < N:
            return k


def ecdsa_sign(d: int, message: bytes) -> tuple[int, int]:
    """ECDSA over P-256 with SHA-256: returns (r, s)."""
    from ._cmodules import sha256_digest
    e = int.from_bytes(sha256_digest(message), "big")
    while True:
        k = _rand_scalar()
        x, _ = scalar_mult(k)
        r = x % N
        if not r:
            continue
        s = pow(k, -1, N) * (e + r * d) % N
        if s:
            return r, s


# ---------------------------------------------------------------- DER

def _len(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(b),)) + b


def _tlv(tag: int, content: bytes) -> bytes:
    return bytes((tag,)) + _len(len(content)) + content


def _seq(*items: bytes) -> bytes:
    return _tlv(0x30, b"".join(items))


def _int(v: int) -> bytes:
    b = v.to_bytes(v.bit_length() // 8 + 1, "big")  # leading zero keeps it positive
    return _tlv(0x02, b)


def _oid(dotted: str) -> bytes:
    parts = [int(x) for x in dotted.split(".")]
    out = bytearray((40 * parts[0] + parts[1],))
    for p in parts[2:]:
        chunk = [p & 0x7F]
        p >>= 7
        while p:
            chunk.append(0x80 | (p & 0x7F))
            p >>= 7
        out += bytes(reversed(chunk))
    return _tlv(0x06, bytes(out))


def _utf8(s: str) -> bytes:
    return _tlv(0x0C, s.encode())


def _bits(b: bytes, unused: int = 0) -> bytes:
    return _tlv(0x03, bytes((unused,)) + b)


def _time(t: float) -> bytes:
    g = time.gmtime(t)
    if g.tm_year < 2050:
        return _tlv(0x17, time.strftime("%y%m%d%H%M%SZ", g).encode())
    return _tlv(0x18, time.strftime("%Y%m%d%H%M%SZ", g).encode())


OID_EC_PUBLIC_KEY = "1.2.840.10045.2.1"
OID_P256 = "1.2.840.10045.3.1.7"
OID_ECDSA_SHA256 = "1.2.840.10045.4.3.2"


def make_certificate(common_name: str = "localhost") -> tuple[bytes, bytes, bytes]:
    """Return (cert_der, key_pem, cert_pem) for a fresh key."""
    d = _rand_scalar()
    qx, qy = scalar_mult(d)
    pub = b"\x04" + qx.to_bytes(32, "big") + qy.to_bytes(32, "big")
    name = _seq(_tlv(0x31, _seq(_oid("2.5.4.10"), _utf8("tfplugin"))),
                _tlv(0x31, _seq(_oid("2.5.4.3"), _utf8(common_name))))
    now = time.time()
    sig_alg = _seq(_oid(OID_ECDSA_SHA256))
    extensions = _seq(
        # basicConstraints: CA (the certificate is its own trust anchor), critical
        _seq(_oid("2.5.29.19"), _tlv(0x01, b"\xff"), _tlv(0x04, _seq(_tlv(0x01, b"\xff")))),
        # keyUsage: digitalSignature, keyCertSign; critical
        _seq(_oid("2.5.29.15"), _tlv(0x01, b"\xff"), _tlv(0x04, _bits(b"\x84", 2))),
        # extKeyUsage: serverAuth, clientAuth
        _seq(_oid("2.5.29.37"), _tlv(0x04, _seq(_oid("1.3.6.1.5.5.7.3.1"), _oid("1.3.6.1.5.5.7.3.2")))),
        # subjectAltName: DNS:localhost (go-plugin's client checks ServerName "localhost")
        _seq(_oid("2.5.29.17"), _tlv(0x04, _seq(_tlv(0x82, b"localhost")))),
    )
    tbs = _seq(
        _tlv(0xA0, _int(2)),  # v3
        _int(int.from_bytes(os.urandom(16), "big") >> 1 or 1),
        sig_alg,
        name,
        _seq(_time(now - 60), _time(now + 10 * 365 * 86400)),
        name,
        _seq(_seq(_oid(OID_EC_PUBLIC_KEY), _oid(OID_P256)), _bits(pub)),
        _tlv(0xA3, extensions),
    )
    r, s = ecdsa_sign(d, tbs)
    cert = _seq(tbs, sig_alg, _bits(_seq(_int(r), _int(s))))
    key = _seq(_int(1), _tlv(0x04, d.to_bytes(32, "big")), _tlv(0xA0, _oid(OID_P256)), _tlv(0xA1, _bits(pub)))
    return cert, _pem("EC PRIVATE KEY", key), _pem("CERTIFICATE", cert)


def _pem(label: str, der: bytes) -> bytes:
    b64 = binascii.b2a_base64(der, newline=False)
    lines = [b64[i:i + 64] for i in range(0, len(b64), 64)]
    name = label.encode()
    return b"-----BEGIN " + name + b"-----\n" + b"\n".join(lines) + b"\n-----END " + name + b"-----\n"


def b64_nopad(der: bytes) -> str:
    return binascii.b2a_base64(der, newline=False).decode().rstrip("=")


def server_context(cert_pem: bytes, key_pem: bytes, folder: str, client_cert_pem: str | None) -> TlsContext:
    """A server-side TLS context presenting a certificate made by make_certificate (see _new_context)."""
    context = _new_context(client_cert_pem)
    _load_chain(context, folder, cert_pem, key_pem)
    return context


def _new_context(client_cert_pem: str | None) -> TlsContext:
    """TLS 1.2+, ALPN h2 and (when given) the client's certificate pinned as the only accepted client identity;
    no certificate loaded yet.

    Built on the ``_ssl`` C module when it has all the context uses (``import ssl`` costs ~18 ms more a start:
    socket, enums, base64; tfplugin._cmodules), else, or when TFPLUGIN_PUBLIC_MODULES names ssl, on ``ssl``."""
    from ._cmodules import public_wanted

    if not public_wanted("ssl"):
        try:
            return _CContext(client_cert_pem)
        except (ImportError, AttributeError, TypeError):  # another Python's C module: the public one instead
            pass
    return _ModuleContext(client_cert_pem)


def _load_chain(context: TlsContext, folder: str, cert_pem: bytes, key_pem: bytes) -> None:
    """load_cert_chain reads only files: write them into the 0700 folder, load, delete."""
    cert_path = os.path.join(folder, "cert.pem")
    key_path = os.path.join(folder, "key.pem")
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, key_pem)
    finally:
        os.close(fd)
    try:
        with open(cert_path, "wb") as f:
            f.write(cert_pem)
        context.load_cert_chain(cert_path, key_path)
    finally:
        for p in (cert_path, key_path):
            try:
                os.unlink(p)
            except OSError:
                pass


def _want_client_verification(client_cert_pem: str | None) -> bool:
    return bool(client_cert_pem) and os.environ.get("TFPLUGIN_TLS_VERIFY_CLIENT", "1") != "0"


def _unparsable_client_cert() -> None:
    # As go-plugin does, a client certificate that cannot be parsed is logged, not fatal:
    # the 0700 socket folder still keeps other users out.
    import sys
    if "logging" in sys.modules:
        import logging
        logging.getLogger("tfplugin").error("PLUGIN_CLIENT_CERT could not be parsed; client certificates "
                                            "are not verified")


ALPN_H2 = b"\x02h2"  # ALPN's wire form: each protocol name after its length byte


class TlsContext:
    """What the HTTP/2 server uses of a TLS context (tfplugin._h2), whichever module made it: memory BIOs, a
    server-side TLS object over them, and the exceptions that object raises."""

    verify_mode: int
    WantRead: type[Exception]  # the TLS object needs more bytes from the peer
    Closed: tuple[type[Exception], ...]  # the peer closed the TLS session

    def load_cert_chain(self, cert_path: str, key_path: str) -> None:
        raise NotImplementedError

    def new_bios(self) -> tuple[Any, Any]:
        raise NotImplementedError

    def wrap_bio(self, incoming: Any, outgoing: Any, server_side: bool = True) -> Any:
        raise NotImplementedError


class _CContext(TlsContext):
    """The context on the ``_ssl`` C module (what ``ssl.SSLContext`` wraps). Every call it makes is tried once
    here, a TLS object included, so a C module without one fails now (the caller falls back), not at a
    connection."""

    def __init__(self, client_cert_pem: str | None) -> None:
        import _ssl
        self._ssl = _ssl
        # Any: typeshed describes the public part of _SSLContext only, and this uses its private methods.
        ctx: Any = _ssl._SSLContext(_ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = _ssl.PROTO_TLSv1_2
        ctx._set_alpn_protocols(ALPN_H2)
        ctx.verify_mode = _ssl.CERT_NONE
        if _want_client_verification(client_cert_pem):
            try:
                ctx.load_verify_locations(cadata=client_cert_pem)
                ctx.verify_mode = _ssl.CERT_REQUIRED
            except (_ssl.SSLError, ValueError):
                _unparsable_client_cert()
        self._ctx = ctx
        self.verify_mode = ctx.verify_mode
        self.WantRead = _ssl.SSLWantReadError
        self.Closed = (_ssl.SSLZeroReturnError, _ssl.SSLEOFError)
        self.wrap_bio(*self.new_bios())

    def load_cert_chain(self, cert_path: str, key_path: str) -> None:
        self._ctx.load_cert_chain(cert_path, key_path)

    def new_bios(self) -> tuple[Any, Any]:
        return self._ssl.MemoryBIO(), self._ssl.MemoryBIO()

    def wrap_bio(self, incoming: Any, outgoing: Any, server_side: bool = True) -> Any:
        return self._ctx._wrap_bio(incoming, outgoing, server_side=server_side)


class _ModuleContext(TlsContext):
    """The same context on the public ``ssl`` module."""

    def __init__(self, client_cert_pem: str | None) -> None:
        import ssl
        self._ssl = ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_alpn_protocols(["h2"])
        ctx.verify_mode = ssl.CERT_NONE
        if _want_client_verification(client_cert_pem):
            try:
                ctx.load_verify_locations(cadata=client_cert_pem)
                ctx.verify_mode = ssl.CERT_REQUIRED
            except (ssl.SSLError, ValueError):
                _unparsable_client_cert()
        self._ctx = ctx
        self.verify_mode = int(ctx.verify_mode)
        self.WantRead = ssl.SSLWantReadError
        self.Closed = (ssl.SSLZeroReturnError, ssl.SSLEOFError)

    def load_cert_chain(self, cert_path: str, key_path: str) -> None:
        self._ctx.load_cert_chain(cert_path, key_path)

    def new_bios(self) -> tuple[Any, Any]:
        return self._ssl.MemoryBIO(), self._ssl.MemoryBIO()

    def wrap_bio(self, incoming: Any, outgoing: Any, server_side: bool = True) -> Any:
        return self._ctx.wrap_bio(incoming, outgoing, server_side=server_side)
