"""Shared pieces of validation: which config values can be checked yet, and Codat's 400s as paths."""

from __future__ import annotations

import re
from collections.abc import Mapping

from tfplugin import UNKNOWN, Diagnostics

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing on every provider start
if TYPE_CHECKING:
    from typing import Any, TypeGuard


def given(value: object) -> TypeGuard[Any]:
    """True for a value that is set and known: only those can be checked at validate and plan time. Such a
    value has its attribute's type in the schema (tfplugin decoded it by the schema), which the checker cannot
    see through a config dict: it takes the value as Any."""
    return value is not None and value is not UNKNOWN


_ITEM = re.compile(r"^\s*([A-Za-z]+)(?:\[(\d+)\])?\s*:\s*(.*)$", re.S)


def bad_request_paths(validation_errors: list[str], api_fields: Mapping[str, str]) -> list[tuple[tuple, str]]:
    """(attribute path, Codat's message) for each `itemId: message` naming a field in `api_fields`.

    `api_fields` maps Codat's field name, lower-cased (e.g. "whitelisturls"), to the attribute name.
    """
    found = []
    for text in validation_errors:
        match = _ITEM.match(text)
        name = api_fields.get(match.group(1).lower()) if match else None
        if match and name:
            path = (name, int(match.group(2))) if match.group(2) is not None else (name,)
            found.append((path, match.group(3)))
    return found


def checkable(value: Any) -> Any:
    """`value` for the shared rules of `codat_settings.configuration`: Terraform's unknowns (at any depth)
    become `UNCHECKED`, which the rules skip."""
    from codat_settings.configuration import UNCHECKED

    if value is UNKNOWN:
        return UNCHECKED
    if isinstance(value, dict):
        return {k: checkable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [checkable(v) for v in value]
    return value


def report(diags: Diagnostics, summary: str, problems, prefix: tuple = ()) -> None:
    """One error per `codat_settings.configuration.Problem`, at `prefix` + its path."""
    for problem in problems:
        diags.error(summary, problem.message, path=prefix + problem.path)


_ITEM_PATH = re.compile(r"\[(\d+)\]|\.?([^.\[\]]+)")


def item_path(item_id: str) -> tuple[str | int, ...]:
    """Codat's `itemId` as steps: `settings[2].syncSchedule` -> ("settings", 2, "syncSchedule")."""
    return tuple(int(index) if index else name for index, name in _ITEM_PATH.findall(item_id))


def split_validation_error(text: str) -> tuple[tuple[str | int, ...], str]:
    """A CodatError's `validation_errors` entry (`itemId: message`) as (steps, message)."""
    item_id, sep, message = text.partition(": ")
    return (item_path(item_id.strip()), message) if sep else ((), text)
