"""Writes Codat did not acknowledge: read back what Codat holds, and go on only when it is what the plan said.

An answer Codat's contract does not allow for a write (an HTML page with 200, a body that cannot be decoded,
a promised body missing) says nothing about whether the write arrived. Taking it as success recorded writes
Codat never got ("Creation complete"); taking it as failure would leave a write that did arrive unrecorded. So
each resource reads back what Codat holds after such an answer and compares it with the plan: the same, and
the state read back is returned (with a warning naming the answer); different, and an error says what differs
and nothing is recorded as applied. Apply results are checked the same way where Codat's own answer is a read
back (sync settings), so every result is what the plan said or an error, never Terraform's "Provider produced
inconsistent result after apply".
`codat_client` is imported inside, so the schema and validate starts stay light.
"""

from __future__ import annotations

from tfplugin import Diagnostics, ProviderError, Schema, differences_from_plan


def unacknowledged() -> type[Exception]:
    """The client error after which a write may or may not have reached Codat while Codat can still be asked:
    a 2xx answer its contract does not allow for the call (WriteNotAcknowledgedError)."""
    from codat_client import WriteNotAcknowledgedError

    return WriteNotAcknowledgedError


def confirmed(what: str, schema: Schema, planned: dict, stored: dict | None, diags: Diagnostics,
              answer: Exception | None = None) -> dict:
    """``stored`` (the state read back after a write; None: Codat holds no such object) when it holds what
    ``planned`` said; otherwise a ProviderError naming the attributes that differ. ``answer``: the client error
    of a write Codat did not acknowledge (None when it did, and the read back is how the resource learns what
    Codat stored)."""
    if stored is None:
        differ = ["all of it (Codat holds no such object)"]
    else:
        differ = differences_from_plan(schema.implied_type(), planned, {**planned, **stored})
    if stored is None or differ:
        named = ", ".join(differ)
        if answer is not None:
            raise ProviderError(
                f"Codat did not acknowledge the write: could not {what}",
                f"Codat's answer to the write was not an acknowledgement ({answer}). Read back, Codat holds other "
                f"values than the plan for {named}: the write did not take effect, or not all of it. Nothing is "
                "recorded as applied; run apply again (plan shows what Codat holds).",
            )
        raise ProviderError(
            f"Codat holds other values than were written: could not {what}",
            f"After the write, Codat holds other values than the plan for {named}: another change may have landed "
            "between the write and the read back, or Codat adjusted what it was sent. Nothing is recorded as "
            "applied; the next plan compares the configuration with what Codat holds.",
        )
    if answer is not None:
        diags.warning(
            "Codat did not acknowledge the write, but holds it",
            f"{answer} Read back, Codat holds what the plan said, so the write took effect and state records it.",
        )
    return stored
