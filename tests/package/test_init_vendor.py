"""A project `codat-iac init` writes installs where it is pushed: init with an installed codat-iac puts the wheel
it was installed from into vendor/ (rebuilt, byte-identically, from the installation's RECORD when that file is
gone); the project copied to another folder gets a fresh virtualenv with no access to this checkout, `pip install
-r requirements.txt` works there, and it deploys; `codat-iac adopt` writes an environments file that the same
project then deploys (its main.py reads CODAT_IAC_ENVIRONMENTS as the reference one does)."""

from __future__ import annotations

import json
import shlex
import shutil
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from distribution_support import REPO, ok, run

pytestmark = pytest.mark.e2e


def _init(venv: Path, target: Path, env: dict[str, str], *extra: str):
    return run(str(venv / "bin" / "codat-iac"), "init", *extra, str(target), cwd=target.parent, env=env)


def _files(wheel: bytes) -> dict[str, bytes]:
    import io

    with zipfile.ZipFile(io.BytesIO(wheel)) as archive:
        return {name: archive.read(name) for name in archive.namelist() if not name.endswith("/RECORD")}


def test_init_vendors_the_wheel_it_was_installed_from_and_rebuilds_it_reproducibly(installed, tmp_path):
    wheel, venv, user_env, _ = installed
    first = tmp_path / "first"
    first.mkdir()
    ok(_init(venv, first / "codat", user_env))
    vendored = first / "codat" / "vendor" / wheel.name
    assert vendored.read_bytes() == wheel.read_bytes()  # the very file pip installed
    requirements = (first / "codat" / "requirements.txt").read_text()
    assert requirements.splitlines()[-1] == f"./vendor/{wheel.name}"

    # Without that file at hand, the wheel is rebuilt from the installation: the same bytes every time, the same
    # files as the original (its RECORD aside), and nothing pip added at install time.
    moved = tmp_path / "elsewhere.whl"
    shutil.move(wheel, moved)
    try:
        rebuilt = []
        for name in ("second", "third"):
            (tmp_path / name).mkdir()
            ok(_init(venv, tmp_path / name / "codat", user_env))
            rebuilt.append((tmp_path / name / "codat" / "vendor" / wheel.name).read_bytes())
    finally:
        shutil.move(moved, wheel)
    assert rebuilt[0] == rebuilt[1]
    assert _files(rebuilt[0]) == _files(wheel.read_bytes())
    names = zipfile.ZipFile(tmp_path / "second" / "codat" / "vendor" / wheel.name).namelist()
    assert not any(name.endswith((".pyc", "/INSTALLER", "/REQUESTED", "/direct_url.json")) for name in names)

    written = run(str(venv / "bin" / "codat-iac"), "init", "--from", "codat-iac @ git+https://git.example.com/a/b@v1",
                  str(tmp_path / "from"), cwd=tmp_path, env=user_env)
    ok(written)
    assert not (tmp_path / "from" / "vendor").exists()
    assert (tmp_path / "from" / "requirements.txt").read_text().splitlines()[-1] == \
        "codat-iac @ git+https://git.example.com/a/b@v1"


def test_a_pushed_project_installs_in_a_fresh_venv_deploys_and_deploys_what_adopt_wrote(installed, tmp_path):
    wheel, venv, user_env, _ = installed
    made = tmp_path / "made"
    made.mkdir()
    ok(_init(venv, made / "codat", user_env))
    # "Pushed": the project alone, in another folder, as a CI runner's checkout would have it.
    project = tmp_path / "runner" / "repo" / "codat"
    shutil.copytree(made / "codat", project, ignore=shutil.ignore_patterns(".codat-iac"))
    fresh = tmp_path / "runner" / "venv"
    ok(run(sys.executable, "-m", "venv", str(fresh), cwd=tmp_path, env=user_env))
    installed_now = run(str(fresh / "bin" / "python"), "-m", "pip", "install", "-r", "requirements.txt", cwd=project,
                        env=user_env, timeout=900)
    ok(installed_now)
    codat_iac = str(fresh / "bin" / "codat-iac")
    shown = ok(run(str(fresh / "bin" / "python"), "-c",
                   "import codat_iac, sys; print(codat_iac.__file__); print(sys.path)",
                   cwd=project, env=user_env)).stdout
    assert str(REPO) not in shown and str(fresh) in shown.splitlines()[0]  # no access to this checkout

    def codat(*args: str, **extra: str):
        return run(codat_iac, *args, cwd=project, env=dict(user_env, **extra), timeout=600)

    try:
        first = ok(codat("deploy"))
        assert first.stdout.splitlines()[-1] == "  codat / xero (gbol): new; credentials set"
        out = project / "environments.toml"
        ok(codat("adopt", "--name", "production", "--out", str(out)))
        adopted = tomllib.loads(out.read_text())["environments"]["production"]
        emulator = ok(codat("emulator", "status")).stdout
        exported = dict(shlex.split(line)[1].split("=", 1) for line in ok(codat("env")).stdout.splitlines()
                        if line.startswith("export "))  # the local emulator's key and its demo Xero app
        secrets = {"TF_VAR_codat_api_key_production": exported["CODAT_API_KEY"],
                   "TF_VAR_xero_client_id_production": exported["XERO_CLIENT_ID"],
                   "TF_VAR_xero_client_secret_production": exported["TF_VAR_xero_client_secret"]}
        deployed = codat("deploy", "--json", CODAT_IAC_ENVIRONMENTS=str(out), **secrets)
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        [stack] = json.loads(deployed.stdout)["stacks"]
        assert stack["stack"] == "production" and stack["status"] != "error", stack
        assert "running at" in emulator and adopted["base_url"] in emulator
        clean = codat("drift", CODAT_IAC_ENVIRONMENTS=str(out), **secrets)
        assert clean.returncode == 0, clean.stdout + clean.stderr
    finally:
        codat("emulator", "stop")
