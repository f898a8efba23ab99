"""Recording support for the client's cassettes: where to record, and the redaction applied to every
interaction before it is written (and, by vcrpy, to each live request before it is matched)."""

from __future__ import annotations

import base64
import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codat_client._redact import is_secret_name

REPO = Path(__file__).resolve().parents[2]
CASSETTES = REPO / "tests" / "cassettes"

# Cassettes are replayed against this origin; whatever origin they were recorded on is rewritten to it,
# so a replay never depends on the emulator's port or on a live account's region.
REPLAY_ORIGIN = "https://api.codat.io"
# The key the emulator is started with when recording (and the client uses in replay).
RECORDING_API_KEY = "cassette-recording-key-7d41b2e9"
# Fake OAuth app credentials the credential cassettes send: they must never reach a cassette.
FAKE_CLIENT_ID = "0123456789abcdef0123456789ab2a6b"
FAKE_CLIENT_SECRET = "cassette-fake-client-secret-9f3e1ad1"
REDACTED = "REDACTED"


def _key_forms(key: str) -> list[str]:
    token = base64.b64encode(key.encode()).decode()
    return [key, token, f"Basic {token}"]


def known_secrets() -> list[str]:
    """Every secret value that may have been on the wire while recording."""
    found = [*_key_forms(RECORDING_API_KEY), FAKE_CLIENT_ID, FAKE_CLIENT_SECRET]
    live_key = os.environ.get("CODAT_API_KEY", "").strip()
    if live_key:
        raw = live_key[6:].strip() if live_key.lower().startswith("basic ") else live_key
        found += [*_key_forms(raw), live_key]
    return [s for s in found if len(s) >= 6]


@dataclass(frozen=True)
class Target:
    """Where the cassette tests send requests, and with which key."""

    base_url: str
    api_key: str


#: Origins being recorded (the emulator's, with its port, or a live account's), rewritten to REPLAY_ORIGIN.
recorded_origins: list[str] = []


def _scrub(text: str) -> str:
    for secret in sorted(known_secrets(), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    for origin in recorded_origins:
        text = text.replace(origin, REPLAY_ORIGIN)
    return text


def _redact_fields(value: Any, is_request: bool) -> Any:
    """Secret-named fields (and clientId) of a request body become REDACTED. In answers only values not
    already masked by Codat (``XXXX...2a6b``) are replaced: ``key`` there is a platform key, not a secret."""
    if isinstance(value, list):
        return [_redact_fields(v, is_request) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for name, item in value.items():
        lowered = name.lower()
        secret = lowered == "clientid" or (
            is_secret_name(name)
            if is_request
            else any(p in lowered for p in ("secret", "password", "token", "apikey"))
        )
        if secret and isinstance(item, str) and not (not is_request and _codat_masked(item)):
            out[name] = REDACTED
        else:
            out[name] = _redact_fields(item, is_request)
    return out


def _codat_masked(value: str) -> bool:
    return value == REDACTED or (value[:-4] != "" and set(value[:-4]) <= {"X", "*"})


def _redact_body(body: bytes | str | None, is_request: bool) -> bytes | str | None:
    if not body:
        return body
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    with contextlib.suppress(ValueError):  # not JSON: only known values are scrubbed
        text = json.dumps(_redact_fields(json.loads(text), is_request))
    text = _scrub(text)
    return text.encode() if isinstance(body, bytes) else text


SECRET_HEADERS = ("authorization", "cookie", "set-cookie", "proxy-authorization")


def redact_request(request: Any) -> Any:
    """vcrpy before_record_request: also applied to live requests before matching, so it is idempotent."""
    for name in list(request.headers):
        # Host would pin the emulator's port (or a live region) into every cassette for nothing.
        if name.lower() in SECRET_HEADERS or name.lower() == "host":
            del request.headers[name]
        else:
            request.headers[name] = _scrub(request.headers[name])
    request.uri = _scrub(request.uri)
    request.body = _redact_body(request.body, is_request=True)
    for name in list(request.headers):
        if name.lower() == "content-length":
            request.headers[name] = str(len(request.body or b""))
    return request


def redact_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in SECRET_HEADERS:
            del headers[name]
        else:
            headers[name] = [_scrub(v) for v in headers[name]]
    body = response.get("body", {})
    body["string"] = _redact_body(body.get("string"), is_request=False)
    for name in headers:
        if name.lower() == "content-length" and body["string"] is not None:
            headers[name] = [str(len(body["string"]))]
    return response
