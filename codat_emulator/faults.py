"""Faults injected on demand, so clients can be tested against a misbehaving Codat.

Faults live in `faults.json` in the data folder (the CLI and the admin endpoint both write it) and
are read on every request. A fault has a `kind`:

- `latency`: wait `latencyMs` before answering;
- `error`: answer `status` (any 4xx/5xx, default 500) in Codat's error shape: a share of 5xx, or a
  fixed 404/405 on the legacy credentials endpoints to emulate an account that lacks them;
- `rate-limit`: answer 429 with `Retry-After` (`retryAfter` seconds, or an HTTP date);
- `drop`: close the connection without any answer.

It may be limited to a `pathPrefix` and a `method`, to the next `count` matching requests and/or
`seconds` from now, and to a share (`rate`) of the matching requests. The share is deterministic
(with rate 0.5, every second matching request) so tests are repeatable. `error` and `drop` can act
`when: "after"` the request was carried out and saved, which emulates a reply lost in transit.
"""

from __future__ import annotations

import math
import time
import uuid

from .errors import is_int
from .store import Store

KINDS = ("latency", "error", "rate-limit", "drop")
_ALLOWED = {
    "latency": {"latencyMs"},
    "error": {"status", "message", "when"},
    "rate-limit": {"retryAfter", "retryAfterHttpDate"},
    "drop": {"when"},
}
_COMMON = {"kind", "rate", "pathPrefix", "method", "count", "seconds"}


def parse(spec: object) -> dict:
    """Validate a fault as given by a user; return it as stored. Raises ValueError listing problems."""
    if not isinstance(spec, dict):
        raise ValueError("a fault must be a JSON object")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    problems = [f"{name} does not apply to {kind} faults" for name in spec if name not in _COMMON | _ALLOWED[kind]]
    fault: dict = {"id": str(uuid.uuid4()), "kind": kind}
    if kind == "latency":
        ms = spec.get("latencyMs")
        if not is_int(ms) or not 0 <= ms <= 600_000:
            problems.append("latencyMs must be a whole number of milliseconds from 0 to 600000")
        fault["latencyMs"] = ms
    if kind == "error":
        status = spec.get("status", 500)
        if not is_int(status) or not 400 <= status <= 599:
            problems.append("status must be an HTTP error status from 400 to 599")
        fault["status"] = status
        if spec.get("message") is not None:
            if not isinstance(spec["message"], str):
                problems.append("message must be a string")
            fault["message"] = spec["message"]
    if kind == "rate-limit":
        retry_after = spec.get("retryAfter", 1)
        if not is_int(retry_after) or not 0 <= retry_after <= 86_400:
            problems.append("retryAfter must be a whole number of seconds from 0 to 86400")
        fault["retryAfter"] = retry_after
        if not isinstance(spec.get("retryAfterHttpDate", False), bool):
            problems.append("retryAfterHttpDate must be true or false")
        fault["retryAfterHttpDate"] = spec.get("retryAfterHttpDate", False)
    if kind in ("error", "drop"):
        fault["when"] = spec.get("when", "before")
        if fault["when"] not in ("before", "after"):
            problems.append("when must be before or after")
    rate = spec.get("rate", 1)
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate <= 1:
        problems.append("rate must be a number above 0 and at most 1")
    fault["rate"] = rate
    prefix = spec.get("pathPrefix", "/")
    if not isinstance(prefix, str) or not prefix.startswith("/"):
        problems.append("pathPrefix must start with /")
    fault["pathPrefix"] = prefix
    method = spec.get("method")
    if method is not None and (not isinstance(method, str) or not method.isalpha()):
        problems.append("method must be an HTTP method such as PUT")
    fault["method"] = method.upper() if isinstance(method, str) else None
    count = spec.get("count")
    if count is not None and (not is_int(count) or count < 1):
        problems.append("count must be a whole number of requests, 1 or more")
    fault["remaining"] = count
    seconds = spec.get("seconds")
    if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds > 0):
        problems.append("seconds must be a number above 0")
        seconds = None
    # Wall-clock time: the CLI and the server are different processes.
    fault["expiresAt"] = None if seconds is None else time.time() + seconds
    fault["seen"] = 0
    if problems:
        raise ValueError("; ".join(problems))
    return fault


def add(store: Store, spec: object) -> dict:
    fault = parse(spec)
    with store.faults.transaction() as doc:
        doc["faults"].append(fault)
    return fault


def active(store: Store) -> list[dict]:
    now = time.time()
    return [f for f in store.faults.read()["faults"] if not _expired(f, now)]


def clear(store: Store) -> None:
    with store.faults.transaction() as doc:
        doc["faults"] = []


def _expired(fault: dict, now: float) -> bool:
    return fault["expiresAt"] is not None and now >= fault["expiresAt"]


def _matches(fault: dict, method: str, path: str) -> bool:
    return path.startswith(fault["pathPrefix"]) and fault["method"] in (None, method)


def select(store: Store, method: str, path: str) -> list[dict]:
    """The faults that fire for this request; counts and shares are consumed under the store lock."""
    now = time.time()
    candidates = [f for f in store.faults.read()["faults"] if not _expired(f, now) and _matches(f, method, path)]
    if all(f["remaining"] is None and f["rate"] >= 1 for f in candidates):
        return candidates  # nothing to count: no write needed
    fired = []
    with store.faults.transaction() as doc:
        kept = []
        for fault in doc["faults"]:
            if _expired(fault, now):
                continue
            if _matches(fault, method, path):
                seen = fault["seen"]
                fault["seen"] = seen + 1
                # Fire whenever the running share crosses a whole number: exact and repeatable.
                if math.floor((seen + 1) * fault["rate"] + 1e-9) > math.floor(seen * fault["rate"] + 1e-9):
                    fired.append(fault)
                if fault["remaining"] is not None:
                    fault["remaining"] -= 1
                    if fault["remaining"] <= 0:
                        continue
            kept.append(fault)
        doc["faults"] = kept
    return fired
