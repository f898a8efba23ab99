"""Concurrent HTTP writers (Terraform runs 10 at once) and Portal CLI processes on the same data folder:
every acknowledged change must survive, none may be lost to a racing read-modify-write."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from emulator_support import REPO, basic

HTTP_KEYS = ["trji", "rqwd", "qudb", "pbbf", "fbrh", "vxvy", "pdvj", "akxx", "pqsw", "qhyg"]
CLI_KEYS = ["ndsk", "jcrp", "hbql", "tgff", "knfz"]
ROUNDS = 6


def test_ten_http_writers_and_cli_writers_lose_nothing(emu):
    errors: list[str] = []
    start = threading.Barrier(len(HTTP_KEYS) + 1)

    def http_writer(index: int, key: str) -> None:
        with httpx.Client(base_url=emu.url, headers=basic(emu.api_key), timeout=30) as client:
            start.wait()
            for n in range(ROUNDS):
                for reply in (
                    client.put(f"/integrations/credentials/{key}",
                               json={"clientId": f"{key}-id-{n:04d}", "clientSecret": f"s{n:04d}"}),
                    client.put(f"/integrations/{key}/enabled", json={"enabled": n % 2 == 0}),
                    client.post("/companies", json={"name": f"http {index} {n}"}),
                    client.put("/integrations/gbol/enabled", json={"enabled": n % 2 == 1}),  # all fight over one key
                ):
                    if reply.status_code != 200:
                        errors.append(f"{reply.request.method} {reply.request.url}: {reply.status_code} {reply.text}")

    def cli_writer() -> list[subprocess.Popen]:
        start.wait()
        procs = []
        for n, key in enumerate(CLI_KEYS):
            procs.append(subprocess.Popen([sys.executable, "-m", "codat_emulator", "portal", "add-company", f"cli {n}",
                                           "--platform", key, "--data", str(emu.data_dir)], cwd=REPO,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
            procs.append(subprocess.Popen([sys.executable, "-m", "codat_emulator", "portal", "set-credentials", key,
                                           "--client-id", f"cli-{key}-1234", "--client-secret-env", "CLI_SECRET",
                                           "--data", str(emu.data_dir)], cwd=REPO,
                                          env={**os.environ, "CLI_SECRET": "cli-secret-9999"},
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
            procs.append(subprocess.Popen([sys.executable, "-m", "codat_emulator", "portal", "enable", key,
                                           "--data", str(emu.data_dir)], cwd=REPO,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        return procs

    with ThreadPoolExecutor(len(HTTP_KEYS) + 1) as pool:
        cli = pool.submit(cli_writer)
        for future in [pool.submit(http_writer, i, key) for i, key in enumerate(HTTP_KEYS)]:
            future.result()
        procs = cli.result()
    for proc in procs:
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err

    assert errors == []
    names = {c["name"] for c in emu.get("/companies", params={"pageSize": 5000}).json()["results"]}
    assert names == ({f"http {i} {n}" for i in range(len(HTTP_KEYS)) for n in range(ROUNDS)}
                     | {f"cli {n}" for n in range(len(CLI_KEYS))})
    last = ROUNDS - 1
    for key in HTTP_KEYS:
        assert emu.get(f"/integrations/credentials/{key}").json()["clientId"].endswith(f"{last:04d}")
        assert emu.get(f"/integrations/{key}").json()["enabled"] is (last % 2 == 0)
    for key in CLI_KEYS:
        integration = emu.get(f"/integrations/{key}").json()
        assert integration["enabled"] is True and integration["totalConnectionsCount"] == 1
        assert emu.get(f"/integrations/credentials/{key}").json() == {"clientId": "X" * 9 + "1234",  # cli-ndsk-1234
                                                                      "clientSecret": "X" * 11 + "9999"}


def test_concurrent_retries_with_one_idempotency_key_create_one_consumer(emu):
    body = {"url": "https://example.com/racing", "eventTypes": ["DataSyncCompleted"]}

    def post(_: int) -> httpx.Response:  # httpx.Client is thread-safe: its pool opens parallel connections
        return emu.post("/webhooks", json=body, headers={"Idempotency-Key": "race-1"})

    with ThreadPoolExecutor(10) as pool:
        replies = list(pool.map(post, range(10)))
    assert {r.status_code for r in replies} == {201}
    assert len({r.json()["id"] for r in replies}) == 1
    assert len(emu.get("/webhooks").json()["results"]) == 1


def test_limits_hold_under_concurrency(emu):
    def post(n: int) -> int:
        return emu.post("/apiKeys", json={"name": f"k{n}"}).status_code

    with ThreadPoolExecutor(10) as pool:
        codes = list(pool.map(post, range(20)))
    assert codes.count(201) == 9 and codes.count(409) == 11
    assert len(emu.get("/apiKeys").json()["results"]) == 10
