"""The pure-Python P-256 certificate is valid X.509 that OpenSSL and cryptography accept."""
from __future__ import annotations

import _ssl as _ssl_c
import ssl
import sys
import types

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tfplugin import _tls


def test_certificate_is_valid_and_self_signed():
    der, key_pem, cert_pem = _tls.make_certificate()
    cert = x509.load_der_x509_certificate(der)
    cert.public_key().verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(hashes.SHA256()))
    assert cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.DNSName) == ["localhost"]
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    key = serialization.load_pem_private_key(key_pem, None)
    assert key.public_key().public_numbers() == cert.public_key().public_numbers()
    assert x509.load_pem_x509_certificate(cert_pem) == cert
    assert _tls.b64_nopad(der).rstrip("=") == _tls.b64_nopad(der)


def test_scalar_mult_matches_openssl():
    key = ec.generate_private_key(ec.SECP256R1())
    d = key.private_numbers().private_value
    pub = key.public_key().public_numbers()
    assert _tls.scalar_mult(d) == (pub.x, pub.y)


def test_fresh_key_each_time_and_ssl_loads_it(tmp_path):
    a = _tls.make_certificate()
    b = _tls.make_certificate()
    assert a[0] != b[0] and a[1] != b[1]
    ctx = _tls.server_context(a[2], a[1], str(tmp_path), None)
    assert isinstance(ctx, _tls._CContext) and ctx.verify_mode == ssl.CERT_NONE
    assert list(tmp_path.iterdir()) == []  # key material removed from disk after loading
    ctx = _tls.server_context(a[2], a[1], str(tmp_path), b[2].decode())
    assert ctx.verify_mode == ssl.CERT_REQUIRED
    ctx = _tls.server_context(a[2], a[1], str(tmp_path), "not a certificate")  # logged, not fatal
    assert ctx.verify_mode == ssl.CERT_NONE


@pytest.mark.parametrize("blocked", ["", "_sha256 and _sha2", "TFPLUGIN_PUBLIC_MODULES=hashlib"])
def test_the_certificate_is_signed_with_or_without_the_c_sha256(monkeypatch, blocked):
    """hashlib signs where neither C module has sha256 (or when asked to): the signature verifies either way."""
    if blocked == "_sha256 and _sha2":
        monkeypatch.setitem(sys.modules, "_sha256", None)
        monkeypatch.setitem(sys.modules, "_sha2", types.SimpleNamespace())
    elif blocked:
        monkeypatch.setenv("TFPLUGIN_PUBLIC_MODULES", "hashlib")
    der, _key_pem, _cert_pem = _tls.make_certificate()
    cert = x509.load_der_x509_certificate(der)
    cert.public_key().verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(hashes.SHA256()))


def _other_c_module(**changes):
    """The _ssl C module as another Python might have it: the same, but for ``changes``."""
    import _ssl
    return types.SimpleNamespace(**{**vars(_ssl), **changes})


class _WrapBioWithAnotherSignature(_ssl_c._SSLContext):
    def _wrap_bio(self, *args, **kwargs):
        raise TypeError("_wrap_bio() got an unexpected keyword argument 'server_side'")


class _WithoutWrapBio(_ssl_c._SSLContext):
    def __getattribute__(self, name):
        if name == "_wrap_bio":
            raise AttributeError(f"'_ssl._SSLContext' object has no attribute {name!r}")
        return super().__getattribute__(name)


@pytest.mark.parametrize("c_module", [
    pytest.param(None, id="no _ssl module"),
    pytest.param(lambda: _other_c_module(_SSLContext=_WrapBioWithAnotherSignature), id="_wrap_bio changed"),
    pytest.param(lambda: _other_c_module(_SSLContext=_WithoutWrapBio), id="_wrap_bio gone"),
    pytest.param(lambda: _other_c_module(PROTO_TLSv1_2=None), id="no TLS 1.2 constant"),
    pytest.param("env", id="TFPLUGIN_PUBLIC_MODULES=ssl"),
])
def test_the_ssl_module_serves_where_the_c_module_cannot(store, monkeypatch, c_module):
    """Whatever the C module lacks on this Python (each case forced here, on every Python the tests run on),
    the context is built on the public ssl module when the provider starts, and an mTLS call goes through it."""
    import grpc

    import tfplugin_certs as certs
    from testprovider import TptProvider
    from tfplugin._proto import tfplugin6_pb2 as pb, tfplugin6_pb2_grpc
    from tfplugin_inprocess import InProcess

    client_pem, client_key = certs.client_cert()
    with monkeypatch.context() as patch:
        if c_module == "env":
            patch.setenv("TFPLUGIN_PUBLIC_MODULES", "ssl")
        else:
            patch.setitem(sys.modules, "_ssl", c_module() if c_module else None)
        srv = InProcess(TptProvider, tls=True, client_cert=client_pem.decode())
    try:
        assert isinstance(srv.server.tls_context, _tls._ModuleContext)
        assert srv.server.tls_context.verify_mode == ssl.CERT_REQUIRED  # the client certificate is still pinned
        server_pem = ssl.DER_cert_to_PEM_cert(srv.cert_der).encode()
        for _ in range(2):
            ch = grpc.secure_channel("unix:" + srv.path, grpc.ssl_channel_credentials(
                root_certificates=server_pem, private_key=client_key, certificate_chain=client_pem),
                options=[("grpc.ssl_target_name_override", "localhost")])
            assert tfplugin6_pb2_grpc.ProviderStub(ch).GetMetadata(pb.GetMetadata.Request(), timeout=30).resources
            ch.close()
    finally:
        srv.close()


def test_the_c_module_serves_on_the_pythons_measured():
    """The start figures (docs/tfplugin.md) are for the C module: on Python 3.11-3.13 it is the one used."""
    if sys.version_info[:2] > (3, 13):
        pytest.skip("measured on Python 3.11-3.13 only")
    assert isinstance(_tls._new_context(None), _tls._CContext)
