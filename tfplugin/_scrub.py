"""One scrubber for everything the provider process hands Terraform: log lines, diagnostics and raw stderr.

A provider whose code or libraries may put values it must not show into text (an API key, a secret a
server echoes back in an error) registers a scrubber with ``tfplugin.set_scrubber``. From then on every
diagnostic's summary and detail, every log line (each field, then the whole line: see ``_log``) and
everything else written to stderr (a thread's traceback, a warning printed by a library) passes through
it. Standard library only and tiny: diagnostics are scrubbed on every start, logging on or off.
"""
from __future__ import annotations

from collections.abc import Callable

_scrubber: Callable[[str], str] | None = None

WITHHELD = "(withheld: this text could not be scrubbed)"


def set_scrubber(scrubber: Callable[[str], str] | None) -> None:
    """Pass all text this process sends Terraform through ``scrubber`` (text in, text out); None: none.

    One scrubber per process (a later call replaces it); it must be thread-safe, as text comes from every
    thread. Text the scrubber fails on is withheld, never sent as it was.
    """
    global _scrubber
    _scrubber = scrubber


def scrubbed(text: str) -> str:
    scrubber = _scrubber
    if scrubber is None or not text:
        return text
    try:
        return scrubber(text)
    except Exception:  # noqa: BLE001 - never fall back to the unscrubbed text
        return WITHHELD


class ScrubbedStream:
    """A text stream (stderr) whose writes pass through the scrubber; ``unscrubbed`` is the stream beneath,
    for writers that scrub their own text more precisely (the hclog handler, field by field)."""

    def __init__(self, stream) -> None:
        self.unscrubbed = stream

    def write(self, text: str) -> int:
        self.unscrubbed.write(scrubbed(text))
        return len(text)

    def flush(self) -> None:
        self.unscrubbed.flush()

    def __getattr__(self, name: str):
        return getattr(self.unscrubbed, name)
