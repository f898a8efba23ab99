"""Benchmark the tfplugin layer (a script, not a test).

    .venv/bin/python benchmarks/tfplugin_bench.py [--runs N]

1. Cold start: exec the provider launcher (as Terraform does: magic cookie,
   PLUGIN_PROTOCOL_VERSIONS=6, PLUGIN_CLIENT_CERT so TLS is on) and time
   - exec -> handshake line on stdout                    (target: median <= 120 ms)
   - exec -> first RPC answered (GetProviderSchema over TLS via grpcio)
Prints medians. Uses the test provider in tests/tfplugin/testprovider. Plans against Terraform's own floor
are measured by benchmarks/plan_bench.py.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "tfplugin"))
sys.path.insert(0, REPO)

import tfplugin_harness as harness  # noqa: E402
from tfplugin_certs import client_cert  # noqa: E402

COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"


def start_provider(env: harness.Env, cert_pem: bytes):
    e = env.env(TF_PLUGIN_MAGIC_COOKIE=COOKIE, PLUGIN_PROTOCOL_VERSIONS="6",
                PLUGIN_CLIENT_CERT=cert_pem.decode())
    t0 = time.perf_counter()
    proc = subprocess.Popen([env.launcher], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=e)
    line = proc.stdout.readline().decode()
    t1 = time.perf_counter()
    return proc, line, t0, t1


def first_rpc(line: str, cert_pem: bytes, key_pem: bytes):
    import base64

    import grpc

    from tfplugin._proto import goplugin_pb2, goplugin_pb2_grpc, tfplugin6_pb2, tfplugin6_pb2_grpc
    parts = line.strip().split("|")
    der = base64.b64decode(parts[5] + "=" * (-len(parts[5]) % 4))
    import ssl
    server_pem = ssl.DER_cert_to_PEM_cert(der).encode()
    creds = grpc.ssl_channel_credentials(root_certificates=server_pem, private_key=key_pem,
                                         certificate_chain=cert_pem)
    ch = grpc.secure_channel("unix:" + parts[3], creds, options=[("grpc.ssl_target_name_override", "localhost")])
    tfplugin6_pb2_grpc.ProviderStub(ch).GetProviderSchema(tfplugin6_pb2.GetProviderSchema.Request(), timeout=10)
    t = time.perf_counter()
    try:
        goplugin_pb2_grpc.GRPCControllerStub(ch).Shutdown(goplugin_pb2.Empty(), timeout=5)
    except grpc.RpcError:
        pass
    ch.close()
    return t


def bench_start(env, runs):
    cert_pem, key_pem = client_cert()
    import grpc  # noqa: F401 - warm the client side before timing
    hs, rpc = [], []
    for _ in range(runs + 1):
        proc, line, t0, t1 = start_provider(env, cert_pem)
        t2 = first_rpc(line, cert_pem, key_pem)
        proc.wait(timeout=10)
        hs.append(t1 - t0)
        rpc.append(t2 - t0)
    return hs[1:], rpc[1:]  # the first start fills the pycache


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    env = harness.Env(python=sys.executable)
    try:
        hs, rpc = bench_start(env, args.runs)
        med_hs = statistics.median(hs) * 1000
        med_rpc = statistics.median(rpc) * 1000
        print(f"cold start exec -> handshake line: median {med_hs:.1f} ms (min {min(hs) * 1000:.1f}, "
              f"max {max(hs) * 1000:.1f}, n={len(hs)})  target <= 120 ms: {'OK' if med_hs <= 120 else 'MISSED'}")
        print(f"cold start exec -> first RPC answered (TLS): median {med_rpc:.1f} ms (min {min(rpc) * 1000:.1f})")
    finally:
        env.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
