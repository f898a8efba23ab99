"""The protocol's pieces as the service reads and writes them: DynamicValues, diagnostics with attribute paths."""
from __future__ import annotations

from . import values as V
from ._scrub import scrubbed
from .diagnostics import ERROR, Diagnostics


NOT_SUPPORTED = "not supported by this provider"


def decode_value(dv, typ, diags: Diagnostics, hints=None):
    if not dv:
        return None
    try:
        if dv.get("msgpack"):
            return V.decode_msgpack(dv["msgpack"], typ, hints)
        if dv.get("json"):
            return V.decode_json(dv["json"], typ, hints)
    except (V.CtyError, ValueError) as e:
        path = getattr(e, "path", ())
        diags.error("Invalid value from Terraform", f"{path_text(path)}: {e}" if path else str(e), path or None)
    return None


def encode_value(value, typ, diags: Diagnostics, label: str, hints=None) -> dict:
    try:
        return {"msgpack": V.encode_msgpack(value, typ, hints)}
    except V.CtyError as e:
        where = f" for {path_text(e.path)}" if e.path else ""
        diags.error(f"{label}: invalid value{where}", str(e), e.path or None)
        return {"msgpack": V.encode_msgpack(None, typ)}


def path_text(path) -> str:
    out = ""
    for step in path or ():
        if isinstance(step, int):
            out += f"[{step}]"
        elif out:
            out += f".{step}"
        else:
            out = str(step)
    return out or "(root)"


def path_steps(path, typ) -> list:
    """A Python path tuple -> AttributePath steps, using the type to tell attributes from map keys."""
    steps = []
    t = typ
    for step in path:
        kind = getattr(t, "kind", None)
        if kind == "object" or kind is None or kind == "dynamic":
            if isinstance(step, int):
                steps.append({"element_key_int": step})
                t = None
            else:
                steps.append({"attribute_name": str(step)})
                t = t.attributes.get(step) if kind == "object" else None
        elif kind == "map":
            steps.append({"element_key_string": str(step)})
            t = t.element
        elif kind in ("list", "tuple"):
            if not isinstance(step, int):
                break
            steps.append({"element_key_int": step})
            t = t.element if kind == "list" else (t.elements[step] if step < len(t.elements) else None)
        else:  # sets cannot be indexed in an attribute path: stop at the set
            break
    return steps


def proto_diagnostics(diags, typ) -> list:
    out = []
    for d in diags:
        item = {"severity": d.severity, "summary": scrubbed(d.summary), "detail": scrubbed(d.detail)}
        if d.path:
            item["attribute"] = {"steps": path_steps(d.path, typ)}
        out.append(item)
    return out


def not_supported(what: str) -> list:
    return [{"severity": ERROR, "summary": f"{what}: {NOT_SUPPORTED}",
             "detail": f"{what} is {NOT_SUPPORTED}."}]
