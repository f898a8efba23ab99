"""codat_webhook through the real terraform over HCL, against the emulator."""

from __future__ import annotations

import base64

import httpx


def _codat(emulator) -> httpx.Client:
    """The emulator over plain HTTP (not codat_client), to change things behind Terraform's back."""
    token = base64.b64encode(emulator.api_key.encode()).decode()
    return httpx.Client(base_url=emulator.url, headers={"Authorization": f"Basic {token}"}, timeout=10)


def _webhooks(emulator) -> list[dict]:
    with _codat(emulator) as codat:
        return codat.get("/webhooks").json()["results"]


def _hook(url: str, extra: str = "") -> str:
    return f"""
resource "codat_webhook" "hook" {{
  url         = "{url}"
  event_types = ["DataSyncCompleted", "ConnectionDeleted"]
  {extra}
}}
"""


def test_webhook_lifecycle_replace_drift_import_destroy(tf, emulator):
    tf.write(_hook("https://hooks.example.com/codat"))
    tf.init()
    tf.apply()
    values = tf.state()["codat_webhook.hook"]
    first_id = values["id"]
    assert values["disabled"] is False and values["company_tags"] is None
    assert values["event_types"] == ["DataSyncCompleted", "ConnectionDeleted"]
    [held] = _webhooks(emulator)
    assert held["id"] == first_id and held["url"] == "https://hooks.example.com/codat"
    assert tf.plan().returncode == 0

    # Any change replaces: Codat has no update for consumers.
    tf.write(_hook("https://hooks.example.com/codat/v2", 'company_tags = ["region:eu"]'))
    planned = tf.plan()
    assert planned.returncode == 2 and "must be replaced" in planned.stdout, planned.stdout
    tf.apply()
    values = tf.state()["codat_webhook.hook"]
    assert values["id"] != first_id and values["company_tags"] == ["region:eu"]
    [held] = _webhooks(emulator)
    assert held["id"] == values["id"] and held["url"] == "https://hooks.example.com/codat/v2"

    # Drift: deleted behind Terraform's back -> plan recreates it, apply repairs.
    with _codat(emulator) as codat:
        assert codat.delete(f"/webhooks/{values['id']}").status_code == 204
    drift = tf.plan()
    assert drift.returncode == 2 and "codat_webhook.hook will be created" in drift.stdout, drift.stdout
    tf.apply()
    [held] = _webhooks(emulator)
    assert held["id"] == tf.state()["codat_webhook.hook"]["id"]

    # Import by id, then an empty plan.
    tf.run("state", "rm", "codat_webhook.hook")
    missing = tf.run("import", "-no-color", "codat_webhook.hook", "no-such-id", check=False)
    assert missing.returncode == 1 and "No such webhook consumer" in missing.stderr, missing.stderr
    tf.run("import", "-no-color", "codat_webhook.hook", held["id"])
    assert tf.plan().returncode == 0

    tf.destroy()
    assert _webhooks(emulator) == []


def test_webhook_validation_and_codat_limit(tf, emulator):
    tf.write(_hook("http://hooks.example.com/codat", 'company_tags = ["a", ""]'))
    tf.init()
    bad = tf.plan()
    assert bad.returncode == 1
    assert "Invalid webhook url" in bad.stderr and "must use https://" in bad.stderr
    assert 'with codat_webhook.hook,' in bad.stderr and "url" in bad.stderr
    assert "Empty company tag" in bad.stderr and "Traceback" not in bad.stderr

    # Plain http is fine for loopback (local tests); Codat's cap of 50 consumers is a clear error.
    with _codat(emulator) as codat:
        for n in range(50):
            assert codat.post("/webhooks", json={"url": f"https://filler.example.com/{n}"}).status_code == 201
    tf.write(_hook("http://127.0.0.1:8080/codat"))
    full = tf.apply(check=False)
    assert full.returncode == 1
    assert "limit of 50 webhook consumers is reached" in full.stderr and "already has 50" in full.stderr
    assert "Traceback" not in full.stderr
    assert tf.state() == {}
