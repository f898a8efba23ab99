"""The example CI pipeline parses, and wires the commands the way the README describes."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml

from codat_iac.__main__ import build_parser

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "pipelines"
WORKFLOW = EXAMPLES / "github-actions.yml"


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def _triggers(workflow: dict) -> dict:
    return workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` key as true


def _script(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def _commands(script: str) -> list[list[str]]:
    """Every `codat-iac ...` (or `bin/codat-iac ...`) invocation in a shell script, as argv (up to a
    redirection or pipe)."""
    found = []
    for line in script.splitlines():
        if "codat-iac" not in line:
            continue
        words = shlex.split(line.rstrip().rstrip("\\"), comments=True)
        starts = [i for i, word in enumerate(words) if word in ("codat-iac", "bin/codat-iac")
                  and (i == 0 or words[i - 1] in (";", "&&", "||", "|"))]  # in command position
        if not starts:
            continue
        argv = []
        for word in words[starts[0] + 1:]:
            if word.startswith((">", "|", "&", ";", "2>")):
                break
            argv.append(word)
        found.append(argv)
    return found


# `codat-iac init` writes the same pipeline, adapted, into every new project.
INIT_TEMPLATE = Path(__file__).resolve().parents[2] / "codat_iac" / "templates" / "project" / "github-actions.yml"


WORKFLOWS = pytest.mark.parametrize("workflow_file", [WORKFLOW, INIT_TEMPLATE], ids=["example", "init-template"])


@pytest.mark.parametrize("path", [*sorted(EXAMPLES.glob("*.y*ml")), INIT_TEMPLATE],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_example_parses_as_a_workflow(path):
    workflow = _load(path)
    assert isinstance(workflow, dict) and _triggers(workflow) and workflow["jobs"]
    for name, job in workflow["jobs"].items():
        assert job.get("runs-on") and job.get("steps"), name
        for step in job["steps"]:
            assert "uses" in step or "run" in step, (name, step)
        for argv in _commands(_script(job)):
            build_parser().parse_args(argv)  # exits (SystemExit) on a flag the tool does not have


@WORKFLOWS
def test_drift_runs_nightly_and_writes_a_markdown_job_summary(workflow_file):
    workflow = _load(workflow_file)
    assert [entry["cron"] for entry in _triggers(workflow)["schedule"]]
    drift = workflow["jobs"]["drift"]
    assert "schedule" in drift["if"]
    script = _script(drift)
    assert "codat-iac drift --markdown" in script and "$GITHUB_STEP_SUMMARY" in script
    assert "exit $code" in script  # drift (2) or an error (1) fails the job


@WORKFLOWS
def test_main_applies_the_artifact_the_pull_request_planned(workflow_file):
    workflow = _load(workflow_file)
    plan, apply = workflow["jobs"]["plan"], workflow["jobs"]["apply"]
    assert plan["if"] == "github.event_name == 'pull_request'"
    assert "refs/heads/main" in apply["if"] and "push" in apply["if"]
    assert _triggers(workflow)["push"]["branches"] == ["main"]

    [plan_command] = _commands(_script(plan))
    assert plan_command[:1] == ["plan"] and "--out" in plan_command
    plan_dir = plan_command[plan_command.index("--out") + 1]
    upload = next(step for step in plan["steps"] if str(step.get("uses", "")).startswith("actions/upload-artifact"))
    assert upload["with"]["path"].rstrip("/") == plan_dir
    assert upload["with"]["include-hidden-files"] is True  # the dependency lock file

    download = next(step for step in apply["steps"]
                    if str(step.get("uses", "")).startswith("actions/download-artifact"))
    assert download["with"]["name"].startswith("codat-plan-") and upload["with"]["name"].startswith("codat-plan-")
    assert download["with"]["run-id"]  # the pull request's run, not this one
    [apply_command] = _commands(_script(apply))
    assert apply_command == ["apply", download["with"]["path"]]
    assert "plan" not in [argv[0] for argv in _commands(_script(apply))]  # nothing re-planned on main
    assert apply.get("environment")  # a place for required reviewers

    env = workflow["env"]
    assert "secrets." in env["TF_VAR_xero_client_secret"] and "secrets." in env["CODAT_IAC_STATE"]
    assert env["CODAT_IAC_LOCK_TIMEOUT"]


@WORKFLOWS
def test_every_job_caches_the_installers_caches_in_the_repo(workflow_file):
    """README "In CI": caches live in .codat-iac/cache (never HOME), keyed on the two lock files; the install
    step (`make install` here, `pip install -r requirements.txt` in an init project) comes after the cache."""
    for name, job in _load(workflow_file)["jobs"].items():
        cache = next(step for step in job["steps"] if str(step.get("uses", "")).startswith("actions/cache"))
        assert cache["with"]["path"] == ".codat-iac/cache", name
        assert "requirements.txt" in cache["with"]["key"] and "package-lock.json" in cache["with"]["key"], name
        steps = [step.get("uses") or step.get("run") for step in job["steps"]]
        install = next(i for i, step in enumerate(steps) if step.split("#")[0].strip() in
                       ("make install", "python -m pip install -r requirements.txt"))
        assert steps.index(cache["uses"]) < install, name
