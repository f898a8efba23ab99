"""codat_custom_data_type through the real terraform over HCL, against the emulator: create (adopting one
that exists), drift named by attribute, a Portal deletion planned as a re-create, import by
`<platform_key>/<identifier>`, and destroy that forgets (Codat's API cannot delete one)."""

from __future__ import annotations

RESOURCE = """
resource "codat_custom_data_type" "xero_po" {
  platform_key  = "gbol"
  identifier    = "purchaseOrders"
  data_source   = "/api.xro/2.0/PurchaseOrders"
  key_by        = ["$.PurchaseOrderID"]
  required_data = { number = "$.PurchaseOrderNumber", total = "$.Total" }
  %s
}
"""
PATH = "/integrations/gbol/dataTypes/custom/purchaseOrders"


def test_lifecycle_drift_recreate_import_and_forget(tf, emulator, codat_api):
    tf.write(RESOURCE % "")
    tf.init()
    tf.apply()
    assert codat_api.get(PATH).json() == {
        "dataSource": "/api.xro/2.0/PurchaseOrders",
        "requiredData": {"number": "$.PurchaseOrderNumber", "total": "$.Total"},
        "keyBy": ["$.PurchaseOrderID"], "sourceModifiedDate": None}
    values = tf.state()["codat_custom_data_type.xero_po"]
    assert values["id"] == "gbol/purchaseOrders" and values["source_modified_date"] is None
    assert tf.plan().returncode == 0

    emulator.portal("custom-data-type", "set", "gbol", "purchaseOrders", "--data-source", "/api.xro/2.0/PurchaseOrders",
                    "--required-data", "number=$.PurchaseOrderNumber", "--required-data", "total=$.Total",
                    "--key-by", "$.PurchaseOrderNumber")
    drift = tf.plan()
    assert drift.returncode == 2, drift.stdout
    assert "~ key_by" in drift.stdout and "$.PurchaseOrderNumber" in drift.stdout, drift.stdout
    tf.apply()
    assert codat_api.get(PATH).json()["keyBy"] == ["$.PurchaseOrderID"]

    emulator.portal("custom-data-type", "delete", "gbol", "purchaseOrders")
    gone = tf.plan()
    assert gone.returncode == 2 and "will be created" in gone.stdout, gone.stdout
    tf.apply()
    assert codat_api.get(PATH).status_code == 200

    tf.write(RESOURCE % 'source_modified_date = ["$.UpdatedDateUTC"]')
    assert "updated in-place" in tf.plan().stdout
    tf.apply()
    assert codat_api.get(PATH).json()["sourceModifiedDate"] == ["$.UpdatedDateUTC"]

    tf.run("state", "rm", "codat_custom_data_type.xero_po")
    tf.run("import", "-no-color", "codat_custom_data_type.xero_po", "gbol/purchaseOrders")
    assert tf.plan().returncode == 0

    done = tf.destroy()
    assert "The Codat custom data type was not deleted" in done.stdout + done.stderr
    assert codat_api.get(PATH).status_code == 200  # Codat's API cannot delete it


def test_create_adopts_an_existing_one(tf, emulator, codat_api):
    emulator.portal("custom-data-type", "set", "gbol", "purchaseOrders", "--data-source", "/old", "--key-by", "$.Id")
    tf.write(RESOURCE % "")
    tf.init()
    applied = tf.apply()
    assert "Adopted the custom data type purchaseOrders of gbol" in applied.stdout + applied.stderr
    assert codat_api.get(PATH).json()["dataSource"] == "/api.xro/2.0/PurchaseOrders"


def test_plan_time_errors(tf):
    tf.write("""
resource "codat_custom_data_type" "bad" {
  platform_key  = "GBOL"
  identifier    = "purchase orders"
  data_source   = ""
  key_by        = []
  required_data = { number = "" }
}
""")
    tf.init()
    bad = tf.plan()
    assert bad.returncode == 1
    text = " ".join(bad.stderr.split())
    for expected in ("is not a Codat platform key", "'purchase orders' cannot name a custom data type",
                     "data_source is required", "key_by is required",
                     "required_data.number must be a non-empty string"):
        assert expected in text, bad.stderr
    assert "Traceback" not in bad.stderr
