"""Stored state in the pre-Terraform-0.12 "flatmap" format, read for UpgradeResourceState."""
from __future__ import annotations

from .diagnostics import Diagnostics
from .schema import Schema

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .values import Value


def from_flatmap(flat: dict[str, str], schema: Schema, diags: Diagnostics, type_name: str) -> dict[str, Value]:
    """Best effort for pre-0.12 "flatmap" state: top-level primitive attributes only."""
    out: dict[str, Value] = {}
    for a in schema.attributes:
        if a.name not in flat:
            continue
        t = a.value_type()
        raw = flat[a.name]
        if t.kind == "string":
            out[a.name] = raw
        elif t.kind == "number":
            out[a.name] = raw
        elif t.kind == "bool":
            out[a.name] = raw == "true"
        else:
            diags.error(f"{type_name}: legacy state format not supported",
                        f"The state of {type_name} is in the pre-Terraform-0.12 \"flatmap\" format and the "
                        f"attribute {a.name!r} ({t.friendly()}) cannot be converted. Re-import the resource.")
    for b in schema.blocks:
        if any(k.startswith(b.name + ".") for k in flat):
            diags.error(f"{type_name}: legacy state format not supported",
                        f"The state of {type_name} is in the pre-0.12 \"flatmap\" format; the block {b.name!r} "
                        "cannot be converted. Re-import the resource.")
    return out
