"""Pipeline runs without the cdktf CLI round trip: synthesize by running the app, then plain `terraform`.

`cdktf diff` and `cdktf deploy` start Node, synthesize, run `terraform init` and then plan or apply, every
time (~5 s here). A pipeline needs less and needs it non-interactive:

- synth: run the app command from `cdktf.json` (e.g. `.venv/bin/python main.py`) with `CDKTF_OUTDIR` and
  `CDKTF_CONTEXT_JSON` set, as the cdktf CLI does, and read the stacks from `cdktf.out/manifest.json`;
- init: `terraform init` only when a stack's `terraform` block (backend, providers) or its dependency lock
  file changed since the last init, or Terraform says it needs one;
- plan and apply: `-input=false` and `-lock-timeout` always (default 5m, `CODAT_IAC_LOCK_TIMEOUT`).

`plan --out DIR` writes a reviewed-plan artifact: per stack the synthesized config, the dependency lock
file, the saved plan and its text. `apply DIR` applies exactly those saved plans. Terraform keeps
ephemeral variables (our secrets) out of saved plans, so they come from `TF_VAR_<name>` again at apply.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from codat_iac import drift, origins, private_files, project_lock, provider_mirror, summary, warm, withholding
from codat_iac.private_files import PRIVATE_UMASK
from codat_iac.project import Project

DEFAULT_LOCK_TIMEOUT = "5m"
LOCK_TIMEOUT_ENV = "CODAT_IAC_LOCK_TIMEOUT"
ARTIFACT_MANIFEST = "codat-iac-plan.json"
ARTIFACT_FORMAT = 1
PLAN_FILE = "plan.tfplan"
INIT_STAMP = "codat-iac-init.sha256"
# Terraform's words for "run init first": then init once and try again.
_NEEDS_INIT = (
    "Backend initialization required",
    "Required plugins are not installed",
    "Inconsistent dependency lock file",
    "Missing required provider",
    "Module not installed",
    "please run \"terraform init\"",
)
_LOCK_ERROR = "Error acquiring the state lock"
_CHECKSUM_MISMATCH = "doesn't match any of the checksums previously recorded in the dependency lock file"
_STALE_PLAN = "Saved plan is stale"


class PipelineError(RuntimeError):
    """A step failed; the message says which and what to do."""


def lock_timeout(value: str | None = None) -> str:
    """The lock timeout to use, for Terraform's state lock and the checkout's own (project_lock.py): the option,
    else CODAT_IAC_LOCK_TIMEOUT, else 5m. PipelineError naming the setting when it is not a duration."""
    chosen = value or os.environ.get(LOCK_TIMEOUT_ENV) or DEFAULT_LOCK_TIMEOUT
    try:
        project_lock.seconds(chosen)
    except project_lock.NotADuration:
        source = "--lock-timeout" if value else LOCK_TIMEOUT_ENV
        raise PipelineError(f"{source} {chosen!r} is not a duration: give it as Terraform's -lock-timeout takes it, "
                            "e.g. 30s, 5m or 1m30s.") from None
    return chosen


def lock_message(stack: str, timeout: str) -> str:
    return (
        f"stack {stack!r}: its state is locked by another run (a deploy, plan or apply of the same stack) "
        f"that did not finish within -lock-timeout={timeout}. Nothing was changed by this run. Run it again "
        f"when the other one is done, or wait longer with --lock-timeout (or {LOCK_TIMEOUT_ENV}). Only if a "
        f"crashed run left the lock behind: `bin/terraform -chdir=cdktf.out/stacks/{stack} force-unlock <ID>`."
    )


def stale_message(stack: str) -> str:
    return (
        f"stack {stack!r}: the saved plan is stale: its state changed after the plan was made (another "
        f"apply or deploy ran). Nothing was changed by this run. Make a new plan, review it, apply that one."
    )


# ---------------------------------------------------------------------------------------------- the app


@dataclass(frozen=True)
class Stack:
    name: str
    dir: Path
    dependencies: tuple[str, ...] = ()

    @property
    def config_file(self) -> Path:
        return self.dir / "cdk.tf.json"

    def config(self) -> dict:
        return json.loads(self.config_file.read_text())


@dataclass(frozen=True)
class App:
    """A CDKTF app folder: `cdktf.json` and the program it names (`main.py` here). `command_line` is how the run
    names itself to another run that waits for it (project_lock.py)."""

    dir: Path
    command_line: str = "codat-iac"

    @property
    def outdir(self) -> Path:
        return self.dir / "cdktf.out"

    def _cdktf_json(self) -> dict:
        path = self.dir / "cdktf.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def command(self) -> str:
        return self._cdktf_json().get("app") or f"{sys.executable} main.py"

    def context(self) -> dict:
        return dict(self._cdktf_json().get("context") or {})

    @contextmanager
    def locked(self, timeout: str, say: Callable[[str], None]) -> Iterator[None]:
        """Serialize pipeline runs that share this app's cdktf.out (one checkout, several commands), waiting for
        another at most `timeout`; PipelineError naming the holder after that."""
        lock = project_lock.ProjectLock(private_files.private_folder(self.outdir))
        try:
            lock.acquire(timeout, self.command_line, say)
        except project_lock.ProjectBusy as busy:
            raise PipelineError(str(busy)) from None
        try:
            yield
        finally:
            lock.release()

    def synth(self, env: dict[str, str]) -> list[Stack]:
        """Run the app as `cdktf synth` would, without the cdktf CLI; return the stacks, dependencies first,
        each given the project's provider lock file when it has none yet. Then what the stacks' tools need:
        `env` names their secret variables (withholding.py) and their files are private (private_files.py)."""
        manifest = self.outdir / "manifest.json"
        manifest.unlink(missing_ok=True)
        run_env = dict(env, CDKTF_OUTDIR=str(self.outdir), CDKTF_CONTEXT_JSON=json.dumps(self.context()))
        run_env.pop("CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS", None)
        done = subprocess.run(
            self.command(), shell=True, cwd=self.dir, env=run_env, capture_output=True, text=True,
            stdin=subprocess.DEVNULL, timeout=600, umask=PRIVATE_UMASK,
        )
        if done.returncode != 0 or not manifest.exists():
            output = "\n".join(part for part in (done.stderr, done.stdout) if part.strip())
            debugging = os.environ.get("CODAT_IAC_DEBUG", "").strip() not in ("", "0")
            output = _trim(output if debugging else without_traceback(output))
            raise PipelineError(f"synth failed: `{self.command()}` exited {done.returncode} in {self.dir}\n{output}")
        stacks = read_manifest(self.outdir)
        for stack in stacks:
            provider_mirror.seed_lock(Project(self.dir).mirror, stack.dir, stack.config())
        withholding.learn_stacks([stack.config() for stack in stacks], env)
        private_files.tighten_synthesized(self.outdir)
        return stacks


def read_manifest(outdir: Path) -> list[Stack]:
    stacks_json = json.loads((outdir / "manifest.json").read_text()).get("stacks", {})
    stacks = {
        name: Stack(name, outdir / info["workingDirectory"], tuple(info.get("dependencies") or ()))
        for name, info in stacks_json.items()
    }
    ordered: list[Stack] = []

    def visit(name: str, seen: tuple[str, ...] = ()) -> None:
        if name in seen or any(stack.name == name for stack in ordered):
            return
        for dependency in stacks[name].dependencies:
            if dependency in stacks:
                visit(dependency, seen + (name,))
        ordered.append(stacks[name])

    for name in stacks:
        visit(name)
    return ordered


def select(stacks: list[Stack], names: list[str]) -> list[Stack]:
    """The named stacks (all when none are named); an unknown name is an error naming the known ones."""
    if not names:
        return stacks
    known = {stack.name for stack in stacks}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise PipelineError(f"no stack named {', '.join(unknown)}; the app has: {', '.join(sorted(known)) or 'none'}")
    return [stack for stack in stacks if stack.name in names]


def without_traceback(text: str) -> str:
    """`text` with each Python traceback cut down to its exception, and our own exception types shown by
    their message alone: the app's errors already say what is wrong and how to fix it."""
    kept: list[str] = []
    in_traceback = False
    for line in text.splitlines():
        if line.startswith("Traceback (most recent call last):"):
            in_traceback = True
            continue
        if in_traceback and (line.startswith("  File ") or line.startswith("    ") or not line.strip()):
            continue
        if in_traceback:
            in_traceback = False
            kind, _, message = line.partition(": ")
            line = message if kind.startswith("codat_") and message else line
        kept.append(line)
    return "\n".join(kept)


def _trim(text: str, lines: int = 40) -> str:
    kept = [line for line in text.splitlines() if not line.startswith(("b'!!", "!!"))]
    return "\n".join(kept[-lines:])


# -------------------------------------------------------------------------------------------- terraform


def terraform_environment(env: dict[str, str]) -> dict[str, str]:
    return dict(env, TF_IN_AUTOMATION="1", TF_INPUT="0")


def terraform(args: list[str], cwd: Path, env: dict[str, str], *, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run terraform; within a codat-iac command, attached to the command's warm provider (warm.py)."""
    run_env = warm.environment(args, terraform_environment(env))
    done = subprocess.run(
        ["terraform", *args], cwd=cwd, env=run_env, capture_output=True, text=True,
        stdin=subprocess.DEVNULL, timeout=timeout, umask=PRIVATE_UMASK,
    )
    note = warm.ended_note(run_env) if done.returncode != 0 else ""
    if note:
        done.stderr = f"{done.stderr.rstrip()}\n{note}\n"
    return done


def terraform_streamed(
    args: list[str], cwd: Path, env: dict[str, str], *, echo: Callable[[str], object]
) -> tuple[int, str]:
    """Run terraform, passing each line of its output to `echo` as it comes; return (exit code, output)."""
    run_env = warm.environment(args, terraform_environment(env))
    process = subprocess.Popen(
        ["terraform", *args], cwd=cwd, env=run_env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True, bufsize=1, umask=PRIVATE_UMASK,
    )
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        echo(line)
    code = process.wait()
    note = warm.ended_note(run_env) if code != 0 else ""
    if note:
        lines.append(note + "\n")
        echo(note + "\n")
    return code, "".join(lines)


def _init_key(stack_dir: Path) -> str:
    config = json.loads((stack_dir / "cdk.tf.json").read_text())
    lock_file = stack_dir / ".terraform.lock.hcl"
    material = {
        "terraform": config.get("terraform"),
        "lock": lock_file.read_text() if lock_file.exists() else None,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def needs_init(stack_dir: Path) -> bool:
    """True unless the last init here was for this very `terraform` block and dependency lock file."""
    stamp = stack_dir / ".terraform" / INIT_STAMP
    if not stamp.exists() or not (stack_dir / ".terraform" / "terraform.tfstate").exists():
        return True
    return stamp.read_text().strip() != _init_key(stack_dir)


def init(stack_dir: Path, env: dict[str, str], *, force: bool = False) -> bool:
    """`terraform init` when needed (see needs_init); returns whether it ran."""
    if not force and not needs_init(stack_dir):
        return False
    done = terraform(["init", "-input=false", "-no-color"], stack_dir, env)
    if done.returncode != 0:
        hint = (f"\nThe provider in terraform-mirror/ is not the one its lock file "
                f"({provider_mirror.LOCK_FILE}) records: run `codat-iac provider install` to rewrite both for the "
                f"installed codat-iac, review the change and commit it."
                ) if _CHECKSUM_MISMATCH in " ".join(done.stderr.split()) else ""
        if "-migrate-state" in done.stderr + done.stdout:
            hint = ("\nThe stack's state is kept somewhere else than CODAT_IAC_STATE says now. Move it with codat-iac: "
                    "set CODAT_IAC_STATE back to where the state is (unset for local files), run `codat-iac state "
                    "migrate --to <the new value>`, then set CODAT_IAC_STATE to the new value.")
        raise PipelineError(f"terraform init failed in {stack_dir}:\n{_errors(done)}{hint}")
    private_files.write_private(stack_dir / ".terraform" / INIT_STAMP, _init_key(stack_dir) + "\n")
    private_files.tighten(stack_dir)  # Terraform writes its dependency lock file 0644 whatever the umask
    return True


def _errors(done: subprocess.CompletedProcess) -> str:
    text = done.stderr.strip() or done.stdout.strip()
    return _trim(text) + "".join(f"\n{line}" for line in variables_named(text))


# A configuration line Terraform quotes under an error: `127:         "client_secret_wo": "${var.x}",`
_QUOTED_LINE = re.compile(r"^[│ ]*\d+:.*$", re.MULTILINE)
_VARIABLE = re.compile(r"\$\{var\.([A-Za-z_][A-Za-z0-9_-]*)\}")


def variables_named(text: str) -> list[str]:
    """For each variable a quoted configuration line of Terraform's error text uses: where its value comes from
    (Terraform quotes `var.x`; the user set TF_VAR_x)."""
    names = dict.fromkeys(name for line in _QUOTED_LINE.findall(text) for name in _VARIABLE.findall(line))
    return [f"The value of var.{name} in that line comes from TF_VAR_{name}." for name in names]


def run_initialized(args: list[str], stack_dir: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Init if needed, run terraform; if Terraform still asks for init (provider or backend changed
    under us), init once and run again."""
    ran_init = init(stack_dir, env)
    done = terraform(args, stack_dir, env)
    if done.returncode != 0 and not ran_init and _asks_for_init(done):
        init(stack_dir, env, force=True)
        done = terraform(args, stack_dir, env)
    return done


def _asks_for_init(done: subprocess.CompletedProcess) -> bool:
    text = done.stderr + "\n".join(str(d) for d in diagnostics(done.stdout))
    return any(hint in text for hint in _NEEDS_INIT)


def show_plan_json(stack_dir: Path, plan_file: Path, env: dict[str, str]) -> dict:
    done = terraform(["show", "-json", str(plan_file)], stack_dir, env)
    if done.returncode != 0:
        raise PipelineError(f"terraform show failed in {stack_dir}:\n{_errors(done)}")
    return json.loads(done.stdout)


@dataclass(frozen=True)
class Diagnostic:
    """One of Terraform's errors or warnings, from its machine-readable output (`-json`)."""

    severity: str  # "error" or "warning"
    summary: str
    detail: str = ""
    where: str = ""  # e.g. "cdk.tf.json line 58"
    variable: str = ""  # the input variable the flagged expression reads, e.g. "xero_client_secret_prod"

    def __str__(self) -> str:
        source = f"; its value comes from TF_VAR_{self.variable}" if self.variable else ""
        head = f"{self.severity.capitalize()}: {self.summary}" + (f" ({self.where}{source})" if self.where else "")
        return head + "".join(f"\n  {line}" if line else "\n" for line in self.detail.strip().splitlines())


def diagnostics(ui_output: str) -> list[Diagnostic]:
    """The diagnostics in the JSON lines of `terraform plan|apply -json`, each once, in order."""
    found: dict[Diagnostic, None] = {}
    for line in ui_output.splitlines():
        if not line.startswith("{"):
            continue
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if message.get("type") != "diagnostic":
            continue
        body = message.get("diagnostic") or {}
        where = body.get("range") or {}
        snippet = body.get("snippet") or {}
        start, end = snippet.get("highlight_start_offset", 0), snippet.get("highlight_end_offset")
        flagged = (snippet.get("code") or "")[start:end]
        variable = _VARIABLE.fullmatch(flagged.strip('"'))
        found[Diagnostic(
            body.get("severity", "error"), body.get("summary", ""), body.get("detail", ""),
            (f"{where['filename']} line {where['start']['line']}" if where.get("filename") and where.get("start")
             else ""),
            variable.group(1) if variable else "",
        )] = None
    return list(found)


def _ui_types(ui_output: str) -> set[str]:
    return {json.loads(line).get("type", "") for line in ui_output.splitlines() if line.startswith('{"')}


def _failure(stack: Stack, what: str, done: subprocess.CompletedProcess, timeout: str) -> PipelineError:
    found = [d for d in diagnostics(done.stdout) if d.severity == "error"]
    text = "\n".join(str(d) for d in found) or _errors(done)
    if _LOCK_ERROR in text:
        return PipelineError(lock_message(stack.name, timeout))
    if _STALE_PLAN in text:
        return StalePlan(stale_message(stack.name))
    return PipelineError(f"stack {stack.name!r}: terraform {what} failed:\n{text}")


class StalePlan(PipelineError):
    """The state changed between plan and apply; nothing was applied."""


@dataclass
class StackPlan:
    """A saved plan of one stack and what Terraform said while making it."""

    stack: Stack
    file: Path
    changes: bool  # exit 2 of -detailed-exitcode: apply would change something (outputs included)
    drift_seen: bool  # refresh found changes made outside Terraform
    warnings: list[Diagnostic] = field(default_factory=list)

    @property
    def worth_applying(self) -> bool:
        """Changes, or drift to record in state (what `cdktf deploy` would write too)."""
        return self.changes or self.drift_seen


def missing_variables(stack: Stack, env: dict[str, str]) -> list[str]:
    """`TF_VAR_<name>` of each input variable the stack needs that the environment does not set."""
    variables = stack.config().get("variable") or {}
    return [
        f"TF_VAR_{name}" + (f" ({spec['description'].rstrip('.')})" if spec.get("description") else "")
        for name, spec in variables.items()
        if "default" not in spec and f"TF_VAR_{name}" not in env
    ]


def check_variables(stacks: list[Stack], env: dict[str, str]) -> None:
    """Refuse before any terraform run when a stack's variables (its secrets) are not in the environment."""
    problems = [f"stack {stack.name!r} needs " + ", ".join(missing)
                for stack in stacks if (missing := missing_variables(stack, env))]
    if problems:
        raise PipelineError(
            "\n".join(problems) + "\nExport them (secrets from your secret store) and run again; Terraform reads "
            "them from the environment and keeps them out of plan files and state."
        )


def check_origin(stack: Stack, env: dict[str, str]) -> None:
    """PipelineError, before any terraform plan, when the stack's state was applied to another Codat than the one
    it points at now (origins.py): the provider would notice only after reading the stack's data sources there."""
    try:
        origins.check_folder(stack.dir, env, stack.name)
    except origins.OriginMismatch as problem:
        raise PipelineError(str(problem)) from None


def plan_stack(
    stack: Stack, env: dict[str, str], plan_file: Path, *, timeout: str, lock: bool = True, destroy: bool = False
) -> StackPlan:
    """`terraform plan -out` of one stack (init first when needed); PipelineError naming Terraform's errors."""
    check_origin(stack, env)
    args = ["plan", "-input=false", "-json", "-detailed-exitcode", f"-out={plan_file}"]
    args += [f"-lock-timeout={timeout}"] if lock else ["-lock=false"]
    args += ["-destroy"] if destroy else []
    done = run_initialized(args, stack.dir, env)
    if done.returncode not in (0, 2):
        raise _failure(stack, "plan", done, timeout)
    found = diagnostics(done.stdout)
    return StackPlan(stack, plan_file, done.returncode == 2, "resource_drift" in _ui_types(done.stdout),
                     [d for d in found if d.severity == "warning"])


def apply_plan(planned: StackPlan, env: dict[str, str], *, timeout: str) -> list[Diagnostic]:
    """Apply exactly a saved plan; StalePlan when the state moved on since (nothing applied then)."""
    args = ["apply", "-input=false", "-json", f"-lock-timeout={timeout}", str(planned.file)]
    done = terraform(args, planned.stack.dir, env)
    if done.returncode != 0:
        raise _failure(planned.stack, "apply", done, timeout)
    return [d for d in diagnostics(done.stdout) if d.severity == "warning"]


def speculative_plan(stack: Stack, env: dict[str, str]) -> dict:
    """The plan JSON of a normal plan that is thrown away: `resource_drift` (what refresh found changed
    outside Terraform) and `resource_changes` (what apply would do). Read-only: takes no state lock."""
    with tempfile.TemporaryDirectory(prefix="codat-iac-drift-") as tmp:
        planned = plan_stack(stack, env, Path(tmp) / PLAN_FILE, timeout="0s", lock=False)
        if not planned.worth_applying:
            return {}  # nothing changed anywhere: no need to ask Terraform for the details
        return show_plan_json(stack.dir, planned.file, env)


@dataclass
class Checked:
    """One stack's drift check: the report (drift apart from configuration not applied) and the summary
    of what a deploy would change."""

    report: drift.StackReport
    changes: summary.StackChanges


def check(stacks: list[Stack], env: dict[str, str], *, parallel: int = 4) -> list[Checked]:
    """Plan every stack (up to `parallel` at once) and report what differs; errors are per stack."""

    def one(stack: Stack) -> Checked:
        started = time.monotonic()
        try:
            plan = speculative_plan(stack, env)
            checked = Checked(drift.report_from_plan(stack.name, plan, stack.config()),
                              summary.from_plan(stack.name, plan, stack.config()))
        except Exception as problem:  # noqa: BLE001 - reported per stack (in the report); the others still run
            error = str(problem) if isinstance(problem, PipelineError) else f"{type(problem).__name__}: {problem}"
            checked = Checked(drift.StackReport(stack.name, error=error),
                              summary.StackChanges(stack.name, error=error, error_shown="in the report above"))
        checked.report.seconds = round(time.monotonic() - started, 3)
        return checked

    if len(stacks) <= 1 or parallel <= 1:
        return [one(stack) for stack in stacks]
    with ThreadPoolExecutor(max_workers=min(parallel, len(stacks))) as pool:
        return list(pool.map(one, stacks))


# ------------------------------------------------------------------------------------ plan file artifact


@dataclass
class PlannedStack:
    name: str
    changes: bool
    exit_code: int
    summary: dict = field(default_factory=dict)


def ephemeral_variables(config: dict) -> list[str]:
    """Names of the stack's ephemeral input variables: kept out of saved plans, needed again at apply."""
    return sorted(name for name, spec in (config.get("variable") or {}).items() if spec.get("ephemeral"))


def plan_to_artifact(
    stacks: list[Stack], out: Path, env: dict[str, str], *, timeout: str, echo: Callable[[str], object]
) -> list[PlannedStack]:
    """Plan each stack into `out/stacks/<name>/` (config, lock file, saved plan, plan text) and write the
    artifact's manifest. The saved plan holds no secret: those are ephemeral variables. Every file is private
    (0600, folders 0700) and the texts are scrubbed, as what Codat answered is in them."""
    private_files.private_folder(out)
    planned: list[PlannedStack] = []
    reports = []
    for stack in stacks:
        target = out / "stacks" / stack.name
        private_files.private_folder(target)
        plan_file = target / PLAN_FILE
        echo(f"== plan {stack.name}\n")
        check_origin(stack, env)
        args = ["plan", "-input=false", "-no-color", f"-lock-timeout={timeout}", "-detailed-exitcode",
                f"-out={plan_file}"]
        done = run_initialized(args, stack.dir, env)
        if done.returncode not in (0, 2):
            if _LOCK_ERROR in done.stderr:
                raise PipelineError(lock_message(stack.name, timeout) + "\n" + _errors(done))
            raise PipelineError(f"stack {stack.name!r}: terraform plan failed:\n{_errors(done)}")
        for name in ("cdk.tf.json", ".terraform.lock.hcl", "RUNBOOK.md"):
            if (stack.dir / name).exists():
                shutil.copy2(stack.dir / name, target / name)
        text = terraform(["show", "-no-color", str(plan_file)], stack.dir, env)
        withholding.write_report(target / "plan.txt", text.stdout)
        echo(text.stdout)
        report = drift.report_from_plan(stack.name, show_plan_json(stack.dir, plan_file, env), stack.config())
        reports.append(report)
        planned.append(PlannedStack(stack.name, done.returncode == 2, done.returncode, report.counts()))
    manifest = {
        "format": ARTIFACT_FORMAT,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "stacks": [
            # Apply also a plan without changes that saw drift: applying it records the refreshed state.
            {"name": p.name, "dir": f"stacks/{p.name}", "plan": PLAN_FILE, "changes": p.changes,
             "apply": p.changes or bool(p.summary.get("drift")),
             "ephemeral_variables": ephemeral_variables(
                 json.loads((out / "stacks" / p.name / "cdk.tf.json").read_text())),
             "summary": p.summary}
            for p in planned
        ],
    }
    withholding.write_report(out / ARTIFACT_MANIFEST, json.dumps(manifest, indent=2) + "\n")
    withholding.write_report(out / "summary.md", drift.render_markdown(reports, title="Planned changes", timings=False))
    private_files.tighten(out)  # the copies, and the saved plans (a plan --out over an older artifact)
    return planned


def read_artifact(out: Path) -> dict:
    path = out / ARTIFACT_MANIFEST
    if not path.exists():
        raise PipelineError(f"{out} is not a plan made by `codat-iac plan --out` (no {ARTIFACT_MANIFEST})")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != ARTIFACT_FORMAT:
        raise PipelineError(f"{path}: unknown format {manifest.get('format')!r}; make the plan with this version")
    return manifest


def apply_artifact(out: Path, env: dict[str, str], *, timeout: str, echo: Callable[[str], object]) -> None:
    """Apply exactly the saved plans in `out`, stack by stack in the order they were planned."""
    manifest = read_artifact(out)
    env = dict(env)
    configs = [json.loads((out / stack["dir"] / "cdk.tf.json").read_text()) for stack in manifest["stacks"]]
    withholding.learn_stacks(configs, env)
    missing = sorted(
        {f"TF_VAR_{name}" for stack in manifest["stacks"] if stack.get("apply", stack["changes"])
         for name in stack.get("ephemeral_variables", []) if f"TF_VAR_{name}" not in env}
    )
    if missing:
        raise PipelineError(
            f"set {', '.join(missing)}: secrets are ephemeral variables, which Terraform keeps out of saved "
            f"plans, so they must be supplied again when the plan is applied"
        )
    for stack in manifest["stacks"]:
        name, stack_dir = stack["name"], out / stack["dir"]
        if not stack.get("apply", stack["changes"]):
            echo(f"== apply {name}: no changes were planned; nothing to do\n")
            continue
        echo(f"== apply {name}\n")
        init(stack_dir, env)
        args = ["apply", "-input=false", "-no-color", f"-lock-timeout={timeout}", stack["plan"]]
        code, output = terraform_streamed(args, stack_dir, env, echo=echo)
        if code != 0:
            if _LOCK_ERROR in output:
                raise PipelineError(lock_message(name, timeout))
            if _STALE_PLAN in output:
                raise PipelineError(stale_message(name))
            raise PipelineError(f"stack {name!r}: terraform apply exited {code} (output above)")
