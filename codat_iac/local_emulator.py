"""Start (or reuse) the local Codat emulator that `make deploy` targets when CODAT_BASE_URL is unset.

Its files live in the project's `.codat-iac/emulator/` (ignored by git): `data/` (the emulator's state), `api-key`
(generated once, mode 0600), `url`, `pid` and `server.log`. A second `make deploy` finds the same
server, or restarts it on the same data and key, so nothing changes.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from codat_iac.project import current
from codat_iac.toolenv import python_environment

START_TIMEOUT_S = 15.0


def default_home() -> Path:
    """The current project's emulator folder."""
    return current().state_dir / "emulator"


class EmulatorError(RuntimeError):
    """The local emulator could not be started; the message says where its log is."""


@dataclass(frozen=True)
class LocalEmulator:
    url: str
    api_key: str
    data_dir: Path
    pid: int


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip() or None
    except FileNotFoundError:
        return None


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def _healthy(url: str) -> bool:
    try:
        import urllib.request  # here: bin/terraform imports this module on every run, and rarely asks

        with urllib.request.urlopen(f"{url}/_emulator/health", timeout=1) as reply:
            return reply.status == 200
    except (OSError, ValueError):  # urllib.error.URLError is an OSError
        return False


def _api_key(home: Path) -> str:
    key_file = home / "api-key"
    key = _read(key_file)
    if key is None:
        key = "emu_" + secrets.token_hex(20)
        _write_private(key_file, key)
    return key


def running(home: Path | None = None) -> LocalEmulator | None:
    """The emulator started earlier in this project, if it still answers."""
    home = home or default_home()
    url, pid = _read(home / "url"), _read(home / "pid")
    if url and pid and _healthy(url):
        return LocalEmulator(url, _api_key(home), home / "data", int(pid))
    return None


def was_started_here(home: Path | None = None) -> bool:
    """True once an emulator was started in this project (its key and data stay when it stops)."""
    home = home or default_home()
    return (home / "api-key").exists()


def _previous_port(home: Path) -> int:
    """The port of the last emulator started here, so state that recorded its URL still matches; 0 if none."""
    url = _read(home / "url") or ""
    try:
        return int(url.rsplit(":", 1)[1]) if url.startswith("http://127.0.0.1:") else 0
    except ValueError:
        return 0


def ensure_running(home: Path | None = None) -> tuple[LocalEmulator, bool]:
    """Reuse the running emulator, or start one in the background on loopback: on the port it had before
    when that is free, else on a free one. Returns the emulator and whether this call started it."""
    home = home or default_home()
    found = running(home)
    if found:
        return found, False
    home.mkdir(parents=True, exist_ok=True)
    key = _api_key(home)
    for port in dict.fromkeys([_previous_port(home), 0]):
        started = _start(home, key, port)
        if started:
            return started, True
    raise EmulatorError(f"the local Codat emulator did not start; see {home / 'server.log'}")


def _start(home: Path, key: str, port: int) -> LocalEmulator | None:
    ready_file = home / "url"
    ready_file.unlink(missing_ok=True)
    with open(home / "server.log", "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "codat_emulator", "serve", "--host", "127.0.0.1", "--port", str(port),
             "--data", str(home / "data"), "--ready-file", str(ready_file)],
            cwd=home, env=python_environment(dict(os.environ, CODAT_API_KEY=key)), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=log, start_new_session=True,
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        url = _read(ready_file)
        if url and _healthy(url):
            (home / "pid").write_text(str(process.pid))
            return LocalEmulator(url, key, home / "data", process.pid)
        if process.poll() is not None:
            return None  # e.g. the port is taken now: the caller tries a free one
        time.sleep(0.05)
    process.kill()
    return None


def stop(home: Path | None = None) -> bool:
    """Stop the background emulator and wait until it is gone, so a restart gets its port; its data stays."""
    home = home or default_home()
    found = running(home)
    if not found:
        return False
    os.kill(found.pid, signal.SIGTERM)
    (home / "pid").unlink(missing_ok=True)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and not _gone(found.pid):
        time.sleep(0.05)
    return True


def _gone(pid: int) -> bool:
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:  # started by this process: reap it
            return True
    except ChildProcessError:  # started by an earlier command: init reaps it
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def demo_xero_credentials(home: Path | None = None) -> tuple[str, str]:
    """A stable made-up Xero client id and secret for the emulator demo, generated once (mode 0600)."""
    home = home or default_home()
    path = home / "demo-xero.json"
    text = _read(path)
    if text:
        stored = json.loads(text)
        return stored["client_id"], stored["client_secret"]
    home.mkdir(parents=True, exist_ok=True)
    client_id, client_secret = secrets.token_hex(16).upper(), secrets.token_urlsafe(36)
    _write_private(path, json.dumps({"client_id": client_id, "client_secret": client_secret}))
    return client_id, client_secret
