"""Shared pieces of validation: which config values can be checked yet, and Codat's 400s as paths."""

from __future__ import annotations

import re
from collections.abc import Mapping

from tfplugin import UNKNOWN

def given(value: object) -> bool:
    """True for a value that is set and known: only those can be checked at validate and plan time."""
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
        if name:
            path = (name, int(match.group(2))) if match.group(2) is not None else (name,)
            found.append((path, match.group(3)))
    return found
