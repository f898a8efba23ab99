"""Whether an apply result is what the plan said: Terraform's rule, checked before Terraform checks it.

Terraform accepts any value where the plan was unknown and nothing else where it was known; a result that
breaks the rule gets Terraform's "Provider produced inconsistent result after apply ... a bug in the provider".
The layer checks every create and update result first and reports what differs as an ordinary error (Terraform
skips its own check when the provider reports errors), and providers use ``differences_from_plan`` to say
more, e.g. after reading back a write the remote system did not acknowledge.

Lenient where Terraform is: a planned set holding unknowns is not compared; sets are compared without
order; numbers by value, whatever their Python type.
"""
from __future__ import annotations

from decimal import Decimal

from . import types as T
from ._screen import attribute_path
from .values import UNKNOWN, is_fully_known

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .values import Value


def differences_from_plan(typ: T.Type | None, planned: Value, actual: Value) -> list[str]:
    """Attribute paths (as text, e.g. ``data_types["invoices"].sync_schedule``) where ``actual`` is not what
    ``planned`` said; [] when it conforms. ``typ``: the resource's ``schema.implied_type()``."""
    found: list[str] = []
    _compare(planned, actual, typ, "", found)
    return found


def _compare(planned: Value, actual: Value, typ: T.Type | None, where: str, found: list[str]) -> None:
    if planned is UNKNOWN:
        return
    if planned is None or actual is None or actual is UNKNOWN:
        if not (planned is None and actual is None):
            found.append(where or "(the whole object)")
        return
    if isinstance(typ, T.Object) and isinstance(planned, dict) and isinstance(actual, dict):
        for name, attribute_type in typ.attributes.items():
            _compare(planned.get(name), actual.get(name), attribute_type, attribute_path(where, name), found)
    elif isinstance(typ, T.Map) and isinstance(planned, dict) and isinstance(actual, dict):
        if planned.keys() != actual.keys():
            found.append(where)
            return
        for key in planned:
            _compare(planned[key], actual[key], typ.element, f'{where}["{key}"]', found)
    elif isinstance(typ, (T.List, T.Tuple)) and isinstance(planned, list) and isinstance(actual, list):
        if len(planned) != len(actual):
            found.append(where)
            return
        types = typ.elements if isinstance(typ, T.Tuple) else [typ.element] * len(planned)
        for i, (p, a, t) in enumerate(zip(planned, actual, types, strict=True)):
            _compare(p, a, t, f"{where}[{i}]", found)
    elif isinstance(typ, T.Set) and isinstance(planned, list) and isinstance(actual, list):
        if is_fully_known(planned) and sorted(map(_canonical, planned)) != sorted(map(_canonical, actual)):
            found.append(where)
    elif _canonical(planned) != _canonical(actual):
        found.append(where or "(the whole object)")


def _canonical(value: Value) -> str:
    """A text equal for equal values: numbers by value, dict keys in order, bool apart from 1 and 0."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, (int, float, Decimal)):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        return f"n:{number.normalize() if number else 0}"
    if isinstance(value, str):
        return "s:" + repr(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{k!r}:{_canonical(v)}" for k, v in sorted(value.items())) + "}"
    if isinstance(value, list):
        return "[" + ",".join(map(_canonical, value)) + "]"
    return repr(value)
