"""The closing summary says what the run came to (Changed in Codat, No changes, Failed), and a stack's error is
printed once: in the summary, on stdout beside it; with --json on stderr (stdout is the document)."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.e2e

BAD_SECRET = "demo xero-client-secret with a space"
COMPLAINT = "contains whitespace: copy the value again"


def test_a_failed_deploy_says_failed_and_prints_its_error_once_beside_the_summary(pipeline):
    app = ["--app-dir", str(pipeline.dir)]
    failed = pipeline.run("deploy", *app, TF_VAR_xero_client_secret=BAD_SECRET)
    assert failed.returncode == 1
    heading = next(line for line in failed.stdout.splitlines() if not line.startswith(" "))
    assert heading.startswith("Failed (") and "Changed in Codat" not in failed.stdout
    assert (failed.stdout + failed.stderr).count(COMPLAINT) == 1
    assert COMPLAINT in failed.stdout and "codat: failed:" in failed.stdout
    assert "plan codat: failed [" in failed.stderr and "above" not in failed.stdout

    as_json = pipeline.run("deploy", *app, "--json", TF_VAR_xero_client_secret=BAD_SECRET)
    [stack] = json.loads(as_json.stdout)["stacks"]
    assert as_json.returncode == 1 and stack["status"] == "error" and COMPLAINT in stack["error"]
    assert as_json.stderr.count(COMPLAINT) == 1


def test_a_deploy_that_changes_nothing_says_no_changes(pipeline):
    app = ["--app-dir", str(pipeline.dir)]
    first = pipeline.run("deploy", *app)
    assert first.returncode == 0 and "Changed in Codat (" in first.stdout, first.stdout + first.stderr
    again = pipeline.run("deploy", *app)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.startswith("No changes (") and "Changed in Codat" not in again.stdout
    diff = pipeline.run("diff", *app)
    assert diff.returncode == 0 and diff.stdout.startswith("No changes (")
