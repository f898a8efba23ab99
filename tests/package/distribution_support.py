"""What the distribution tests share: a throwaway GnuPG home with a test key, a loopback HTTPS static server with
its own test CA (handed to Terraform through SSL_CERT_FILE), and a watcher that records every process a terraform
run starts, with the file each one executes and the files it maps."""

from __future__ import annotations

import contextlib
import datetime
import functools
import http.server
import os
import shutil
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest

REPO = Path(__file__).resolve().parents[2]
PIP_CACHE = REPO / ".codat-iac" / "cache" / "pip"
# What a user's environment has none of: this repository's settings, paths and tool state (COVERAGE_: the
# measurement of `make test COVERAGE=1`, whose data folder is in this checkout).
DROPPED = ("CODAT_", "TF_", "XERO_", "PYTHON", "JSII_", "CDKTF_", "npm_", "PG_", "PYTEST", "VIRTUAL_ENV", "COVERAGE_")


def run(*command: str, cwd: Path, env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(list(command), cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def ok(done: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert done.returncode == 0, f"{done.args}:\n{done.stdout}\n{done.stderr}"
    return done


def source_copy(target: Path) -> Path:
    """This checkout's files as git sees them (tracked and new, not ignored): builds never write into it."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout
    for name in filter(None, listed.split("\0")):
        if (REPO / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, target / name)
    return target


# ------------------------------------------------------------------------------------------------ GnuPG


@dataclass
class GnuPG:
    """A GNUPGHOME of the test's own (never ~/.gnupg), its agent stopped at the end."""

    home: Path

    def env(self) -> dict[str, str]:
        return dict(os.environ, GNUPGHOME=str(self.home))

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["gpg", "--batch", *args], env=self.env(), capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL)

    def new_key(self, email: str, passphrase: str = "") -> str:
        """An ed25519 signing key; with a passphrase it is locked. Returns its long key ID."""
        done = self.run("--pinentry-mode", "loopback", "--passphrase", passphrase, "--quick-gen-key",
                        f"Codat test <{email}>", "ed25519", "sign", "never")
        assert done.returncode == 0, done.stderr
        listed = self.run("--with-colons", "--list-secret-keys", email).stdout
        return next(line.split(":")[4] for line in listed.splitlines() if line.startswith("sec:"))

    def forget_passphrases(self) -> None:
        subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=self.env(), capture_output=True, timeout=30)


def gnupg_home(folder: Path):
    """A GnuPG home in `folder`, yielded; its agent is stopped afterwards."""
    if subprocess.run(["which", "gpg"], capture_output=True).returncode != 0:
        pytest.fail("gpg is missing: apt-get install gnupg (.ci/run installs it)", pytrace=False)
    folder.mkdir(mode=0o700)
    gnupg = GnuPG(folder)
    try:
        yield gnupg
    finally:
        gnupg.forget_passphrases()


# ----------------------------------------------------------------------------------------- HTTPS on loopback


@dataclass
class TestCA:
    ca_file: Path
    cert_file: Path
    key_file: Path


def make_test_ca(folder: Path) -> TestCA:
    """A CA and a server certificate it signed for localhost and 127.0.0.1 (PEM files in `folder`)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "codat-iac test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    server = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
              .issuer_name(ca_name).public_key(server_key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
              .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                          x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                             critical=False)
              .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    found = TestCA(folder / "ca.pem", folder / "server.pem", folder / "server-key.pem")
    found.ca_file.write_bytes(ca.public_bytes(pem))
    found.cert_file.write_bytes(server.public_bytes(pem))
    found.key_file.write_bytes(server_key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                        serialization.NoEncryption()))
    return found


class _QuietFiles(http.server.SimpleHTTPRequestHandler):
    requested: list[str]

    def log_message(self, format: str, *args) -> None:
        self.requested.append(self.path)


@dataclass
class StaticHTTPS:
    """A folder served read-only over HTTPS on 127.0.0.1 (a thread of the test process)."""

    url: str
    port: int
    requested: list[str] = field(default_factory=list)


@contextlib.contextmanager
def serve_folder(folder: Path, ca: TestCA) -> Iterator[StaticHTTPS]:
    """Serve `folder` while the context is open."""
    requested: list[str] = []
    handler = functools.partial(type("Handler", (_QuietFiles,), {"requested": requested}), directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(ca.cert_file, ca.key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    try:
        yield StaticHTTPS(f"https://localhost:{port}/", port, requested)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# ------------------------------------------------------------------------------------------ process watcher


@dataclass
class Started:
    """A process a terraform run started: its pid, the file it executed, and every file it mapped."""

    pid: int
    exe: str
    mapped: set[str] = field(default_factory=set)


def _children() -> dict[int, int]:
    parents = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                parents[int(entry.name)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue  # it ended meanwhile
    return parents


def _mapped(pid: int) -> set[str]:
    try:
        with open(f"/proc/{pid}/maps") as maps:
            return {line.split(None, 5)[5].strip() for line in maps if len(line.split(None, 5)) == 6}
    except OSError:
        return set()


def run_watched(command: list[str], cwd: Path, env: dict[str, str], timeout: int = 300
                ) -> tuple[subprocess.CompletedProcess, list[Started]]:
    """Run `command` and record every descendant process while it runs (polling /proc every 2 ms; a provider
    lives for tens of milliseconds at least, so none is missed): its /proc/<pid>/exe and mapped files."""
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               stdin=subprocess.DEVNULL)
    seen: dict[int, Started] = {}
    finished = threading.Event()

    def watch() -> None:
        while not finished.is_set():
            parents = _children()
            family = {process.pid}
            grew = True
            while grew:
                grew = False
                for pid, parent in parents.items():
                    if parent in family and pid not in family:
                        family.add(pid)
                        grew = True
            for pid in family - {process.pid}:
                try:
                    exe = os.readlink(f"/proc/{pid}/exe")
                except OSError:
                    continue
                record = seen.setdefault(pid, Started(pid, exe))
                record.exe = exe  # the last exec wins (PyInstaller's bootloader execs itself once)
                record.mapped |= _mapped(pid)
            time.sleep(0.002)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    finally:
        finished.set()
        watcher.join(timeout=10)
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr), list(seen.values())
