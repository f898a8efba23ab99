"""`codat-iac provider build` refusing what it cannot do: an unsupported platform, a missing or passphrase-locked GPG
key, an existing output folder, a zip that no longer matches its SHA256SUMS. Each is one line naming the file or
key and the fix, and no output folder (whole or half-written) is left. `--from` lays out zips built elsewhere (a
CI matrix's artifacts): tested here with small stand-in zips, so nothing needs freezing."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from codat_iac import provider_freeze
from codat_iac.__main__ import main
from distribution_support import REPO, gnupg_home

PREFIX = "terraform-provider-codat_0.1.0"


def _cli(*args: str, env: dict[str, str] | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "codat_iac", "provider", "build", *args], cwd=cwd,
                          env=dict(env or os.environ, PYTHONPATH=str(REPO)), capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)


def _one_line_error(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 1, done.stdout + done.stderr
    *steps, error = done.stderr.strip().splitlines()  # progress lines (`<step>: ... [0.0 s]`), then the error
    assert all(re.search(r" \[\d+\.\d s\]$", step) for step in steps), steps
    assert error.startswith("codat-iac provider: ") and "Traceback" not in done.stderr, error
    return error


def _matrix_artifact(folder: Path, platform: str, payload: bytes = b"#!/bin/sh\n") -> Path:
    """What one platform's build leaves: its zip and a SHA256SUMS listing it (the content is a stand-in)."""
    folder.mkdir(parents=True)
    zipped = folder / f"{PREFIX}_{platform}.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        entry = zipfile.ZipInfo("terraform-provider-codat_v0.1.0", date_time=(1980, 1, 1, 0, 0, 0))
        entry.external_attr = 0o100755 << 16
        archive.writestr(entry, payload)
    (folder / f"{PREFIX}_SHA256SUMS").write_text(f"{hashlib.sha256(zipped.read_bytes()).hexdigest()}  {zipped.name}\n")
    return zipped


@pytest.fixture
def gnupg(tmp_path):
    yield from gnupg_home(tmp_path / "gnupg")


def test_an_unsupported_platform_is_named_with_the_platforms_it_builds_for(tmp_path, monkeypatch, capsys):
    with pytest.raises(provider_freeze.BuildError) as raised:
        provider_freeze.target_platform("win32", "AMD64")
    assert "win32/AMD64" in str(raised.value)
    assert "linux_amd64, linux_arm64, darwin_amd64, darwin_arm64" in str(raised.value)
    assert provider_freeze.target_platform("linux", "aarch64") == "linux_arm64"
    monkeypatch.setattr(provider_freeze.platform, "machine", lambda: "riscv64")
    assert main(["provider", "build", "--out", str(tmp_path / "out")]) == 1
    said = capsys.readouterr().err.strip().splitlines()
    assert len(said) == 1 and "linux/riscv64" in said[0] and "CI matrix of docs/distribution.md" in said[0]
    assert list(tmp_path.iterdir()) == []


def test_a_missing_gpg_key_stops_before_the_build(tmp_path, gnupg):
    done = _cli("--out", str(tmp_path / "out"), "--gpg-key", "nobody@example.com", env=gnupg.env())
    line = _one_line_error(done)
    assert "--gpg-key nobody@example.com: gpg has no secret key" in line and "gpg --import" in line
    assert sorted(path.name for path in tmp_path.iterdir()) == ["gnupg"]


def test_a_passphrase_locked_key_fails_without_a_prompt(tmp_path, gnupg):
    key_id = gnupg.new_key("locked@example.com", passphrase="correct horse")
    gnupg.forget_passphrases()  # the agent forgets what generating the key cached
    done = _cli("--out", str(tmp_path / "out"), "--gpg-key", "locked@example.com", env=gnupg.env())
    line = _one_line_error(done)
    assert f"--gpg-key locked@example.com ({key_id}) is locked with a passphrase" in line and "gpg-agent" in line
    assert not (tmp_path / "out").exists()


def test_an_existing_output_folder_is_refused_without_force_and_only_ours_is_replaced(tmp_path, gnupg):
    _matrix_artifact(tmp_path / "matrix" / "linux_amd64", "linux_amd64")
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "notes.txt").write_text("keep me\n")
    refused = _one_line_error(_cli("--from", str(tmp_path / "matrix"), "--out", str(theirs)))
    assert f"{theirs} exists: nothing was written. Add --force" in refused
    forced = _one_line_error(_cli("--from", str(tmp_path / "matrix"), "--out", str(theirs), "--force"))
    assert "is not a folder `codat-iac provider build` wrote" in forced and (theirs / "notes.txt").exists()

    out = tmp_path / "release"
    assert _cli("--from", str(tmp_path / "matrix"), "--out", str(out)).returncode == 0
    (out / "stale.txt").write_text("from the previous build\n")
    again = _cli("--from", str(tmp_path / "matrix"), "--out", str(out), "--force")
    assert again.returncode == 0, again.stderr
    assert not (out / "stale.txt").exists() and (out / f"{PREFIX}_SHA256SUMS").is_file()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["gnupg", "matrix", "release", "theirs"]  # no leftovers


def test_a_zip_that_no_longer_matches_its_sums_is_named_with_the_fix(tmp_path):
    zipped = _matrix_artifact(tmp_path / "matrix" / "linux_arm64", "linux_arm64")
    zipped.write_bytes(zipped.read_bytes() + b"tampered")
    line = _one_line_error(_cli("--from", str(tmp_path / "matrix"), "--out", str(tmp_path / "out")))
    assert f"{zipped} no longer matches its SHA256SUMS" in line and "build it again" in line
    assert not (tmp_path / "out").exists()


def test_a_fault_while_laying_out_leaves_no_half_written_folder(tmp_path):
    zipped = _matrix_artifact(tmp_path / "matrix" / "linux_amd64", "linux_amd64")
    with zipfile.ZipFile(zipped, "a") as archive:
        archive.writestr("../outside", b"x")  # a zip that would write outside its folder when unpacked
    sums = tmp_path / "matrix" / "linux_amd64" / f"{PREFIX}_SHA256SUMS"
    sums.write_text(f"{hashlib.sha256(zipped.read_bytes()).hexdigest()}  {zipped.name}\n")
    line = _one_line_error(_cli("--from", str(tmp_path / "matrix"), "--out", str(tmp_path / "out")))
    assert "holds a path outside its folder ('../outside')" in line
    assert sorted(path.name for path in tmp_path.iterdir()) == ["matrix"]  # no out, no .out.*.partial


def test_from_lays_out_every_platform_of_a_matrix_signed_once(tmp_path, gnupg):
    key_id = gnupg.new_key("release@example.com")
    for platform in ("linux_amd64", "linux_arm64", "darwin_arm64"):
        _matrix_artifact(tmp_path / "artifacts" / platform, platform, payload=platform.encode())
    out = tmp_path / "release"
    done = _cli("--from", str(tmp_path / "artifacts"), "--out", str(out), "--gpg-key", "release@example.com",
                "--namespace", "acme", "--host", "registry.acme.example", env=gnupg.env())
    assert done.returncode == 0, done.stderr
    assert f"signed by key ID {key_id}" in done.stdout
    sums = (out / f"{PREFIX}_SHA256SUMS").read_text().splitlines()
    assert [line.split("  ")[1] for line in sums] == sorted(
        [f"{PREFIX}_darwin_arm64.zip", f"{PREFIX}_linux_amd64.zip", f"{PREFIX}_linux_arm64.zip",
         f"{PREFIX}_manifest.json"])
    verified = gnupg.run("--verify", str(out / f"{PREFIX}_SHA256SUMS.sig"), str(out / f"{PREFIX}_SHA256SUMS"))
    assert verified.returncode == 0
    import json

    versions = json.loads((out / "registry" / "v1" / "providers" / "acme" / "codat" / "versions").read_text())
    assert versions["versions"][0]["platforms"] == [{"arch": "arm64", "os": "darwin"}, {"arch": "amd64", "os": "linux"},
                                                   {"arch": "arm64", "os": "linux"}]
    mirror = json.loads(
        (out / "network-mirror" / "registry.acme.example" / "acme" / "codat" / "0.1.0.json").read_text())
    assert sorted(mirror["archives"]) == ["darwin_arm64", "linux_amd64", "linux_arm64"]
    unpacked = out / "terraform.d" / "plugins" / "registry.acme.example" / "acme" / "codat" / "0.1.0" / "linux_arm64"
    assert (unpacked / "terraform-provider-codat_v0.1.0").read_bytes() == b"linux_arm64"
    assert os.access(unpacked / "terraform-provider-codat_v0.1.0", os.X_OK)
