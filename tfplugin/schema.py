"""Schemas: what a provider, resource or data source block accepts and returns."""
from __future__ import annotations

from . import types as T

__all__ = ["Schema", "Attribute", "Block", "NestedAttributes"]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

_BLOCK_NESTING = {"single": 1, "list": 2, "set": 3, "map": 4, "group": 5}
_ATTR_NESTING = {"single": 1, "list": 2, "set": 3, "map": 4}


class NestedAttributes:
    """An attribute whose value is an object (or list/set/map of objects) with its own
    attributes, each with its own flags. Use as ``Attribute(..., type=NestedAttributes(...))``."""

    def __init__(self, attributes: Iterable[Attribute], nesting: str = "single") -> None:
        if nesting not in _ATTR_NESTING:
            raise ValueError(f"NestedAttributes nesting must be one of {sorted(_ATTR_NESTING)}, got {nesting!r}")
        self.attributes = list(attributes)
        self.nesting = nesting
        _check_unique(self.attributes, ())
        self.by_name = {a.name: a for a in self.attributes}

    def object_type(self) -> T.Object:
        return T.Object({a.name: a.value_type() for a in self.attributes})

    def implied_type(self) -> T.Type:
        obj = self.object_type()
        if self.nesting == "single":
            return obj
        return {"list": T.List, "set": T.Set, "map": T.Map}[self.nesting](obj)

    def to_proto(self) -> dict[str, Any]:
        return {"attributes": [a.to_proto() for a in self.attributes], "nesting": _ATTR_NESTING[self.nesting]}


class Attribute:
    def __init__(self, name: str, type: T.Type | NestedAttributes, *, description: str = "",
                 markdown_description: str | None = None, required: bool = False, optional: bool = False,
                 computed: bool = False, sensitive: bool = False, write_only: bool = False, deprecated: bool = False,
                 requires_replace: bool = False, default: Any = None) -> None:
        if not isinstance(type, (T.Type, NestedAttributes)):
            raise TypeError(f"attribute {name!r}: type must be a tfplugin.types type or NestedAttributes")
        if required and (optional or computed):
            raise ValueError(f"attribute {name!r}: required cannot be combined with optional or computed")
        if not (required or optional or computed):
            raise ValueError(f"attribute {name!r}: set one of required, optional or computed")
        if write_only and computed:
            raise ValueError(f"attribute {name!r}: a write-only attribute cannot be computed")
        if default is not None and not (optional and computed):
            raise ValueError(f"attribute {name!r}: a default needs optional=True and computed=True")
        self.name = name
        self.type = type
        self.description = description
        self.markdown_description = markdown_description
        self.required = required
        self.optional = optional
        self.computed = computed
        self.sensitive = sensitive
        self.write_only = write_only
        self.deprecated = deprecated
        self.requires_replace = requires_replace
        self.default = default

    @property
    def nested(self) -> NestedAttributes | None:
        return self.type if isinstance(self.type, NestedAttributes) else None

    def value_type(self) -> T.Type:
        return self.type.implied_type() if isinstance(self.type, NestedAttributes) else self.type

    def to_proto(self) -> dict[str, Any]:
        desc, kind = _description(self.description, self.markdown_description)
        out: dict[str, Any] = {"name": self.name, "description": desc, "description_kind": kind,
               "required": self.required, "optional": self.optional, "computed": self.computed,
               "sensitive": self.sensitive, "deprecated": self.deprecated, "write_only": self.write_only}
        if isinstance(self.type, NestedAttributes):
            out["nested_type"] = self.type.to_proto()
        else:
            out["type"] = self.type.json_bytes()
        return out

    def __repr__(self) -> str:
        return f"Attribute({self.name!r}, {self.type!r})"


class Block:
    """A nested block type (``name { ... }`` in configuration)."""

    def __init__(self, name: str, schema: Schema, nesting: str = "single", min_items: int = 0,
                 max_items: int = 0) -> None:
        if nesting not in _BLOCK_NESTING:
            raise ValueError(f"block {name!r}: nesting must be one of {sorted(_BLOCK_NESTING)}, got {nesting!r}")
        self.name = name
        self.schema = schema
        self.nesting = nesting
        self.min_items = min_items
        self.max_items = max_items

    def implied_type(self) -> T.Type:
        obj = self.schema.implied_type()
        if self.nesting in ("single", "group"):
            return obj
        return {"list": T.List, "set": T.Set, "map": T.Map}[self.nesting](obj)

    def to_proto(self) -> dict[str, Any]:
        return {"type_name": self.name, "block": self.schema.block_proto(), "nesting": _BLOCK_NESTING[self.nesting],
                "min_items": self.min_items, "max_items": self.max_items}

    def __repr__(self) -> str:
        return f"Block({self.name!r}, nesting={self.nesting!r})"


class Schema:
    def __init__(self, attributes: Iterable[Attribute] = (), blocks: Iterable[Block] = (), version: int = 0,
                 description: str = "", markdown_description: str | None = None, deprecated: bool = False) -> None:
        self.attributes = list(attributes)
        self.blocks = list(blocks)
        self.version = version
        self.description = description
        self.markdown_description = markdown_description
        self.deprecated = deprecated
        _check_unique(self.attributes, self.blocks)
        self.attribute_by_name = {a.name: a for a in self.attributes}
        self.block_by_name = {b.name: b for b in self.blocks}
        self._type: T.Object | None = None

    def implied_type(self) -> T.Object:
        """The cty object type of a value of this block."""
        if self._type is None:
            attrs = {a.name: a.value_type() for a in self.attributes}
            for b in self.blocks:
                attrs[b.name] = b.implied_type()
            self._type = T.Object(attrs)
        return self._type

    def block_proto(self) -> dict[str, Any]:
        desc, kind = _description(self.description, self.markdown_description)
        return {"version": self.version, "attributes": [a.to_proto() for a in self.attributes],
                "block_types": [b.to_proto() for b in self.blocks], "description": desc,
                "description_kind": kind, "deprecated": self.deprecated}

    def to_proto(self) -> dict[str, Any]:
        return {"version": self.version, "block": self.block_proto()}

    def has_write_only(self) -> bool:
        return any(a.write_only or (a.nested is not None and _nested_has_write_only(a.nested))
                   for a in self.attributes) or any(b.schema.has_write_only() for b in self.blocks)

    def __repr__(self) -> str:
        return f"Schema({len(self.attributes)} attributes, {len(self.blocks)} blocks, version={self.version})"


def _nested_has_write_only(n: NestedAttributes) -> bool:
    return any(a.write_only or (a.nested is not None and _nested_has_write_only(a.nested)) for a in n.attributes)


def _description(plain: str, markdown: str | None) -> tuple[str, int]:
    if markdown:
        return markdown, 1
    return plain or "", 0


def _check_unique(attributes: Iterable[Attribute], blocks: Iterable[Block]) -> None:
    seen: set[str] = set()
    for item in list(attributes) + list(blocks):
        if item.name in seen:
            raise ValueError(f"duplicate attribute or block name {item.name!r}")
        seen.add(item.name)
