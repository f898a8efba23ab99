"""Preflight: a missing or too old terraform, node or npm is named, with the version needed and where to get
it, before any work (instead of cdktf's "execvp(3) failed" or a failure halfway)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from codat_iac import preflight

REPO = Path(__file__).resolve().parents[2]


def _bin(tmp_path: Path, **fakes: str) -> Path:
    """A PATH folder with the real node, npm and the shell tools the wrappers use, plus fake programs
    (name -> what they print) in place of the real ones."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for name in ("node", "npm", "dirname", "sh", "bash"):
        found = shutil.which(name)
        if found and name not in fakes:
            (folder / name).symlink_to(found)
    for name, output in fakes.items():
        (folder / name).write_text(f"#!/bin/sh\necho '{output}'\n")
        (folder / name).chmod(0o755)
    return folder


def _run(tmp_path: Path, folder: Path, *command: str) -> subprocess.CompletedProcess:
    env = {"PATH": str(folder), "HOME": str(tmp_path), "CODAT_BASE_URL": "https://api.codat.io",
           "CODAT_API_KEY": "k", "XERO_CLIENT_ID": "0" * 32, "TF_VAR_xero_client_secret": "s"}
    return subprocess.run(list(command), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)


def test_without_terraform_on_path_every_entry_point_says_so(tmp_path):
    folder = _bin(tmp_path)
    for command in (["bin/codat-iac", "deploy"], ["bin/codat-iac", "drift"], ["bin/cdktf", "deploy", "--auto-approve"],
                    ["bin/terraform", "version"]):
        done = _run(tmp_path, folder, str(REPO / command[0]), *command[1:])
        assert done.returncode == 1, done.stdout + done.stderr
        assert "terraform is not on PATH; terraform 1.11 or newer is needed for plan and apply" in done.stderr
        assert "https://developer.hashicorp.com/terraform/install" in done.stderr
        assert "execvp" not in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "cdktf.out").exists()


def test_too_old_terraform_and_node_are_named_with_the_version_needed(tmp_path):
    folder = _bin(tmp_path, terraform='{"terraform_version": "1.9.8"}', node="v18.19.0")
    done = _run(tmp_path, folder, str(REPO / "bin" / "codat-iac"), "diff")
    assert done.returncode == 1
    assert f"terraform 1.9.8 at {folder / 'terraform'} is too old; terraform 1.11 or newer is needed" in done.stderr
    assert f"node 18.19.0 at {folder / 'node'} is too old; node 20.0 or newer is needed" in done.stderr


def test_make_install_checks_before_installing(tmp_path):
    """The Makefile runs the same check with the system Python before it creates anything."""
    folder = _bin(tmp_path, npm="6.14.0")
    done = _run(tmp_path, folder, sys.executable, str(REPO / "codat_iac" / "preflight.py"), "node", "npm")
    assert done.returncode == 1
    assert "npm 6.14.0" in done.stderr and "npm 7.0 or newer is needed" in done.stderr
    makefile = (REPO / "Makefile").read_text()
    assert makefile.index("preflight.py python node npm terraform") < makefile.index("-m venv")


def test_an_old_python_is_named(monkeypatch):
    monkeypatch.setattr(sys, "version_info", (3, 9, 18, "final", 0))
    [problem] = preflight.problems(["python"])
    assert problem.startswith("python 3.9.18 at ") and "python 3.11 or newer is needed" in problem


def test_current_tools_pass():
    from codat_iac.toolenv import tool_environment

    assert preflight.problems(sorted(preflight.NEEDS), tool_environment(dict(os.environ))) == []
