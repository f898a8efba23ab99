"""Benchmark provider start-up on the tfplugin layer (a script, not a test).

    .venv/bin/python benchmarks/tfplugin_bench.py [--runs N] [--public] [--baseline DIR] [--imports]

Cold start, as Terraform starts a provider (magic cookie, PLUGIN_PROTOCOL_VERSIONS=6, PLUGIN_CLIENT_CERT so
TLS is on, through the mirror's launcher), for the test provider (tests/tfplugin/testprovider) and for the Codat
provider (terraform-mirror/), interleaved with a bare `python -c pass` of the same interpreter (each round in a
shuffled order, so no row always follows the same other one):
   - exec -> handshake line on stdout                    (goal: keep it fast; target median <= 120 ms)
   - exec -> first RPC answered (GetProviderSchema over TLS via grpcio)
Prints medians. Plans against Terraform's own floor are measured by benchmarks/plan_bench.py.

Side by side, interleaved run by run (so a busy machine slows every row alike):
   --public [LIST] each provider also on the public modules tfplugin._cmodules avoids (TFPLUGIN_PUBLIC_MODULES),
                   one row for each value in LIST (default: socket,hashlib,signal,ssl,all)
   --baseline DIR  each provider also from another source tree of this repository (say, main's:
                   `git worktree add DIR main`), run with this interpreter
   --imports       first, what each public module costs over the C module it wraps, at its place in the start
                   (`-X importtime`, fresh interpreters, the same --runs)
"""
from __future__ import annotations

import argparse
import os
import random
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
CODAT_MIRROR_PATH = ("terraform-mirror", "codat.local", "codat", "codat", "0.1.0", "linux_amd64",
                     "terraform-provider-codat_v0.1.0")
CODAT_LAUNCHER = os.path.join(REPO, *CODAT_MIRROR_PATH)
PUBLIC_ENV = "TFPLUGIN_PUBLIC_MODULES"
PUBLIC_VARIANTS = "socket,hashlib,signal,ssl,all"

# (C module, public module, what the start has imported when it needs the module). Before the handshake line:
# the listener, the certificate's SHA-256, the signal handlers; after it, while Terraform dials: the TLS context,
# then the HTTP/2 server's worker queue. "{sha}" is the C module hashlib's sha256 comes from on this Python
# (_sha256 until 3.11, _sha2 since 3.12).
_BEFORE_HANDSHAKE = "tfplugin.server, _socket, tfplugin._tls"
_AFTER_HANDSHAKE = _BEFORE_HANDSHAKE + ", tfplugin._scrub, tfplugin._rpc"
IMPORT_CASES = (
    ("_socket", "socket", "tfplugin.server"),
    ("{sha}", "hashlib", _BEFORE_HANDSHAKE),
    ("_signal", "signal", _BEFORE_HANDSHAKE),
    ("_ssl", "ssl", _AFTER_HANDSHAKE),
    ("_queue", "queue", _AFTER_HANDSHAKE + ", _ssl"),
)


def start_provider(launcher: str, env: dict[str, str], cert_pem: bytes, cwd: str | None = None):
    e = dict(env, TF_PLUGIN_MAGIC_COOKIE=COOKIE, PLUGIN_PROTOCOL_VERSIONS="6", PLUGIN_CLIENT_CERT=cert_pem.decode())
    t0 = time.perf_counter()
    proc = subprocess.Popen([launcher], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=e, cwd=cwd)
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


def marginal_import_ms(context: str, modules: str) -> float:
    """What importing ``modules`` adds once ``context`` is imported, by ``-X importtime`` in a fresh interpreter:
    the cumulative times of the top-level imports it reports after the context."""
    code = f"import {context}\nimport sys\nsys.stderr.write('-- measured from here\\n')\nimport {modules}"
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True,
                            cwd=REPO, check=True)
    measured = result.stderr.split("-- measured from here\n", 1)[1]
    total_us = 0
    for line in measured.splitlines():
        fields = line.split("|")
        if len(fields) == 3 and not fields[2].startswith("  "):  # "import time: self | cumulative | name"
            total_us += int(fields[1])
    return total_us / 1000


def imports(runs: int) -> None:
    try:
        import _sha256  # noqa: F401
        sha = "_sha256"
    except ImportError:
        sha = "_sha2"
    rows = [(c_module.format(sha=sha), public, context) for c_module, public, context in IMPORT_CASES]
    times: dict[str, list[float]] = {}
    for _ in range(runs):
        for c_module, public, context in rows:
            for module in (c_module, public):
                times.setdefault(module, []).append(marginal_import_ms(context, module))
    print(f"import cost at its place in the start (-X importtime, {runs} fresh interpreters; median, min), "
          f"Python {sys.version.split()[0]}:")
    for c_module, public, _context in rows:
        c, p = times[c_module], times[public]
        print(f"  {c_module:<8} {statistics.median(c):5.2f} ms ({min(c):5.2f})   {public:<8} "
              f"{statistics.median(p):5.2f} ms ({min(p):5.2f})   the public module costs "
              f"{statistics.median(p) - statistics.median(c):+5.2f} ms ({min(p) - min(c):+5.2f})")


def baseline_providers(tree: str, tpt: harness.Env, codat_env: dict[str, str]) -> dict[str, tuple]:
    """The two providers from another source tree: its test provider through a launcher like the harness's, its
    Codat launcher with that tree first on the path."""
    launcher = os.path.join(tpt.root, "baseline-tpt")
    main = os.path.join(tree, "tests", "tfplugin", "testprovider", "main.py")
    with open(launcher, "w") as f:
        f.write("#!/bin/sh\nunset PYTHONDONTWRITEBYTECODE\n"
                f"PYTHONPYCACHEPREFIX='{tpt.pycache}' exec '{sys.executable}' '{main}' \"$@\"\n")
    os.chmod(launcher, 0o755)
    return {"test provider (tpt), baseline": (launcher, tpt.env(), tree),
            "Codat provider, baseline": (os.path.join(tree, *CODAT_MIRROR_PATH), dict(codat_env, PYTHONPATH=tree),
                                         tree)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--public", nargs="?", const=PUBLIC_VARIANTS, metavar="LIST",
                    help="also start each provider on the public modules: a row for each TFPLUGIN_PUBLIC_MODULES value")
    ap.add_argument("--baseline", metavar="DIR", help="also start each provider from this source tree")
    ap.add_argument("--imports", action="store_true", help="first, the import cost of each public module")
    args = ap.parse_args()
    if args.imports:
        imports(args.runs)
    tpt = harness.Env(python=sys.executable)
    codat_env = python_environment({k: v for k, v in os.environ.items() if not k.startswith(("TF_", PUBLIC_ENV))})
    providers = {"test provider (tpt)": (tpt.launcher, tpt.env(), REPO),
                 "Codat provider": (CODAT_LAUNCHER, codat_env, REPO)}
    if args.public:
        for name, (launcher, env, cwd) in list(providers.items()):
            for modules in args.public.split(","):
                providers[f"{name}, public {modules}"] = (launcher, dict(env, **{PUBLIC_ENV: modules}), cwd)
    if args.baseline:
        providers.update(baseline_providers(os.path.abspath(args.baseline), tpt, codat_env))
    cert_pem, key_pem = client_cert()
    import grpc  # noqa: F401 - warm the client side before timing
    handshake: dict[str, list[float]] = {name: [] for name in providers}
    answered: dict[str, list[float]] = {name: [] for name in providers}
    bare: list[float] = []
    rounds = random.Random(25)
    try:
        for run in range(args.runs + 1):  # the first round fills the bytecode caches
            order = list(providers)
            rounds.shuffle(order)
            for name in order:
                launcher, env, cwd = providers[name]
                proc, line, t0, t1 = start_provider(launcher, env, cert_pem, cwd)
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
    print(f"provider start, as Terraform starts it (TLS on), medians (and minimums) of {args.runs}, Python "
          f"{sys.version.split()[0]}; bare `python -c pass` {statistics.median(bare) * 1000:.1f} ms:")
    for name in providers:
        hs, rpc = statistics.median(handshake[name]) * 1000, statistics.median(answered[name]) * 1000
        print(f"  {name:<38} exec -> handshake {hs:5.1f} ms ({min(handshake[name]) * 1000:5.1f}), -> first RPC "
              f"answered {rpc:5.1f} ms ({min(answered[name]) * 1000:5.1f})  goal: keep the handshake fast "
              f"(<= {TARGET_MS} ms): {'MET' if hs <= TARGET_MS else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
