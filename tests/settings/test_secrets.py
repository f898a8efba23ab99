"""The one scrubber finds a secret in every form a careless or hostile server, or a library, can give it."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest

from codat_settings.secrets import MASK, SecretRegistry, secrets_from_environment

SECRET = "xero-Secret+Zz9/Yy8Xx7Ww6"


def encodings(secret: str) -> dict[str, str]:
    raw = secret.encode()
    return {
        "raw": secret,
        "upper": secret.upper(),
        "lower": secret.lower(),
        "base64": base64.b64encode(raw).decode(),
        "base64 inside a longer text": base64.b64encode(b"user:" + raw + b"!").decode(),
        "base64 at another offset": base64.b64encode(b"ab" + raw).decode(),
        "url-safe base64": base64.urlsafe_b64encode(b"x" + raw).decode().rstrip("="),
        "percent": quote(secret, safe=""),
        "hex": raw.hex(),
        "HEX": raw.hex().upper(),
        "\\u00xx": "".join(f"\\u{ord(c):04x}" for c in secret),
        "json": json.dumps(secret),
        "repr of bytes": repr(raw),
    }


@pytest.mark.parametrize("form", sorted(encodings(SECRET)))
def test_every_form_is_scrubbed_and_found(form):
    registry = SecretRegistry()
    registry.hold([SECRET])
    text = f"before {encodings(SECRET)[form]} after"
    assert registry.contains(text)
    scrubbed = registry.scrub(text)
    assert MASK in scrubbed and scrubbed.startswith("before ") and scrubbed.endswith(" after")
    for other in encodings(SECRET).values():
        assert other not in scrubbed


def test_contains_finds_the_letters_and_digits_with_separators_between():
    registry = SecretRegistry()
    registry.hold([SECRET])
    assert registry.contains("xero secret Zz9 Yy8 Xx7 Ww6")
    assert not registry.contains("xero secret Zz9")  # a fragment is not recognised


def test_short_values_and_unheld_values_are_left_alone():
    registry = SecretRegistry()
    registry.hold(["abc"])
    assert registry.scrub("abc abcdef") == "abc abcdef" and not registry.contains("abc")
    registry.hold([SECRET])
    registry.release([SECRET])
    assert registry.scrub(SECRET) == SECRET and not registry.contains(SECRET)


def test_secrets_from_the_environment():
    env = {
        "CODAT_API_KEY": "api-key-123456",
        "TF_VAR_xero_client_secret": "secret-value-1",
        "TF_VAR_xero_client_id": "client-id-value",
        "TF_VAR_my_thing": "listed-value-2",
    }
    assert sorted(secrets_from_environment(env)) == ["api-key-123456", "secret-value-1"]
    listed = {**env, "CODAT_IAC_SECRET_VARIABLES": "my_thing, xero_client_secret"}
    assert sorted(secrets_from_environment(listed)) == ["api-key-123456", "listed-value-2", "secret-value-1"]
