"""The protocol's pieces as the service reads and writes them: DynamicValues, diagnostics with attribute paths."""
from __future__ import annotations

from . import types as T, values as V
from ._scrub import scrubbed
from .diagnostics import ERROR, Diagnostics

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any, TypeAlias

    from .diagnostics import Diagnostic, Path
    from .values import Value

    Message: TypeAlias = dict[str, Any]  # a protocol message as _pb decodes and encodes it

NOT_SUPPORTED = "not supported by this provider"


def decode_value(dv: Message | None, typ: T.Type, diags: Diagnostics, hints: V.Hints | None = None) -> Value:
    """The value a DynamicValue holds (msgpack or JSON); None, and an error, when it does not fit ``typ``."""
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


def encode_value(value: Value, typ: T.Type, diags: Diagnostics, label: str, hints: V.Hints | None = None) -> Message:
    """``value`` as a DynamicValue (msgpack); null, and an error naming ``label``, when it does not fit ``typ``."""
    try:
        return {"msgpack": V.encode_msgpack(value, typ, hints)}
    except V.CtyError as e:
        where = f" for {path_text(e.path)}" if e.path else ""
        diags.error(f"{label}: invalid value{where}", str(e), e.path or None)
        return {"msgpack": V.encode_msgpack(None, typ)}


def path_text(path: Iterable[str | int] | None) -> str:
    """An attribute path as a user reads it: ``rule[0].port``."""
    out = ""
    for step in path or ():
        if isinstance(step, int):
            out += f"[{step}]"
        elif out:
            out += f".{step}"
        else:
            out = str(step)
    return out or "(root)"


def path_steps(path: Path, typ: T.Type | None) -> list[Message]:
    """A Python path tuple -> AttributePath steps, using the type to tell attributes from map keys."""
    steps: list[Message] = []
    t = typ
    for step in path:
        if t is None or isinstance(t, T.Object) or t.kind == "dynamic":
            if isinstance(step, int):
                steps.append({"element_key_int": step})
                t = None
            else:
                steps.append({"attribute_name": str(step)})
                t = t.attributes.get(step) if isinstance(t, T.Object) else None
        elif isinstance(t, T.Map):
            steps.append({"element_key_string": str(step)})
            t = t.element
        elif isinstance(t, (T.List, T.Tuple)):
            if not isinstance(step, int):
                break
            steps.append({"element_key_int": step})
            t = t.element if isinstance(t, T.List) else (t.elements[step] if step < len(t.elements) else None)
        else:  # sets cannot be indexed in an attribute path: stop at the set
            break
    return steps


def proto_diagnostics(diags: Iterable[Diagnostic], typ: T.Type | None) -> list[Message]:
    """Diagnostics as the protocol carries them: scrubbed text, paths as AttributePaths of ``typ``."""
    out: list[Message] = []
    for d in diags:
        item: Message = {"severity": d.severity, "summary": scrubbed(d.summary), "detail": scrubbed(d.detail)}
        if d.path:
            item["attribute"] = {"steps": path_steps(d.path, typ)}
        out.append(item)
    return out


def not_supported(what: str) -> list[Message]:
    return [{"severity": ERROR, "summary": f"{what}: {NOT_SUPPORTED}",
             "detail": f"{what} is {NOT_SUPPORTED}."}]
