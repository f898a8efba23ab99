"""Write-only attributes (Terraform 1.11+): null in every plan and state the layer returns, and refused, with
the version they need, by a Terraform that does not announce them."""
from __future__ import annotations

from ._messages import path_text
from ._screen import nested_items
from .diagnostics import Diagnostics
from .schema import Schema

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from .diagnostics import Path
    from .schema import Attribute, Block
    from .values import Value


WRITE_ONLY_TF_VERSION = "1.11"


def null_write_only(schema: Schema, value: Value) -> None:
    """Every write-only attribute of ``value`` (an object of ``schema``, nested ones included) set to null."""
    if isinstance(value, dict):
        _null_wo(schema.attributes, schema.blocks, value)


def _null_wo(attributes: Sequence[Attribute], blocks: Sequence[Block], obj: dict[str, Value]) -> None:
    for a in attributes:
        if a.write_only:
            obj[a.name] = None
        elif a.nested is not None:
            for item in nested_items(obj.get(a.name), a.nested.nesting):
                _null_wo(a.nested.attributes, [], item)
    for b in blocks:
        for item in nested_items(obj.get(b.name), b.nesting):
            _null_wo(b.schema.attributes, b.schema.blocks, item)


def refuse_unannounced(schema: Schema, config: Value, client_capabilities: dict[str, Any], type_name: str,
                       diags: Diagnostics) -> None:
    """An error for each write-only attribute the configuration sets when Terraform did not announce
    write_only_attributes_allowed (before 1.11 it would keep their values in plan and state)."""
    if client_capabilities.get("write_only_attributes_allowed"):
        return
    for path in write_only_paths_set(schema, config, ()):
        diags.error("Write-only attribute not supported by this Terraform version",
                    f"The attribute {path_text(path)} of {type_name} is write-only: its value is sent to the "
                    f"provider but never stored in plan or state. Write-only attributes need Terraform "
                    f"{WRITE_ONLY_TF_VERSION} or later; upgrade Terraform, or remove the attribute from the "
                    "configuration.", path)


def write_only_paths_set(schema: Schema, config: Value, path: Path) -> list[Path]:
    """Paths of write-only attributes that the configuration sets (non-null)."""
    out: list[Path] = []
    if isinstance(config, dict):
        _wo_paths(schema.attributes, schema.blocks, config, path, out)
    return out


def _wo_paths(attributes: Sequence[Attribute], blocks: Sequence[Block], obj: dict[str, Value], path: Path,
              out: list[Path]) -> None:
    for a in attributes:
        v = obj.get(a.name)
        if a.write_only and v is not None:
            out.append(path + (a.name,))
        elif a.nested is not None:
            for sub, item in _nested_items_with_keys(v, a.nested.nesting, path + (a.name,)):
                _wo_paths(a.nested.attributes, [], item, sub, out)
    for b in blocks:
        for sub, item in _nested_items_with_keys(obj.get(b.name), b.nesting, path + (b.name,)):
            _wo_paths(b.schema.attributes, b.schema.blocks, item, sub, out)


def _nested_items_with_keys(value: Value, nesting: str, path: Path) -> list[tuple[Path, dict[str, Value]]]:
    if isinstance(value, dict):
        if nesting == "map":
            return [(path + (k,), v) for k, v in value.items() if isinstance(v, dict)]
        return [(path, value)]
    if isinstance(value, list):
        if nesting == "set":
            return [(path, v) for v in value if isinstance(v, dict)]
        return [(path + (i,), v) for i, v in enumerate(value) if isinstance(v, dict)]
    return []
