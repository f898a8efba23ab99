"""`TerraformCheck`: a Terraform `check` block (Terraform 1.5+), which cdktf 0.21 has no construct for.

A failed assertion of a check block is a *warning* in `terraform plan` and `apply`, never an error: the
right tool for "you are getting close to a limit". (To stop a plan, use a `precondition` in a resource's
lifecycle instead.)

JSON synthesis: the element renders `{"check": {<name>: {"assert": [...]}}}` like any other element.
HCL synthesis (`cdktf synth --hcl`): cdktf's HCL renderer drops block types it does not know, so a hook
after synthesis appends the stack's check blocks to `cdk.tf`, rendered from the same resolved JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

import jsii
from constructs import Construct

from codat_constructs._cdk import cdk
from codat_constructs._stack_hooks import SynthOutput, after_synth
from codat_constructs.bindings._base import hcl_template_body, literal


@dataclass(frozen=True)
class CheckAssertion:
    """One `assert` of a check: `condition` is a Terraform expression (a cdktf token such as
    `cdk.Op.lt(...)`, or a string `"${...}"`) that must be true; `error_message` is shown when it is not:
    text, or a `template(...)` of text and references (e.g. `TerraformExpression(cdk.Token.as_string(data.linked))`)."""

    condition: Any
    error_message: str


class TerraformCheck(cdk.TerraformElement):
    """A `check "<name>" { assert { ... } }` block; failed assertions are warnings in plan and apply.

    Props:
      assertions: at least one `CheckAssertion`.
      name: the block's label. Default: the element's logical id (unique in the stack).
    """

    def __init__(
        self, scope: Construct, id: str, *, assertions: Sequence[CheckAssertion], name: Optional[str] = None
    ) -> None:
        if not assertions or not all(isinstance(a, CheckAssertion) for a in assertions):
            raise TypeError("assertions must be a non-empty list of CheckAssertion(condition=..., error_message=...)")
        super().__init__(scope, id, "check")
        self.assertions = list(assertions)
        self._name = name
        after_synth(cdk.TerraformStack.of(self), "check-hcl", _append_checks_to_hcl)

    @property
    def name(self) -> str:
        return self._name or self.friendly_unique_id

    @jsii.member(jsii_name="toTerraform")
    def to_terraform(self) -> Any:
        return {
            "check": {
                self.name: {
                    "assert": [
                        {
                            "condition": (a.condition if isinstance(a.condition, str)
                                          else cdk.Token.as_string(a.condition)),
                            "error_message": literal(a.error_message),
                        }
                        for a in self.assertions
                    ]
                }
            }
        }


# HCL ----------------------------------------------------------------------------------------------------


def _quoted_template(text: str) -> str:
    """A JSON-syntax template string as an HCL quoted template: escape outside `${...}` and `%{...}` only."""
    return f'"{hcl_template_body(text)}"'


def render_checks_hcl(checks: dict) -> str:
    """HCL for the `check` section of a stack's resolved Terraform JSON."""
    blocks = []
    for name, body in checks.items():
        lines = [f'check "{name}" {{']
        for assertion in body.get("assert", []):
            lines += [
                "  assert {",
                f"    condition     = {_quoted_template(str(assertion['condition']))}",
                f"    error_message = {_quoted_template(str(assertion['error_message']))}",
                "  }",
            ]
        lines.append("}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _append_checks_to_hcl(stack: cdk.TerraformStack, output: SynthOutput) -> None:
    if not output.hcl:
        return  # JSON synthesis already has them
    checks = (stack.to_terraform() or {}).get("check") or {}
    if checks:
        with open(output.stack_file, "a", encoding="utf-8") as out:
            out.write("\n\n" + render_checks_hcl(checks) + "\n")
