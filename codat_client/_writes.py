"""What Codat's contract promises each write answers when it succeeds, and whether an answer kept that promise.

Why: a proxy's HTML page, a gzip bomb or an empty 200 in front of a PUT said "success" while Codat never saw
the write, and Terraform recorded it as done. A write is taken as done only on the status its spec documents
(Codat-Platform.yaml; the legacy credentials and enabled-toggle endpoints: Codat-Partners.json and
/work/shared/docs/codat-contract.md) and, where a JSON body is promised, one that parses (its shape is checked
by the model that reads it). Anything else raises ``WriteNotAcknowledgedError``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx


@dataclass(frozen=True, slots=True)
class Promise:
    """A write's documented success: its status and, when it has one, what its JSON body holds."""

    status: int
    body: str | None  # e.g. "the stored profile"; None when Codat answers without a body

    def broken_by(self, response: httpx.Response) -> str | None:
        """Why ``response`` does not keep the promise, or None when it does."""
        status = response.status_code
        promised = f"Codat's contract promises {self.status}" + (f" with {self.body} as JSON" if self.body else "")
        if status != self.status:
            return f"it answered {status} {response.reason_phrase}".rstrip() + f" where {promised}"
        content = response.content
        if not content.strip():
            return f"it answered {status} with an empty body where {promised}" if self.body else None
        try:
            json.loads(content)
        except ValueError:
            kind = response.headers.get("content-type", "").split(";")[0].strip()[:60] or "an unknown type"
            if self.body is None:
                promised = f"Codat's contract promises {self.status} with no body"
            return f"it answered {status} with {len(content):,} bytes of {kind} that are not JSON, where {promised}"
        return None
