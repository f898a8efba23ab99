"""The local emulator `make deploy` starts keeps its address across restarts: deployed state records the
Codat base URL it was applied to (tfplugin's origin), and the provider refuses to plan it against another URL."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from codat_iac import local_emulator


def test_stopping_the_local_emulator_frees_its_port_for_the_restart(tmp_path):
    """`make emulator-stop` then `make deploy`: the restart must not race the old process for the port."""
    home = tmp_path / "emulator"
    first, _ = local_emulator.ensure_running(home)
    try:
        assert local_emulator.stop(home)
        again, started = local_emulator.ensure_running(home)
        assert started
        assert again.url == first.url and again.pid != first.pid
        assert local_emulator.stop(home)
        with socket.socket() as squatter:  # someone else took the port meanwhile
            squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            squatter.bind(("127.0.0.1", urlsplit(first.url).port))
            squatter.listen()
            moved, _ = local_emulator.ensure_running(home)
            assert moved.url != first.url and local_emulator.running(home) == moved
    finally:
        local_emulator.stop(home)
