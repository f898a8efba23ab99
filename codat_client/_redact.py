"""Masking for everything the client writes down (logs, errors) and the cassette hooks reuse.

Structural rules: the Authorization header is never shown; a JSON field named as a secret (see
``is_secret_name``) is replaced by ``***``; ``clientId`` keeps only its last 4 characters (as Codat itself
masks it). Secret values wherever they appear (Codat's error texts, reason phrases, other loggers' lines)
are the scrubber's job (``_secrets``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ._secrets import MASK

# Words that make a field name secret wherever they appear in it ("clientSecret", "refresh_token").
_SECRET_WORDS = frozenset({"secret", "password", "passwd", "passphrase", "token", "authorization", "apikey"})
# "key" alone is Codat's platform key ("gbol"), and "integrationKey" names one too: a key is secret only
# when a word before it says which kind ("apiKey", "private_key", "x-api-key").
_SECRET_KEY_KINDS = frozenset(
    {"api", "private", "secret", "access", "signing", "encryption", "auth", "session", "client", "consumer", "shared"}
)
_SECRET_HEADER_PARTS = ("authorization", "cookie", "secret", "token", "password", "api-key", "apikey")
_LOG_BODY_LIMIT = 2000
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def is_secret_name(name: str) -> bool:
    words = [w.lower() for w in _WORD.findall(name)]
    if any(w in _SECRET_WORDS for w in words):
        return True
    return any(w == "key" and i > 0 and words[i - 1] in _SECRET_KEY_KINDS for i, w in enumerate(words))


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


def describe_body(content: bytes, content_type: str, *, mask_all: bool = False) -> str:
    """A short, masked rendering of a request or response body for debug logs (whose lines the scrubber's
    logging filter then passes over, so secret values inside other fields go too)."""
    if not content:
        return "-"
    if "json" not in content_type.lower():
        return f"<{len(content)} bytes {content_type or 'unknown type'}>"
    try:
        decoded = json.loads(content)
    except ValueError:
        return f"<{len(content)} bytes of invalid JSON>"
    text = json.dumps(mask_json(decoded, mask_all=mask_all), separators=(",", ":"))
    return text if len(text) <= _LOG_BODY_LIMIT else text[:_LOG_BODY_LIMIT] + f"...<{len(text)} chars>"
