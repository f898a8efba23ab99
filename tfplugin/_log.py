"""Python logging -> hclog JSON lines on stderr, filtered like Terraform does.

go-plugin reads a plugin's stderr and parses each JSON line (``@level``,
``@message``, ``@module``, ``@timestamp``) into Terraform's own log, where
TF_LOG / TF_LOG_PROVIDER decide what is shown. We apply the same threshold here
so nothing is formatted when logging is off (the default, as in Terraform):

- TF_LOG_PROVIDER if set, else TF_LOG; TRACE, DEBUG, INFO, WARN, ERROR, OFF
  (any other non-empty value, e.g. JSON, means TRACE, as in Terraform);
- unset or empty: off.

Every logger in the process (tfplugin, the provider's, its HTTP client's) goes
through the root logger, so all of them are covered. The layer never logs
attribute values, so sensitive and write-only values cannot leak from here.

A provider whose code or libraries may log values it must not show (an API key,
a secret a server echoes) registers a scrubber (``tfplugin.set_scrubber``, see
``_scrub``): every line written from then on passes through it, each field first
(message, exception text, extra fields) and then the whole formatted line. A line
the scrubber fails on is not written.
"""
from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time

from ._scrub import ScrubbedStream, scrubbed

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, TextIO

TRACE = 5
logging.addLevelName(TRACE, "TRACE")

_LEVELS = {"TRACE": TRACE, "DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARN": logging.WARNING,
           "WARNING": logging.WARNING, "ERROR": logging.ERROR}
OFF = logging.CRITICAL + 10


def level_from_env(env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    raw = env.get("TF_LOG_PROVIDER") or env.get("TF_LOG") or ""
    raw = raw.strip().upper()
    if not raw or raw == "OFF":
        return OFF
    return _LEVELS.get(raw, TRACE)


def _hclog_level(levelno: int) -> str:
    if levelno <= TRACE:
        return "trace"
    if levelno <= logging.DEBUG:
        return "debug"
    if levelno <= logging.INFO:
        return "info"
    if levelno <= logging.WARNING:
        return "warn"
    return "error"


class HclogHandler(logging.Handler):
    """Writes one hclog-style JSON object per record."""

    def __init__(self, stream: TextIO | None = None, module_prefix: str = "") -> None:
        super().__init__()
        self.stream = stream
        self.module_prefix = module_prefix
        self._wlock = threading.Lock()

    def format_record(self, record: logging.LogRecord) -> str:
        msg = record.getMessage()
        t = record.created
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%06dZ" % int((t % 1) * 1e6)
        entry: dict[str, Any] = {"@level": _hclog_level(record.levelno), "@message": msg,
                 "@module": self.module_prefix + record.name, "@timestamp": ts}
        if record.exc_info:
            entry["error"] = logging.Formatter().formatException(record.exc_info)
        extra = getattr(record, "tf_fields", None)
        if isinstance(extra, dict):
            for k, v in extra.items():
                entry.setdefault(str(k), v if isinstance(v, (str, int, float, bool)) else str(v))
        entry = {k: scrubbed(v) if isinstance(v, str) else v for k, v in entry.items()}
        return scrubbed(json.dumps(entry, ensure_ascii=False, default=str))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format_record(record) + "\n"
            stream = _beneath(self.stream or sys.stderr)
            with self._wlock:
                stream.write(line)
                stream.flush()
        except Exception:  # noqa: BLE001
            self.handleError(record)

    def handleError(self, record: logging.LogRecord) -> None:
        # logging's default prints the record's message and arguments, unscrubbed: say only that it failed.
        _withheld(self.stream or sys.stderr)


class HumanHandler(logging.StreamHandler["TextIO"]):
    """For --debug: readable lines on stderr."""

    def __init__(self) -> None:
        super().__init__(_beneath(sys.stderr))
        self.setFormatter(logging.Formatter("%(asctime)s [%(levelname)s] %(name)s: %(message)s"))

    def format(self, record: logging.LogRecord) -> str:
        return scrubbed(super().format(record))

    def handleError(self, record: logging.LogRecord) -> None:
        _withheld(self.stream)


class TextHandler(HclogHandler):
    """For an attached server, whose stderr Terraform does not read: one line per record in the form Terraform
    gives its own log (``<time> [LEVEL] <module>: <message>: key=value ...``), written to ``path`` (appended: it
    is TF_LOG_PATH, which Terraform appends to as well) or to stderr. Scrubbed like the hclog lines."""

    def __init__(self, path: str | None = None) -> None:
        super().__init__()
        self.stream = None
        if path:
            try:
                self.stream = open(path, "a", encoding="utf-8", errors="replace")  # noqa: SIM115 - for the process
            except OSError:
                self.stream = None  # the log goes to stderr, as Terraform's own does when it cannot open the file

    def format_record(self, record: logging.LogRecord) -> str:
        t = record.created
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int((t % 1) * 1e3)
        fields = [f"@module={self.module_prefix + record.name}"]
        extra = getattr(record, "tf_fields", None)
        if isinstance(extra, dict):
            fields += [f"{k}={v}" for k, v in extra.items()]
        line = f"{ts} [{_hclog_level(record.levelno).upper()}] provider: {record.getMessage()}: {' '.join(fields)}"
        if record.exc_info:
            line += "\n" + logging.Formatter().formatException(record.exc_info)
        return scrubbed(line)


def _beneath(stream: TextIO) -> TextIO:
    """The stream under stderr's scrubbing wrapper: these handlers scrub their text themselves, field by field."""
    return stream.unscrubbed if isinstance(stream, ScrubbedStream) else stream


def _withheld(stream: TextIO) -> None:
    try:
        stream.write('{"@level":"error","@message":"a log line was withheld: it could not be formatted or '
                     'scrubbed","@module":"tfplugin"}\n')
        stream.flush()
    except Exception:  # noqa: BLE001 - nowhere left to report to
        pass


_installed: logging.Handler | None = None


def install(level: int | None = None, human: bool = False, text: bool = False,
            path: str | None = None) -> logging.Handler:
    """Route every logger to stderr (hclog JSON), threshold from the environment. ``human``: readable lines for
    --debug; ``text``: Terraform's text form, to ``path`` when given (an attached server's log)."""
    global _installed
    if level is None:
        level = level_from_env()
    root = logging.getLogger()
    if _installed is not None:
        root.removeHandler(_installed)
    handler = HumanHandler() if human else TextHandler(path) if text else HclogHandler()
    handler.setLevel(level)
    root.addHandler(handler)
    root.setLevel(level)
    _installed = handler
    logging.lastResort = None
    return handler
