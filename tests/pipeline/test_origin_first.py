"""A stack's state remembers its Codat: planned against another Codat, every command stops before any request,
whether the other Codat is down or answers (codat_iac/origins.py). Without the check first, the stack's
connection-usage data source asked the other Codat before the provider's own check ran on the resource: five
retries and a connection error when it was down."""

from __future__ import annotations

import socket
import threading
from contextlib import contextmanager
from typing import Iterator

import pytest

from codat_settings import base_url_origin

pytestmark = pytest.mark.e2e


@contextmanager
def _listening() -> Iterator[tuple[str, list]]:
    """A loopback port that accepts connections and never answers: a Codat that is there. Yields its URL and the
    list of connections it accepted."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    accepted: list = []
    done = threading.Event()

    def accept() -> None:
        while not done.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}", accepted
    finally:
        done.set()
        thread.join(timeout=5)
        for connection in accepted:
            connection.close()
        server.close()


def _down() -> str:
    """A loopback URL nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def _refused_before_any_request(done, recorded: str, other: str) -> None:
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert f"its state belongs to {recorded}, but the stack now points at {other}" in output, output
    assert "Nothing was sent" in output
    assert "Gave up after" not in output and "no answer from" not in output  # no request, so no retry either


def test_a_state_planned_against_another_codat_stops_before_any_request(pipeline, tmp_path):
    app = ["--app-dir", str(pipeline.dir)]
    deployed = pipeline.run("deploy", *app)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    recorded = base_url_origin(pipeline.emulator.url)

    down = _down()
    for command in (["diff"], ["drift"], ["deploy"], ["plan", "--out", str(tmp_path / "plan")]):
        _refused_before_any_request(pipeline.run(*command, *app, CODAT_BASE_URL=down), recorded, down)

    with _listening() as (there, accepted):
        for command in (["diff"], ["drift"], ["deploy"]):
            _refused_before_any_request(pipeline.run(*command, *app, CODAT_BASE_URL=there), recorded, there)
        stack = pipeline.dir / "cdktf.out" / "stacks" / "codat"  # synthesized for `there` by the runs above
        raw = pipeline.run("exec", "terraform", f"-chdir={stack}", "plan", "-input=false", CODAT_BASE_URL=there)
        _refused_before_any_request(raw, recorded, there)
        assert accepted == []  # not even a connection

    again = pipeline.run("diff", *app)  # pointed back: the same state plans as before
    assert again.returncode == 0, again.stdout + again.stderr
