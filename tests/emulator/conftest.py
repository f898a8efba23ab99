"""Fixtures: one emulator shared by the session and reset to a fresh account before each test (`emu`);
tests that need their own flags, or kill servers, start private ones with `spawn_emulator`."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from emulator_support import API_KEY, Emulator


@pytest.fixture(scope="session")
def shared_emulator(tmp_path_factory):
    emulator = Emulator(tmp_path_factory.mktemp("shared") / "data").start()
    yield emulator
    assert emulator.stop() == 0


@pytest.fixture
def emu(shared_emulator) -> Emulator:
    """The shared server, reset to a fresh account with no faults."""
    shared_emulator.reset()
    return shared_emulator


@pytest.fixture
def spawn_emulator(tmp_path):
    started: list[Emulator] = []

    def start(*extra: str, data_dir: Path | None = None, api_key: str = API_KEY) -> Emulator:
        emulator = Emulator(data_dir or tmp_path / f"data{len(started)}", api_key, extra).start()
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop(signal.SIGKILL)
