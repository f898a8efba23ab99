"""Files that hold what Codat answered are the owner's only (0600 files, 0700 folders): state files and their
backups, saved plans and the plan artifact, cdktf.out/, also when they existed before with wider modes and when
a raw tool runs through the bin/ wrappers. Every command runs under umask 022 here, the usual one, so a mode
the tools chose themselves would show."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline_support import STACK

pytestmark = pytest.mark.e2e


def run(pipeline, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "codat_iac", *args], cwd=pipeline.dir, env=pipeline.env,
                          capture_output=True, text=True, timeout=240, umask=0o022)
    assert done.returncode in (0, 2), done.stdout + done.stderr
    return done


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def open_to_others(root: Path) -> list[str]:
    """Everything under `root` (itself included) that group or other may use, symbolic links aside."""
    return [f"{oct(mode(p))} {p}" for p in [root, *root.rglob("*")] if not p.is_symlink() and mode(p) & 0o077]


def test_state_plans_and_cdktf_out_are_private_even_when_they_were_not(pipeline, tmp_path):
    state = pipeline.dir / f"terraform.{STACK}.tfstate"
    outdir = pipeline.dir / "cdktf.out"
    run(pipeline, "deploy", "--app-dir", str(pipeline.dir))
    assert mode(state) == 0o600 and open_to_others(outdir) == []

    # As an earlier version left them: readable by all.
    for path in [outdir, *outdir.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() or mode(path) & 0o100 else 0o644)
    state.chmod(0o644)
    pipeline.emulator.portal("disable", "gbol")  # so the deploy writes state (and its backup)
    run(pipeline, "deploy", "--app-dir", str(pipeline.dir))
    backup = state.with_name(state.name + ".backup")
    assert (mode(state), mode(backup)) == (0o600, 0o600)
    assert open_to_others(outdir) == []

    artifact = tmp_path / "plan"
    run(pipeline, "plan", "--app-dir", str(pipeline.dir), "--out", str(artifact))
    assert {p.name for p in artifact.rglob("*")} >= {"plan.tfplan", "plan.txt", "summary.md", "codat-iac-plan.json"}
    assert open_to_others(artifact) == []

    raw_plan = tmp_path / "raw.tfplan"
    run(pipeline, "exec", "terraform", f"-chdir={outdir / 'stacks' / STACK}", "plan", "-input=false",
        f"-out={raw_plan}")
    assert mode(raw_plan) == 0o600
