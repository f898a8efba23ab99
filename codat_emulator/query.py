"""Codat's query language (`query=`) and ordering (`orderBy=`) for list endpoints.

Grammar, per docs.codat.io/using-the-api/querying: clauses `property<op>value` with ops
`= != ~ > < >= <=`, joined by `&&` and `||`, grouped with `{ }`, dotted sub-properties, under 2048
characters. `&&` binds tighter than `||` (the docs ask for braces when mixing them). String
comparison is case-insensitive, as Codat's is for enum-like values (`sourceType=accounting`).
A clause on a null/absent value never matches ("querying on null fields is not supported").
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable

MAX_QUERY_LENGTH = 2048

_OPS = ("!=", ">=", "<=", "=", "~", ">", "<")
_PROPERTY = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*")


class QueryError(ValueError):
    """A malformed query or ordering; the server answers 400 with this message."""


Predicate = Callable[[dict], bool]


def _resolve(fields: Iterable[str], prop: str, type_name: str) -> list[str]:
    """Map a (case-insensitive, dotted) property to the real field path, or fail like Codat does."""
    head, *rest = prop.split(".")
    for field in fields:
        if field.lower() == head.lower():
            return [field, *rest]
    raise QueryError(f"Could not resolve property {prop} on {type_name}")


def _lookup(item: Any, path: list[str]) -> Any:
    for part in path:
        if not isinstance(item, dict):
            return None
        match = next((k for k in item if k.lower() == part.lower()), None)
        item = item.get(match) if match else None
    return item


def _compare(actual: Any, op: str, text: str) -> bool:
    if actual is None:
        return False
    if isinstance(actual, bool):
        if text.lower() not in ("true", "false") or op not in ("=", "!="):
            raise QueryError(f"Cannot compare a boolean with {op}{text}")
        return (actual == (text.lower() == "true")) == (op == "=")
    if isinstance(actual, (int, float)):
        if op == "~":
            raise QueryError("The contains operator (~) only applies to strings")
        try:
            other: Any = float(text)
        except ValueError:
            raise QueryError(f"Cannot compare a number with {text}") from None
        left: Any = float(actual)
    elif isinstance(actual, str):
        left, other = actual.lower(), text.lower()
        if op == "~":
            return other in left
    else:
        raise QueryError("Querying inside arrays or objects is not supported")
    return {"=": left == other, "!=": left != other, ">": left > other, "<": left < other,
            ">=": left >= other, "<=": left <= other}[op]


class _Parser:
    def __init__(self, text: str, fields: list[str], type_name: str):
        self.text, self.pos, self.fields, self.type_name = text, 0, fields, type_name

    def parse(self) -> Predicate:
        pred = self._or()
        self._skip()
        if self.pos != len(self.text):
            raise QueryError("Malformed query.")
        return pred

    def _skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def _take(self, token: str) -> bool:
        self._skip()
        if self.text.startswith(token, self.pos):
            self.pos += len(token)
            return True
        return False

    def _or(self) -> Predicate:
        parts = [self._and()]
        while self._take("||"):
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else (lambda item: any(p(item) for p in parts))

    def _and(self) -> Predicate:
        parts = [self._factor()]
        while self._take("&&"):
            parts.append(self._factor())
        return parts[0] if len(parts) == 1 else (lambda item: all(p(item) for p in parts))

    def _factor(self) -> Predicate:
        if self._take("{"):
            inner = self._or()
            if not self._take("}"):
                raise QueryError("Malformed query.")
            return inner
        return self._clause()

    def _clause(self) -> Predicate:
        m = _PROPERTY.match(self.text, self.pos)
        if not m:
            raise QueryError("Malformed query.")
        self.pos = m.end()
        op = next((o for o in _OPS if self.text.startswith(o, self.pos)), None)
        if op is None:
            raise QueryError("Malformed query.")
        self.pos += len(op)
        end = len(self.text)
        for stop in ("&&", "||", "}"):
            found = self.text.find(stop, self.pos)
            if found != -1:
                end = min(end, found)
        value = self.text[self.pos:end].strip()
        self.pos = end
        if not value:
            raise QueryError("Malformed query.")
        path = _resolve(self.fields, m.group(1), self.type_name)
        return lambda item: _compare(_lookup(item, path), op, value)


def compile_query(text: str, fields: list[str], type_name: str) -> Predicate:
    """Parse `text` against a resource's field names; raise QueryError when it is not valid."""
    if len(text) >= MAX_QUERY_LENGTH:
        raise QueryError(f"The query must be under {MAX_QUERY_LENGTH} characters.")
    return _Parser(text, fields, type_name).parse()


def order(items: list[dict], order_by: str, fields: list[str], type_name: str) -> list[dict]:
    """Sort by comma-separated fields, `-` prefix for descending; absent values sort last."""
    keys = []
    for raw in order_by.split(","):
        raw = raw.strip()
        descending = raw.startswith("-")
        prop = raw[1:].strip() if descending else raw
        if not _PROPERTY.fullmatch(prop or "-"):
            raise QueryError(f"{raw!r} is not a property name.")
        keys.append((_resolve(fields, prop, type_name), descending))
    result = list(items)
    for path, descending in reversed(keys):  # stable sorts, least significant key first
        present = [i for i in result if _lookup(i, path) is not None]
        absent = [i for i in result if _lookup(i, path) is None]

        def key(item: dict, path: list[str] = path) -> Any:
            value = _lookup(item, path)
            return value.lower() if isinstance(value, str) else value

        try:
            present.sort(key=key, reverse=descending)
        except TypeError:
            raise QueryError(f"Cannot order by {'.'.join(path)}") from None
        result = present + absent
    return result
