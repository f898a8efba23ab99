"""The client's side of the one scrubber (``codat_settings.secrets``): what it holds, and its loggers.

Each ``CodatClient`` holds what it sends (the API key in every form, the Authorization header, every
credential value in a body, any credential Codat returns in clear) in the process-wide ``REGISTRY`` until it
is closed or collected, and every exception message and log record of the client, httpx and httpcore passes
through ``scrub``. The forms a secret is searched in are listed in ``codat_settings.secrets``.
"""

from __future__ import annotations

import logging
import threading

from codat_settings.secrets import MASK, MIN_LENGTH, REGISTRY, SecretHold, SecretRegistry, forms, scrub

__all__ = ["MASK", "MIN_LENGTH", "REGISTRY", "SecretHold", "SecretRegistry", "forms", "scrub",
           "install_log_scrubbing"]

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
