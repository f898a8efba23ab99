"""Every provider process that a codat-iac command (or a bin/ wrapper) gets Terraform to start is told the stack's
secret variables (CODAT_IAC_SECRET_VARIABLES), so it knows their values from TF_VAR_ before it sends anything.

Seen from inside: a `sitecustomize` on PYTHONPATH records, for each Python process that starts, its command
line and the variable, and the test reads the records of the provider's processes (`python -m codat_provider`,
started by the real terraform through the launcher in the project's mirror)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pipeline_support import REPO, STACK

pytestmark = pytest.mark.e2e

PROBE = """
import json, os, sys
with open(os.environ["SECRET_VARIABLES_PROBE"], "a") as record:
    record.write(json.dumps({"argv": sys.orig_argv, "names": os.environ.get("CODAT_IAC_SECRET_VARIABLES")}) + "\\n")
"""


@pytest.fixture
def probed(pipeline, tmp_path):
    folder = tmp_path / "probe"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(PROBE)
    pipeline.env.update(PYTHONPATH=os.pathsep.join([str(REPO), str(folder)]),
                        SECRET_VARIABLES_PROBE=str(tmp_path / "started.jsonl"))
    return pipeline, tmp_path / "started.jsonl"


def providers_started(record: Path) -> list[str | None]:
    """What each provider process started since the last call was told, and start afresh."""
    lines = record.read_text().splitlines() if record.exists() else []
    record.unlink(missing_ok=True)
    started = [json.loads(line) for line in lines]
    return [entry["names"] for entry in started if "codat_provider" in entry["argv"]]


def test_every_provider_process_is_told_the_stacks_secret_variables(probed, tmp_path):
    pipeline, record = probed
    commands = [
        ("deploy", "--app-dir", str(pipeline.dir)),
        ("drift", "--app-dir", str(pipeline.dir)),
        ("plan", "--app-dir", str(pipeline.dir), "--out", str(tmp_path / "plan")),
        ("exec", "terraform", f"-chdir={pipeline.dir / 'cdktf.out' / 'stacks' / STACK}", "plan", "-input=false"),
    ]
    for command in commands:
        # The wrapper's warm provider starts before its environment is worked out and gets it afterwards, which a
        # probe at interpreter start cannot see: there the provider Terraform starts itself is checked
        # (test_warm_provider.py checks that the hand-over is the environment the server uses).
        done = pipeline.run(*command, **({"CODAT_IAC_WARM_PROVIDER": "0"} if command[0] == "exec" else {}))
        assert done.returncode in (0, 2), done.stdout + done.stderr
        told = providers_started(record)
        assert told and set(told) == {"xero_client_secret"}, (command, told)

    pipeline.emulator.portal("disable", "gbol")
    planned = pipeline.plan(tmp_path / "plan2")
    assert planned.returncode == 2, planned.stdout + planned.stderr
    providers_started(record)
    applied = pipeline.apply(tmp_path / "plan2")  # the artifact's stacks, read from the artifact
    assert applied.returncode == 0, applied.stdout + applied.stderr
    told = providers_started(record)
    assert told and set(told) == {"xero_client_secret"}, told
