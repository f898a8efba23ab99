"""Team state: CODAT_IAC_STATE picks Terraform's pg backend on a real PostgreSQL server (local files when
unset); the connection string never lands in a synthesized file; concurrent deploys of one stack are
serialized by the state lock and lose nothing."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time

import httpx
import pytest

from pipeline_support import CLIENT_A, CLIENT_B, REPO, SECRET, STACK, assert_secret_free, make_checkout


def _synth(app, stack_name: str, setting: str) -> dict:
    from cdktf import TerraformStack, Testing

    from codat_constructs.state import use_state_backend

    stack = TerraformStack(app, stack_name)
    use_state_backend(stack, setting=setting)
    return json.loads(Testing.synth(stack))


def test_local_state_file_by_default(tmp_path):
    from pathlib import Path

    from cdktf import Testing

    first, second = (Testing.app(outdir=str(tmp_path / name)) for name in ("first", "second"))
    assert _synth(first, "dev", "")["terraform"]["backend"] == {
        "local": {"path": str(Path.cwd() / "terraform.dev.tfstate")}}
    assert _synth(second, "dev", "local")["terraform"]["backend"]["local"]


def test_postgres_state_has_a_schema_per_stack_and_no_connection_string(fresh_app):
    url = "postgres://team:Pa55-word-in-url@db.example:5432/iac?sslmode=require"
    synthesized = _synth(fresh_app, "prod-EU", url)
    assert synthesized["terraform"]["backend"] == {"pg": {"schema_name": "codat_iac_prod_eu"}}
    assert "Pa55-word-in-url" not in json.dumps(synthesized) and "db.example" not in json.dumps(synthesized)


def test_an_unusable_state_setting_is_refused():
    from codat_constructs.state import StateConfigError, state_kind

    with pytest.raises(StateConfigError, match="postgres://user:password@host"):
        state_kind("s3://bucket/key")
    assert state_kind("postgresql://x@y/z") == "postgres"


def test_toolenv_hands_the_url_to_terraform_only_through_the_environment():
    from codat_iac.toolenv import tool_environment

    url = "postgres://team:pw@127.0.0.1:5432/iac?sslmode=disable"
    assert tool_environment({"CODAT_IAC_STATE": url, "PATH": "/usr/bin"})["PG_CONN_STR"] == url
    assert "PG_CONN_STR" not in tool_environment({"PATH": "/usr/bin"})


def _advisory_locks(url: str) -> int:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        return connection.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ).fetchone()[0]


def _requests(emulator) -> dict[str, int]:
    """What arrived at the emulator, by method and target (counted on arrival, before any fault's delay)."""
    key = base64.b64encode(emulator.api_key.encode()).decode()
    answer = httpx.get(f"{emulator.url}/_emulator/requests", headers={"Authorization": f"Basic {key}"}, timeout=10)
    return answer.json()["requests"]


def _wait_inside_apply(emulator, url: str, process: subprocess.Popen, timeout: float = 180) -> None:
    """Until the first deploy's apply is inside its slowed PUT (only an apply writes to Codat, and the emulator
    counts the PUT when it arrives, then holds it) and PostgreSQL shows the state lock that apply holds. The plan
    before the apply takes the lock too, but only briefly: waiting for any lock could find that one."""
    deadline = time.monotonic() + timeout
    while not any(request.startswith("PUT ") for request in _requests(emulator)) or _advisory_locks(url) == 0:
        if process.poll() is not None:
            raise AssertionError("the first deploy ended before it was seen inside its apply:\n"
                                 + "".join(process.communicate()))
        assert time.monotonic() < deadline, "the first deploy's apply never reached Codat"
        time.sleep(0.05)


@pytest.mark.e2e
def test_concurrent_deploys_of_one_stack_wait_for_the_lock_and_lose_nothing(tmp_path, emulator, project, state_url):
    password = state_url.split(":")[2].split("@")[0]
    first = make_checkout(tmp_path / "alice", emulator, project.env, CODAT_IAC_STATE=state_url, XERO_CLIENT_ID=CLIENT_A)
    second = make_checkout(tmp_path / "bob", emulator, project.env, CODAT_IAC_STATE=state_url, XERO_CLIENT_ID=CLIENT_B)
    # Bob's stack synthesized and initialized beforehand, so that his plans below reach the lock quickly.
    ready = second.run("diff", "--app-dir", str(second.dir))
    assert ready.returncode == 2, ready.stdout + ready.stderr
    # Slow Codat down for the first deploy's writes, so its apply holds the lock for a while (two PUTs: the
    # credentials, then the switch).
    subprocess.run(
        [sys.executable, "-m", "codat_emulator", "faults", "add", "latency", "--latency-ms", "8000", "--method", "PUT",
         "--count", "2", "--data", str(emulator.data_dir)],
        cwd=REPO, check=True, capture_output=True,
    )

    alice = first.start("deploy", "--app-dir", str(first.dir), "--lock-timeout", "3m")
    _wait_inside_apply(emulator, state_url, alice)

    # Bob, unwilling to wait, fails on the lock with a message that says what happened and what to do.
    impatient = second.plan(tmp_path / "bob-plan", "--lock-timeout", "0s")
    assert alice.poll() is None, "the first deploy ended before the second plan asked for the lock: no test"
    assert impatient.returncode == 1, impatient.stdout + impatient.stderr
    assert "locked by another run" in impatient.stderr and "Nothing was changed" in impatient.stderr
    assert "--lock-timeout" in impatient.stderr

    # Bob, willing to wait, deploys while Alice still holds the lock: he waits, then applies on her state.
    bob = second.start("deploy", "--app-dir", str(second.dir), "--lock-timeout", "3m")
    alice_out, alice_err = alice.communicate(timeout=240)
    bob_out, bob_err = bob.communicate(timeout=240)
    assert alice.returncode == 0, alice_out + alice_err
    assert bob.returncode == 0, bob_out + bob_err

    # One state, in PostgreSQL, that matches Codat: Bob's client id, applied over Alice's integration.
    bob_view = second.drift_json()
    assert bob_view[0] == 0, bob_view  # Bob's config == shared state == Codat
    code, alice_view = first.drift_json()
    assert code == 2
    assert [(d["kind"], d["attribute"], d["expected"], d["actual"]) for d in alice_view["differences"]] == [
        ("not_applied", "client_id", CLIENT_A, CLIENT_B)
    ], alice_view  # nothing drifted: the state Alice reads is the one Bob wrote
    import psycopg

    with psycopg.connect(state_url) as connection:
        assert connection.execute("SELECT name FROM codat_iac_codat.states").fetchall() == [("default",)]
    pulled = second.terraform("state", "pull")
    assert pulled.returncode == 0, pulled.stderr
    resources = [r for r in json.loads(pulled.stdout)["resources"] if r["mode"] == "managed"]
    assert [(r["type"], len(r["instances"])) for r in resources] == [("codat_integration", 1)]
    assert resources[0]["instances"][0]["attributes"]["client_id"] == CLIENT_B

    # The connection string (it holds the database password) is in no synthesized or working file.
    for checkout in (first, second):
        backend = json.loads((checkout.dir / "cdktf.out" / "stacks" / STACK / "cdk.tf.json").read_text())
        assert backend["terraform"]["backend"] == {"pg": {"schema_name": f"codat_iac_{STACK}"}}
        assert_secret_free([], checkout.dir, secret=password)
    assert_secret_free(first.outputs + second.outputs + [alice_out, alice_err, bob_out, bob_err], secret=password)
    assert_secret_free(first.outputs + second.outputs + [alice_out, alice_err, bob_out, bob_err], first.dir, second.dir,
                       secret=SECRET)
