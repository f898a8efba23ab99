"""codat_cors_origins through the real terraform over HCL, against the emulator: the resource owns the whole
list, so a create that would remove origins warns at plan, Portal additions are drift that apply removes,
and destroy keeps or empties the list as on_destroy says."""

from __future__ import annotations

RESOURCE = """
resource "codat_cors_origins" "this" {
  allowed_origins = [%s]
  %s
}
"""
APP, LOCAL = '"https://app.acme.example"', '"http://localhost:3000"'


def _origins(codat_api) -> list[str]:
    return codat_api.get("/corsSettings").json()["allowedOrigins"]


def test_owns_the_list_warns_at_plan_repairs_drift_imports_and_keeps_on_destroy(tf, emulator, codat_api):
    emulator.portal("cors", "add", "https://legacy.acme.example")  # allowed by hand before Terraform
    tf.write(RESOURCE % (f"{APP}, {LOCAL}", ""))
    tf.init()
    planned = tf.plan()
    assert planned.returncode == 2
    warning = " ".join(planned.stdout.split())
    assert "Creating codat_cors_origins removes allowed origins" in warning, planned.stdout
    assert "https://legacy.acme.example" in warning and "owns the whole list" in warning
    applied = tf.apply()
    assert "Adopted the Codat CORS origins" in applied.stdout + applied.stderr
    assert sorted(_origins(codat_api)) == ["http://localhost:3000", "https://app.acme.example"]
    assert tf.plan().returncode == 0

    # The older path holds the same list (Codat's SDK still reads it there).
    assert sorted(codat_api.get("/connectionManagement/corsSettings").json()["allowedOrigins"]) == sorted(
        _origins(codat_api))

    # Someone allows another origin in the Portal: drift on allowed_origins; apply removes it.
    emulator.portal("cors", "add", "https://evil.example")
    drift = tf.plan()
    assert drift.returncode == 2, drift.stdout
    assert "~ allowed_origins" in drift.stdout and '- "https://evil.example"' in drift.stdout, drift.stdout
    tf.apply()
    assert "https://evil.example" not in _origins(codat_api)
    # One removed in the Portal comes back.
    emulator.portal("cors", "remove", "http://localhost:3000")
    assert tf.plan().returncode == 2
    tf.apply()
    assert "http://localhost:3000" in _origins(codat_api)

    # An in-place update.
    tf.write(RESOURCE % (APP, ""))
    assert "updated in-place" in tf.plan().stdout
    tf.apply()
    assert _origins(codat_api) == ["https://app.acme.example"]

    # Import with any id, then an empty plan.
    tf.run("state", "rm", "codat_cors_origins.this")
    tf.run("import", "-no-color", "codat_cors_origins.this", "cors")
    assert tf.plan().returncode == 0

    done = tf.destroy()
    assert "The Codat CORS origins were left as they are" in done.stdout + done.stderr
    assert _origins(codat_api) == ["https://app.acme.example"]


def test_reset_on_destroy_empties_the_list(tf, codat_api):
    tf.write(RESOURCE % (APP, 'on_destroy = "reset"'))
    tf.init()
    tf.apply()
    assert _origins(codat_api) == ["https://app.acme.example"]
    tf.destroy()
    assert _origins(codat_api) == []


def test_origins_that_are_not_https_origins_are_refused_at_plan(tf, codat_api):
    tf.write(RESOURCE % ('"https://app.acme.example/", "http://staging.acme.example", "https://*.acme.example", '
                         '"https://app.acme.example", "https://APP.acme.example", "https://user:pw@acme.example"', ""))
    tf.init()
    bad = tf.plan()
    assert bad.returncode == 1
    text = " ".join(bad.stderr.split())
    for expected in ("carries a path, query or fragment. Browsers send the origin alone: https://app.acme.example",
                     "'http://staging.acme.example' is plain http://", "no `*` wildcard",
                     "is listed twice (Codat compares origins without case", "carries no user name or password"):
        assert expected in text, bad.stderr
    assert "Traceback" not in bad.stderr
    assert _origins(codat_api) == []  # nothing was sent
