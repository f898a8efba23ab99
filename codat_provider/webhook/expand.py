"""Configuration -> Codat API arguments for `codat_webhook`."""

from __future__ import annotations


def create_args(planned: dict) -> dict:
    """Keyword arguments of `CodatClient.create_webhook` (POST /webhooks) from the planned state."""
    return {
        "url": planned["url"],
        "event_types": list(planned.get("event_types") or ()),
        "company_tags": list(planned.get("company_tags") or ()),
        "disabled": bool(planned.get("disabled")),
    }


# Codat's validation itemIds (camelCase, sometimes indexed: `companyTags[2]`) -> attribute names.
API_FIELDS = {"url": "url", "eventtypes": "event_types", "companytags": "company_tags", "disabled": "disabled"}
