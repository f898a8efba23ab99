"""What the layer makes of what a resource's or data source's code returns: the whole state, checked."""
from __future__ import annotations

from . import types as T, values as V
from ._messages import path_text
from .diagnostics import Diagnostics
from .schema import Schema

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .diagnostics import Path
    from .values import Value


def empty_state(schema: Schema) -> dict[str, Value]:
    """An object of this schema with every attribute null and no nested blocks."""
    out: dict[str, Value] = {a.name: None for a in schema.attributes}
    for b in schema.blocks:
        if b.nesting in ("list", "set"):
            out[b.name] = []
        elif b.nesting == "map":
            out[b.name] = {}
        elif b.nesting == "group":
            out[b.name] = empty_state(b.schema)
        else:
            out[b.name] = None
    return out


def merge_result(base: Value, result: Value, typ: T.Object, diags: Diagnostics, label: str) -> Value:
    """``base`` with the attributes ``result`` (a partial state, as a resource returns it) sets; every attribute
    of ``typ`` present. An error for a result that is not a dict or names an attribute ``typ`` lacks."""
    if not isinstance(result, dict):
        diags.error(f"{label} returned {type(result).__name__}, expected a dict")
        return base
    new = dict(base) if isinstance(base, dict) else {}
    for k, v in result.items():
        if k not in typ.attributes:
            diags.error(f"{label} returned an unknown attribute {k!r}")
            continue
        new[k] = v
    for k in typ.attributes:
        new.setdefault(k, None)
    return new


def no_unknowns(value: Value, diags: Diagnostics, label: str, path: Path = ()) -> None:
    """Unknown values are not allowed in state: report and replace them with null."""
    if isinstance(value, dict):
        for k, v in value.items():
            if v is V.UNKNOWN:
                value[k] = None
                diags.error(f"{label} left {path_text(path + (k,))} unknown",
                            "The provider must set every computed attribute after apply.", path + (k,))
            else:
                no_unknowns(v, diags, label, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            if v is V.UNKNOWN:
                value[i] = None
                diags.error(f"{label} left {path_text(path + (i,))} unknown",
                            "The provider must set every computed attribute after apply.", path + (i,))
            else:
                no_unknowns(v, diags, label, path + (i,))


def check_conforms(type_name: str, operation: str, typ: T.Object, planned: Value, new: Value,
                   diags: Diagnostics) -> None:
    """An error naming what differs when an apply result is not what the plan said, instead of Terraform's
    "Provider produced inconsistent result after apply" (Terraform skips that check when errors are reported)."""
    from ._conform import differences_from_plan

    differ = differences_from_plan(typ, planned, new)
    if differ:
        diags.error(f"{type_name}: the {operation} did not give what the plan said",
                    f"After the {operation}, {type_name} differs from the plan in {', '.join(differ)}. Terraform "
                    "keeps the values the provider returned in state, and the next plan compares them with the "
                    "configuration again. The remote system may have stored something other than what was sent, or "
                    "changed it since.")
