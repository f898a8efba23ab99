"""Helpers for the emulator tests: run the real emulator as a subprocess, talk HTTP to it with httpx.

The tests deliberately do not use `codat_client`: they check the emulator against Codat's contract.
(A uniquely named module, not `conftest`, so test files can import it next to other test folders.)
"""

from __future__ import annotations

import base64
import os
import selectors
import signal
import subprocess
import sys
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
API_KEY = "emulator-test-key-0123456789abcdefghij"


def basic(key: str) -> dict[str, str]:
    """Codat's header: Basic with the base64 of the API key alone."""
    return {"Authorization": "Basic " + base64.b64encode(key.encode()).decode()}


def run_cli(
    *args: str, input: str | None = None, env: dict | None = None, timeout: float = 20
) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "codat_emulator", *args], cwd=REPO, input=input, text=True,
                          capture_output=True, env={**os.environ, **(env or {})}, timeout=timeout)


class Emulator:
    def __init__(self, data_dir: Path, api_key: str = API_KEY, extra: tuple[str, ...] = ()):
        self.data_dir = data_dir
        self.api_key = api_key
        self.extra = extra
        self.proc: subprocess.Popen | None = None
        self.url = ""
        self.client: httpx.Client | None = None
        self.log_path = data_dir.parent / f"{data_dir.name}.stderr.log"

    def start(self, timeout: float = 15) -> "Emulator":
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "codat_emulator", "serve", "--host", "127.0.0.1", "--port", "0",
             "--data", str(self.data_dir), "--api-key", self.api_key, *self.extra],
            cwd=REPO, stdout=subprocess.PIPE, stderr=log)
        log.close()
        selector = selectors.DefaultSelector()
        selector.register(self.proc.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            self.proc.kill()
            raise RuntimeError(f"emulator did not start: {self.log_path.read_text()}")
        self.url = self.proc.stdout.readline().decode().strip()
        assert self.url.startswith("http://127.0.0.1:"), (self.url, self.log_path.read_text())
        if self.client:
            self.client.close()
        self.client = httpx.Client(base_url=self.url, headers=basic(self.api_key), timeout=10)
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10) -> int:
        if self.client:
            self.client.close()
            self.client = None
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout)
        self.proc.stdout.close()
        self.proc = None
        return code

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        return self.client.request(method, path, **kwargs)

    def get(self, path: str, **kwargs) -> httpx.Response:
        return self.client.get(path, **kwargs)

    def put(self, path: str, **kwargs) -> httpx.Response:
        return self.client.put(path, **kwargs)

    def post(self, path: str, **kwargs) -> httpx.Response:
        return self.client.post(path, **kwargs)

    def patch(self, path: str, **kwargs) -> httpx.Response:
        return self.client.patch(path, **kwargs)

    def delete(self, path: str, **kwargs) -> httpx.Response:
        return self.client.delete(path, **kwargs)

    def cli(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        """Run a CLI command against this emulator's data folder (`--data` is appended)."""
        return run_cli(*args, "--data", str(self.data_dir), **kwargs)

    def reset(self) -> None:
        r = self.post("/_emulator/reset", json={"all": True})
        assert r.status_code == 200, r.text


def assert_error(response: httpx.Response, status: int, contains: str | None = None) -> dict:
    """Codat's error envelope, on every 4xx/5xx."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"statusCode", "service", "error", "correlationId", "validation", "canBeRetried",
                         "detailedErrorCode"}
    assert body["statusCode"] == status
    assert body["service"] == "PublicApi"
    assert body["canBeRetried"] == "Unknown"
    assert body["detailedErrorCode"] == 0
    assert isinstance(body["correlationId"], str) and len(body["correlationId"]) >= 32
    assert body["validation"] is None or set(body["validation"]) == {"errors", "warnings"}
    if contains:
        assert contains in body["error"], body
    return body
