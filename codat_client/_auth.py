"""Turn what the user holds (a raw API key or the Portal's ready-made header) into one header value."""

from __future__ import annotations

import base64

_SCHEME = "basic "


class Credential:
    """The Authorization header value, kept out of every repr so it never reaches a log or traceback."""

    __slots__ = ("_header", "_secrets")

    def __init__(self, api_key: str) -> None:
        key = (api_key or "").strip()
        if not key:
            raise ValueError(
                "api_key is empty: set CODAT_API_KEY or the api_key setting (Portal: Developers > API keys)"
            )
        if key.lower().startswith(_SCHEME):
            token = key[len(_SCHEME) :].strip()
            header = f"Basic {token}"
            raw = _decode_or_none(token)
        else:
            token = base64.b64encode(key.encode()).decode()
            header = f"Basic {token}"
            raw = key
        self._header = header
        # Every form the key can take on the wire or in a config: all are scrubbed from logs and errors.
        self._secrets: tuple[str, ...] = tuple(s for s in (raw, token, header) if s)

    @property
    def header(self) -> str:
        return self._header

    @property
    def secrets(self) -> tuple[str, ...]:
        return self._secrets

    def __repr__(self) -> str:
        return "Credential(***)"

    __str__ = __repr__


def _decode_or_none(token: str) -> str | None:
    """The raw key behind a header value, so it is scrubbed too; None when the token is not base64 text."""
    try:
        return base64.b64decode(token, validate=True).decode() or None
    except (ValueError, UnicodeDecodeError):
        return None
