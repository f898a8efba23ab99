"""One bash process that runs a document's commands in order, as a reader types them into one terminal: a
variable set or exported, a folder changed, a process started in the background stays for the next command.

Each command's stdout and stderr are read together, as a terminal shows them, through a pipe (so the tools print
what they print in a log: no colour, no live progress). The shell's process group is the session's: closing it
ends whatever the commands left running.
"""

from __future__ import annotations

import os
import secrets
import select
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


class SessionTimeout(Exception):
    pass


@dataclass(frozen=True)
class Ran:
    command: str
    output: str
    exit_code: int
    seconds: float


class ShellSession:
    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self._marker = f"__docs_test_done_{secrets.token_hex(8)}__"
        self._process = subprocess.Popen(
            ["bash", "--noprofile", "--norc"], cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True,
        )

    def run(self, command: str, timeout: float = 300) -> Ran:
        """Run `command` (several lines when it is a loop or a here-document) with stdin closed; its output and
        exit code."""
        started = time.monotonic()
        script = f"{{\n{command}\n}} </dev/null\nprintf '\\n{self._marker} %d\\n' $?\n"
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(script.encode())
        self._process.stdin.flush()
        received = b""
        tail = f"\n{self._marker} ".encode()
        descriptor = self._process.stdout.fileno()
        while not (tail in received and received.endswith(b"\n")):
            left = timeout - (time.monotonic() - started)
            ready, _, _ = select.select([descriptor], [], [], max(left, 0))
            if not ready:
                raise SessionTimeout(f"`{command}` did not finish within {timeout:.0f} s; its output so far:\n"
                                     + received.decode(errors="replace"))
            chunk = os.read(descriptor, 65536)
            if not chunk:
                raise SessionTimeout(f"the shell ended during `{command}`:\n" + received.decode(errors="replace"))
            received += chunk
        output, _, code = received.decode(errors="replace").rpartition(tail.decode())
        return Ran(command, output, int(code.strip()), time.monotonic() - started)

    def close(self) -> None:
        """End the shell and everything the commands started in its process group."""
        try:
            os.killpg(self._process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait(timeout=10)
