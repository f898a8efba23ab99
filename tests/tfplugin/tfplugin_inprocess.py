"""An in-process tfplugin server for the tests (imported by name: every test folder has its own conftest)."""
from __future__ import annotations

import os
import socket
import tempfile
import threading


class InProcess:
    """A tfplugin server on a unix socket in this process, plus grpcio stubs for it."""

    def __init__(self, provider_factory, tls=False, client_cert=None):
        import grpc

        from tfplugin._proto import goplugin_pb2_grpc, health_pb2_grpc, tfplugin6_pb2_grpc
        from tfplugin._rpc import ProviderService
        from tfplugin.server import start_server

        self.dir = tempfile.mkdtemp(prefix="tfplugin-test-")
        os.chmod(self.dir, 0o700)
        self.path = os.path.join(self.dir, "p.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.path)
        listener.listen(16)
        self.service = ProviderService(provider_factory, "test")
        self.shutdown = threading.Event()  # set by GRPCController.Shutdown
        ctx = None
        if tls:
            from tfplugin import _tls
            self.cert_der, key_pem, self.cert_pem = _tls.make_certificate()
            ctx = _tls.server_context(self.cert_pem, key_pem, self.dir, client_cert)
        self.server = start_server(self.service, listener, tls_context=ctx,
                                   shutdown=self.shutdown.set)
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
