"""The one scrubber: every secret this process can know, found and removed in whatever it writes down.

Why process-wide: text that can carry a secret is produced far from where the secret entered. A careless or
hostile Codat may quote a request in its status line, copy a stored client secret into an error text or an
ordinary field (an integration's name, a profile's logo URL), and httpx then logs it from its own loggers. So
every secret the process learns (the API key from configuration or the environment, a client secret from
a write-only attribute or its `TF_VAR_` variable, every credential sent or returned in clear) is held in
``REGISTRY``, and everything the process writes for a person or a file passes through it: exception
messages, log lines, diagnostics, state and plan values (tfplugin), reports (codat-iac).

Each value is searched in the forms it takes in text, case-insensitively: as is; base64 (standard and
URL-safe, padded or not, and the middle part that is the same wherever the value sits inside a longer
base64 text); percent-encoded; hex; JSON-, ``\\u00xx``- and Python-repr-escaped. ``contains`` is stricter
still, for whole values such as a field read from Codat: it also finds a value whose letters and digits
are there in order with other characters between them (``ab-cd ef`` for ``abcdef``).

Values shorter than ``MIN_LENGTH`` are not searched: they would mangle ordinary words and no real secret
is that short. A fragment of a secret (an echo cut short) is not recognised.

Standard library only: the client, the provider, the constructs and codat-iac share it.
"""

from __future__ import annotations

import base64
import json
import os
import re
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from urllib.parse import quote, quote_plus

__all__ = ["MASK", "MIN_LENGTH", "WITHHELD", "SECRET_VARIABLES_ENV", "forms", "SecretRegistry", "SecretHold",
           "REGISTRY", "scrub", "contains_secret", "secrets_from_environment"]

MASK = "***"
MIN_LENGTH = 6
#: What stands in a field (state, a report, a written file) in place of a value that held a secret.
WITHHELD = "(withheld: held a secret)"
#: Set by codat-iac for every tool it runs: the names of the stack's secret variables (sensitive ones), comma
#: separated, so a process that never sends a secret (plan, refresh, drift) still knows it from `TF_VAR_<name>`.
SECRET_VARIABLES_ENV = "CODAT_IAC_SECRET_VARIABLES"
# Without that list (plain terraform), TF_VAR_ variables whose name says it holds a secret.
_SECRET_NAME = re.compile(r"secret|api_?key|token|password|private_?key", re.IGNORECASE)


def _base64_cores(raw: bytes) -> set[str]:
    """The base64 text that the value's bytes produce wherever they sit in a longer text: one per alignment
    (the value starting 0, 1 or 2 bytes into a 3-byte group), without the partly determined edge characters."""
    cores = set()
    for skip in range(3):
        body = raw[skip:]
        body = body[: len(body) // 3 * 3]
        if body:
            cores.add(base64.b64encode(body).decode())
    return cores


def forms(value: str) -> set[str]:
    """The ways ``value`` can appear in a message, a log line, a header or a field (matched ignoring case)."""
    if len(value) < MIN_LENGTH:
        return set()
    raw = value.encode()
    standard = base64.b64encode(raw).decode()
    found = {
        value,
        standard,
        standard.rstrip("="),
        quote(value, safe=""),
        quote_plus(value, safe=""),
        raw.hex(),
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        "".join(f"\\u{ord(c):04x}" for c in value),
        repr(value)[1:-1],
        repr(raw)[2:-1],
        *_base64_cores(raw),
    }
    found |= {form.translate(_URLSAFE) for form in found if "+" in form or "/" in form}
    return {form for form in found if len(form) >= MIN_LENGTH}


_URLSAFE = str.maketrans("+/", "-_")


# What str.isalnum() says no to: for a str pattern, \w is exactly the characters isalnum() accepts, and "_".
_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")


def _letters_and_digits(text: str) -> str:
    """``text`` lowercased, keeping only its letters and digits (one regex pass: this runs on every value)."""
    return _NOT_LETTER_OR_DIGIT.sub("", text.lower())


class SecretRegistry:
    """Secret values held by the parts of one process, counted so two holders of one value can let go apart."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: Counter[str] = Counter()
        self._pattern: re.Pattern[str] | None = None
        self._squeezed: tuple[str, ...] = ()

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
                    self._rebuild()
        return taken

    def release(self, values: Iterable[str]) -> None:
        with self._lock:
            before = len(self._held)
            self._held.subtract(values)
            self._held = +self._held  # drop counts at zero
            if len(self._held) != before:
                self._rebuild()

    def _rebuild(self) -> None:
        every = {form for value in self._held for form in forms(value)}
        # Longest first, so a value inside another (the raw key inside "Basic <base64>") goes with the whole.
        self._pattern = (
            re.compile("|".join(re.escape(f) for f in sorted(every, key=len, reverse=True)), re.IGNORECASE)
            if every else None
        )
        squeezed = {_letters_and_digits(value) for value in self._held}
        self._squeezed = tuple(s for s in squeezed if len(s) >= MIN_LENGTH)

    def scrub(self, text: str) -> str:
        """``text`` with every held secret, in each of its forms, replaced by ``***``."""
        pattern = self._pattern
        return text if pattern is None or not text else pattern.sub(MASK, text)

    def contains(self, text: str) -> bool:
        """Whether ``text`` holds a secret in any form ``scrub`` knows, or its letters and digits in order with
        other characters between them. For whole values (a field), where any hit withholds the whole value."""
        pattern = self._pattern
        if pattern is None or len(text) < MIN_LENGTH:  # every form, and every squeezed secret, is at least that long
            return False
        if pattern.search(text):
            return True
        squeezed = _letters_and_digits(text)
        return any(secret in squeezed for secret in self._squeezed)


REGISTRY = SecretRegistry()


def scrub(text: str) -> str:
    """``text`` with every secret this process holds, in all its forms, replaced by ``***``."""
    return REGISTRY.scrub(text)


def contains_secret(text: str) -> bool:
    """Whether ``text`` holds a secret this process knows (see ``SecretRegistry.contains``)."""
    return REGISTRY.contains(text)


class SecretHold:
    """The values one holder (a client, a provider configuration) added to ``REGISTRY``; ``release`` hands
    them back. Its repr names no value, so the holder's ``vars()`` and reprs stay clean."""

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


def secrets_from_environment(environ: Mapping[str, str] | None = None) -> list[str]:
    """The secrets a process can know from its environment before it sends anything: ``CODAT_API_KEY`` and
    the stack's secret variables, ``TF_VAR_<name>`` for each name in ``CODAT_IAC_SECRET_VARIABLES`` (set by
    codat-iac), or, where that is unset, each ``TF_VAR_`` variable whose name says it holds a secret."""
    env = os.environ if environ is None else environ
    values = [env.get("CODAT_API_KEY", "")]
    listed = env.get(SECRET_VARIABLES_ENV)
    if listed is not None:
        values += [env.get(f"TF_VAR_{name.strip()}", "") for name in listed.split(",") if name.strip()]
    else:
        values += [v for k, v in env.items() if k.startswith("TF_VAR_") and _SECRET_NAME.search(k[7:])]
    return [v for v in values if len(v) >= MIN_LENGTH]
