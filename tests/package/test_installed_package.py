"""codat-iac used as a team would from its own repository, outside this checkout: build the wheel, install it
into a fresh virtualenv in a temp folder, `codat-iac init`, deploy to the local emulator, a Portal change,
drift (exit 2), deploy repairs it, drift (exit 0), destroy. Nothing of this checkout takes part: not on
PYTHONPATH, not in the provider's launcher, not in the synthesized stack, not in any file the project holds.

pip may use the package registry; its cache is this checkout's .codat-iac/cache/pip, so a rerun is fast. HOME
is left as it is (the other end-to-end tests hold the no-writes-to-HOME rule).
"""

from __future__ import annotations

import json
import subprocess
import zipfile

import pytest

from distribution_support import PIP_CACHE, REPO, ok as _ok, run as _run

pytestmark = pytest.mark.e2e


def test_the_wheel_holds_the_packages_and_their_data_and_nothing_of_the_repository(installed):
    wheel, *_ = installed
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert tops == {"codat_constructs", "codat_provider", "tfplugin", "codat_client", "codat_iac", "codat_emulator",
                    "codat_settings", "codat_iac-0.1.0.dist-info"}
    for needed in ("codat_constructs/bindings/integration.py", "tfplugin/_proto/wire.py",
                   "tfplugin/_proto/tfplugin6.proto",
                   "codat_iac/templates/project/main.py", "codat_iac/templates/cdktf-cli/package-lock.json",
                   "codat_iac/templates/project/github-actions.yml", "codat_emulator/__main__.py"):
        assert needed in names
    for name in names:
        assert not name.startswith(("tests/", "benchmarks/", "scripts/", "terraform-mirror/", "node_modules/")), name
        assert not any(part in name for part in ("cassette", "/data/", ".codat-iac", "__pycache__")), name
    entry_points = zipfile.ZipFile(wheel).read("codat_iac-0.1.0.dist-info/entry_points.txt").decode()
    assert "codat-iac = codat_iac.__main__:main" in entry_points


def test_a_project_of_ones_own_deploys_drifts_repairs_and_is_destroyed(installed):
    _, venv, user_env, work = installed
    codat_iac = str(venv / "bin" / "codat-iac")
    project = work / "infra" / "codat"
    _ok(_run(codat_iac, "init", str(project), cwd=work, env=user_env))

    def run(*args: str) -> subprocess.CompletedProcess:
        return _run(codat_iac, *args, cwd=project, env=user_env)

    try:
        first = _ok(run("deploy"))
        assert first.stdout.splitlines()[-1] == "  codat / xero (gbol): new; credentials set"
        assert "Local Codat emulator started" in first.stderr
        runbook = (project / "cdktf.out" / "stacks" / "codat" / "RUNBOOK.md").read_text()
        assert "\ncodat-iac deploy codat\n" in runbook and "bin/codat-iac" not in runbook  # this project's command

        data = project / ".codat-iac" / "emulator" / "data"
        _ok(_run(str(venv / "bin" / "python"), "-m", "codat_emulator", "portal", "disable", "gbol", "--data", str(data),
                 cwd=project, env=user_env))
        drifted = run("drift", "--json")
        assert drifted.returncode == 2, drifted.stdout + drifted.stderr
        [row] = json.loads(drifted.stdout)["differences"]
        assert (row["kind"], row["attribute"], row["expected"], row["actual"]) == ("drift", "enabled", True, False)

        repaired = _ok(run("deploy"))
        assert "enabled false -> true (changed outside Terraform)" in repaired.stdout
        assert run("drift").returncode == 0

        exported = _ok(run("env")).stdout
        plain = _run("bash", "-c", f'eval "$({codat_iac} env)" && cd cdktf.out/stacks/codat && '
                     "terraform plan -detailed-exitcode -input=false -no-color", cwd=project, env=user_env)
        assert plain.returncode == 0, plain.stdout + plain.stderr  # plain terraform, the exported config

        removed = _ok(run("destroy", "--auto-approve"))
        assert removed.stdout.splitlines()[-1].startswith("  codat / xero (gbol): removed (on_destroy = disable")
    finally:
        run("emulator", "stop")

    # Nothing of this checkout: not in the environment the commands got, the launcher, the stack or any file.
    assert not any(str(REPO) in value for value in user_env.values() if value != str(PIP_CACHE))
    assert f"export CODAT_IAC_PYTHON={venv / 'bin' / 'python'}" in exported and str(REPO) not in exported
    assert "PYTHONPATH" not in exported
    stack = project / "cdktf.out" / "stacks" / "codat"
    [linked] = (stack / ".terraform" / "providers" / "codat.local" / "codat" / "codat").glob("*/*")  # version/platform
    assert linked.resolve().is_relative_to(project / "terraform-mirror")  # Terraform runs this project's launcher
    for path in project.rglob("*"):
        if path.is_file() and not path.is_symlink():
            assert str(REPO).encode() not in path.read_bytes(), f"{path} names this checkout"
    home = [line for line in (venv / "pyvenv.cfg").read_text().splitlines() if line.startswith("home")]
    assert home and str(REPO) not in home[0]  # the venv's Python is the machine's, not this checkout's .venv


def test_cdk_terrain_without_its_extra_is_named_with_the_install_command(installed):
    _, venv, user_env, work = installed
    project = work / "terrain"
    _ok(_run(str(venv / "bin" / "codat-iac"), "init", str(project), cwd=work, env=user_env))
    done = _run(str(venv / "bin" / "codat-iac"), "deploy", cwd=project, env=dict(user_env, CODAT_IAC_CDK="cdktn"))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "run `pip install 'codat-iac[cdktn]'`" in done.stderr
    _run(str(venv / "bin" / "codat-iac"), "emulator", "stop", cwd=project, env=user_env)


def test_an_installed_codat_iac_builds_the_standalone_provider_without_touching_its_venv(installed):
    """What the release pipeline's matrix jobs do (examples/pipelines/provider-release.yml): the build tools go to a
    temp folder, not into the venv, and the frozen provider's own smoke test (its handshake with an empty
    environment) passes."""
    _, venv, user_env, work = installed
    before = sorted(path.name for path in (venv / "lib").glob("python3*/site-packages/*"))
    done = _run(str(venv / "bin" / "codat-iac"), "provider", "build", "--out", str(work / "provider"), cwd=work,
                env=user_env, timeout=1800)
    assert done.returncode == 0, done.stdout + done.stderr
    [zipped] = (work / "provider").glob("terraform-provider-codat_0.1.0_linux_*.zip")
    assert f"  {zipped.name}  " in done.stdout and "build tools (requirements-build.txt): installed" in done.stderr
    assert sorted(path.name for path in (venv / "lib").glob("python3*/site-packages/*")) == before
    assert not any("PyInstaller" in path.name
                   for path in work.rglob("*") if path.is_dir() and "provider" not in path.parts)
