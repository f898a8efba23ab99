"""Configuration -> Codat API arguments for `codat_webhook`."""

from __future__ import annotations

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing on every provider start
if TYPE_CHECKING:
    from typing import Any


def create_args(planned: dict) -> dict:
    """Keyword arguments of `CodatClient.create_webhook` (POST /webhooks) from the planned state."""
    return {
        "url": planned["url"],
        "event_types": list(planned.get("event_types") or ()),
        "company_tags": list(planned.get("company_tags") or ()),
        "disabled": bool(planned.get("disabled")),
    }


def same_consumer(consumer: Any, wanted: dict) -> bool:
    """Whether Codat's consumer is the one ``create_args`` describe, lists in the same order (state takes
    Codat's lists, and must be what the plan said)."""
    return (consumer.url == wanted["url"]
            and list(consumer.event_types) == wanted["event_types"]
            and list(consumer.company_tags) == wanted["company_tags"]
            and bool(consumer.disabled) == wanted["disabled"])


# Codat's validation itemIds (camelCase, sometimes indexed: `companyTags[2]`) -> attribute names.
API_FIELDS = {"url": "url", "eventtypes": "event_types", "companytags": "company_tags", "disabled": "disabled"}
