"""Masking for everything the client writes down (logs, errors) and the cassette hooks reuse.

Rules: the Authorization header is never shown; a JSON field whose name contains "secret", "password",
"token", "key" or "authorization" is replaced by ``***``; ``clientId`` keeps only its last 4 characters
(as Codat itself masks it); and every known secret value (the API key in all its forms, credentials
being sent) is scrubbed from free text such as Codat's error messages.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "***"
_SECRET_NAME_PARTS = ("secret", "password", "token", "key", "authorization")
_SECRET_HEADER_PARTS = ("authorization", "cookie", "secret", "token", "password", "api-key", "apikey")
_MIN_SCRUB_LEN = 6  # shorter values would mangle ordinary text; no real secret is that short
_LOG_BODY_LIMIT = 2000


def is_secret_name(name: str) -> bool:
    lowered = name.lower()
    return any(part in lowered for part in _SECRET_NAME_PARTS)


def mask_client_id(value: str) -> str:
    return "****" + value[-4:] if len(value) > 4 else "****"


def mask_json(value: Any, *, mask_all: bool = False) -> Any:
    """A copy of a decoded JSON value with secret fields masked; ``mask_all`` masks every string leaf."""
    if isinstance(value, dict):
        return {k: _mask_field(str(k), v, mask_all) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_json(v, mask_all=mask_all) for v in value]
    if mask_all and isinstance(value, str):
        return MASK
    return value


def _mask_field(name: str, value: Any, mask_all: bool) -> Any:
    if name.lower() == "clientid" and isinstance(value, str):
        return mask_client_id(value)
    if is_secret_name(name) and value not in (None, "") and not isinstance(value, bool):
        return MASK
    return mask_json(value, mask_all=mask_all)


def mask_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {
        name: (MASK if any(p in name.lower() for p in _SECRET_HEADER_PARTS) else value)
        for name, value in items
    }


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Replace every known secret value in free text (longest first, so a value inside another goes too)."""
    for secret in sorted({s for s in secrets if s and len(s) >= _MIN_SCRUB_LEN}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def describe_body(
    content: bytes, content_type: str, secrets: Iterable[str], *, mask_all: bool = False
) -> str:
    """A short, masked rendering of a request or response body for debug logs."""
    if not content:
        return "-"
    if "json" not in content_type.lower():
        return f"<{len(content)} bytes {content_type or 'unknown type'}>"
    try:
        decoded = json.loads(content)
    except ValueError:
        return f"<{len(content)} bytes of invalid JSON>"
    text = scrub(json.dumps(mask_json(decoded, mask_all=mask_all), separators=(",", ":")), secrets)
    return text if len(text) <= _LOG_BODY_LIMIT else text[:_LOG_BODY_LIMIT] + f"...<{len(text)} chars>"
