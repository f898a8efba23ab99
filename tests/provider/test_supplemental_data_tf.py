"""codat_supplemental_data through the real terraform over HCL, against the emulator: the resource owns one
platform's configuration of one data type, so a named configuration added in the Portal is drift that apply
removes; import by `<platform_key>/<data_type>`; destroy clears it (Codat has no DELETE)."""

from __future__ import annotations

RESOURCE = """
resource "codat_supplemental_data" "xero_invoices" {
  platform_key = "gbol"
  data_type    = "invoices"
  configurations = {
    "invoice-extras" = {
      data_source = "%s"
      pull_data   = { reference = "Reference", brand = "BrandingThemeID" }
    }
  }
}
"""
PATH = "/integrations/gbol/dataTypes/invoices/supplementalDataConfig"


def _held(codat_api) -> dict:
    return codat_api.get(PATH).json()["supplementalDataConfig"]


def test_adopts_owns_the_configuration_shows_drift_imports_and_clears_on_destroy(tf, emulator, codat_api):
    emulator.portal("supplemental-data", "set", "gbol", "invoices", "portal-made", "--data-source", "/Invoices")
    tf.write(RESOURCE % "/Invoices")
    tf.init()
    applied = tf.apply()
    warning = " ".join((applied.stdout + applied.stderr).split())
    assert "Adopted the supplemental data configuration of gbol invoices" in warning
    assert "(portal-made removed)" in warning
    assert _held(codat_api) == {"invoice-extras": {"dataSource": "/Invoices",
                                                   "pullData": {"reference": "Reference", "brand": "BrandingThemeID"}}}
    values = tf.state()["codat_supplemental_data.xero_invoices"]
    assert values["id"] == "gbol/invoices" and values["configurations"]["invoice-extras"]["push_data"] is None
    assert tf.plan().returncode == 0

    # A named configuration added in the Portal is drift (the resource owns the data type's configuration).
    emulator.portal("supplemental-data", "set", "gbol", "invoices", "foreign", "--data-source", "/Contacts")
    drift = tf.plan()
    assert drift.returncode == 2, drift.stdout
    assert "foreign" in drift.stdout and "/Contacts" in drift.stdout, drift.stdout
    tf.apply()
    assert set(_held(codat_api)) == {"invoice-extras"}

    # A declared one changed in the Portal: drift names the attribute.
    emulator.portal("supplemental-data", "set", "gbol", "invoices", "invoice-extras", "--data-source", "/Quotes",
                    "--pull", "reference=Reference")
    drift = tf.plan()
    assert drift.returncode == 2
    assert "~ data_source" in drift.stdout and '"/Quotes" -> "/Invoices"' in drift.stdout, drift.stdout
    tf.apply()
    assert _held(codat_api)["invoice-extras"]["dataSource"] == "/Invoices"

    # An in-place update.
    tf.write(RESOURCE % "/Invoices?summarizeErrors=false")
    assert "updated in-place" in tf.plan().stdout
    tf.apply()
    assert _held(codat_api)["invoice-extras"]["dataSource"] == "/Invoices?summarizeErrors=false"

    tf.run("state", "rm", "codat_supplemental_data.xero_invoices")
    tf.run("import", "-no-color", "codat_supplemental_data.xero_invoices", "gbol/invoices")
    assert tf.plan().returncode == 0

    tf.destroy()
    assert _held(codat_api) == {}  # cleared: Codat has no DELETE for it


def test_plan_time_errors(tf):
    tf.write("""
resource "codat_supplemental_data" "a" {
  platform_key = "gbol"
  data_type    = "invoice"
  configurations = {
    x = { data_source = " ", pull_data = { ref = "" } }
  }
}
resource "codat_supplemental_data" "b" {
  platform_key   = "gbol"
  data_type      = "commerce-orders"
  configurations = {}
}
""")
    tf.init()
    bad = tf.plan()
    assert bad.returncode == 1
    text = " ".join(bad.stderr.split())
    for expected in ("'invoice' is not a data type Codat takes supplemental data for. Did you mean invoices?",
                     "data_source is required", "pull_data.ref must be a non-empty string",
                     "commerce-orders is a commerce data type, and this is an accounting platform"):
        assert expected in text, bad.stderr
    assert "Traceback" not in bad.stderr


def test_import_and_unknown_platform_errors(tf):
    tf.write(RESOURCE % "/Invoices")
    tf.init()
    bad = tf.run("import", "-no-color", "codat_supplemental_data.xero_invoices", "gbol:invoices", check=False)
    assert bad.returncode == 1 and "Use <platform_key>/<data_type>, e.g. gbol/invoices." in " ".join(bad.stderr.split())
    tf.write(RESOURCE.replace('"gbol"', '"zzzz"') % "/Invoices")
    missing = tf.apply(check=False)
    assert missing.returncode == 1 and "No such Codat integration" in missing.stderr, missing.stderr
