"""Checks on a `codat_webhook` configuration that need no network (run at validate and plan)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from codat_provider.validation import checkable, given
from codat_provider.webhook.schema import MAX_COMPANY_TAGS, MAX_TAG_LENGTH
from codat_settings.configuration import webhook_problems
from tfplugin import Diagnostics

# A webhook URL is the consumer's endpoint, reached by Codat's servers over the internet, so it must be
# https. Plain http is let through for loopback hosts only: that is how a local emulator (or a tunnel's
# local end) is tested, and Codat itself could never deliver there by accident.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
_WHITESPACE = re.compile(r"\s")



def webhook_url_problem(url: str) -> str | None:
    """Why `url` cannot be a webhook consumer's URL, or None when it can."""
    if _WHITESPACE.search(url):  # \s is exactly what str.isspace() accepts
        return "it contains spaces or line breaks"
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:
        return f"it is not a valid URL ({exc})"
    if parts.scheme not in ("https", "http") or not host:
        return "it is not an absolute URL such as https://example.com/codat/webhooks"
    if parts.scheme == "http" and host not in LOOPBACK_HOSTS:
        return ("Codat delivers events over the internet, so the URL must use https:// (plain http:// is "
                "accepted only for localhost and 127.0.0.1, for local tests)")
    return None


def validate_config(config: dict, diags: Diagnostics) -> None:
    # The rules the environments file shares (one line of text, no user or password in the URL); the empty
    # and duplicate elements below keep their own words.
    shared = [p for p in webhook_problems({f: checkable(config.get(f)) for f in ("url", "event_types", "company_tags")})
              if p.path == ("url",) or "is empty" not in p.message]
    for problem in shared:
        diags.error(f"Invalid {'webhook url' if problem.path == ('url',) else problem.path[0]}", problem.message,
                    path=problem.path)
    url = config.get("url")
    if given(url) and ("url",) not in {p.path for p in shared}:
        why = webhook_url_problem(url)
        if why:
            diags.error("Invalid webhook url", f"{url!r} cannot be a webhook URL: {why}.", path=("url",))
    _check_strings(config.get("event_types"), "event_types", "event type", diags)
    tags = config.get("company_tags")
    _check_strings(tags, "company_tags", "company tag", diags)
    if given(tags):
        if len(tags) > MAX_COMPANY_TAGS:
            diags.error(
                "Too many company_tags",
                f"Codat accepts at most {MAX_COMPANY_TAGS} company tags per webhook consumer; {len(tags)} are set.",
                path=("company_tags",),
            )
        for i, tag in enumerate(tags):
            if given(tag) and len(tag) > MAX_TAG_LENGTH:
                diags.error(
                    "Company tag too long",
                    f"Codat accepts company tags of at most {MAX_TAG_LENGTH} characters; this one has {len(tag)}.",
                    path=("company_tags", i),
                )


def _check_strings(values: object, name: str, what: str, diags: Diagnostics) -> None:
    if not given(values):
        return
    seen: set[str] = set()
    for i, value in enumerate(values):
        if not given(value):
            if value is None:
                diags.error(f"Null {what}", f"Remove the null element from {name}.", path=(name, i))
            continue
        if not value.strip():
            diags.error(f"Empty {what}", f"Each element of {name} must be a non-empty string.", path=(name, i))
        elif value in seen:
            diags.error(f"Duplicate {what}", f"{value!r} is listed twice in {name}; list it once.", path=(name, i))
        seen.add(value)
