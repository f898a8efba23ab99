"""Codat's supplemental data configuration -> `codat_supplemental_data` state (all of it: the resource owns it)."""

from __future__ import annotations

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing on every provider start
if TYPE_CHECKING:
    from typing import Any


def resource_id(platform_key: str, data_type: str) -> str:
    return f"{platform_key}/{data_type}"


def flatten_sources(sources: dict[str, Any]) -> dict[str, dict]:
    return {
        name: {"data_source": source.data_source, "pull_data": source.pull_data, "push_data": source.push_data}
        for name, source in sources.items()
    }
