"""One scrubber for everything the provider process hands Terraform: log lines, diagnostics, raw stderr, and
the values of state and plan.

A provider whose code or libraries may put values it must not show into text (an API key, a secret a
server echoes back in an error) registers a scrubber with ``tfplugin.set_scrubber``. From then on every
diagnostic's summary and detail, every log line (each field, then the whole line: see ``_log``) and
everything else written to stderr (a thread's traceback, a warning printed by a library) passes through
it. A provider that can also tell whether a whole value holds a secret (``contains``) has every string it
returns as a value screened too (``_screen``): a value cannot be partly masked the way a message can, so
such a value is replaced whole by the provider's ``marker``.
Standard library only and tiny: diagnostics are scrubbed on every start, logging on or off.
"""
from __future__ import annotations

from collections.abc import Callable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TextIO

_scrubber: Callable[[str], str] | None = None
_contains: Callable[[str], bool] | None = None

WITHHELD = "(withheld: this text could not be scrubbed)"
#: What stands in a value that held a secret when the provider names no marker of its own.
VALUE_WITHHELD = "(withheld: held a secret)"
_marker = VALUE_WITHHELD


def set_scrubber(scrubber: Callable[[str], str] | None, contains: Callable[[str], bool] | None = None,
                 marker: str | None = None) -> None:
    """Pass all text this process sends Terraform through ``scrubber`` (text in, text out); None: none.

    ``contains(text) -> bool`` says whether a whole value holds a secret; with it, every string the provider
    returns in state, a plan, an import or a data source is screened: one that holds a secret is replaced by
    ``marker`` and a warning names where (see docs/tfplugin.md). One scrubber per process (a later call replaces
    it); both functions must be thread-safe, as text comes from every thread. Text the scrubber fails on is
    withheld, never sent as it was; so is a value ``contains`` fails on.
    """
    global _scrubber, _contains, _marker
    _scrubber = scrubber
    _contains = contains
    _marker = marker or VALUE_WITHHELD


def scrubbed(text: str) -> str:
    scrubber = _scrubber
    if scrubber is None or not text:
        return text
    try:
        return scrubber(text)
    except Exception:  # noqa: BLE001 - never fall back to the unscrubbed text
        return WITHHELD


def screening() -> bool:
    """Whether values are screened (the provider gave ``contains``)."""
    return _contains is not None


def holds_secret(text: str) -> bool:
    """Whether the value ``text`` holds a secret the provider knows; True when the finder fails on it."""
    contains = _contains
    if contains is None or not text:
        return False
    try:
        return bool(contains(text))
    except Exception:  # noqa: BLE001 - a value that cannot be checked is not passed on
        return True


def marker() -> str:
    """The text that stands in a value that held a secret."""
    return _marker


class ScrubbedStream:
    """A text stream (stderr) whose writes pass through the scrubber; ``unscrubbed`` is the stream beneath,
    for writers that scrub their own text more precisely (the hclog handler, field by field)."""

    def __init__(self, stream: TextIO) -> None:
        self.unscrubbed = stream

    def write(self, text: str) -> int:
        self.unscrubbed.write(scrubbed(text))
        return len(text)

    def flush(self) -> None:
        self.unscrubbed.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.unscrubbed, name)
