"""Rules for the settings a user gives this project, each defined once.

The same setting reaches several entry points: a Codat base URL comes from the provider block,
`CODAT_BASE_URL`, `main.py`, the environments file and `codat-iac`; the state location from
`CODAT_IAC_STATE` and the CDK from `CODAT_IAC_CDK` are read by the constructs at synth and by `codat-iac`
at run time. Each rule lives here so that every entry point accepts and refuses exactly the same values
with the same words.
Standard library only: every package of the project may import this one (the constructs and the
emulator included) without pulling in httpx, cdktf or each other.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from codat_settings.fields import control_character

__all__ = ["SettingError", "check_base_url", "shown_url", "base_url_origin", "is_loopback", "state_kind", "STATE_ENV",
           "cdk_choice", "CDK_ENV", "TABLE_NAME", "RESERVED_TABLE_NAMES", "url_allowed"]

STATE_ENV = "CODAT_IAC_STATE"
CDK_ENV = "CODAT_IAC_CDK"
# Not a user setting: how codat-iac is run in the project (`bin/codat-iac` in its repository, `codat-iac` in a
# project of your own), set by codat-iac for the app it synthesizes, so the runbook names the right command.
COMMAND_ENV = "CODAT_IAC_COMMAND"
_EXAMPLE = "https://api.codat.io"
#: The name of an environment, or of an `accounting.<id>` or `webhooks.<id>` table, in the environments file: it
#: becomes a stack or construct id and part of TF_VAR_ variable names.
TABLE_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
#: Child ids of an environment's stack, which an `accounting.<id>` table may not take as its name.
RESERVED_TABLE_NAMES = ("codat", "xero", "xero_app", "profile", "sync_settings", "cors_origins")


class SettingError(ValueError):
    """A setting's value cannot be used; the message names the setting and the fix, never a secret."""


def is_loopback(host: str | None) -> bool:
    """True for `localhost` and addresses in 127.0.0.0/8 or ::1: traffic that never leaves the machine."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def url_allowed(value: str, *, localhost_http: bool = False) -> bool:
    """Whether the environments file takes `value` for a URL field (a profile's URLs, a webhook's url):
    https:// with a host, or, where `localhost_http`, http:// to localhost, 127.0.0.1 or [::1]."""
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return False
    local = parts.scheme == "http" and host in ("localhost", "127.0.0.1", "::1")
    return (parts.scheme == "https" and bool(host)) or (localhost_http and local)


def shown_url(value: str) -> str:
    """Scheme, host and port of a URL and nothing else (no user, password, path or query): safe to print.

    The host is shown as given, never lowercased: it may be attacker text (a redirect's Location) holding a
    secret, and every changed copy of such text is one more form the scrubber must recognise."""
    try:
        parts = urlsplit(value.strip())
        host = parts.hostname
        port = parts.port
    except ValueError:
        return "(not a URL)"
    if not parts.scheme or not host:
        return "(not a URL)"
    given = parts.netloc.rpartition("@")[2]  # without user and password
    host = given[: given.index("]") + 1] if given.startswith("[") else given.split(":", 1)[0]
    return f"{parts.scheme}://{host}{f':{port}' if port else ''}"


def check_base_url(value: str, setting: str) -> str:
    """`value` as a Codat API base URL (no trailing slash), or SettingError naming `setting`.

    Accepted: `https://host[:port][/path]`, or `http://` only to a loopback host (the local emulator), so
    the API key never travels in clear. Refused: anything else, and URLs that carry a user name or
    password, a query or a fragment (the key goes in CODAT_API_KEY / api_key, not in the URL).
    """
    text = (value or "").strip()
    shown = shown_url(text)
    found = control_character(text)
    if found:  # urlsplit would drop tabs and line breaks unseen
        raise SettingError(f"{setting} ({shown}) contains {found}: remove it, e.g. {_EXAMPLE}.")
    try:
        parts = urlsplit(text)
        host, _ = parts.hostname, parts.port  # .port raises for a port that is not a number
    except ValueError:
        parts, host = None, None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        raise SettingError(
            f"{setting} must be an https:// URL such as {_EXAMPLE} (or http:// to this machine, e.g. the local "
            f"emulator's http://127.0.0.1:PORT); got {shown}."
        )
    if parts.username is not None or parts.password is not None:
        raise SettingError(
            f"{setting} ({shown}) must not carry a user name or password: give the API key in CODAT_API_KEY "
            f"(or the provider's api_key) instead."
        )
    if parts.query or parts.fragment:
        raise SettingError(f"{setting} ({shown}) must not have a query or fragment; use e.g. {_EXAMPLE}.")
    if parts.scheme == "http" and not is_loopback(host):
        raise SettingError(
            f"{setting} is {shown}: plain http:// is allowed only to this machine (localhost, 127.0.0.0/8, ::1), "
            f"because the API key would travel in clear. Use https://{host}{parts.path}."
        )
    return text.rstrip("/")


def base_url_origin(base_url: str) -> str:
    """Which Codat a base URL (one check_base_url accepted) reaches: `scheme://host[:port][/path]`.

    Recorded in Terraform state, so a state applied to one Codat is never planned against another.
    Unlike shown_url it keeps the path (two Codats may share a host behind a proxy); scheme and host are
    lowercased and the scheme's default port and a trailing slash dropped, so spellings of one URL agree.
    Never a user name, password, query or fragment.
    """
    parts = urlsplit(base_url.strip())
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    port = parts.port if parts.port != {"https": 443, "http": 80}.get(parts.scheme) else None
    return f"{parts.scheme}://{host}{f':{port}' if port else ''}{parts.path.rstrip('/')}"


def state_kind(setting: str | None) -> str:
    """What CODAT_IAC_STATE selects: "local" (unset or `local`) or "postgres"; SettingError otherwise."""
    value = (setting or "").strip()
    if value in ("", "local"):
        return "local"
    if value.startswith(("postgres://", "postgresql://")):
        return "postgres"
    shown = value.split("://", 1)[0] + "://..." if "://" in value else "a value that is not a URL"
    raise SettingError(
        f"{STATE_ENV} is {shown}; use postgres://user:password@host:5432/db (Terraform's pg backend) "
        f"or leave it unset for local state files"
    )


def cdk_choice(setting: str | None) -> str:
    """What CODAT_IAC_CDK selects: "cdktf" (unset or `cdktf`) or "cdktn" (CDK Terrain); SettingError otherwise.

    Read by the constructs at synth (which Python library) and by codat-iac (which CLI and Node), so both
    always agree."""
    value = (setting or "").strip()
    if value in ("", "cdktf"):
        return "cdktf"
    if value == "cdktn":
        return "cdktn"
    raise SettingError(
        f"{CDK_ENV} must be cdktf (CDKTF, the default) or cdktn (CDK Terrain); got {value!r}. "
        f"See docs/cdk-terrain.md."
    )
