"""Start (or reuse) the local Codat emulator that `make deploy` targets when CODAT_BASE_URL is unset.

Its files live in `.codat-iac/emulator/` (ignored by git): `data/` (the emulator's state), `api-key`
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
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from codat_iac.toolenv import REPO, STATE_DIR

HOME = STATE_DIR / "emulator"
START_TIMEOUT_S = 15.0


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
        with urllib.request.urlopen(f"{url}/_emulator/health", timeout=1) as reply:
            return reply.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _api_key(home: Path) -> str:
    key_file = home / "api-key"
    key = _read(key_file)
    if key is None:
        key = "emu_" + secrets.token_hex(20)
        _write_private(key_file, key)
    return key


def running(home: Path = HOME) -> LocalEmulator | None:
    """The emulator started earlier from this repo, if it still answers."""
    url, pid = _read(home / "url"), _read(home / "pid")
    if url and pid and _healthy(url):
        return LocalEmulator(url, _api_key(home), home / "data", int(pid))
    return None


def ensure_running(home: Path = HOME) -> LocalEmulator:
    """Reuse the running emulator or start one in the background on a free loopback port."""
    found = running(home)
    if found:
        return found
    home.mkdir(parents=True, exist_ok=True)
    key = _api_key(home)
    ready_file = home / "url"
    ready_file.unlink(missing_ok=True)
    log = open(home / "server.log", "ab")
    env = dict(os.environ, CODAT_API_KEY=key)
    process = subprocess.Popen(
        [sys.executable, "-m", "codat_emulator", "serve", "--host", "127.0.0.1", "--port", "0",
         "--data", str(home / "data"), "--ready-file", str(ready_file)],
        cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
        start_new_session=True,
    )
    log.close()
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        url = _read(ready_file)
        if url and _healthy(url):
            (home / "pid").write_text(str(process.pid))
            return LocalEmulator(url, key, home / "data", process.pid)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"the local Codat emulator did not start; see {home / 'server.log'}")


def stop(home: Path = HOME) -> bool:
    """Stop the background emulator; its data stays for the next start."""
    found = running(home)
    if not found:
        return False
    os.kill(found.pid, signal.SIGTERM)
    (home / "pid").unlink(missing_ok=True)
    return True


def demo_xero_credentials(home: Path = HOME) -> tuple[str, str]:
    """A stable made-up Xero client id and secret for the emulator demo, generated once (mode 0600)."""
    path = home / "demo-xero.json"
    text = _read(path)
    if text:
        stored = json.loads(text)
        return stored["client_id"], stored["client_secret"]
    home.mkdir(parents=True, exist_ok=True)
    client_id, client_secret = secrets.token_hex(16).upper(), secrets.token_urlsafe(36)
    _write_private(path, json.dumps({"client_id": client_id, "client_secret": client_secret}))
    return client_id, client_secret
