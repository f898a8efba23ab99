"""The checkout's own lock (cdktf.out/.codat-iac.lock) honours the lock timeout, says whom it waits for, and
names the holder when it gives up: through the real CLI, with the lock held by another process (the exact lock,
taken by the code codat-iac takes it with)."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from codat_iac import project_lock
from pipeline_support import REPO

pytestmark = pytest.mark.e2e

HOLDER_COMMAND = "codat-iac deploy (held by the test)"
HOLD = f"""
import sys
from pathlib import Path
from codat_iac.pipeline import App

with App(Path(sys.argv[1]), {HOLDER_COMMAND!r}).locked("0s", print):
    print("held", flush=True)
    sys.stdin.readline()
"""


class HeldLock:
    """Another process holding the checkout's lock until `release`."""

    def __init__(self, app_dir) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", HOLD, str(app_dir)], cwd=REPO, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, env={"PYTHONPATH": str(REPO)})
        assert self.process.stdout.readline() == "held\n"

    def release(self) -> None:
        self.process.stdin.write("\n")
        self.process.stdin.close()
        assert self.process.wait(timeout=10) == 0


@pytest.fixture
def held(pipeline):
    lock = HeldLock(pipeline.dir)
    yield lock
    if lock.process.poll() is None:
        lock.release()


def test_a_deploy_gives_up_after_the_lock_timeout_naming_the_holder_then_runs_once_it_is_free(pipeline, held):
    for _ in range(3):
        started = time.monotonic()
        busy = pipeline.run("deploy", "--app-dir", str(pipeline.dir), CODAT_IAC_LOCK_TIMEOUT="2s")
        took = time.monotonic() - started
        assert busy.returncode == 1, busy.stdout + busy.stderr
        assert 2.0 <= took < 15, took  # the timeout, not the 5m default, nor no wait at all
        waiting, failed = busy.stderr.splitlines()[-2:]
        assert waiting.startswith("waiting up to 2s for this checkout's lock") and f"pid {held.process.pid}" in waiting
        assert failed.startswith("codat-iac deploy: another codat-iac run holds this checkout's lock")
        assert f"pid {held.process.pid} (`{HOLDER_COMMAND}`, since " in failed
        assert "nothing was run" in failed and "--lock-timeout or CODAT_IAC_LOCK_TIMEOUT" in failed
        assert "synth" not in busy.stderr and "Traceback" not in busy.stderr

    option = pipeline.run("deploy", "--app-dir", str(pipeline.dir), "--lock-timeout", "1s", "--json")
    assert option.returncode == 1 and "lock timeout 1s" in option.stderr
    drift = pipeline.drift("--json", CODAT_IAC_LOCK_TIMEOUT="1s")
    assert drift.returncode == 1 and f"pid {held.process.pid}" in json.loads(drift.stdout)["stacks"][0]["error"]

    held.release()
    free = pipeline.run("deploy", "--app-dir", str(pipeline.dir), CODAT_IAC_LOCK_TIMEOUT="2s")
    assert free.returncode == 0, free.stdout + free.stderr
    assert "waiting" not in free.stderr
    assert (pipeline.dir / "cdktf.out" / project_lock.LOCK_NAME).read_text() == ""  # the holder's record is cleared


def test_a_lock_timeout_that_is_not_a_duration_is_refused_naming_the_setting(pipeline):
    done = pipeline.run("deploy", "--app-dir", str(pipeline.dir), CODAT_IAC_LOCK_TIMEOUT="2")
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == ("codat-iac deploy: CODAT_IAC_LOCK_TIMEOUT '2' is not a duration: give "
                                            "it as Terraform's -lock-timeout takes it, e.g. 30s, 5m or 1m30s.")


@pytest.mark.parametrize("text, seconds", [("2s", 2.0), ("5m", 300.0), ("1m30s", 90.0), ("1.5h", 5400.0),
                                           ("250ms", 0.25), ("0s", 0.0), ("0", 0.0)])
def test_durations_are_read_as_terraform_reads_them(text, seconds):
    assert project_lock.seconds(text) == seconds


@pytest.mark.parametrize("text", ["2", "", "s", "1 m", "-1s", "1d", "5m junk"])
def test_what_is_not_a_duration(text):
    with pytest.raises(project_lock.NotADuration):
        project_lock.seconds(text)
