"""Screening: no value the provider hands Terraform holds a secret the provider knows.

Once a provider gives ``set_scrubber`` a ``contains`` finder, the layer walks every value it returns as state
or plan (read, import, data source read, plan, apply, state upgrade) and every string of the private data it
keeps. A string that holds a secret is replaced whole by the provider's marker: a value cannot be masked in part
the way a message can, and the marker says plainly that something was withheld. Map keys are strings too.

Where the value came from decides what Terraform is told. A value the provider got from the remote system gets
the marker and one warning naming the resource and the attribute. A value taken from the configuration cannot
be changed without Terraform's "inconsistent plan/result" errors, so it is an error instead; that error has no
attribute path, because a path makes Terraform quote the configuration line, which would show the secret.

The configuration's strings are only gathered once a secret is found, so screening a clean value costs one
check per string.
"""
from __future__ import annotations

from . import _scrub, types as T
from ._private import private_object
from .values import UNKNOWN

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    from .diagnostics import Diagnostics
    from .schema import Attribute, Block, Schema
    from .values import Value

PRIVATE = "(private data)"


def attribute_path(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


class Screen:
    """The screening of one RPC's values; ``config`` is the configuration they were planned or read from, of
    ``schema`` (its write-only values are never returned, so a value equal to one did not come from it)."""

    __slots__ = ("_config", "_schema", "_config_strings", "withheld", "configured")

    def __init__(self, config: Value = None, schema: Schema | None = None) -> None:
        self._config = config
        self._schema = schema
        self._config_strings: set[str] | None = None
        self.withheld: list[str] = []  # attribute paths of values withheld (from the remote system)
        self.configured: list[str] = []  # attribute paths of values taken from the configuration

    @property
    def found(self) -> bool:
        return bool(self.withheld or self.configured)

    def value(self, value: Value, typ: T.Type, where: str = "") -> Value:
        """``value`` (of type ``typ``) with every string that holds a secret replaced by the marker."""
        if not _scrub.screening():
            return value
        return self._walk(value, typ, where)

    def untyped(self, value: Value, where: str) -> Value:
        """The same for a plain JSON-like value (private data)."""
        if not _scrub.screening():
            return value
        return self._walk(value, None, where)

    def report(self, diags: Diagnostics, type_name: str) -> None:
        """One warning per attribute withheld, one error per attribute whose configured value holds a secret."""
        shown = _scrub.marker()
        for where in dict.fromkeys(self.configured):
            diags.error(
                f"{type_name}: {where} holds a secret",
                f"The configuration sets {where} of {type_name} to a value that contains a secret this provider "
                "knows. Terraform keeps that attribute in plan and state and shows it, and a value taken from the "
                "configuration cannot be withheld there, so it is refused. Pass secrets only through write-only "
                "attributes, fed by TF_VAR_ variables (a variable with sensitive = true and ephemeral = true, set "
                "from TF_VAR_<name> in the environment), never through an ordinary attribute.")
        for where in dict.fromkeys(self.withheld):
            if where in self.configured:
                continue
            diags.warning(
                f"{type_name}: {where} withheld: it held a secret",
                f"The value of {where} that {type_name} got contains a secret this provider knows, so Terraform "
                f"gets \"{shown}\" in its place: state, plans and output never hold it. Find out why the remote "
                "system holds a secret in that field (someone may have pasted one there) and remove it at the "
                "source.")

    # ------------------------------------------------------------------ walking

    def _string(self, text: str, where: str) -> str:
        if not _scrub.holds_secret(text):
            return text
        (self.configured if text in self._configuration_strings() else self.withheld).append(where or "(root)")
        return _scrub.marker()

    def _configuration_strings(self) -> set[str]:
        if self._config_strings is None:
            found: set[str] = set()
            if isinstance(self._config, dict) and self._schema is not None:
                _returned_strings(self._schema.attributes, self._schema.blocks, self._config, found)
            self._config_strings = found
        return self._config_strings

    def _walk(self, value: Value, typ: T.Type | None, where: str) -> Value:
        if value is None or value is UNKNOWN:
            return value
        kind = getattr(typ, "kind", "dynamic")
        if isinstance(value, str):
            return self._string(value, where) if kind in ("string", "dynamic") else value
        if isinstance(value, dict):
            if isinstance(typ, T.Object):  # a new dict: the value may share its parts with another (the plan)
                return {name: self._walk(item, typ.attributes.get(name), attribute_path(where, name))
                        for name, item in value.items()}
            return self._mapping(value, typ.element if isinstance(typ, T.Map) else None, where)
        if isinstance(value, list):
            if isinstance(typ, T.Set):
                return self._set(value, typ.element, where)
            if isinstance(typ, T.Tuple):
                pairs = enumerate(zip(value, typ.elements, strict=True))  # a wrong length fails, never drops values
                return [self._walk(v, t, f"{where}[{i}]") for i, (v, t) in pairs]
            element = typ.element if isinstance(typ, T.List) else None
            return [self._walk(v, element, f"{where}[{i}]") for i, v in enumerate(value)]
        return value

    def _mapping(self, value: dict[str, Value], element: T.Type | None, where: str) -> dict[str, Value]:
        out: dict[str, Value] = {}
        for key, item in value.items():
            if isinstance(key, str) and _scrub.holds_secret(key):
                self._string(key, f"{where} (a key)")
                key = _free_key(out)
            out[key] = self._walk(item, element, f'{where}["{key}"]')
        return out

    def _set(self, value: list[Value], element: T.Type, where: str) -> list[Value]:
        """Set elements have no attribute path: the set's own. Two elements withheld alike become one."""
        before = len(self.withheld) + len(self.configured)
        out = [self._walk(v, element, where) for v in value]
        if len(self.withheld) + len(self.configured) == before:
            return out
        unique: list[Value] = []
        for item in out:
            if item not in unique:
                unique.append(item)
        return unique


def _free_key(taken: dict[str, Value]) -> str:
    shown = _scrub.marker()
    key, n = shown, 1
    while key in taken:
        n += 1
        key = f"{shown} {n}"
    return key


def _returned_strings(attributes: Iterable[Attribute], blocks: Iterable[Block], obj: dict[str, Value],
                      found: set[str]) -> None:
    """The strings of a configuration object in attributes that are not write-only."""
    for a in attributes:
        value = obj.get(a.name)
        if a.write_only:
            continue
        if a.nested is not None:
            for item in nested_items(value, a.nested.nesting):
                _returned_strings(a.nested.attributes, [], item, found)
        else:
            collect_strings(value, found)
    for b in blocks:
        for item in nested_items(obj.get(b.name), b.nesting):
            _returned_strings(b.schema.attributes, b.schema.blocks, item, found)


def nested_items(value: Value, nesting: str) -> list[dict[str, Value]]:
    """The objects of a nested block or nested attribute value of that nesting."""
    if isinstance(value, dict):
        if nesting == "map":
            return [v for v in value.values() if isinstance(v, dict)]
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []


def collect_strings(value: Value, found: set[str]) -> None:
    """Every string in ``value`` (map keys included) into ``found``."""
    if isinstance(value, str):
        found.add(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                found.add(key)
            collect_strings(item, found)
    elif isinstance(value, list):
        for item in value:
            collect_strings(item, found)


def secret_values(schema: Schema, config: Value) -> list[str]:
    """The strings a configuration holds in write-only and sensitive attributes (nested ones included): what
    Provider.learn_secrets is handed."""
    found: set[str] = set()
    if isinstance(config, dict):
        _secrets_in(schema.attributes, schema.blocks, config, found)
    return sorted(found)


def _secrets_in(attributes: Iterable[Attribute], blocks: Iterable[Block], obj: dict[str, Value],
                found: set[str]) -> None:
    for a in attributes:
        value = obj.get(a.name)
        if a.write_only or a.sensitive:
            collect_strings(value, found)
        elif a.nested is not None:
            for item in nested_items(value, a.nested.nesting):
                _secrets_in(a.nested.attributes, [], item, found)
    for b in blocks:
        for item in nested_items(obj.get(b.name), b.nesting):
            _secrets_in(b.schema.attributes, b.schema.blocks, item, found)


def screen_private(private: bytes, screen: Screen) -> bytes:
    """``private`` without a secret: Terraform never shows it, but keeps it in the state file (base64).
    Strings of the layer's JSON object that hold one are replaced by the marker; private state of another
    format that holds one is dropped."""
    if not private or not _scrub.screening():
        return private
    obj = private_object(private)
    if obj is None:
        if not _scrub.holds_secret(private.decode("utf-8", "replace")):
            return private
        screen.withheld.append(PRIVATE)
        return b""
    own = Screen()  # never "from the configuration": private data is the provider's own
    clean = own.untyped(obj, PRIVATE)
    if not own.found:
        return private
    screen.withheld += own.withheld
    import json
    return json.dumps(clean, separators=(",", ":"), sort_keys=True).encode()
