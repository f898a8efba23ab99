"""Secrets as a type: a construct prop that takes a secret accepts only a `Secret`, never a string.

A literal in Python would land in plain text in cdk.tf.json. A `Secret` is a Terraform variable that is
sensitive (masked in output) and ephemeral (Terraform 1.10+: kept out of plan files and state), whose
value Terraform reads at run time from the environment variable `TF_VAR_<name>`.

The value is never seen at synth, so its checks are Terraform `validation` blocks on the variable: Terraform
runs them before any write and reports the message, which names `TF_VAR_<name>` (what the user set), never
the value. Every secret must be non-empty without surrounding whitespace (a pasted line break);
`require_no_whitespace` adds the stricter rule for client secrets and keys.
"""

from __future__ import annotations

import weakref

from constructs import Construct

from codat_constructs._cdk import cdk
from codat_constructs.bindings._base import TerraformExpression, literal

# The rules each variable already has (keys of `Secret._rule`), for as long as its stack lives.
_RULES: weakref.WeakKeyDictionary[cdk.TerraformVariable, set[str]] = weakref.WeakKeyDictionary()


class Secret:
    """A reference to a secret supplied at deploy time; see `Secret.from_env`."""

    def __init__(self, variable: cdk.TerraformVariable, name: str) -> None:
        self._variable, self.name = variable, name

    @classmethod
    def from_env(cls, scope: Construct, name: str, *, description: str = "") -> "Secret":
        """A secret read from `TF_VAR_<name>` when Terraform runs (one per stack and name)."""
        stack = cdk.TerraformStack.of(scope)
        existing = stack.node.try_find_child(name)
        variable = existing if isinstance(existing, cdk.TerraformVariable) else cdk.TerraformVariable(
            stack, name, type="string", sensitive=True, nullable=False,
            description=description or f"Secret; set TF_VAR_{name} in the environment.",
        )
        # cdktf has no flag for ephemeral variables (Terraform 1.10+): set it as an override.
        variable.add_override("ephemeral", True)
        secret = cls(variable, name)
        secret._rule(
            "trimmed",
            f"${{length(var.{name}) > 0 && trimspace(var.{name}) == var.{name}}}",
            f"{secret.env_var} is empty or starts or ends with whitespace (a pasted line break?): set it to the "
            f"secret exactly as issued.",
        )
        return secret

    def require_no_whitespace(self, used_as: str) -> "Secret":
        """Add a Terraform validation: no whitespace anywhere (client secrets and keys have none). `used_as`
        says where the stack uses it, e.g. "client_secret of codat/xero", for the message."""
        self._rule(
            "no-whitespace",
            f'${{length(regexall("[[:space:]]", var.{self.name})) == 0}}',
            f"{self.env_var} ({used_as}) contains whitespace: copy the value again, without spaces or line breaks.",
        )
        return self

    def _rule(self, key: str, condition: str, message: str) -> None:
        """One validation block per rule and variable, however many constructs share the secret."""
        rules = _RULES.setdefault(self._variable, set())
        if key not in rules:
            rules.add(key)
            self._variable.add_validation(condition=condition, error_message=literal(message))

    @property
    def env_var(self) -> str:
        return f"TF_VAR_{self.name}"

    @property
    def token(self) -> TerraformExpression:
        """The value as a Terraform expression (a token); only write-only attributes may take it."""
        return TerraformExpression(self._variable.string_value)

    def __repr__(self) -> str:
        return f"Secret(from ${self.env_var})"


def require_secret(value: object, prop: str) -> Secret:
    """Fail at synth, naming the prop and the fix, when a secret prop is given anything but a Secret."""
    if isinstance(value, Secret):
        return value
    got = "a plain string" if isinstance(value, str) else type(value).__name__
    raise TypeError(
        f"{prop} must be a Secret, not {got}: a literal would be written in clear into cdk.tf.json. "
        f"Use {prop}=Secret.from_env(self, \"my_secret\") and export TF_VAR_my_secret when you deploy."
    )
