"""Codat's errors as Terraform diagnostics, in one wording for every resource and data source.

The client's messages already say what happened and what to do next, and are scrubbed of every secret the
process holds; this only adds the summary Terraform shows first, and says so when Terraform was interrupted
(the client raises StoppedError for a call whose wait was cut short by `CodatProvider.stop`).
`codat_client` is imported inside, so the schema and validate starts stay light.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tfplugin import ProviderError

NOTHING_CHANGED = "Terraform was interrupted before anything was changed in Codat."


@contextmanager
def reported(what: str, *, stopped_detail: str = "Terraform was interrupted.") -> Iterator[None]:
    """A CodatError inside becomes one error diagnostic "Could not <what>", or "Stopped: could not <what>"
    with ``stopped_detail`` first: what was applied before the stopped call (whose own effect the client's
    message states)."""
    from codat_client import CodatError, StoppedError

    try:
        yield
    except StoppedError as exc:
        raise ProviderError(f"Stopped: could not {what}", f"{stopped_detail} {exc}".strip()) from exc
    except CodatError as exc:
        raise ProviderError(f"Could not {what}", str(exc)) from exc
