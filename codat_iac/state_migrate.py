"""`codat-iac state migrate --to URL [STACK ...]`: move the stacks' state between local files and PostgreSQL.

Setting CODAT_IAC_STATE on a project that already has state changes each stack's backend, and Terraform then
stops with its own advice (`terraform init -migrate-state`), which no codat-iac command ran. This does it, per
stack, with the project's environment: synthesize the stacks for the state they have now (CODAT_IAC_STATE as set,
unset meaning local files) and read it; read what the target holds; synthesize for the target and run `terraform
init -migrate-state -force-copy`; read the target again and check it holds the same resources. A stack is left
alone when the target already holds its resources (so a second migrate changes nothing), and refused when the
target holds a different state (Terraform would overwrite it). A local file migrated away is renamed
`<file>.migrated`, so that a run which still uses local files cannot plan from a stale copy; a PostgreSQL schema
migrated away is left as it is. Both sides of one run are either local files or PostgreSQL: Terraform's pg
backend takes its connection from one variable (PG_CONN_STR), so PostgreSQL to another PostgreSQL goes through
local files.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from codat_iac import origins, pipeline
from codat_iac.pipeline import PipelineError, Stack
from codat_iac.steps import Steps
from codat_settings import STATE_ENV, SettingError, state_kind

LOCAL = "local"
MOVED_SUFFIX = ".migrated"


@dataclass(frozen=True)
class Moved:
    stack: str
    outcome: str  # what happened, as a summary line says it


def setting_of(to: str) -> str:
    """The CODAT_IAC_STATE value for `--to` ("" for local files); SettingError naming --to when unusable."""
    value = to.strip()
    try:
        return "" if state_kind(value) == LOCAL else value
    except SettingError as problem:
        raise SettingError(str(problem).replace(STATE_ENV, "--to", 1)) from None


def described(setting: str) -> str:
    """Where a setting keeps state, never showing a password: "local files" or "PostgreSQL at host:port/db"."""
    if not setting:
        return "local files"
    after = setting.split("://", 1)[1].rsplit("@", 1)[-1]
    return f"PostgreSQL at {after.split('?', 1)[0]}"


def migrate(app: pipeline.App, env: dict[str, str], names: list[str], to: str, steps: Steps) -> list[Moved]:
    """Move the state of the stacks `names` (all when empty) from where `env` keeps it to `to`."""
    source, target = (env.get(STATE_ENV) or "").strip(), setting_of(to)
    if source in ("", LOCAL) and not target or source == target:
        return [Moved(name, f"already in {described(target)}: nothing to migrate") for name in names or ["(all)"]]
    if source not in ("", LOCAL) and target:
        raise PipelineError(
            "state migrate moves state between local files and PostgreSQL; to move it to another PostgreSQL, "
            f"migrate to local files first (--to local), then set {STATE_ENV} to nothing and migrate to the new URL.")
    postgres_url = target or source
    source_env = _with_state(env, source, postgres_url)
    target_env = _with_state(env, target, postgres_url)
    with steps.step(f"read state in {described(source)}") as step:
        before = {stack.name: Source(_read(stack, source_env), stack.config_file.read_text(),
                                     origins.local_state_file(stack.config(), stack.dir))
                  for stack in pipeline.select(app.synth(source_env), names)}
        step.note = f"{len(before)} stack(s)"
    moved = []
    for stack in pipeline.select(app.synth(target_env), names):
        with steps.step(f"migrate {stack.name}") as step:
            moved.append(_migrate_stack(stack, before[stack.name], source_env, target_env, target))
            step.note = moved[-1].outcome.split(" (")[0]
    return moved


@dataclass(frozen=True)
class Source:
    """A stack as it is before the migration: its state, its synthesized configuration and its local file."""

    state: dict
    config: str
    local_file: Path | None


def _with_state(env: dict[str, str], setting: str, postgres_url: str) -> dict[str, str]:
    result = {name: value for name, value in env.items() if name != STATE_ENV}
    if setting:
        result[STATE_ENV] = setting
    result["PG_CONN_STR"] = postgres_url  # the pg side's connection, whichever side that is
    return result


def _migrate_stack(stack: Stack, source: Source, source_env: dict[str, str], env: dict[str, str], target: str) -> Moved:
    held, there = source.state, _read(stack, env)
    if not _resources(held):
        return Moved(stack.name, f"already in {described(target)}" if _resources(there) else "no state to migrate")
    if _resources(there) == _resources(held):
        return Moved(stack.name, f"already in {described(target)} (the same {_managed(held)} resource(s))")
    if _resources(there):
        raise PipelineError(
            f"stack {stack.name!r}: {described(target)} already holds a different state for it "
            f"({_managed(there)} resource(s)); nothing was migrated. Compare the two, remove the one you do not "
            "want, and migrate again.")
    _set_up_for(stack, source.config, source_env)  # Terraform migrates from the backend the folder is set up for
    done = pipeline.terraform(["init", "-migrate-state", "-force-copy", "-input=false", "-no-color"], stack.dir, env)
    if done.returncode != 0:
        raise PipelineError(f"stack {stack.name!r}: terraform init -migrate-state failed; the state stays where it "
                            f"was:\n{pipeline.without_traceback(done.stderr.strip() or done.stdout.strip())}")
    after = _read(stack, env)
    if _resources(after) != _resources(held):
        raise PipelineError(f"stack {stack.name!r}: after the migration {described(target)} holds "
                            f"{_managed(after)} resource(s), not the {_managed(held)} migrated; the "
                            "source is left as it was.")
    kept = _set_aside(source.local_file)
    kept_as = f"; the local file is kept as {kept}" if kept else ""
    return Moved(stack.name, f"migrated ({_managed(held)} resource(s){kept_as})")


def _set_up_for(stack: Stack, source_config: str, env: dict[str, str]) -> None:
    """The stack folder's Terraform set up for the source backend (`init -reconfigure` with the source's
    configuration, which is put back as synthesized for the target afterwards): whatever it was set up for last."""
    target_config = stack.config_file.read_text()
    stack.config_file.write_text(source_config)
    try:
        done = pipeline.terraform(["init", "-reconfigure", "-input=false", "-no-color"], stack.dir, env)
    finally:
        stack.config_file.write_text(target_config)
    if done.returncode != 0:
        raise PipelineError(f"stack {stack.name!r}: terraform init for its current state failed; nothing was "
                            f"migrated:\n{pipeline.without_traceback(done.stderr.strip() or done.stdout.strip())}")


def _read(stack: Stack, env: dict[str, str]) -> dict:
    """The state the stack's synthesized backend holds ({} when none): a local file is read as it is; another
    backend from a scratch copy of the configuration, so that the stack folder stays set up as it was."""
    local = origins.local_state(stack.config(), stack.dir)
    if local is not None:
        return local
    with tempfile.TemporaryDirectory(prefix="codat-iac-migrate-") as scratch:
        for name in ("cdk.tf.json", ".terraform.lock.hcl"):
            if (stack.dir / name).exists():
                shutil.copy2(stack.dir / name, Path(scratch) / name)
        done = pipeline.run_initialized(["state", "pull"], Path(scratch), env)
    if done.returncode != 0:
        raise PipelineError(f"stack {stack.name!r}: reading its state failed:\n{done.stderr.strip()}")
    return json.loads(done.stdout) if done.stdout.strip() else {}


def _resources(state: dict) -> list[str]:
    return sorted(json.dumps(resource, sort_keys=True) for resource in state.get("resources") or [])


def _managed(state: dict) -> int:
    """How many resources the state manages (data sources, which it also records, left out)."""
    return sum(1 for resource in state.get("resources") or [] if resource.get("mode") == "managed")


def _set_aside(source_file: Path | None) -> str | None:
    """Rename the local state file migrated away (and say as what); None when the source was not a local file."""
    if source_file is None or not source_file.exists():
        return None
    moved = source_file.with_name(source_file.name + MOVED_SUFFIX)
    source_file.replace(moved)
    return moved.name
