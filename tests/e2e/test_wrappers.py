"""bin/ wrappers work from any folder (the README runs them inside a synthesized stack's folder)."""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _run(tmp_path: Path, *command: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(REPO / command[0]), *command[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )


def test_terraform_wrapper_runs_from_another_folder_with_the_project_cli_config(tmp_path):
    done = _run(tmp_path, "bin/terraform", "version")
    assert done.returncode == 0, done.stderr
    assert "problems with the CLI configuration" not in done.stdout + done.stderr


def test_codat_iac_wrapper_runs_from_another_folder(tmp_path):
    done = _run(tmp_path, "bin/codat-iac", "--help")
    assert done.returncode == 0, done.stderr
    assert "deploy" in done.stdout
