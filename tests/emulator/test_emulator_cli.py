"""The command line: `serve` start-up and shutdown, the Portal commands, and clear errors for bad input."""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from emulator_support import API_KEY, REPO, Emulator, basic, run_cli

SECRET = "portal-secret-value-never-in-argv-7c1e"


def test_portal_enable_disable_is_seen_at_once(emu):
    assert emu.cli("portal", "enable", "gbol").stdout.strip() == "gbol: enabled"
    assert emu.get("/integrations/gbol").json()["enabled"] is True
    assert emu.cli("portal", "disable", "gbol").returncode == 0
    assert emu.get("/integrations/gbol").json()["enabled"] is False


def test_portal_credentials_from_env_and_stdin(emu):
    done = emu.cli("portal", "set-credentials", "gbol", "--client-id", "0A1B2C3D4E5F60718293A4B5C6D7E8F9",
                   "--client-secret-env", "XERO_SECRET", env={"XERO_SECRET": SECRET})
    assert done.returncode == 0, done.stderr
    assert SECRET not in done.stdout and json.loads(done.stdout)["clientSecret"].endswith("7c1e")
    assert emu.get("/integrations/credentials/gbol").json() == {"clientId": "X" * 28 + "E8F9",
                                                                "clientSecret": "X" * (len(SECRET) - 4) + "7c1e"}
    done = emu.cli("portal", "set-credentials", "qhyg", "--client-id", "qb-id-0001", "--client-secret-stdin",
                   input="from-stdin-secret\n")
    assert done.returncode == 0, done.stderr
    assert emu.get("/integrations/credentials/qhyg").json()["clientSecret"] == "XXXXXXXXXXXXXcret"
    shown = json.loads(emu.cli("portal", "show", "gbol").stdout)
    assert shown["integration"]["key"] == "gbol" and shown["credentials"]["clientId"].endswith("E8F9")
    assert SECRET not in json.dumps(shown)
    deleted = emu.cli("portal", "delete-credentials", "gbol")
    assert deleted.returncode == 0 and json.loads(deleted.stdout)["clientId"].endswith("E8F9")
    assert emu.get("/integrations/credentials/gbol").json() == {}


def test_portal_set_connection_status(emu):
    company_id, connection_id = emu.cli("portal", "add-company", "Linked Ltd", "--platform", "gbol").stdout.split()
    assert emu.get("/integrations/gbol").json()["linkedConnectionsCount"] == 1
    assert emu.cli("portal", "set-connection-status", company_id, connection_id, "Deauthorized").returncode == 0
    assert emu.get(f"/companies/{company_id}/connections/{connection_id}").json()["status"] == "Deauthorized"
    only_company = emu.cli("portal", "add-company", "No Connection").stdout.split()
    assert len(only_company) == 1 and emu.get(f"/companies/{only_company[0]}").json()["dataConnections"] == []


@pytest.mark.parametrize("args, code, message", [
    (("portal", "enable", "zzzz"), 1, "No integration was found with key zzzz"),
    (("portal", "show", "zzzz"), 1, "No integration was found with key zzzz"),
    (("portal", "delete-credentials", "gbol"), 1, "No credentials"),
    (("portal", "set-credentials", "gbol", "--client-id", "x", "--client-secret-env", "NO_SUCH_VARIABLE_X"), 1,
     "NO_SUCH_VARIABLE_X is not set"),
    (("portal", "set-credentials", "gbol", "--client-id", "x"), 2, "one of the arguments"),
    (("portal", "set-credentials", "gbol", "--client-id", "x", "--client-secret-stdin", "--client-secret-env", "A"), 2,
     "not allowed with"),
    (("portal", "add-company", "Acme", "--platform", "zzzz"), 1, "No integration was found"),
    (("portal", "add-company", "Acme", "--status", "Happy"), 2, "invalid choice"),
    (("portal", "set-connection-status", "nope", "nope", "Linked"), 1, "No company was found with ID nope"),
    (("portal", "fly"), 2, "invalid choice"),
    (("faults", "add", "latency", "--latency-ms", "soon"), 2, "invalid int value"),
])
def test_portal_errors_are_one_line(emu, args, code, message):
    done = emu.cli(*args, input="")
    assert done.returncode == code, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr


def test_commands_need_a_data_folder(tmp_path):
    done = run_cli("portal", "enable", "gbol")
    assert done.returncode == 2 and "--data" in done.stderr
    done = run_cli("portal", "enable", "gbol", "--data", str(tmp_path / "missing" / "deeper"))
    assert done.returncode == 1 and "cannot create data folder" in done.stderr and "Traceback" not in done.stderr


def test_portal_works_before_any_server_ran(tmp_path, spawn_emulator):
    data = tmp_path / "prepared"
    assert run_cli("portal", "enable", "gbol", "--data", str(data)).returncode == 0
    emulator = spawn_emulator(data_dir=data)
    assert emulator.get("/integrations/gbol").json()["enabled"] is True


def test_reset_all_from_cli(emu):
    emu.cli("portal", "enable", "gbol")
    emu.post("/webhooks", json={"url": "https://example.com/h"})
    done = emu.cli("reset", "--all")
    assert done.returncode == 0, done.stderr
    assert emu.get("/integrations/gbol").json()["enabled"] is False  # the server's key survived the wipe
    assert emu.get("/webhooks").json() == {"results": []}


def test_corrupt_data_file_is_reported_not_a_traceback(spawn_emulator):
    emulator = spawn_emulator()
    (emulator.data_dir / "state.json").write_text("{broken")
    body = emulator.get("/_emulator/health")
    assert body.status_code == 200
    reply = emulator.get("/profile")
    assert reply.status_code == 500 and "not valid JSON" in reply.json()["error"]
    done = emulator.cli("portal", "show", "gbol")
    assert done.returncode == 1 and "not valid JSON" in done.stderr and "Traceback" not in done.stderr
    assert emulator.cli("reset", "--all").returncode == 1  # the file is left for a person to look at
    (emulator.data_dir / "state.json").unlink()
    assert emulator.cli("reset", "--all").returncode == 0


def _serve(tmp_path, *args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "codat_emulator", "serve", "--data", str(tmp_path / "d"), *args],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**{k: v for k, v in os.environ.items() if k != "CODAT_API_KEY"}, **(env or {})})


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_prints_url_first_and_exits_cleanly(tmp_path, sig):
    ready = tmp_path / "ready.txt"
    started = time.monotonic()
    proc = _serve(tmp_path, "--port", "0", "--api-key", API_KEY, "--ready-file", str(ready))
    url = proc.stdout.readline().strip()
    startup = time.monotonic() - started
    assert url.startswith("http://127.0.0.1:") and int(url.rsplit(":", 1)[1]) > 0
    assert startup < 10, startup  # a hang (e.g. a reverse DNS lookup), not speed: ~0.15 s, benchmarks measure it
    assert ready.read_text().strip() == url
    assert httpx.get(f"{url}/integrations", headers=basic(API_KEY)).status_code == 200
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert out == "" and "Traceback" not in err
    token = base64.b64encode(API_KEY.encode()).decode()
    assert token not in err and API_KEY not in err and "GET /integrations -> 200" in err


def test_serve_key_from_environment(tmp_path):
    proc = _serve(tmp_path, env={"CODAT_API_KEY": "env-key-123"})
    url = proc.stdout.readline().strip()
    try:
        assert httpx.get(f"{url}/profile", headers=basic("env-key-123")).status_code == 200
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


@pytest.mark.parametrize("args, code, message", [
    ((), 1, "an API key is required"),
    (("--api-key", "has space"), 1, "must not contain spaces"),
    (("--api-key", "k", "--port", "http"), 2, "not a port number"),
    (("--api-key", "k", "--port", "70000"), 2, "from 0 to 65535"),
    (("--api-key", "k", "--rate-limit", "0"), 2, "1 or more"),
    (("--api-key", "k", "--rate-window", "-5"), 2, "above 0"),
])
def test_serve_rejects_bad_input(tmp_path, args, code, message):
    proc = _serve(tmp_path, *args)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == code and message in err and "Traceback" not in err and out == ""


def test_serve_reports_a_busy_port(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        proc = _serve(tmp_path, "--api-key", "k", "--port", str(busy.getsockname()[1]))
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 1 and "cannot listen on 127.0.0.1" in err and "Traceback" not in err


def test_restart_keeps_data_and_keys(tmp_path):
    emulator = Emulator(tmp_path / "data").start()
    try:
        emulator.put("/integrations/gbol/enabled", json={"enabled": True})
        created = emulator.post("/apiKeys", json={"name": "second"}).json()
        assert emulator.stop() == 0
        emulator.start()
        assert emulator.get("/integrations/gbol").json()["enabled"] is True
        assert httpx.get(f"{emulator.url}/profile", headers=basic(created["apiKey"])).status_code == 200
        assert len(emulator.get("/apiKeys").json()["results"]) == 2  # the serve key is not added twice
    finally:
        emulator.stop()
