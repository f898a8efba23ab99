"""Credentials as Codat returns them, reduced to what may be kept: `X`s and the last 4 characters.

Why here: every credential answer (GET, PUT and DELETE /integrations/credentials/{key}) passes through the
client's credential methods and nothing above them (the provider's state, plans, diagnostics, logs) ever
sees Codat's raw answer, so one reduction at this choke point covers every use. Codat documents masked
values, but its spec gives the PUT answer the request's own schema, so nothing promises masking: a value
that looks unmasked is reduced the same way and named (never shown) in ``unmasked``.
"""

from __future__ import annotations

from collections.abc import Mapping

_MASK_CHARACTERS = frozenset("X*.")  # Codat shows "XXXX...1ad1" or "XXXXXXXXXXXX2a6b"
_SHOWN = 4


class MaskedCredentials(dict[str, str]):
    """Codat's credential map, every value `X`s followed by its last 4 characters (all `X`s when it has 4
    or fewer). ``unmasked`` names the fields Codat sent in clear (reduced all the same)."""

    unmasked: tuple[str, ...] = ()


def looks_masked(value: str) -> bool:
    """Whether Codat masked ``value``: only mask characters before its last 4 (or in all of a short one)."""
    hidden = value[:-_SHOWN] if len(value) > _SHOWN else value
    return bool(hidden) and set(hidden) <= _MASK_CHARACTERS


def mask(value: str) -> str:
    """``value`` as `X`s and its last 4 characters, in one form whatever form Codat used."""
    if len(value) <= _SHOWN:
        return "X" * len(value)
    return "X" * (len(value) - _SHOWN) + value[-_SHOWN:]


def reduce_credentials(answer: Mapping[str, str]) -> MaskedCredentials:
    reduced = MaskedCredentials({name: mask(value) for name, value in answer.items()})
    reduced.unmasked = tuple(name for name, value in answer.items() if value and not looks_masked(value))
    return reduced
