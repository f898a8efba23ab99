"""Codat's custom data type -> `codat_custom_data_type` state.

Codat answers `requiredData: {}` for a configuration that set none: an unset map stays null in state, so a
configuration that leaves `required_data` out plans clean, while one filled in behind Terraform's back still
shows as drift.
"""

from __future__ import annotations

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing on every provider start
if TYPE_CHECKING:
    from typing import Any


def resource_id(platform_key: str, identifier: str) -> str:
    return f"{platform_key}/{identifier}"


def flatten_custom_data_type(configuration: Any, state: dict) -> dict:
    required = dict(configuration.required_data)
    return {
        "id": resource_id(state["platform_key"], state["identifier"]),
        "data_source": configuration.data_source,
        "key_by": list(configuration.key_by),
        "required_data": None if not required and state.get("required_data") is None else required,
        "source_modified_date": configuration.source_modified_date,
    }
