"""The provider as a process: cookie, version negotiation, handshake line, TLS, signals, --debug."""
from __future__ import annotations

import base64
import json
import os
import signal
import stat
import subprocess
import sys
import time

import grpc
import pytest

from tfplugin._proto import goplugin_pb2, goplugin_pb2_grpc, tfplugin6_pb2 as pb, tfplugin6_pb2_grpc

HERE = os.path.dirname(os.path.abspath(__file__))
MAIN = os.path.join(HERE, "testprovider", "main.py")
COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"


def env(tmp_path, **kw):
    e = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "PLUGIN_"))}
    e.update({"TPT_STORE": str(tmp_path), "TMPDIR": str(tmp_path)})
    e.update(kw)
    return e


def start(tmp_path, **kw):
    e = env(tmp_path, TF_PLUGIN_MAGIC_COOKIE=COOKIE, PLUGIN_PROTOCOL_VERSIONS="5,6", **kw)
    p = subprocess.Popen([sys.executable, MAIN], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e)
    line = p.stdout.readline().decode()
    return p, line


def test_run_by_hand_prints_help_and_exits_1(tmp_path):
    p = subprocess.run([sys.executable, MAIN], capture_output=True, text=True, env=env(tmp_path), timeout=30)
    assert p.returncode == 1
    assert "This binary is a plugin for Terraform; it is not meant to be run directly" in p.stderr
    assert p.stdout == ""


def test_protocol_6_must_be_offered(tmp_path):
    p = subprocess.run([sys.executable, MAIN], capture_output=True, text=True, timeout=30,
                       env=env(tmp_path, TF_PLUGIN_MAGIC_COOKIE=COOKIE, PLUGIN_PROTOCOL_VERSIONS="4,5"))
    assert p.returncode == 1 and "protocol 6" in p.stderr and p.stdout == ""


def test_handshake_plaintext_and_shutdown(tmp_path):
    p, line = start(tmp_path)
    try:
        core, app, net, addr, proto, cert = line.rstrip("\n").split("|")
        assert (core, app, net, proto, cert) == ("1", "6", "unix", "grpc", "")
        folder = os.path.dirname(addr)
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
        assert stat.S_ISSOCK(os.stat(addr).st_mode)
        ch = grpc.insecure_channel("unix:" + addr)
        r = tfplugin6_pb2_grpc.ProviderStub(ch).GetProviderSchema(pb.GetProviderSchema.Request(), timeout=10)
        assert "tpt_thing" in r.resource_schemas
        goplugin_pb2_grpc.GRPCControllerStub(ch).Shutdown(goplugin_pb2.Empty(), timeout=10)
        assert p.wait(timeout=10) == 0
        ch.close()
        assert not os.path.exists(folder)
    finally:
        p.kill()


@pytest.mark.parametrize("public_modules", ["", "all"])
def test_handshake_tls_cert_and_sigint_ignored_sigterm_cleans_up(tmp_path, public_modules):
    """On the C modules tfplugin._cmodules picks, and on the public ones (TFPLUGIN_PUBLIC_MODULES=all): the same."""
    import tfplugin_certs as certs
    client_pem, client_key = certs.client_cert()
    p, line = start(tmp_path, PLUGIN_CLIENT_CERT=client_pem.decode(), TFPLUGIN_PUBLIC_MODULES=public_modules)
    try:
        parts = line.rstrip("\n").split("|")
        assert "=" not in parts[5] and len(parts[5]) > 50
        der = base64.b64decode(parts[5] + "=" * (-len(parts[5]) % 4))
        import ssl
        creds = grpc.ssl_channel_credentials(root_certificates=ssl.DER_cert_to_PEM_cert(der).encode(),
                                             private_key=client_key, certificate_chain=client_pem)
        ch = grpc.secure_channel("unix:" + parts[3], creds, options=[("grpc.ssl_target_name_override", "localhost")])
        r = tfplugin6_pb2_grpc.ProviderStub(ch).GetMetadata(pb.GetMetadata.Request(), timeout=10)
        assert r.resources
        os.kill(p.pid, signal.SIGINT)  # Ctrl-C goes to the whole group; Terraform decides how to stop
        time.sleep(0.3)
        assert p.poll() is None
        assert tfplugin6_pb2_grpc.ProviderStub(ch).GetMetadata(pb.GetMetadata.Request(), timeout=10).resources
        ch.close()
        os.kill(p.pid, signal.SIGTERM)
        assert p.wait(timeout=10) == 0
        assert not os.path.exists(os.path.dirname(parts[3]))
    finally:
        p.kill()


def test_exits_when_terraform_disconnects(tmp_path):
    p, line = start(tmp_path)
    try:
        addr = line.split("|")[3]
        ch = grpc.insecure_channel("unix:" + addr)
        tfplugin6_pb2_grpc.ProviderStub(ch).GetMetadata(pb.GetMetadata.Request(), timeout=10)
        ch.close()
        assert p.wait(timeout=10) == 0
    finally:
        p.kill()


def test_logs_are_hclog_json_filtered_by_tf_log(tmp_path):
    p, line = start(tmp_path, TF_LOG_PROVIDER="debug")
    try:
        ch = grpc.insecure_channel("unix:" + line.split("|")[3])
        tfplugin6_pb2_grpc.ProviderStub(ch).GetMetadata(pb.GetMetadata.Request(), timeout=10)
        goplugin_pb2_grpc.GRPCControllerStub(ch).Shutdown(goplugin_pb2.Empty(), timeout=10)
        p.wait(timeout=10)
        lines = [json.loads(x) for x in p.stderr.read().decode().splitlines() if x.strip()]
        assert lines and all({"@level", "@message", "@module", "@timestamp"} <= set(x) for x in lines)
        assert any(x["@message"].startswith("rpc GetMetadata done") and x["@level"] == "debug" for x in lines)
    finally:
        p.kill()
    p, line = start(tmp_path)  # TF_LOG unset: nothing at all on stderr
    try:
        ch = grpc.insecure_channel("unix:" + line.split("|")[3])
        tfplugin6_pb2_grpc.ProviderStub(ch).GetMetadata(pb.GetMetadata.Request(), timeout=10)
        goplugin_pb2_grpc.GRPCControllerStub(ch).Shutdown(goplugin_pb2.Empty(), timeout=10)
        p.wait(timeout=10)
        assert p.stderr.read() == b""
    finally:
        p.kill()


def test_debug_mode_prints_reattach_config(tmp_path):
    p = subprocess.Popen([sys.executable, MAIN, "--debug"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env(tmp_path))
    try:
        out = b""
        deadline = time.time() + 20
        while b"TF_REATTACH_PROVIDERS=" not in out and time.time() < deadline:
            out += p.stdout.readline()
        text = out.decode()
        raw = text.split("TF_REATTACH_PROVIDERS='", 1)[1].split("'", 1)[0]
        cfg = json.loads(raw)
        info = cfg["example.com/test/tpt"]
        assert info["Protocol"] == "grpc" and info["ProtocolVersion"] == 6 and info["Pid"] == p.pid
        ch = grpc.insecure_channel("unix:" + info["Addr"]["String"])
        assert tfplugin6_pb2_grpc.ProviderStub(ch).GetMetadata(pb.GetMetadata.Request(), timeout=10).resources
        ch.close()
        time.sleep(0.2)
        assert p.poll() is None  # keeps serving after a client leaves
        os.kill(p.pid, signal.SIGINT)
        assert p.wait(timeout=10) == 0
        assert not os.path.exists(os.path.dirname(info["Addr"]["String"]))
    finally:
        p.kill()


@pytest.mark.parametrize("level,expected", [("", 60), ("off", 60), ("TRACE", 5), ("debug", 10), ("WARN", 30),
                                            ("json", 5)])
def test_log_level_from_env(level, expected):
    from tfplugin import _log
    assert _log.level_from_env({"TF_LOG": level}) == expected
    assert _log.level_from_env({"TF_LOG": "trace", "TF_LOG_PROVIDER": "error"}) == 40


def test_hclog_record_format():
    import io
    import logging

    from tfplugin import _log
    buf = io.StringIO()
    h = _log.HclogHandler(stream=buf)
    rec = logging.LogRecord("codat_client", logging.WARNING, __file__, 1, "retrying %s", ("GET",), None)
    h.emit(rec)
    entry = json.loads(buf.getvalue())
    assert entry["@level"] == "warn" and entry["@message"] == "retrying GET" and entry["@module"] == "codat_client"
    assert re_ts.match(entry["@timestamp"]), entry["@timestamp"]
    rec = logging.LogRecord("tfplugin", _log.TRACE, __file__, 1, "t", (), None)
    h.emit(rec)
    assert json.loads(buf.getvalue().splitlines()[1])["@level"] == "trace"


import re  # noqa: E402

re_ts = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")  # go-plugin parses this layout


def test_start_failure_is_a_clean_message(tmp_path):
    p = subprocess.run([sys.executable, MAIN], capture_output=True, text=True, timeout=30,
                       env=env(tmp_path, TF_PLUGIN_MAGIC_COOKIE=COOKIE, TMPDIR=str(tmp_path / "missing")))
    assert p.returncode == 1 and p.stdout == ""
    assert p.stderr.startswith("tpt provider: failed to start: FileNotFoundError") and "Traceback" not in p.stderr


def test_the_receive_limit_is_set_from_the_environment(tmp_path):
    p, line = start(tmp_path, TFPLUGIN_MAX_MESSAGE_MIB="1")
    try:
        ch = grpc.insecure_channel("unix:" + line.split("|")[3])
        oversized = ch.unary_unary("/tfplugin6.Provider/GetProviderSchema")
        with pytest.raises(grpc.RpcError) as refused:
            oversized(b"\x00" * ((1 << 20) + 1), timeout=30)
        assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "1048577 bytes" in refused.value.details() and "1048576 bytes (1 MiB)" in refused.value.details()
        assert "set TFPLUGIN_MAX_MESSAGE_MIB" in refused.value.details()
        r = tfplugin6_pb2_grpc.ProviderStub(ch).GetProviderSchema(pb.GetProviderSchema.Request(), timeout=30)
        assert "tpt_thing" in r.resource_schemas  # the same connection keeps serving
        ch.close()
    finally:
        p.kill()


@pytest.mark.parametrize("value", ["lots", "0", "-5", "1.5"])
def test_an_unusable_receive_limit_is_a_clean_start_failure(tmp_path, value):
    p = subprocess.run([sys.executable, MAIN], capture_output=True, text=True, timeout=30,
                       env=env(tmp_path, TF_PLUGIN_MAGIC_COOKIE=COOKIE, TFPLUGIN_MAX_MESSAGE_MIB=value))
    assert p.returncode == 1 and p.stdout == "" and "Traceback" not in p.stderr
    assert "TFPLUGIN_MAX_MESSAGE_MIB must be a whole number of MiB" in p.stderr and repr(value) in p.stderr


def test_an_unknown_public_module_name_is_a_clean_start_failure(tmp_path):
    p = subprocess.run([sys.executable, MAIN], capture_output=True, text=True, timeout=30,
                       env=env(tmp_path, TF_PLUGIN_MAGIC_COOKIE=COOKIE, TFPLUGIN_PUBLIC_MODULES="ssl,sockets"))
    assert p.returncode == 1 and p.stdout == "" and "Traceback" not in p.stderr
    assert ("TFPLUGIN_PUBLIC_MODULES names 'sockets'; it takes 'all' or names from socket, signal, ssl, hashlib"
            in p.stderr)


def test_the_listener_falls_back_to_the_socket_module(tmp_path, monkeypatch, store):
    """Where the bare C socket lacks the accept primitive, the public `socket` module listens instead."""
    import socket
    import types as pytypes

    from testprovider import TptProvider
    from tfplugin import server
    from tfplugin._rpc import ProviderService
    monkeypatch.setitem(sys.modules, "_socket", pytypes.SimpleNamespace(socket=type("NoAccept", (), {})))
    listener, path = server._listen(str(tmp_path))
    monkeypatch.undo()
    assert isinstance(listener, socket.socket)
    srv = server.start_server(ProviderService(TptProvider), listener)
    try:
        ch = grpc.insecure_channel("unix:" + path)
        assert tfplugin6_pb2_grpc.ProviderStub(ch).GetMetadata(pb.GetMetadata.Request(), timeout=30).resources
        ch.close()
    finally:
        srv.stop()
