"""Whether a command printed what the document shows, after both are normalised the same way.

Normalised: what differs on every run and tells a reader nothing (elapsed times, loopback ports, ids, process
ids, the session's temp paths, the local emulator's generated key), indentation and blank lines (the cdktf CLI
indents the chunks of Terraform's output it relays, and drops their blank lines, differently from run to run).
Shown abridged: `...` stands for any text, line breaks included, as doctest's ELLIPSIS: on a line of its own for
any number of lines (none included), at the end of a line for the rest of it and any lines after. Everything else
must be as printed, in order.
"""

from __future__ import annotations

import difflib
import re

RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\x1b\[[0-9;]*m"), "<ANSI>"),  # never expected: shown so that a stray colour fails the match
    (re.compile(r"\b\d+(?:\.\d+)?(?= ?(?:s|ms)\b)"), "N"),  # 0.4 s, 1.9 ms, 12s
    (re.compile(r"(127\.0\.0\.1|localhost|\[::1\]):(?!8080\b|3000\b)\d{2,5}"), r"\1:PORT"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "UUID"),
    (re.compile(r"\bemu_[A-Za-z0-9_-]+"), "EMULATOR_KEY"),
    (re.compile(r"\b(pid) \d+"), r"\1 PID"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?"), "TIMESTAMP"),
    # The cdktf CLI starts each chunk of a stack's output with the stack's name (and strips that chunk's first
    # indentation); where a chunk starts changes from run to run.
    (re.compile(r"^[a-z][a-z0-9_-]*  (?=\S)", re.MULTILINE), ""),
]


def normalise(text: str, paths: dict[str, str]) -> str:
    """`paths` maps this run's folders (the sandbox, its temp folder) to what a document writes for them."""
    for found, shown in sorted(paths.items(), key=lambda item: -len(item[0])):
        text = text.replace(found, shown)
    for pattern, replacement in RULES:
        text = pattern.sub(replacement, text)
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


def _pattern(expected: str) -> re.Pattern[str]:
    parts = []
    for line in expected.split("\n"):
        if line.strip() == "...":
            parts.append(r"(?:.*?\n)??")
        else:
            parts.append(".*?".join(re.escape(piece) for piece in line.split("...")) + r"\n")
    return re.compile("".join(parts), re.DOTALL)


def matches(expected: str, actual: str) -> bool:
    """`expected` (normalised, `...` for what is left out) against `actual` (normalised), whole."""
    if not expected.strip():
        return not actual.strip()
    return _pattern(expected).fullmatch(actual + "\n") is not None


def difference(expected: str, actual: str) -> str:
    """Where they part: the first shown line that is not printed there (what `...` skips makes a plain diff
    noisy), then the diff."""
    lines = expected.split("\n")
    found = next((index for index in range(len(lines))
                  if not _pattern("\n".join(lines[:index + 1]) + "\n...").fullmatch(actual + "\n")), None)
    where = (f"first line shown but not printed there: {lines[found]!r} (shown line {found + 1})\n"
             if found is not None else "every line shown is printed, but more is printed after them\n")
    return where + "\n".join(difflib.unified_diff(lines, actual.split("\n"), "shown in the document", "printed",
                                                 lineterm="", n=2))
