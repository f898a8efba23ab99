"""Fixtures for the tfplugin tests (in-process gRPC server, real-terraform harness)."""
from __future__ import annotations

import os
import socket
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)  # for `testprovider` and `harness`

import tfplugin_harness as harness  # noqa: E402


class InProcess:
    """A tfplugin server on a unix socket in this process, plus grpcio stubs for it."""

    def __init__(self, provider_factory, tls=False, client_cert=None):
        import grpc

        from tfplugin._proto import (goplugin_pb2_grpc, health_pb2_grpc, tfplugin6_pb2_grpc)
        from tfplugin._rpc import ProviderService
        from tfplugin.server import start_server

        self.dir = tempfile.mkdtemp(prefix="tfplugin-test-")
        os.chmod(self.dir, 0o700)
        self.path = os.path.join(self.dir, "p.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.path)
        listener.listen(16)
        self.service = ProviderService(provider_factory, "test")
        self.shutdowns = []
        ctx = None
        if tls:
            from tfplugin import _tls
            self.cert_der, key_pem, self.cert_pem = _tls.make_certificate()
            ctx = _tls.server_context(self.cert_pem, key_pem, self.dir, client_cert)
        self.server = start_server(self.service, listener, tls_context=ctx,
                                   shutdown=lambda: self.shutdowns.append(True))
        if not tls:
            self.channel = grpc.insecure_channel("unix:" + self.path)
            self.stub = tfplugin6_pb2_grpc.ProviderStub(self.channel)
            self.controller = goplugin_pb2_grpc.GRPCControllerStub(self.channel)
            self.health = health_pb2_grpc.HealthStub(self.channel)

    def close(self):
        if hasattr(self, "channel"):
            self.channel.close()
        self.server.stop()
        try:
            os.unlink(self.path)
        except OSError:
            pass
        import shutil
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def store(tmp_path, monkeypatch):
    d = tmp_path / "store"
    d.mkdir()
    monkeypatch.setenv("TPT_STORE", str(d))
    return d


@pytest.fixture
def inproc(store):
    from testprovider import TptProvider
    srv = InProcess(TptProvider)
    yield srv
    srv.close()


@pytest.fixture(scope="session")
def tf_env():
    if not harness.terraform_path():
        pytest.skip("terraform is not on PATH")
    env = harness.Env(python=sys.executable)
    yield env
    env.cleanup()
