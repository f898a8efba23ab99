"""Terraform (cty) type constraints.

    types.String, types.Number, types.Bool, types.Dynamic
    types.List(t), types.Set(t), types.Map(t)
    types.Object({"a": t, ...}, optional=frozenset({"a"})), types.Tuple([t, ...])

Python value conventions (see tfplugin.values): string -> str, number -> int (exact,
any size) or decimal.Decimal for non-integers (float is accepted on output), bool -> bool,
list/set/tuple -> list (a set is a list whose order means nothing), map/object -> dict,
null -> None, unknown -> tfplugin.UNKNOWN.
"""
from __future__ import annotations

__all__ = ["Type", "String", "Number", "Bool", "Dynamic", "List", "Set", "Map", "Object",
           "Tuple", "from_json", "to_json"]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any, TypeAlias

    TypeJson: TypeAlias = "str | list[Any]"  # Terraform's JSON type notation, decoded


class Type:
    """Base of all type constraints. Instances are immutable and hashable."""

    kind: str = ""

    def json(self) -> TypeJson:
        """The type as a JSON-able structure, Terraform's type-constraint notation."""
        raise NotImplementedError

    def json_bytes(self) -> bytes:
        """Compact JSON encoding, as used on the wire (``Schema.Attribute.type``)."""
        return _dump(self.json()).encode("utf-8")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Type) and self.json() == other.json()

    def __hash__(self) -> int:
        return hash(_dump(self.json()))

    def friendly(self) -> str:
        """A short human-readable name, e.g. ``list of string`` (for docs and errors)."""
        raise NotImplementedError


class _Primitive(Type):
    def __init__(self, kind: str) -> None:
        self.kind = kind

    def json(self) -> TypeJson:
        return self.kind

    def friendly(self) -> str:
        return "any" if self.kind == "dynamic" else self.kind

    def __repr__(self) -> str:
        return f"types.{self.kind.capitalize()}"


String = _Primitive("string")
Number = _Primitive("number")
Bool = _Primitive("bool")
Dynamic = _Primitive("dynamic")


class _Collection(Type):
    kind = ""

    def __init__(self, element: Type) -> None:
        if not isinstance(element, Type):
            raise TypeError(f"{type(self).__name__}() needs a type, got {element!r}")
        self.element = element

    def json(self) -> TypeJson:
        return [self.kind, self.element.json()]

    def friendly(self) -> str:
        return f"{self.kind} of {self.element.friendly()}"

    def __repr__(self) -> str:
        return f"types.{type(self).__name__}({self.element!r})"


class List(_Collection):
    kind = "list"


class Set(_Collection):
    kind = "set"


class Map(_Collection):
    kind = "map"


class Object(Type):
    kind = "object"

    def __init__(self, attributes: dict[str, Type], optional: Iterable[str] = frozenset()) -> None:
        self.attributes = dict(attributes)
        self.optional = frozenset(optional)
        for t in self.attributes.values():
            if not isinstance(t, Type):
                raise TypeError(f"Object() attribute types must be types, got {t!r}")
        unknown = self.optional - set(self.attributes)
        if unknown:
            raise ValueError(f"optional names unknown attributes: {sorted(unknown)}")

    def json(self) -> TypeJson:
        attrs = {k: v.json() for k, v in self.attributes.items()}
        if self.optional:
            return ["object", attrs, sorted(self.optional)]
        return ["object", attrs]

    def friendly(self) -> str:
        return "object"

    def __repr__(self) -> str:
        opt = f", optional={set(self.optional)!r}" if self.optional else ""
        return f"types.Object({self.attributes!r}{opt})"


class Tuple(Type):
    kind = "tuple"

    def __init__(self, elements: Iterable[Type]) -> None:
        self.elements = list(elements)

    def json(self) -> TypeJson:
        return ["tuple", [e.json() for e in self.elements]]

    def friendly(self) -> str:
        return "tuple"

    def __repr__(self) -> str:
        return f"types.Tuple({self.elements!r})"


_PRIMITIVES = {"string": String, "number": Number, "bool": Bool, "dynamic": Dynamic}


def from_json(obj: Any) -> Type:
    """Parse Terraform's JSON type notation (already decoded, or bytes/str)."""
    if isinstance(obj, (bytes, str)) and not (isinstance(obj, str) and obj in _PRIMITIVES):
        import json
        obj = json.loads(obj)
    if isinstance(obj, str):
        try:
            return _PRIMITIVES[obj]
        except KeyError:
            raise ValueError(f"unknown type {obj!r}") from None
    if isinstance(obj, list) and obj:
        kind = obj[0]
        if kind in ("list", "set", "map") and len(obj) == 2:
            return {"list": List, "set": Set, "map": Map}[kind](from_json(obj[1]))
        if kind == "object" and len(obj) in (2, 3):
            return Object({k: from_json(v) for k, v in obj[1].items()},
                          optional=frozenset(obj[2]) if len(obj) == 3 else frozenset())
        if kind == "tuple" and len(obj) == 2:
            return Tuple([from_json(e) for e in obj[1]])
    raise ValueError(f"invalid type constraint {obj!r}")


def to_json(t: Type) -> bytes:
    return t.json_bytes()


def _dump(obj: Any) -> str:
    """Compact deterministic JSON for type structures (no json import on the start path)."""
    if isinstance(obj, str):
        if obj.isidentifier() or all(c.isalnum() or c in "_-" for c in obj):
            return '"' + obj + '"'
        import json
        return json.dumps(obj)
    if isinstance(obj, list):
        return "[" + ",".join(_dump(o) for o in obj) + "]"
    if isinstance(obj, dict):
        return "{" + ",".join(_dump(k) + ":" + _dump(v) for k, v in sorted(obj.items())) + "}"
    raise TypeError(obj)
