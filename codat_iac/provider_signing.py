"""Sign the provider's SHA256SUMS with GnuPG, as a Terraform registry requires (a detached binary signature).

gpg runs with --batch and --pinentry-mode error, so it never prompts: a key locked with a passphrase that no
gpg-agent holds unlocked fails at once with one line, before the (slow) build starts. Which keyring: gpg's own rule
(GNUPGHOME, else ~/.gnupg); this module never writes one.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

GPG_INSTALL = "install GnuPG (Debian/Ubuntu: apt-get install gnupg; macOS: brew install gnupg)"


class SigningError(RuntimeError):
    """The key cannot sign here; the message names the key and the fix."""


@dataclass(frozen=True)
class SigningKey:
    """A secret key gpg can sign with: what the user named, its long key ID and its public key (ASCII armour)."""

    named: str
    key_id: str
    public_armor: str


def _gpg(*args: str, input: bytes | None = None) -> subprocess.CompletedProcess:
    gpg = shutil.which("gpg")
    if gpg is None:
        raise SigningError(f"--gpg-key needs gpg, which is not on PATH: {GPG_INSTALL}.")
    return subprocess.run([gpg, "--batch", "--no-tty", "--pinentry-mode", "error", *args], input=input,
                          capture_output=True, timeout=120)


def _last_line(done: subprocess.CompletedProcess) -> str:
    lines = [line.strip() for line in done.stderr.decode(errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else f"gpg exited {done.returncode}"


def check_key(named: str) -> SigningKey:
    """The key `named` (an ID, fingerprint or email), proven able to sign without a prompt."""
    listed = _gpg("--with-colons", "--list-secret-keys", "--", named)
    records = [line.split(":") for line in listed.stdout.decode(errors="replace").splitlines()]
    secret = [fields for fields in records if fields[0] == "sec"]
    if listed.returncode != 0 or not secret:
        raise SigningError(f"--gpg-key {named}: gpg has no secret key by that name in its keyring (GNUPGHOME, else "
                           "~/.gnupg): import it with `gpg --import <file>`, or name one `gpg --list-secret-keys` "
                           "shows.")
    key_id = secret[0][4]
    with tempfile.TemporaryDirectory(prefix="codat-iac-sign-") as scratch:
        probe = Path(scratch) / "probe"
        probe.write_bytes(b"codat-iac signing probe\n")
        signed = _gpg("--local-user", key_id, "--detach-sign", "--output", str(probe) + ".sig", str(probe))
    if signed.returncode != 0:
        reason = _last_line(signed)
        if "pinentry" in reason.lower() or "passphrase" in reason.lower() or "cancel" in reason.lower():
            raise SigningError(f"--gpg-key {named} ({key_id}) is locked with a passphrase and gpg may not ask for it "
                               "here: unlock it in gpg-agent first (e.g. gpg-preset-passphrase, or sign anything once "
                               "in a terminal), or sign with a key kept for CI without a passphrase.")
        raise SigningError(f"--gpg-key {named} ({key_id}) cannot sign: {reason}.")
    exported = _gpg("--armor", "--export", "--", key_id)
    if exported.returncode != 0 or not exported.stdout.strip():
        raise SigningError(f"--gpg-key {named}: gpg could not export its public key: {_last_line(exported)}.")
    return SigningKey(named, key_id, exported.stdout.decode())


def sign(key: SigningKey, path: Path) -> Path:
    """Write `<path>.sig`, a detached binary signature of `path`."""
    target = path.with_name(path.name + ".sig")
    done = _gpg("--local-user", key.key_id, "--detach-sign", "--output", str(target), str(path))
    if done.returncode != 0:
        raise SigningError(f"signing {path.name} with {key.key_id} failed: {_last_line(done)}.")
    return target
