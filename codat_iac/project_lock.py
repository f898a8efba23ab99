"""One codat-iac run at a time per checkout (they share cdktf.out/), waiting no longer than Terraform would.

The lock is an flock on `cdktf.out/.codat-iac.lock`, so it is free again the moment its holder ends, even by
kill -9: there is never a stale lock to remove. Its holder writes who it is into the file (pid, command, since
when), so a run that waits says on whom, and one that gives up after the lock timeout (`--lock-timeout`,
`CODAT_IAC_LOCK_TIMEOUT`: the one Terraform's state lock gets) names the holder and what to do, in one line.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TextIO

LOCK_NAME = ".codat-iac.lock"
_POLL_S = 0.1
# Go's duration syntax, which Terraform's -lock-timeout takes: 30s, 5m, 1m30s, 1.5h, 250ms.
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)"


class NotADuration(ValueError):
    """A lock timeout that is not a duration Terraform takes."""


class ProjectBusy(RuntimeError):
    """Another run held the checkout's lock for longer than the lock timeout; the message names it."""


def seconds(text: str) -> float:
    """A duration in Terraform's (Go's) syntax as seconds: "2s" -> 2.0, "1m30s" -> 90.0, "0" -> 0.0."""
    value = text.strip()
    if value == "0":
        return 0.0
    if not re.fullmatch(f"(?:{_PART})+", value):
        raise NotADuration(value)
    return sum(float(number) * _UNITS[unit] for number, unit in re.findall(_PART, value))


@dataclass(frozen=True)
class Holder:
    """Who holds the lock, as its holder wrote it."""

    pid: int
    command: str
    since: float  # time.time() when it took the lock

    def __str__(self) -> str:
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.since))
        return f"pid {self.pid} (`{self.command}`, since {started}, {max(0.0, time.time() - self.since):.0f} s ago)"


def _read_holder(handle) -> Holder | None:
    handle.seek(0)
    try:
        record = json.loads(handle.read() or "null")
        return Holder(int(record["pid"]), str(record["command"])[:200], float(record["since"]))
    except (ValueError, TypeError, KeyError):
        return None  # it took the lock a moment ago and has not written itself yet


class ProjectLock:
    """The lock of one checkout's cdktf.out/; `acquire` then `release`."""

    def __init__(self, outdir: Path) -> None:
        self.path = outdir / LOCK_NAME
        self._handle: TextIO | None = None

    def acquire(self, timeout: str, command: str, say: Callable[[str], None]) -> None:
        """Take the lock, waiting up to `timeout` (a duration, as -lock-timeout takes it); `say` gets one line
        when it has to wait. ProjectBusy naming the holder when it is not free in time."""
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        handle = os.fdopen(descriptor, "r+", encoding="utf-8")
        deadline = time.monotonic() + seconds(timeout)
        waited = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _read_holder(handle)
                if time.monotonic() >= deadline:
                    handle.close()
                    raise ProjectBusy(self._busy(holder, timeout)) from None
                if not waited:
                    waited = True
                    say(f"waiting up to {timeout} for this checkout's lock ({self.path.name} in {self.path.parent}), "
                        f"held by {holder or 'another codat-iac run'}")
                time.sleep(min(_POLL_S, max(0.0, deadline - time.monotonic())))
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(), "command": command, "since": time.time()}))
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        handle, self._handle = self._handle, None
        if handle is None:
            return
        handle.seek(0)
        handle.truncate()
        handle.flush()
        handle.close()  # closing lets go of the flock

    def _busy(self, holder: Holder | None, timeout: str) -> str:
        return (f"another codat-iac run holds this checkout's lock ({self.path}): "
                f"{holder or 'its holder did not say who it is'}; it was not free within the lock timeout "
                f"{timeout}, so nothing was run. Run again when that one has ended (or stop it), or wait longer "
                "with --lock-timeout or CODAT_IAC_LOCK_TIMEOUT.")
