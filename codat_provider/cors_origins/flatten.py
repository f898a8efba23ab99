"""Codat's allowed origins -> `codat_cors_origins` state (the whole list: the resource owns it)."""

from __future__ import annotations

from collections.abc import Iterable

from codat_provider.cors_origins.schema import CORS_ORIGINS_ID


def flatten_origins(origins: list[str]) -> dict:
    return {"id": CORS_ORIGINS_ID, "allowed_origins": list(origins)}


def removed_by(wanted: Iterable[str], held: Iterable[str]) -> list[str]:
    """Origins Codat allows that the configuration does not (compared without case, as Codat does)."""
    keep = {origin.lower() for origin in wanted if isinstance(origin, str)}
    return [origin for origin in held if origin.lower() not in keep]
