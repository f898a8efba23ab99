"""`codat-iac deploy`, `diff` and `destroy` without the cdktf CLI's overhead.

The app synthesizes itself (`pipeline.App.synth`, as `cdktf synth` runs it), then plain `terraform` plans
each stack into a saved plan and applies exactly that plan. That is what `cdktf deploy` does, minus its
Node start, UI and unconditional `terraform init`: the same stacks from the same `cdktf.out/`, in
dependency order, with the backends (state files or PostgreSQL) their `cdk.tf.json` declares, so
`bin/cdktf deploy` and `bin/cdktf diff` keep working on the same state. Differences, on purpose:
- a stack whose plan finds nothing to do is not applied (cdktf runs an apply that changes nothing);
- Terraform's output is kept out of the log: each step is one line, its errors and warnings are printed
  once, and the run ends with the summary of what changed in Codat (`summary.py`);
- if another run changed the state between our plan and our apply, we plan again (up to 3 times) instead
  of failing, as an apply without a saved plan would have waited for the lock and applied on top.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Callable

from codat_iac import pipeline, summary
from codat_iac.pipeline import PipelineError, Stack, StackPlan
from codat_iac.steps import Steps

STALE_RETRIES = 3


class Run:
    """Plans (and applies) stacks for one command, reporting each step on `steps`."""

    def __init__(self, env: dict[str, str], steps: Steps, *, timeout: str) -> None:
        self.env, self.steps, self.timeout = env, steps, timeout
        self._warned: set[pipeline.Diagnostic] = set()

    def warn(self, stack: Stack, found: list[pipeline.Diagnostic]) -> None:
        for diagnostic in found:
            if diagnostic not in self._warned:
                self._warned.add(diagnostic)
                self.steps.say(f"{stack.name}: {diagnostic}")

    def init(self, stack: Stack) -> None:
        if pipeline.needs_init(stack.dir):
            with self.steps.step(f"init {stack.name}"):
                pipeline.init(stack.dir, self.env, force=True)

    def plan(
        self, stack: Stack, folder: Path, *, lock: bool = True, destroy: bool = False
    ) -> tuple[StackPlan, summary.StackChanges]:
        self.init(stack)
        with self.steps.step(f"{'plan destroy' if destroy else 'plan'} {stack.name}") as step:
            planned = pipeline.plan_stack(stack, self.env, folder / pipeline.PLAN_FILE, timeout=self.timeout,
                                          lock=lock, destroy=destroy)
            changes = summary.StackChanges(stack.name)
            if planned.worth_applying:
                plan = pipeline.show_plan_json(stack.dir, planned.file, self.env)
                changes = summary.from_plan(stack.name, plan, stack.config())
            count = len(changes.resources)
            verb = "to remove" if destroy else "to change"
            step.note = (f"{count} {verb}" if count
                         else "drift to record in state" if planned.worth_applying else "no changes")
        self.warn(stack, planned.warnings)
        return planned, changes

    def apply(self, planned: StackPlan) -> None:
        with self.steps.step(f"apply {planned.stack.name}"):
            self.warn(planned.stack, pipeline.apply_plan(planned, self.env, timeout=self.timeout))

    def deploy(self, stack: Stack) -> summary.StackChanges:
        with tempfile.TemporaryDirectory(prefix="codat-iac-deploy-") as tmp:
            for _ in range(STALE_RETRIES):
                planned, changes = self.plan(stack, Path(tmp))
                if not planned.worth_applying:
                    return changes
                try:
                    self.apply(planned)
                    return changes
                except pipeline.StalePlan:
                    self.steps.say(f"{stack.name}: another run changed the state after this plan; planning again")
            raise PipelineError(pipeline.stale_message(stack.name))

    def diff(self, stack: Stack) -> summary.StackChanges:
        with tempfile.TemporaryDirectory(prefix="codat-iac-diff-") as tmp:
            return self.plan(stack, Path(tmp), lock=False)[1]


def each_stack(
    stacks: list[Stack], do: Callable[[Stack], summary.StackChanges], steps: Steps
) -> list[summary.StackChanges]:
    """Run `do` on each stack in order; after a failure the later stacks are not run, since they may depend on
    it. A failure's error is kept in its StackChanges: the closing summary prints it, once."""
    done: list[summary.StackChanges] = []
    for stack in stacks:
        failed = next((earlier.stack for earlier in done if earlier.error), None)
        if failed:
            done.append(summary.StackChanges(stack.name, error=f"{summary.NOT_RUN}: stack {failed!r} failed first"))
            continue
        try:
            done.append(do(stack))
        except PipelineError as problem:
            done.append(summary.StackChanges(stack.name, error=str(problem)))
    return done


def destroy(
    stacks: list[Stack], run: Run, confirm: Callable[[list[summary.StackChanges]], bool]
) -> list[summary.StackChanges]:
    """Plan the removal of every stack (dependents first), ask `confirm` once with what would be removed,
    then apply those plans. Each resource's `on_destroy` (the provider) decides what happens in Codat."""
    with tempfile.TemporaryDirectory(prefix="codat-iac-destroy-") as tmp:
        plans: list[tuple[StackPlan, summary.StackChanges]] = []
        for stack in reversed(stacks):
            folder = Path(tmp) / stack.name
            folder.mkdir()
            plans.append(run.plan(stack, folder, destroy=True))
        planned_changes = [changes for _, changes in plans]
        if not any(planned.worth_applying for planned, _ in plans):
            return planned_changes
        if not confirm(planned_changes):
            raise PipelineError("nothing was destroyed (not confirmed)")

        def apply(stack: Stack) -> summary.StackChanges:
            planned, changes = next(p for p in plans if p[0].stack is stack)
            if planned.worth_applying:
                run.apply(planned)
            return changes

        return each_stack([planned.stack for planned, _ in plans], apply, run.steps)
