"""`kill -9` in the middle of bursts of writes, of the server and of Portal CLI writers: the data file must
always parse and hold every change that was acknowledged (a 200, or a CLI exit 0) before the kill.
Bounded in rounds and time so it stays a few seconds on a small machine."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import threading
import time

import httpx

from emulator_support import REPO, basic

SERVER_ROUNDS = 6
CLI_ROUNDS = 4
WRITERS = 4


def _state(data_dir) -> dict:
    return json.loads((data_dir / "state.json").read_text())  # raises if torn or half-written


def test_server_killed_mid_burst_loses_no_acknowledged_write(tmp_path, spawn_emulator):
    data = tmp_path / "durable"
    rng = random.Random(1234)
    acknowledged: set[str] = set()
    lock = threading.Lock()
    for round_ in range(SERVER_ROUNDS):
        emulator = spawn_emulator(data_dir=data)
        stop = threading.Event()

        def writer(n: int, url: str = emulator.url, key: str = emulator.api_key, round_: int = round_,
                   stop: threading.Event = stop) -> None:
            with httpx.Client(base_url=url, headers=basic(key), timeout=5) as client:
                i = 0
                while not stop.is_set():
                    name = f"r{round_} w{n} c{i}"
                    try:
                        reply = client.post("/companies", json={"name": name})
                    except httpx.TransportError:
                        return  # the server is gone: this write was never acknowledged
                    if reply.status_code == 200:
                        with lock:
                            acknowledged.add(reply.json()["id"])
                    i += 1

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
        for thread in threads:
            thread.start()
        time.sleep(rng.uniform(0.15, 0.4))
        emulator.proc.send_signal(signal.SIGKILL)
        stop.set()
        for thread in threads:
            thread.join(10)
        emulator.stop()
        ids = {c["id"] for c in _state(data)["companies"]}
        assert acknowledged <= ids, f"round {round_}: lost {len(acknowledged - ids)} acknowledged companies"
    assert len(acknowledged) > SERVER_ROUNDS * WRITERS  # the bursts really wrote


def test_cli_writers_killed_mid_write_lose_nothing_acknowledged(tmp_path):
    data = tmp_path / "durable-cli"
    rng = random.Random(4321)
    acknowledged: set[str] = set()
    for round_ in range(CLI_ROUNDS):
        procs = [subprocess.Popen([sys.executable, "-m", "codat_emulator", "portal", "add-company", f"r{round_} p{n}",
                                   "--platform", "gbol", "--data", str(data)], cwd=REPO, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for n in range(6)]
        victims = procs[::2]
        deadline = time.monotonic() + rng.uniform(0.05, 0.25)
        for proc in victims:
            time.sleep(max(0.0, deadline - time.monotonic()) / len(victims))
            proc.send_signal(signal.SIGKILL)
        for proc in procs:
            out, _ = proc.communicate(timeout=30)
            if proc.returncode == 0:
                acknowledged.add(out.split()[0])
            else:
                assert proc.returncode == -signal.SIGKILL
        ids = {c["id"] for c in _state(data)["companies"]}
        assert acknowledged <= ids
    assert acknowledged  # the survivors did write


def test_no_temp_file_is_mistaken_for_data(tmp_path, spawn_emulator):
    """A temp file left by a killed writer is ignored and then overwritten."""
    emulator = spawn_emulator(data_dir=tmp_path / "leftover")
    (emulator.data_dir / ".state.json.tmp").write_text("{torn")
    assert emulator.put("/integrations/gbol/enabled", json={"enabled": True}).status_code == 200
    assert _state(emulator.data_dir)["integrations"]["gbol"]["enabled"] is True
