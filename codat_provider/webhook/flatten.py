"""Codat API replies -> `codat_webhook` state.

Codat answers `[]` (or null) for a list that was never set. An unset list stays null in state, so a
configuration that leaves `event_types` or `company_tags` out plans clean; a list someone filled in
behind Terraform's back still shows up as drift.
"""

from __future__ import annotations

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing on every provider start
if TYPE_CHECKING:
    from typing import Any


def _list(held: list[str], current: Any) -> list[str] | None:
    return None if not held and current is None else list(held)


def flatten_webhook(consumer: Any, state: dict) -> dict:
    """State attributes of one consumer; `state` is the current state (or plan) it is compared with."""
    return {
        "id": consumer.id,
        "url": consumer.url,
        "event_types": _list(consumer.event_types, state.get("event_types")),
        "company_tags": _list(consumer.company_tags, state.get("company_tags")),
        "disabled": bool(consumer.disabled),
    }
