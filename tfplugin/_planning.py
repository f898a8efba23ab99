"""The layer's default plan (docs/tfplugin.md, "What the layer does for you": Planning), before a resource's
own modify_plan."""
from __future__ import annotations

from . import types as T, values as V
from .schema import Schema
from .values import copy_value

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from .diagnostics import Path
    from .schema import Attribute, Block
    from .values import Value


def default_plan(schema: Schema, prior: Value, config: Value, planned: dict[str, Value], requires_replace: list[Path],
                 path: Path = ()) -> None:
    """The layer's default plan, applied in place to ``planned`` (a copy of proposed_new_state).

    - write-only attributes: null.
    - computed attribute with null config: on create the default (if any) or UNKNOWN; on update
      the default (if any), else the prior value (Terraform's proposed state already holds it).
    - requires_replace attribute whose planned value differs from the prior: its path is added to
      requires_replace, and computed attributes are then planned as on create.
    """
    _plan_object(schema.attributes, schema.blocks, prior, config, planned, requires_replace, path)
    if prior is not None and requires_replace and not path:
        _plan_object(schema.attributes, schema.blocks, None, config, planned, [], path)


def _plan_object(attributes: Sequence[Attribute], blocks: Sequence[Block], prior: Value, config: Value,
                 planned: dict[str, Value], rr: list[Path], path: Path) -> None:
    for a in attributes:
        n = a.name
        p = path + (n,)
        if a.write_only:
            planned[n] = None
            continue
        cv = config.get(n) if isinstance(config, dict) else None
        pv = prior.get(n) if isinstance(prior, dict) else None
        if a.requires_replace and prior is not None and not _equal(planned.get(n), pv, a.value_type()):
            rr.append(p)
        if a.computed and cv is None:
            if a.default is not None:
                planned[n] = copy_value(a.default)
            elif prior is None:
                planned[n] = V.UNKNOWN
        elif a.nested is not None and planned.get(n) is not None and planned.get(n) is not V.UNKNOWN:
            _plan_nested(a.nested.attributes, [], a.nested.nesting, pv, cv, planned, n, rr, p)
    for b in blocks:
        n = b.name
        pv = prior.get(n) if isinstance(prior, dict) else None
        cv = config.get(n) if isinstance(config, dict) else None
        if planned.get(n) is not None and planned.get(n) is not V.UNKNOWN:
            _plan_nested(b.schema.attributes, b.schema.blocks, b.nesting, pv, cv, planned, n, rr, path + (n,))


def _plan_nested(attributes: Sequence[Attribute], blocks: Sequence[Block], nesting: str, prior: Value, config: Value,
                 parent: dict[str, Value], name: str, rr: list[Path], path: Path) -> None:
    value = parent[name]
    if nesting in ("single", "group"):
        if isinstance(value, dict):
            _plan_object(attributes, blocks, prior if isinstance(prior, dict) else None,
                         config if isinstance(config, dict) else None, value, rr, path)
    elif nesting == "list":
        if isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    pi = prior[i] if isinstance(prior, list) and i < len(prior) else None
                    ci = config[i] if isinstance(config, list) and i < len(config) else None
                    _plan_object(attributes, blocks, pi, ci, item, rr, path + (i,))
    elif nesting == "map":
        if isinstance(value, dict):
            for k, item in value.items():
                if isinstance(item, dict):
                    pi = prior.get(k) if isinstance(prior, dict) else None
                    ci = config.get(k) if isinstance(config, dict) else None
                    _plan_object(attributes, blocks, pi, ci, item, rr, path + (k,))
    elif nesting == "set":
        if isinstance(value, list):
            keys = [a.name for a in attributes if not a.computed] + [b.name for b in blocks]
            used: set[int] = set()
            for item in value:
                if not isinstance(item, dict):
                    continue
                match = None
                if isinstance(prior, list):
                    for j, pi in enumerate(prior):
                        if j not in used and isinstance(pi, dict) and all(
                                _loose_equal(item.get(k), pi.get(k)) for k in keys):
                            match = pi
                            used.add(j)
                            break
                ci = None
                if isinstance(config, list):
                    for c in config:
                        if isinstance(c, dict) and all(_loose_equal(item.get(k), c.get(k)) for k in keys):
                            ci = c
                            break
                _plan_object(attributes, blocks, match, ci, item, [], path)  # no paths into sets
            # a set element cannot be addressed: a change of a requires_replace attribute of an
            # element replaces on the set itself
            rep = [a.name for a in attributes if a.requires_replace]
            if rep and isinstance(prior, list):
                def proj(items: Iterable[Value]) -> list[str]:
                    return sorted(repr([i.get(n) for n in rep]) for i in items if isinstance(i, dict))
                if proj(value) != proj(prior):
                    rr.append(path)


def _loose_equal(a: Value, b: Value) -> bool:
    return bool(a == b)


def _equal(a: Value, b: Value, t: T.Type) -> bool:
    if a is V.UNKNOWN or b is V.UNKNOWN:
        return False
    if a is None or b is None:
        return a is None and b is None
    if isinstance(t, T.Set) and isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and sorted(map(repr, a)) == sorted(map(repr, b))
    return bool(a == b)


def unique_paths(paths: Iterable[Iterable[str | int]]) -> list[Path]:
    """``paths`` as tuples, each once, in their first order."""
    seen: set[Path] = set()
    out: list[Path] = []
    for p in paths:
        path = tuple(p)
        if path not in seen:
            seen.add(path)
            out.append(path)
    return out
