"""Codat API replies -> data source values."""

from __future__ import annotations

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing on every provider start
if TYPE_CHECKING:
    from typing import Any


def _source_type(integration: Any) -> str | None:
    value = integration.source_type
    return getattr(value, "value", value)


def flatten_integration(integration: Any) -> dict:
    """`codat_integration` data source attributes of one Integration."""
    return {
        "platform_key": integration.key,
        "name": integration.name,
        "enabled": integration.enabled,
        "source_type": _source_type(integration),
        "logo_url": integration.logo_url,
        "integration_id": integration.integration_id,
        "source_id": integration.source_id,
        "is_beta": integration.is_beta,
        "is_offline_connector": integration.is_offline_connector,
    }


def flatten_integration_list(integrations: list[Any]) -> list[dict]:
    """`codat_integrations.integrations`: one summary per integration, ordered by platform key."""
    return [
        {
            "platform_key": i.key,
            "name": i.name,
            "enabled": i.enabled,
            "source_type": _source_type(i),
        }
        for i in sorted(integrations, key=lambda i: i.key)
    ]


def flatten_usage(usage: Any | None) -> dict:
    """`codat_connection_usage` counts; a platform nobody has connected to counts zero."""
    if usage is None:
        return {"linked": 0, "pending": 0, "total": 0}
    return {"linked": usage.linked, "pending": usage.pending, "total": usage.total}


def flatten_branding(branding: Any) -> dict:
    """`codat_integration_branding` attributes: each image's URL and alternative text (null when Codat has none)."""
    from codat_provider.data_sources.schema import BRANDING_IMAGES

    values: dict = {"source_id": branding.source_id}
    for prefix, group, image, _ in BRANDING_IMAGES:
        found = getattr(getattr(branding, group, None), image, None)
        reference = getattr(found, "image", None)
        values[f"{prefix}_src"] = getattr(reference, "src", None)
        values[f"{prefix}_alt"] = getattr(reference, "alt", None)
    return values
