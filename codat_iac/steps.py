"""Progress as CI logs and people want it: one line per step with its elapsed time.

In a log (stdout or stderr is not a terminal, or `CI` is set) a step prints one plain line when it ends:
`plan codat: 1 to change [0.6 s]`, no ANSI codes, no spinner. On a terminal, a step that is still running
shows a live line with its elapsed time, replaced by the same final line. Lines go to stderr, so stdout
keeps only results (summaries, JSON).

Also a script, for the Makefile (standard library only):
    python3 codat_iac/steps.py "install Python packages (.venv)" -- pip install ...
runs the command as one step and shows its output only if it fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from typing import IO, Iterator, Optional

FRAMES = "|/-\\"


def plain_output() -> bool:
    """True in CI or when output goes to a file or pipe: then no ANSI codes and no live lines."""
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false"):
        return True
    return not (sys.stdout.isatty() and sys.stderr.isatty())


class Step:
    """One running step; `note` is what its final line says after the name (e.g. "no changes")."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.note = ""
        self.started = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def line(self, failed: bool = False) -> str:
        note = "failed" if failed else self.note
        return f"{self.name}{': ' + note if note else ''} [{self.elapsed():.1f} s]"


class Steps:
    """Reports steps on `stream` (default stderr), plain or live (see the module's doc)."""

    def __init__(self, stream: Optional[IO[str]] = None, plain: Optional[bool] = None) -> None:
        self.stream = stream or sys.stderr
        self.plain = plain_output() if plain is None else plain

    def say(self, text: str) -> None:
        """A line that is not a step (a warning, a hint); on a terminal it does not break a live line."""
        self.stream.write(text.rstrip("\n") + "\n")
        self.stream.flush()

    @contextmanager
    def step(self, name: str) -> Iterator[Step]:
        current = Step(name)
        stop = threading.Event()
        ticker = None
        if not self.plain:
            ticker = threading.Thread(target=self._tick, args=(current, stop), daemon=True)
            ticker.start()
        failed = True
        try:
            yield current
            failed = False
        finally:
            stop.set()
            if ticker is not None:
                ticker.join()
                self.stream.write("\r\x1b[2K")
            self.say(current.line(failed))

    def _tick(self, current: Step, stop: threading.Event) -> None:
        frame = 0
        while not stop.wait(0.1):
            self.stream.write(f"\r\x1b[2K{FRAMES[frame % len(FRAMES)]} {current.name} {current.elapsed():.0f} s")
            self.stream.flush()
            frame += 1


def run_command_as_step(name: str, command: list[str], cwd: Optional[str] = None,
                        env: Optional[dict] = None) -> int:
    """Run `command` as one step: its output is shown only when it fails (then its exit code is returned)."""
    steps = Steps()
    try:
        with steps.step(name):
            done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                  stdin=subprocess.DEVNULL, cwd=cwd, env=env)
            if done.returncode != 0:
                raise RuntimeError(done.stdout)
    except RuntimeError as failure:
        steps.say(str(failure).rstrip())
        steps.say(f"{name}: `{' '.join(command)}` exited {done.returncode}")
        return done.returncode
    except FileNotFoundError:
        steps.say(f"{name}: {command[0]} was not found")
        return 127
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit('usage: steps.py "step name" -- command [args...]')
    sys.exit(run_command_as_step(sys.argv[1], sys.argv[3:]))
