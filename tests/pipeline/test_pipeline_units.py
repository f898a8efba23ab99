"""codat_iac.pipeline pieces that need no terraform: init cache, stack order, lock timeout, artifacts."""

from __future__ import annotations

import json

import pytest

from codat_iac import pipeline


def _stack_dir(tmp_path, backend: dict) -> object:
    stack = tmp_path / "stacks" / "dev"
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_text(json.dumps({"terraform": {"backend": backend}, "resource": {}}))
    return stack


def test_init_runs_only_when_the_terraform_block_or_lock_file_changed(tmp_path):
    stack = _stack_dir(tmp_path, {"local": {"path": "/x/terraform.dev.tfstate"}})
    assert pipeline.needs_init(stack)  # never initialized
    (stack / ".terraform").mkdir()
    (stack / ".terraform" / "terraform.tfstate").write_text("{}")
    (stack / ".terraform.lock.hcl").write_text("# lock v1\n")
    (stack / ".terraform" / pipeline.INIT_STAMP).write_text(pipeline._init_key(stack))
    assert not pipeline.needs_init(stack)

    config = json.loads((stack / "cdk.tf.json").read_text())
    config["resource"] = {"codat_integration": {"x": {"enabled": False}}}  # resources: no init needed
    (stack / "cdk.tf.json").write_text(json.dumps(config))
    assert not pipeline.needs_init(stack)

    (stack / ".terraform.lock.hcl").write_text("# lock v2\n")  # another provider build
    assert pipeline.needs_init(stack)
    (stack / ".terraform" / pipeline.INIT_STAMP).write_text(pipeline._init_key(stack))
    config["terraform"]["backend"] = {"pg": {"schema_name": "codat_iac_dev"}}  # CODAT_IAC_STATE now set
    (stack / "cdk.tf.json").write_text(json.dumps(config))
    assert pipeline.needs_init(stack)


def test_stacks_come_dependencies_first_and_selection_names_the_known_ones(tmp_path):
    manifest = {"stacks": {
        name: {"workingDirectory": f"stacks/{name}", "dependencies": deps}
        for name, deps in (("prod", ["shared"]), ("dev", ["shared"]), ("shared", []))
    }}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    stacks = pipeline.read_manifest(tmp_path)
    assert [s.name for s in stacks] == ["shared", "prod", "dev"]
    assert stacks[0].dir == tmp_path / "stacks" / "shared"
    assert [s.name for s in pipeline.select(stacks, ["dev"])] == ["dev"]
    assert pipeline.select(stacks, []) == stacks
    with pytest.raises(pipeline.PipelineError, match="no stack named qa; the app has: dev, prod, shared"):
        pipeline.select(stacks, ["qa"])


def test_lock_timeout_option_then_environment_then_default(monkeypatch):
    monkeypatch.delenv(pipeline.LOCK_TIMEOUT_ENV, raising=False)
    assert pipeline.lock_timeout(None) == "5m"
    monkeypatch.setenv(pipeline.LOCK_TIMEOUT_ENV, "90s")
    assert pipeline.lock_timeout(None) == "90s"
    assert pipeline.lock_timeout("0s") == "0s"


def test_ephemeral_variables_are_the_ones_apply_must_be_given_again():
    config = {"variable": {"xero_client_secret": {"ephemeral": True, "sensitive": True}, "region": {"default": "eu"}}}
    assert pipeline.ephemeral_variables(config) == ["xero_client_secret"]


def test_an_artifact_of_another_format_is_refused(tmp_path):
    (tmp_path / pipeline.ARTIFACT_MANIFEST).write_text(json.dumps({"format": 99, "stacks": []}))
    with pytest.raises(pipeline.PipelineError, match="unknown format 99"):
        pipeline.read_artifact(tmp_path)


def test_synth_failure_says_what_ran_and_why(tmp_path):
    (tmp_path / "cdktf.json").write_text(
        json.dumps({"app": "python3 -c 'import sys; sys.exit(\"main.py: bad prop\")'"}))
    with pytest.raises(pipeline.PipelineError, match="synth failed") as failure:
        pipeline.App(tmp_path).synth(dict(__import__("os").environ))
    assert "main.py: bad prop" in str(failure.value)
