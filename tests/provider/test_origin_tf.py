"""A state file knows its Codat: through the real terraform, state applied to one emulator is never read,
planned or destroyed against another (tfplugin's Provider.origin(), implemented by the codat provider)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

HOOK = """
resource "codat_webhook" "hook" {
  url         = "https://hooks.example.com/%s"
  event_types = ["DataSyncCompleted"]
}
"""


@pytest.fixture
def other_codat(tmp_path: Path):
    """A second emulator whose request log (one stderr line per request) the test reads."""
    log = tmp_path / "other-codat.log"
    with open(log, "w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "codat_emulator", "serve", "--host", "127.0.0.1", "--port", "0",
             "--data", str(tmp_path / "other-codat-data"), "--api-key", "other-codat-key-0002"],
            cwd=REPO, stdout=subprocess.PIPE, stderr=sink, text=True,
        )
    url = process.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), url
    yield url, log
    process.terminate()
    process.wait(timeout=30)


def _private(tf) -> dict:
    [resource] = json.loads(tf.state_text())["resources"]
    raw = resource["instances"][0].get("private")
    return json.loads(base64.b64decode(raw)) if raw else {}


def _api_requests(log: Path) -> list[str]:
    return [line for line in log.read_text().splitlines()
            if line.startswith("codat-emulator: ") and " -> " in line and "/_emulator/" not in line]


def test_state_applied_to_one_codat_stops_plan_and_destroy_against_another(tf, emulator, other_codat):
    other_url, other_log = other_codat
    tf.write(HOOK % "a")
    tf.init()
    tf.apply()
    hook_id = tf.state()["codat_webhook.hook"]["id"]
    assert _private(tf) == {"origin": emulator.url}

    tf.env.update(CODAT_BASE_URL=other_url, CODAT_API_KEY="other-codat-key-0002")
    tf.write(HOOK % "b")  # a change, so -refresh=false reaches PlanResourceChange
    for attempt in (tf.plan(), tf.plan("-refresh=false"), tf.destroy(check=False)):
        assert attempt.returncode == 1, attempt.stdout + attempt.stderr
        error = " ".join(attempt.stderr.split())
        assert f"this state belongs to {emulator.url}, but the provider now points at {other_url}" in error, error
        assert "point the provider back" in error and "terraform state rm" in error
    assert _api_requests(other_log) == []  # nothing reached the other Codat
    assert tf.state()["codat_webhook.hook"]["id"] == hook_id and _private(tf) == {"origin": emulator.url}

    tf.env.update(CODAT_BASE_URL=emulator.url, CODAT_API_KEY=emulator.api_key)  # pointed back: as before
    tf.write(HOOK % "a")
    assert tf.plan().returncode == 0


def test_state_without_a_recorded_codat_gets_one_on_the_next_refresh(tf, emulator):
    tf.write(HOOK % "a")
    tf.init()
    tf.apply()
    state_file = tf.dir / "terraform.tfstate"
    state = json.loads(state_file.read_text())
    state["resources"][0]["instances"][0].pop("private")  # as an older provider version wrote it
    state["serial"] += 1
    state_file.write_text(json.dumps(state))
    assert tf.plan().returncode == 0
    tf.apply("-refresh-only")
    assert _private(tf) == {"origin": emulator.url}
