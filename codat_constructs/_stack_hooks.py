"""Work a stack needs done after cdktf has written its Terraform file (cdk.tf.json, or cdk.tf with --hcl).

cdktf has no public hook for extra output (`addCustomSynthesis` is not exported to Python), but
`TerraformStack.synthesizer` is settable. `after_synth` wraps the stack's synthesizer once; the original
still does all of the work (aspects, validation, annotations, JSON or HCL), then the hooks run, in the order
they were registered. `App.synth()` and `Testing.full_synth()` both go through it; `Testing.synth()` writes
no files and runs no hooks.

Used for RUNBOOK.md (`XeroApp`) and for the `check` blocks cdktf cannot render in HCL (`TerraformCheck`).
Every stack with hooks is also tidied: see `tidy`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

import jsii

from codat_constructs._cdk import cdk


@dataclass(frozen=True)
class SynthOutput:
    """Where one stack was written: its folder, its Terraform file, and whether that file is HCL."""

    folder: str
    stack_file: str

    @property
    def hcl(self) -> bool:
        return self.stack_file.endswith(".tf")


Hook = Callable[[cdk.TerraformStack, SynthOutput], None]


@jsii.implements(cdk.IStackSynthesizer)
class _HookedSynthesizer:
    def __init__(self, stack: cdk.TerraformStack, inner: cdk.IStackSynthesizer) -> None:
        self._stack, self._inner = stack, inner
        self.hooks: dict[str, Hook] = {}

    def synthesize(self, session: cdk.ISynthesisSession) -> None:
        self._inner.synthesize(session)
        manifest = session.manifest.for_stack(self._stack)
        output = SynthOutput(
            folder=os.path.join(session.outdir, manifest.working_directory),
            stack_file=os.path.join(session.outdir, manifest.synthesized_stack_path),
        )
        tidy(output)
        for hook in list(self.hooks.values()):
            hook(self._stack, output)


#: What cdktf writes in a stack's folder in each mode: (Terraform file, other files of that mode).
_JSON_FILES, _HCL_FILES = ("cdk.tf.json",), ("cdk.tf", "metadata.json")


def tidy(output: SynthOutput) -> None:
    """Remove the Terraform file of the *other* synthesis mode from the stack's folder.

    cdktf writes into the existing folder without clearing it, so a `cdktf synth --hcl` after a JSON
    synth (or the other way round) leaves both cdk.tf and cdk.tf.json, and Terraform then fails on
    every block being declared twice.
    """
    for name in _JSON_FILES if output.hcl else _HCL_FILES:
        stale = os.path.join(output.folder, name)
        if os.path.isfile(stale):
            os.remove(stale)


def after_synth(stack: cdk.TerraformStack, key: str, hook: Hook) -> None:
    """Run `hook(stack, output)` after the stack is written; one hook per `key` (the first one registered)."""
    synthesizer = stack.synthesizer
    if not isinstance(synthesizer, _HookedSynthesizer):
        synthesizer = _HookedSynthesizer(stack, synthesizer)
        stack.synthesizer = synthesizer
    synthesizer.hooks.setdefault(key, hook)
