"""Benchmark provider start-up on the tfplugin layer (a script, not a test).

    .venv/bin/python benchmarks/tfplugin_bench.py [--runs N]

Cold start, as Terraform starts a provider (magic cookie, PLUGIN_PROTOCOL_VERSIONS=6, PLUGIN_CLIENT_CERT so
TLS is on, through the mirror's launcher), for the test provider (tests/tfplugin/testprovider) and for the Codat
provider (terraform-mirror/), interleaved with a bare `python -c pass` of the same interpreter:
   - exec -> handshake line on stdout                    (goal: keep it fast; target median <= 120 ms)
   - exec -> first RPC answered (GetProviderSchema over TLS via grpcio)
Prints medians. Plans against Terraform's own floor are measured by benchmarks/plan_bench.py.
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
from codat_iac.toolenv import python_environment  # noqa: E402
from tfplugin_certs import client_cert  # noqa: E402

COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
TARGET_MS = 120
CODAT_LAUNCHER = os.path.join(REPO, "terraform-mirror", "codat.local", "codat", "codat", "0.1.0", "linux_amd64",
                              "terraform-provider-codat_v0.1.0")


def start_provider(launcher: str, env: dict[str, str], cert_pem: bytes):
    e = dict(env, TF_PLUGIN_MAGIC_COOKIE=COOKIE, PLUGIN_PROTOCOL_VERSIONS="6", PLUGIN_CLIENT_CERT=cert_pem.decode())
    t0 = time.perf_counter()
    proc = subprocess.Popen([launcher], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=e)
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


def bare_python() -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    tpt = harness.Env(python=sys.executable)
    codat_env = python_environment({k: v for k, v in os.environ.items() if not k.startswith("TF_")})
    providers = {"test provider (tpt)": (tpt.launcher, tpt.env()), "Codat provider": (CODAT_LAUNCHER, codat_env)}
    cert_pem, key_pem = client_cert()
    import grpc  # noqa: F401 - warm the client side before timing
    handshake: dict[str, list[float]] = {name: [] for name in providers}
    answered: dict[str, list[float]] = {name: [] for name in providers}
    bare: list[float] = []
    try:
        for run in range(args.runs + 1):  # the first round fills the bytecode caches
            for name, (launcher, env) in providers.items():
                proc, line, t0, t1 = start_provider(launcher, env, cert_pem)
                t2 = first_rpc(line, cert_pem, key_pem)
                proc.wait(timeout=10)
                if run:
                    handshake[name].append(t1 - t0)
                    answered[name].append(t2 - t0)
            seconds = bare_python()
            if run:
                bare.append(seconds)
    finally:
        tpt.cleanup()
    print(f"provider start, as Terraform starts it (TLS on), medians of {args.runs}; bare `python -c pass` "
          f"{statistics.median(bare) * 1000:.1f} ms:")
    for name in providers:
        hs, rpc = statistics.median(handshake[name]) * 1000, statistics.median(answered[name]) * 1000
        print(f"  {name:<20} exec -> handshake {hs:5.1f} ms, -> first RPC answered {rpc:5.1f} ms  "
              f"goal: keep the handshake fast (<= {TARGET_MS} ms): {'MET' if hs <= TARGET_MS else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
