"""Recording support for the client's cassettes: where each recording comes from and where it is kept, the
redaction applied to every interaction before it is written (and, by vcrpy, to each live request before it is
matched), and the scan for secrets every cassette must pass.

Each source has its own folder under tests/cassettes/client/, and its cassettes name it in their URIs:
- ``emulator/``: recorded from a local emulator (``python -m codat_emulator``). Its loopback origin, whose port
  changes every run, is written as ``http://codat-emulator.invalid``: the host says what answered, and a
  ``.invalid`` name (RFC 2606) can never resolve, so nobody takes these for Codat's own answers.
- ``live/``: recorded from a real Codat account (``CODAT_BASE_URL`` and ``CODAT_API_KEY``), its origin kept as it
  was (``https://api.codat.io``).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from codat_client import CodatClient
from codat_client._redact import is_secret_name
from codat_settings import is_loopback
from codat_settings.secrets import SecretRegistry, forms, secrets_from_environment

REPO = Path(__file__).resolve().parents[2]
CASSETTES = REPO / "tests" / "cassettes"
CLIENT_CASSETTES = CASSETTES / "client"

EMULATOR, LIVE = "emulator", "live"
#: How emulator cassettes write the emulator's origin (see the module doc).
EMULATOR_ORIGIN = "http://codat-emulator.invalid"
#: Where replays send their requests: nowhere (vcrpy answers from the cassette, matching method, path, query and
#: body, never the host). The emulator's stands on the discard port of this machine, as the base URL rule lets
#: plain http go only there.
REPLAY_BASE_URL = {EMULATOR: "http://127.0.0.1:9", LIVE: "https://api.codat.io"}
# The key the emulator is started with when recording (and the client uses in replay).
RECORDING_API_KEY = "cassette-recording-key-7d41b2e9"
# Fake OAuth app credentials the credential cassettes send: they must never reach a cassette.
FAKE_CLIENT_ID = "0123456789abcdef0123456789ab2a6b"
FAKE_CLIENT_SECRET = "cassette-fake-client-secret-9f3e1ad1"
REDACTED = "REDACTED"


def known_secrets() -> list[str]:
    """Every secret that may have been on the wire while recording: the recording key, the fake credentials
    and what this process's environment holds (``CODAT_API_KEY``, a ``Basic ...`` value's key too, and the
    secret ``TF_VAR_`` variables: ``codat_settings.secrets.secrets_from_environment``)."""
    found = [RECORDING_API_KEY, FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, *secrets_from_environment()]
    live_key = os.environ.get("CODAT_API_KEY", "").strip()
    if live_key.lower().startswith("basic "):
        found.append(live_key[6:].strip())
    return found


def secret_forms_in(text: str) -> list[str]:
    """Which known secrets ``text`` holds, in any form the scrubber knows (as is, base64, percent-encoded,
    hex, escaped: ``codat_settings.secrets.forms``), ignoring case; each named by its first 4 characters."""
    lowered = text.lower()
    return [f"{secret[:4]}..." for secret in known_secrets() if any(f.lower() in lowered for f in forms(secret))]


def recording_source() -> str:
    """Where a recording run records: a live account when CODAT_BASE_URL and CODAT_API_KEY name one, else an
    emulator (a fresh one, or the one a loopback CODAT_BASE_URL names)."""
    url, key = os.environ.get("CODAT_BASE_URL"), os.environ.get("CODAT_API_KEY")
    return LIVE if url and key and not is_loopback(httpx.URL(url).host) else EMULATOR


def replayable_sources() -> list[str]:
    """The sources with cassettes to replay, each replayed by every recorded test."""
    return [source for source in (EMULATOR, LIVE) if any((CLIENT_CASSETTES / source).glob("*.yaml"))]


@dataclass(frozen=True)
class Target:
    """Where the cassette tests send requests, and with which key."""

    base_url: str
    api_key: str

    def client(self, api_key: str | None = None, **options: Any) -> CodatClient:
        """A client of this target on httpx's own transport: vcrpy records and replays httpx's transports, and
        the client's guarded one (``codat_client._transport``) is not among them."""
        return CodatClient(self.base_url, api_key or self.api_key, transport=httpx.HTTPTransport(), **options)


#: Origins being recorded and what cassettes write instead (the emulator's loopback origin, with its port).
rewritten_origins: dict[str, str] = {}


@functools.cache
def _scrubber() -> SecretRegistry:
    """The one scrubber's rules (``codat_settings.secrets``) in a registry of this test run's own, holding every
    known secret: the process-wide one holds only what live clients hold at the moment."""
    registry = SecretRegistry()
    registry.hold(known_secrets())
    return registry


def _scrub(text: str) -> str:
    text = _scrubber().scrub(text)
    for origin, written in rewritten_origins.items():
        text = text.replace(origin, written)
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
