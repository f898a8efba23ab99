"""codat_sync_settings through the real terraform over HCL, against the emulator: adoption, the merge with
data types it does not manage, drift named by attribute, import, both destroy modes, plan-time errors."""

from __future__ import annotations

RESOURCE = """
resource "codat_sync_settings" "this" {
  data_types = {
    invoices = {
      sync_schedule = 24
      sync_from_utc = "%s"
    }
    bills = {
      fetch_on_first_link = false
    }
    balanceSheet = {
      months_to_sync = 12
    }
  }
  %s
}
"""


def _settings(codat_api) -> dict:
    body = codat_api.get("/profile/syncSettings").json()
    return {"overridesDefaults": body["overridesDefaults"], **{s["dataType"]: s for s in body["settings"]}}


def test_adopts_merges_shows_drift_imports_and_keeps_on_destroy(tf, emulator, codat_api):
    emulator.portal("sync-settings", "set", "payments", "--schedule", "hourly")  # set in the Portal, not declared
    tf.write(RESOURCE % ("2024-01-01", ""))
    tf.init()
    applied = tf.apply()
    assert "Adopted the Codat sync settings" in applied.stdout + applied.stderr
    held = _settings(codat_api)
    assert held["overridesDefaults"] is True
    assert held["invoices"]["syncSchedule"] == 24 and held["invoices"]["syncFromUtc"] == "2024-01-01T00:00:00Z"
    assert held["bills"]["fetchOnFirstLink"] is False and held["bills"]["syncSchedule"] == 0  # left out: kept
    assert held["balanceSheet"]["monthsToSync"] == 12
    assert held["payments"]["syncSchedule"] == 1  # not declared: written back as the Portal left it
    assert len(held) == 44  # 43 data types, none dropped, plus overridesDefaults
    values = tf.state()["codat_sync_settings.this"]
    assert values["data_types"]["invoices"]["sync_from_utc"] == "2024-01-01"  # the same moment: no drift
    assert values["data_types"]["bills"]["sync_schedule"] == 0 and values["on_destroy"] == "keep"
    assert set(values["data_types"]) == {"invoices", "bills", "balanceSheet"}
    assert tf.plan().returncode == 0

    # A Portal change to a data type this resource does not manage is not its business.
    emulator.portal("sync-settings", "set", "payments", "--schedule", "weekly")
    assert tf.plan().returncode == 0

    # A Portal change to a declared one is drift, named by attribute; apply repairs it and keeps the rest.
    emulator.portal("sync-settings", "set", "invoices", "--schedule", "monthly", "--sync-from-window", "3")
    drift = tf.plan()
    assert drift.returncode == 2, drift.stdout
    assert "~ sync_schedule" in drift.stdout and "720 -> 24" in drift.stdout, drift.stdout
    assert "sync_from_window" in drift.stdout and "3 -> null" in drift.stdout, drift.stdout
    tf.apply()
    held = _settings(codat_api)
    assert held["invoices"]["syncSchedule"] == 24 and "syncFromWindow" not in held["invoices"]
    assert held["invoices"]["syncFromUtc"] == "2024-01-01T00:00:00Z"
    assert held["payments"]["syncSchedule"] == 168
    assert tf.plan().returncode == 0

    # An in-place update: the history choice moves from a date to a window.
    tf.write(RESOURCE.replace('sync_from_utc = "%s"', "sync_from_window = 6") % "")
    planned = tf.plan()
    assert planned.returncode == 2 and "updated in-place" in planned.stdout
    tf.apply()
    invoices = _settings(codat_api)["invoices"]
    assert invoices["syncFromWindow"] == 6 and "syncFromUtc" not in invoices
    assert tf.plan().returncode == 0

    # Import the declared data types: state holds Codat's values, and the first plan is empty.
    tf.run("state", "rm", "codat_sync_settings.this")
    tf.run("import", "-no-color", "codat_sync_settings.this", "invoices,bills,balanceSheet")
    assert tf.plan().returncode == 0

    # Destroy (on_destroy = "keep"): Terraform forgets, Codat keeps the settings.
    done = tf.destroy()
    assert "The Codat sync settings were left as they are" in done.stdout + done.stderr
    assert _settings(codat_api)["invoices"]["syncFromWindow"] == 6


def test_reset_on_destroy_restores_codats_defaults_of_the_declared_data_types(tf, emulator, codat_api):
    emulator.portal("sync-settings", "set", "payments", "--schedule", "hourly")
    tf.write(RESOURCE % ("2024-01-01T06:00:00+05:00", 'on_destroy = "reset"'))
    tf.init()
    tf.apply()
    assert _settings(codat_api)["invoices"]["syncFromUtc"] == "2024-01-01T01:00:00Z"
    assert tf.plan().returncode == 0
    tf.destroy()
    held = _settings(codat_api)
    assert held["invoices"] == {"dataType": "invoices", "fetchOnFirstLink": True, "syncSchedule": 0,
                                "syncOrder": 14, "isLocked": False}
    assert held["bills"]["fetchOnFirstLink"] is True and held["balanceSheet"]["monthsToSync"] == 24
    assert held["payments"]["syncSchedule"] == 1  # not declared: untouched by the reset


def test_import_all_manages_every_data_type(tf, codat_api):
    tf.write('resource "codat_sync_settings" "this" {\n  data_types = {}\n}\n')
    tf.init()
    tf.run("import", "-no-color", "codat_sync_settings.this", "all")
    values = tf.state()["codat_sync_settings.this"]
    assert len(values["data_types"]) == 43
    assert values["data_types"]["profitAndLoss"]["months_to_sync"] == 24


def test_plan_time_errors_name_the_data_type_and_attribute(tf):
    tf.write("""
resource "codat_sync_settings" "this" {
  data_types = {
    invoice = { sync_schedule = 12 }
    bills = {
      sync_from_utc    = "yesterday"
      sync_from_window = 0
    }
    payments     = { months_to_sync = 6 }
    profitAndLoss = { sync_from_window = 3 }
  }
  on_destroy = "nuke"
}
""")
    tf.init()
    bad = tf.plan()
    assert bad.returncode == 1
    text = " ".join(bad.stderr.split())
    for expected in ("'invoice' is not a data type Codat syncs. Did you mean invoices?",
                     "Codat accepts only 0 (none), 1 (hourly), 24 (daily), 168 (weekly), 720 (monthly), not 12",
                     "sync_from_utc must be an ISO 8601 date", "sync_from_window is a number of months, 1 or more",
                     "), not both", "months_to_sync applies only to the financial statements",
                     "profitAndLoss is a financial statement", "'nuke' is not one of keep, reset"):
        assert expected in text, bad.stderr
    assert 'data_types["invoice"]' in text or "invoice = { sync_schedule = 12 }" in text, bad.stderr
    assert "Traceback" not in bad.stderr


def test_import_id_errors_say_the_format(tf):
    tf.write('resource "codat_sync_settings" "this" {\n  data_types = {}\n}\n')
    tf.init()
    bad = tf.run("import", "-no-color", "codat_sync_settings.this", "invoice,bills", check=False)
    assert bad.returncode == 1
    assert "Did you mean invoices?" in bad.stderr and "comma-separated" in " ".join(bad.stderr.split())
