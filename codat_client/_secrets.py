"""The one scrubber: every secret this process has put on the wire, removed from whatever it writes down.

Why process-wide: text that can carry a secret is produced far from the call that sent it. A careless
server may quote the request in its status line, and httpx and httpcore then log that reason phrase (and
the header tuples) from their own loggers, sometimes after the call has returned. So each ``CodatClient``
holds what it sends (the API key in every form, the Authorization header, every credential value in a
body, any credential Codat returns in clear) in ``REGISTRY`` until it is closed or collected, and every
exception message, log record and Terraform log line of the process is passed through ``scrub``.

Each value is searched in the forms it takes in text: as is, base64 (standard and URL-safe, with and
without padding), percent-encoded, JSON-escaped and Python-repr-escaped (httpcore logs bytes reprs).
Values shorter than ``MIN_LENGTH`` are not searched: they would mangle ordinary words and no real secret
is that short. A fragment of a secret (a server that truncates what it echoes) is not recognised.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
from collections import Counter
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "***"
MIN_LENGTH = 6


def forms(value: str) -> set[str]:
    """The ways ``value`` can appear in a message, a log line or a header."""
    if len(value) < MIN_LENGTH:
        return set()
    raw = value.encode()
    standard = base64.b64encode(raw).decode()
    urlsafe = base64.urlsafe_b64encode(raw).decode()
    found = {
        value,
        standard,
        standard.rstrip("="),
        urlsafe,
        urlsafe.rstrip("="),
        quote(value, safe=""),
        quote_plus(value, safe=""),
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        repr(value)[1:-1],
        repr(raw)[2:-1],
    }
    return {form for form in found if len(form) >= MIN_LENGTH}


class SecretRegistry:
    """Secret values held by live clients, counted so two clients with the same key can close apart."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: Counter[str] = Counter()
        self._pattern: re.Pattern[str] | None = None

    def __repr__(self) -> str:
        return f"SecretRegistry({len(self._held)} values)"

    def hold(self, values: Iterable[str]) -> list[str]:
        """Start scrubbing ``values``; returns those taken (long enough), to hand back to ``release``."""
        taken = [v for v in values if isinstance(v, str) and len(v) >= MIN_LENGTH]
        if taken:
            with self._lock:
                fresh = any(v not in self._held for v in taken)
                self._held.update(taken)
                if fresh:
                    self._pattern = _pattern(self._held)
        return taken

    def release(self, values: Iterable[str]) -> None:
        with self._lock:
            before = len(self._held)
            self._held.subtract(values)
            self._held = +self._held  # drop counts at zero
            if len(self._held) != before:
                self._pattern = _pattern(self._held)

    def scrub(self, text: str) -> str:
        pattern = self._pattern
        return text if pattern is None or not text else pattern.sub(MASK, text)


def _pattern(values: Iterable[str]) -> re.Pattern[str] | None:
    every = {form for value in values for form in forms(value)}
    if not every:
        return None
    # Longest first, so a value inside another (the raw key inside "Basic <base64>") goes with the whole.
    return re.compile("|".join(re.escape(form) for form in sorted(every, key=len, reverse=True)))


REGISTRY = SecretRegistry()


def scrub(text: str) -> str:
    """``text`` with every secret a live client of this process holds, in all its forms, replaced by ``***``."""
    return REGISTRY.scrub(text)


class SecretHold:
    """The values one client added to ``REGISTRY``; ``release`` (on close or collection) hands them back.

    Its repr names no value, so the client's ``vars()`` and reprs stay clean.
    """

    __slots__ = ("_lock", "_values")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()

    def __repr__(self) -> str:
        return f"SecretHold({len(self._values)} values)"

    def add(self, values: Iterable[str]) -> None:
        with self._lock:
            self._values.update(REGISTRY.hold(v for v in set(values) if v not in self._values))

    def release(self) -> None:
        with self._lock:
            values, self._values = self._values, set()
            REGISTRY.release(values)


# Loggers whose records can carry what a client sent: its own, and httpx's and httpcore's (reason phrases,
# header tuples). A filter on a logger sees only the records created on that very logger, so each is named.
_LOGGERS = (
    "codat_client",
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)
_installed = threading.Lock()
_filter: logging.Filter | None = None


class _ScrubFilter(logging.Filter):
    """Rewrites a record's message (and exception text) through ``scrub`` before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a filter that raises would break the caller's log call
            message = f"(a {record.name} record that could not be formatted)"
        record.msg, record.args = scrub(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        return True


def install_log_scrubbing() -> None:
    """Put the scrubber on the loggers above, once per process (whatever handlers the application has)."""
    global _filter
    with _installed:
        if _filter is None:
            _filter = _ScrubFilter()
            for name in _LOGGERS:
                logging.getLogger(name).addFilter(_filter)
