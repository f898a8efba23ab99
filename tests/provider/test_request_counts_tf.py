"""How many requests a no-change `terraform plan` sends to Codat, counted by the emulator (issue 13).

A plan reads every object back (refresh); within one provider process each Codat object is read once,
and list-only endpoints (webhooks) are listed once and shared by every resource that reads from them.
"""

from __future__ import annotations

import base64
import sys

import httpx

XERO_CLIENT_ID = "0A1B2C3D4E5F60718293A4B5C6D7E8F9"
XERO_SECRET = "s3cr3t-Xero-Client-Secret-count-4d2e"


def _admin(emulator) -> httpx.Client:
    token = base64.b64encode(emulator.api_key.encode()).decode()
    return httpx.Client(base_url=emulator.url, headers={"Authorization": f"Basic {token}"}, timeout=10)


def _forget_requests(emulator) -> None:
    with _admin(emulator) as admin:
        admin.delete("/_emulator/requests").raise_for_status()


def _requests(emulator) -> dict[str, int]:
    with _admin(emulator) as admin:
        answer = admin.get("/_emulator/requests")
        answer.raise_for_status()
        return answer.json()["requests"]


def test_fifty_webhooks_are_listed_once_per_plan(tf, emulator):
    tf.write("".join(
        f'resource "codat_webhook" "w{i}" {{\n  url = "https://hooks.example.com/{i}"\n'
        f'  event_types = ["DataSyncCompleted"]\n}}\n'
        for i in range(50)
    ))
    tf.init()
    tf.apply("-parallelism=10")
    _forget_requests(emulator)

    plan = tf.plan("-parallelism=10")

    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert _requests(emulator) == {"GET /webhooks": 1}


def test_reference_stack_reads_each_object_once(project, emulator):
    """main.py's stack: the Xero integration (resource) and its connection usage (data source) both read
    GET /integrations/gbol; the plan sends it once."""
    project.env.update(CODAT_BASE_URL=emulator.url, CODAT_API_KEY=emulator.api_key, XERO_CLIENT_ID=XERO_CLIENT_ID,
                       TF_VAR_xero_client_secret=XERO_SECRET)
    synth = project.run(sys.executable, "main.py")
    assert synth.returncode == 0, synth.stdout + synth.stderr
    for args in (("init", "-input=false", "-no-color"), ("apply", "-auto-approve", "-input=false", "-no-color")):
        done = project.terraform("codat", *args)
        assert done.returncode == 0, done.stdout + done.stderr
    _forget_requests(emulator)

    plan = project.terraform("codat", "plan", "-detailed-exitcode", "-input=false", "-no-color")

    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert _requests(emulator) == {
        "GET /integrations/gbol": 1,
        "GET /integrations/credentials/gbol": 1,
        "GET /companies?page=1&pageSize=5000": 1,
    }
    assert XERO_SECRET not in plan.stdout + plan.stderr


def test_the_emulator_counts_what_arrives(emulator):
    """The counter itself: every API request whatever its answer, admin requests never, DELETE empties it."""
    _forget_requests(emulator)
    with _admin(emulator) as admin:
        admin.get("/webhooks")
        admin.get("/integrations/zzzz")  # a 404 counts too
        admin.get("/webhooks", headers={"Authorization": "Basic d3Jvbmc="})  # so does a 401
        admin.get("/_emulator/faults")
    assert _requests(emulator) == {"GET /webhooks": 2, "GET /integrations/zzzz": 1}
    _forget_requests(emulator)
    assert _requests(emulator) == {}
