"""The pure-Python P-256 certificate is valid X.509 that OpenSSL and cryptography accept."""
from __future__ import annotations

import ssl

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
    assert isinstance(ctx, _tls._FastContext) and ctx.verify_mode == ssl.CERT_NONE
    assert list(tmp_path.iterdir()) == []  # key material removed from disk after loading
    ctx = _tls.server_context(a[2], a[1], str(tmp_path), b[2].decode())
    assert ctx.verify_mode == ssl.CERT_REQUIRED
    ctx = _tls.server_context(a[2], a[1], str(tmp_path), "not a certificate")  # logged, not fatal
    assert ctx.verify_mode == ssl.CERT_NONE


def test_ssl_module_fallback_speaks_to_grpc(store, monkeypatch):
    """Force the ssl-module path (other Pythons) and run an mTLS call through it."""
    import grpc
    import tfplugin_certs as certs
    from tfplugin_inprocess import InProcess
    from testprovider import TptProvider

    from tfplugin._proto import tfplugin6_pb2 as pb
    from tfplugin._proto import tfplugin6_pb2_grpc

    def broken(*a, **k):
        raise AttributeError("no _ssl here")

    monkeypatch.setattr(_tls, "_FastContext", broken)
    client_pem, client_key = certs.client_cert()
    srv = InProcess(TptProvider, tls=True, client_cert=client_pem.decode())
    try:
        server_pem = ssl.DER_cert_to_PEM_cert(srv.cert_der).encode()
        ch = grpc.secure_channel("unix:" + srv.path, grpc.ssl_channel_credentials(
            root_certificates=server_pem, private_key=client_key, certificate_chain=client_pem),
            options=[("grpc.ssl_target_name_override", "localhost")])
        assert tfplugin6_pb2_grpc.ProviderStub(ch).GetMetadata(pb.GetMetadata.Request(), timeout=10).resources
        ch.close()
    finally:
        srv.close()


def test_fast_context_falls_back_to_the_ssl_module_at_connect_time(store):
    """Should wrapping a connection with the C module fail (another Python's private API), the
    connection is served through the ssl module instead, and so are the ones after it."""
    import grpc
    import tfplugin_certs as certs
    from testprovider import TptProvider
    from tfplugin_inprocess import InProcess

    from tfplugin._proto import tfplugin6_pb2 as pb
    from tfplugin._proto import tfplugin6_pb2_grpc

    class OtherPython:
        def _wrap_bio(self, *args, **kwargs):
            raise TypeError("_wrap_bio() got an unexpected keyword argument 'owner'")

    client_pem, client_key = certs.client_cert()
    srv = InProcess(TptProvider, tls=True, client_cert=client_pem.decode())
    try:
        ctx = srv.server.tls_context
        assert isinstance(ctx, _tls._FastContext)
        ctx._ctx = OtherPython()
        server_pem = ssl.DER_cert_to_PEM_cert(srv.cert_der).encode()
        for _ in range(2):
            ch = grpc.secure_channel("unix:" + srv.path, grpc.ssl_channel_credentials(
                root_certificates=server_pem, private_key=client_key, certificate_chain=client_pem),
                options=[("grpc.ssl_target_name_override", "localhost")])
            assert tfplugin6_pb2_grpc.ProviderStub(ch).GetMetadata(pb.GetMetadata.Request(), timeout=30).resources
            ch.close()
        assert isinstance(ctx._module_ctx, _tls._ModuleContext)
        assert ctx._module_ctx.verify_mode == ssl.CERT_REQUIRED  # the client certificate is still pinned
    finally:
        srv.close()
