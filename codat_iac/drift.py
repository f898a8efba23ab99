"""`codat-iac drift`: what differs between the declared stacks, Terraform's state and live Codat.

Per stack, one throw-away `terraform plan` (no state lock: the check never writes) and its
`terraform show -json`. That JSON holds both answers, from the same refresh:
- `resource_drift`: what changed outside Terraform (e.g. someone switched Xero off in the Portal);
  expected = the value Terraform last applied (state), actual = the live value;
- `resource_changes`: what apply would do. A change that only puts drift back is reported once, as drift;
  the rest is configuration not applied yet: expected = the configured value, actual = the live value.

Values that Terraform marks sensitive (`before_sensitive`/`after_sensitive`) are masked; write-only
attributes (our secrets) are null in plan JSON anyway. A value that holds a secret anyway (Codat returned the
API key inside a profile name) is withheld (`WITHHELD`) and a warning names its field (withholding.py).
Exit codes: 0 clean, 2 differences, 1 error.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Iterator

from codat_iac.withholding import WITHHELD, holds_secret, withheld_warning

MASK = "(sensitive)"
UNKNOWN = "(known after apply)"
WHOLE = "(resource)"
PRESENT, ABSENT = "(present)", "(absent)"
DELETED_OUTSIDE, NOT_DECLARED = "(absent: deleted outside Terraform)", "(absent: no longer declared)"
NOT_IMPORTED = "(present, not in state yet: apply imports it)"
MARKERS = {MASK, UNKNOWN, PRESENT, ABSENT, DELETED_OUTSIDE, NOT_DECLARED, NOT_IMPORTED, WITHHELD}
DRIFT, PENDING = "drift", "not_applied"
KIND_TITLES = {
    DRIFT: ("Changed outside Terraform (drift)", "last applied", "live"),
    PENDING: ("Configuration not applied yet", "configured", "live"),
}
EXIT_CLEAN, EXIT_ERROR, EXIT_DIFFERENT = 0, 1, 2


@dataclass(frozen=True)
class Difference:
    stack: str
    kind: str  # DRIFT or PENDING
    resource: str  # Terraform address, e.g. codat_integration.xero_integration_335A4F86
    attribute: str  # dotted path (list items as [i]) or WHOLE for the resource as a whole
    expected: Any
    actual: Any
    action: str  # what apply would do / what happened: update, create, delete, replace, import
    sensitive: bool = False
    construct_path: str | None = None  # the construct that declared it, e.g. codat/xero/integration

    @property
    def withheld(self) -> bool:
        return WITHHELD in (self.expected, self.actual)


@dataclass
class StackReport:
    stack: str
    differences: list[Difference] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0

    def of_kind(self, kind: str) -> list[Difference]:
        return [d for d in self.differences if d.kind == kind]

    def status(self) -> str:
        if self.error:
            return "error"
        return "different" if self.differences else "clean"

    def counts(self) -> dict:
        return {"drift": len(self.of_kind(DRIFT)), "not_applied": len(self.of_kind(PENDING))}

    def warnings(self) -> list[str]:
        """One line per field whose value was withheld, naming the field."""
        return list(dict.fromkeys(withheld_warning(f"stack {d.stack!r}, {d.resource} {d.attribute}")
                                  for d in self.differences if d.withheld))


# ------------------------------------------------------------------------------------ plan JSON -> rows


def _child(path: str, key: Any) -> str:
    return (f"{path}.{key}" if path else key) if isinstance(key, str) else f"{path}[{key}]"


def _true_paths(marker: Any, path: str = "") -> set[str]:
    """Paths where a `*_sensitive` / `after_unknown` marker structure says true."""
    if marker is True:
        return {path}
    if isinstance(marker, dict):
        return set().union(*(_true_paths(item, _child(path, key)) for key, item in marker.items()))
    if isinstance(marker, list):
        return set().union(*(_true_paths(item, _child(path, index)) for index, item in enumerate(marker)))
    return set()


def _under(path: str, roots: set[str]) -> bool:
    return any(path == root or not root or path.startswith((root + ".", root + "[")) for root in roots)


def _leaves(value: Any, stop: set[str], path: str = "") -> Iterator[tuple[str, Any]]:
    """(path, value) for each leaf; a container whose path is in `stop` (sensitive or unknown as a
    whole) is one leaf."""
    if path in stop or not isinstance(value, (dict, list)):
        yield path, value
        return
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        yield from _leaves(item, stop, _child(path, key))


def attribute_changes(change: dict) -> Iterator[tuple[str, Any, Any, bool, bool]]:
    """(attribute, before, after, sensitive, after_unknown) for each leaf that differs. Unknown values
    are missing from `after` and marked in `after_unknown`."""
    sensitive = _true_paths(change.get("before_sensitive")) | _true_paths(change.get("after_sensitive"))
    unknown = _true_paths(change.get("after_unknown"))
    stop = sensitive | unknown
    before = dict(_leaves(change.get("before"), stop)) if change.get("before") is not None else {}
    after = dict(_leaves(change.get("after"), stop)) if change.get("after") is not None else {}
    for path in sorted(set(before) | set(after) | unknown):
        if not path:
            continue
        is_unknown = _under(path, unknown)
        old, new = before.get(path), after.get(path)
        if not is_unknown and old == new:
            continue
        yield path, old, new, _under(path, sensitive), is_unknown


def construct_paths(config: dict | None) -> dict[str, str]:
    paths: dict[str, str] = {}
    for rtype, resources in ((config or {}).get("resource") or {}).items():
        for name, body in resources.items():
            path = ((body.get("//") or {}).get("metadata") or {}).get("path")
            if path:
                paths[f"{rtype}.{name}"] = path
    return paths


def differences_from_plan(stack: str, plan: dict, config: dict | None = None) -> list[Difference]:
    """Drift rows from `resource_drift`, then rows of configuration not applied from `resource_changes`."""
    paths = construct_paths(config)
    rows: list[Difference] = []
    drifted: dict[tuple[str, str], Any] = {}
    deleted_outside: set[str] = set()

    def row(kind, address, attribute, expected, actual, action, sensitive=False):
        values = (MASK, MASK) if sensitive else tuple(WITHHELD if holds_secret(v) else v for v in (expected, actual))
        rows.append(Difference(stack, kind, address, attribute, values[0], values[1], action, sensitive,
                               paths.get(address)))

    for entry in plan.get("resource_drift") or []:
        if entry.get("mode") == "data":
            continue
        address, change = entry["address"], entry.get("change") or {}
        actions = change.get("actions") or []
        if "delete" in actions and change.get("after") is None:
            deleted_outside.add(address)
            row(DRIFT, address, WHOLE, PRESENT, DELETED_OUTSIDE, "delete")
            continue
        for attribute, before, after, sensitive, _ in attribute_changes(change):
            drifted[(address, attribute)] = before
            row(DRIFT, address, attribute, before, after, "update", sensitive)

    for entry in plan.get("resource_changes") or []:
        if entry.get("mode") == "data":
            continue
        address, change = entry["address"], entry.get("change") or {}
        actions = change.get("actions") or []
        if actions == ["no-op"] and change.get("importing") is not None:
            row(PENDING, address, WHOLE, PRESENT, NOT_IMPORTED, "import")
            continue
        if actions in (["no-op"], ["read"]) or not actions:
            continue
        if actions == ["create"]:
            if address not in deleted_outside:
                row(PENDING, address, WHOLE, PRESENT, ABSENT, "create")
            continue
        if actions == ["delete"]:
            row(PENDING, address, WHOLE, NOT_DECLARED, PRESENT, "delete")
            continue
        action = "replace" if "delete" in actions and "create" in actions else "update"
        for attribute, before, after, sensitive, unknown in attribute_changes(change):
            if unknown:
                continue  # a computed consequence of the change, not configuration
            if (address, attribute) in drifted and drifted[(address, attribute)] == after:
                continue  # apply only puts the drift back: reported above
            row(PENDING, address, attribute, after, before, action, sensitive)
    return rows


def report_from_plan(stack: str, plan: dict, config: dict | None = None) -> StackReport:
    return StackReport(stack, differences_from_plan(stack, plan, config))


# ------------------------------------------------------------------------------------------- exit code


def exit_code(reports: Iterable[StackReport]) -> int:
    reports = list(reports)
    if any(report.error for report in reports):
        return EXIT_ERROR
    return EXIT_DIFFERENT if any(report.differences for report in reports) else EXIT_CLEAN


# ------------------------------------------------------------------------------------------- rendering


def shown(value: Any) -> str:
    """A value as the table and markdown show it: JSON (strings quoted), masks and markers as they are."""
    if isinstance(value, str) and value in MARKERS:
        return value
    return json.dumps(value, sort_keys=True)


def _headline(reports: list[StackReport]) -> str:
    drift = sum(len(r.of_kind(DRIFT)) for r in reports)
    pending = sum(len(r.of_kind(PENDING)) for r in reports)
    errors = sum(1 for r in reports if r.error)
    names = ", ".join(r.stack for r in reports)
    if not drift and not pending and not errors:
        return f"No drift: {len(reports)} stack(s) match their configuration and Codat ({names})."
    parts = []
    if drift:
        parts.append(f"{drift} changed outside Terraform")
    if pending:
        parts.append(f"{pending} not applied yet")
    if errors:
        parts.append(f"{errors} stack(s) could not be checked")
    lead = "Differences in" if drift or pending else "Drift check failed in"
    return f"{lead} {len(reports)} stack(s) ({names}): " + ", ".join(parts) + "."


def _clip(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def render_table(reports: list[StackReport]) -> str:
    lines = [_headline(reports)]
    for kind, (title, expected, actual) in KIND_TITLES.items():
        rows = [d for r in reports for d in r.of_kind(kind)]
        if not rows:
            continue
        header = ("STACK", "RESOURCE", "ATTRIBUTE", f"EXPECTED ({expected})", f"ACTUAL ({actual})")
        cells = [(d.stack, d.resource, d.attribute, _clip(shown(d.expected)), _clip(shown(d.actual))) for d in rows]
        widths = [max(len(str(c[i])) for c in [header, *cells]) for i in range(len(header))]
        lines += ["", f"{title}:"]
        for cell in [header, *cells]:
            lines.append("  " + "  ".join(str(c).ljust(w) for c, w in zip(cell, widths, strict=True)).rstrip())
    warnings = [line for r in reports for line in r.warnings()]
    if warnings:
        lines += ["", *warnings]
    failed = [(r.stack, r.error) for r in reports if r.error]
    if failed:
        lines += ["", "Errors:"]
        for stack, error in failed:
            lines.append(f"  {stack}:")
            lines += [f"    {line}" for line in error.splitlines()]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "'").replace("\n", " ")


def render_markdown(
    reports: list[StackReport], *, title: str = "Codat drift check", timings: bool = True, closing: str = ""
) -> str:
    """Markdown for a CI job summary ($GITHUB_STEP_SUMMARY) or a pull request comment; `closing` (markdown,
    e.g. the summary of what a deploy would change) goes after the tables."""
    lines = [f"## {title}", "", _headline(reports), ""]
    for kind, (kind_title, expected, actual) in KIND_TITLES.items():
        rows = [d for r in reports for d in r.of_kind(kind)]
        if not rows:
            continue
        lines += [f"### {kind_title}", "",
                  f"| Stack | Resource | Attribute | Expected ({expected}) | Actual ({actual}) |",
                  "| --- | --- | --- | --- | --- |"]
        for d in rows:
            cells = [d.stack, d.resource, d.attribute, shown(d.expected), shown(d.actual)]
            lines.append("| " + " | ".join(f"`{_md(c)}`" for c in cells) + " |")
        lines.append("")
    warnings = [line for r in reports for line in r.warnings()]
    if warnings:
        lines += ["### Withheld values", ""] + [f"- {_md(line)}" for line in warnings] + [""]
    failed = [(r.stack, r.error) for r in reports if r.error]
    if failed:
        lines += ["### Errors", ""]
        for stack, error in failed:
            lines += [f"**{stack}**", "", "```", error.replace("```", "'''"), "```", ""]
    if timings:
        lines += ["| Stack | Result | Seconds |", "| --- | --- | --- |"]
        lines += [f"| `{_md(r.stack)}` | {r.status()} | {r.seconds:.1f} |" for r in reports]
    if closing:
        lines += ["", closing.rstrip("\n")]
    return "\n".join(lines) + "\n"


def render_json(reports: list[StackReport], **extra: Any) -> str:
    """The report as one JSON document; `extra` keys (e.g. `changes`, the closing summary) are added to it."""
    document = {
        "exit_code": exit_code(reports),
        "summary": _headline(reports),
        "stacks": [
            {"stack": r.stack, "status": r.status(), "error": r.error, "seconds": r.seconds, **r.counts()}
            for r in reports
        ],
        "differences": [asdict(d) for r in reports for d in r.differences],
        "warnings": [line for r in reports for line in r.warnings()],
        **extra,
    }
    return json.dumps(document, indent=2, sort_keys=False) + "\n"
