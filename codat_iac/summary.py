"""The closing summary of deploy, diff, drift and destroy: what changed (or would change) in Codat, one line
per stack and resource, in the words of the stack rather than Terraform's addresses:

    codat / xero (gbol): enabled false -> true; credentials unchanged
    sandbox / webhook_sync_complete (webhook): new
    codat: no changes

Built from the plan JSON (`terraform show -json`) with the drift report's attribute diff (`drift.py`), so
sensitive values are masked the same way and write-only secrets never appear; a value that holds a secret
anyway is withheld, with a warning line naming its field (withholding.py). `as_json` is the same summary
for machines (`--json`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Optional

from codat_iac import drift
from codat_iac.withholding import WITHHELD, holds_secret, withheld_warning

# codat_integration attributes that are the app's credentials (the secret itself is write-only: only its
# version shows in a plan).
CREDENTIALS = ("client_id", "client_secret_wo_version")
# What destroy does in Codat, by resource type and on_destroy ("" when the type has no on_destroy): a line says
# "removed" only when Codat no longer has the thing, and "kept in Codat" when only Terraform forgets it.
KEPT = "kept in Codat; only Terraform forgets it"
ON_DESTROY = {
    ("codat_integration", "disable"): "removed (on_destroy = disable: switched off in Codat, credentials kept)",
    ("codat_integration", "delete_credentials"):
        "removed (on_destroy = delete_credentials: switched off in Codat and its credentials deleted)",
    ("codat_integration", "forget"): f"{KEPT} (on_destroy = forget)",
    ("codat_cors_origins", "keep"): f"{KEPT} (on_destroy = keep: Codat keeps allowing the origins)",
    ("codat_cors_origins", "reset"): "emptied in Codat (on_destroy = reset)",
    ("codat_sync_settings", "keep"): f"{KEPT} (on_destroy = keep: Codat keeps the settings)",
    ("codat_sync_settings", "reset"): "reset to Codat's defaults (on_destroy = reset)",
    ("codat_custom_data_type", ""): f"{KEPT} (Codat's API cannot delete a custom data type)",
    ("codat_profile", ""): f"{KEPT} (every Codat instance has a profile)",
    ("codat_supplemental_data", ""): "removed (written back empty: Codat has no delete for it)",
}
LABELS = {"codat_webhook": "webhook", "codat_profile": "profile", "codat_sync_settings": "sync settings",
          "codat_cors_origins": "CORS origins"}
NOT_RUN = "not run"  # how a StackChanges error starts when the stack was skipped after an earlier failure


@dataclass(frozen=True)
class AttributeChange:
    name: str
    before: Any
    after: Any
    sensitive: bool = False
    drifted: bool = False  # the value was changed outside Terraform; apply puts it back


@dataclass
class ResourceChange:
    stack: str
    address: str  # Terraform address, e.g. codat_integration.xero_integration_335A4F86
    construct: str  # where the stack declares it, e.g. "xero" (construct path without stack and L1 child id)
    label: str  # what it is in Codat: the platform key, "webhook", "profile", or the resource type
    action: str  # create, update, replace, delete, import (imported with no change)
    attributes: list[AttributeChange] = field(default_factory=list)
    on_destroy: Optional[str] = None

    def _destroyed(self) -> str:
        kind = self.address.split(".", 1)[0]
        return ON_DESTROY.get((kind, self.on_destroy or ""), "removed")

    def text(self) -> str:
        head = f"{self.stack} / {self.construct} ({self.label})"
        if self.action == "import":
            parts = ["imported from Codat, unchanged"]
        elif self.action == "create":
            parts = ["new"] + (["credentials set"] if self.label_is_integration else [])
        elif self.action == "delete":
            parts = [self._destroyed()]
        else:
            parts = ["replaced"] if self.action == "replace" else []
            parts += [_attribute_text(a) for a in self.attributes if not self._credential(a)]
            if self.label_is_integration:
                parts.append(_credentials_text([a for a in self.attributes if self._credential(a)]))
        return f"{head}: {'; '.join(parts) or 'updated'}"

    def warnings(self) -> list[str]:
        """One line per attribute whose value was withheld, naming it."""
        return [withheld_warning(f"{self.stack} / {self.construct} ({self.label}) {a.name}")
                for a in self.attributes if WITHHELD in (a.before, a.after)]

    @property
    def label_is_integration(self) -> bool:
        return self.address.startswith("codat_integration.")

    def _credential(self, attribute: AttributeChange) -> bool:
        return self.label_is_integration and attribute.name in CREDENTIALS


def _attribute_text(attribute: AttributeChange) -> str:
    if attribute.sensitive:
        return f"{attribute.name} changed (sensitive)"
    drifted = " (changed outside Terraform)" if attribute.drifted else ""
    return f"{attribute.name} {drift.shown(attribute.before)} -> {drift.shown(attribute.after)}{drifted}"


def _credentials_text(changed: list[AttributeChange]) -> str:
    if not changed:
        return "credentials unchanged"
    parts = []
    for attribute in changed:
        if attribute.name == "client_secret_wo_version":
            parts.append(f"client secret sent again (version {attribute.before} -> {attribute.after})")
        else:
            parts.append(_attribute_text(attribute))
    return "; ".join(parts)


@dataclass
class StackChanges:
    stack: str
    resources: list[ResourceChange] = field(default_factory=list)
    error: Optional[str] = None
    error_shown: Optional[str] = None  # where the error was printed instead of here, e.g. "in the table above"

    def lines(self) -> list[str]:
        """One line per resource; a failed stack's line is followed by its error, indented (printed only here,
        unless `error_shown` says where it went)."""
        if self.error:
            if self.error.startswith(NOT_RUN):
                return [f"{self.stack}: {self.error}"]
            if self.error_shown:
                return [f"{self.stack}: failed (its error is {self.error_shown})"]
            return [f"{self.stack}: failed:"] + [f"  {line}" if line else "" for line in self.error.splitlines()]
        lines = [r.text() for r in self.resources] or [f"{self.stack}: no changes"]
        return lines + [warning for r in self.resources for warning in r.warnings()]


def _construct(stack: str, path: Optional[str], address: str) -> str:
    if not path:
        return address
    parts = path.split("/")
    if parts and parts[0] == stack:
        parts = parts[1:]
    if len(parts) > 1 and parts[-1] in ("integration", "resource"):
        parts = parts[:-1]  # the L2 construct's own L1 child
    return "/".join(parts) or address


def _label(resource_type: str, values: dict) -> str:
    if resource_type == "codat_integration" and values.get("platform_key"):
        return str(values["platform_key"])
    if resource_type == "codat_supplemental_data" and values.get("platform_key"):
        return f"{values['platform_key']} supplemental data for {values.get('data_type')}"
    if resource_type == "codat_custom_data_type" and values.get("platform_key"):
        return f"{values['platform_key']} custom data type {values.get('identifier')}"
    return LABELS.get(resource_type, resource_type)


def from_plan(stack: str, plan: dict, config: Optional[dict] = None) -> StackChanges:
    """What applying `plan` changes in Codat, per resource (data sources and no-ops left out; a resource imported
    without a change is listed as imported)."""
    paths = drift.construct_paths(config)
    drifted = {
        (entry["address"], name): before
        for entry in plan.get("resource_drift") or []
        if entry.get("mode") != "data"
        for name, before, _after, _sensitive, _unknown in drift.attribute_changes(entry.get("change") or {})
    }
    changes = StackChanges(stack)
    for entry in plan.get("resource_changes") or []:
        change = entry.get("change") or {}
        actions = change.get("actions") or []
        imported = actions == ["no-op"] and change.get("importing") is not None
        if entry.get("mode") == "data" or (actions in ([], ["no-op"], ["read"]) and not imported):
            continue
        action = "import" if imported else "replace" if {"create", "delete"} <= set(actions) else actions[0]
        values = change.get("before") if action == "delete" else change.get("after")
        address = entry["address"]
        attributes = [
            AttributeChange(name, _withheld(before), _withheld(after), sensitive,
                            drifted=drifted.get((address, name)) == after)
            for name, before, after, sensitive, unknown in drift.attribute_changes(change)
            if not unknown and action in ("update", "replace")
        ]
        changes.resources.append(ResourceChange(
            stack, address, _construct(stack, paths.get(address), address), _label(entry.get("type", ""), values or {}),
            action, attributes, (values or {}).get("on_destroy") if action == "delete" else None,
        ))
    return changes


def _withheld(value: Any) -> Any:
    return WITHHELD if holds_secret(value) else value


def heading(stacks: list[StackChanges], changed: str) -> str:
    """What the run came to: `changed` (e.g. "Changed in Codat") only when a stack changed or would change
    something; "Failed" when a stack failed; else "No changes"."""
    if any(stack.error for stack in stacks):
        return "Failed"
    return changed if any(stack.resources for stack in stacks) else "No changes"


def render_text(stacks: list[StackChanges], heading: str) -> str:
    """`heading` (e.g. "Changed in Codat:") and one indented line per stack and resource."""
    return "\n".join([heading] + [f"  {line}" if line else "" for stack in stacks for line in stack.lines()]) + "\n"


def render_markdown(stacks: list[StackChanges], heading: str) -> str:
    return "\n".join([f"### {heading.rstrip(':')}", ""] + [f"- `{line}`" for s in stacks for line in s.lines()]) + "\n"


def as_json(stacks: list[StackChanges]) -> list[dict]:
    """The same summary for machines: per stack its status and, per resource, the line and its parts."""
    return [
        {
            "stack": s.stack,
            "status": "error" if s.error else "changed" if s.resources else "unchanged",
            "error": s.error,
            "lines": s.lines(),
            "resources": [dict(asdict(r), text=r.text()) for r in s.resources],
        }
        for s in stacks
    ]
