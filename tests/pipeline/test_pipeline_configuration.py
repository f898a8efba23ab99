"""The instance configuration end to end, through `codat-iac deploy` and `codat-iac drift` as a pipeline
runs them: an environments file declares sync settings, CORS origins and Xero's supplemental data and custom
data type; a Portal change to each shows as drift (exit 2) naming the attribute; a deploy repairs all of it."""

from __future__ import annotations

import pytest

from pipeline_support import CLIENT_A, SECRET, assert_secret_free

pytestmark = pytest.mark.e2e

ENVIRONMENTS = """
[environments.sandbox]
base_url = "{url}"

[environments.sandbox.sync_settings.data_types.invoices]
sync_schedule = 24
sync_from_utc = 2024-01-01

[environments.sandbox.cors_origins]
allowed_origins = ["https://app.acme.example"]

[environments.sandbox.xero]
app_name = "Acme Lending (sandbox)"
company_url = "https://acme.example"
client_id = "{client_id}"

[environments.sandbox.xero.supplemental_data.invoices.invoice-extras]
data_source = "/Invoices"
pull_data = {{ reference = "Reference" }}

[environments.sandbox.xero.custom_data_types.purchaseOrders]
data_source = "/api.xro/2.0/PurchaseOrders"
key_by = ["$.PurchaseOrderID"]
"""


def test_portal_changes_to_each_configuration_resource_are_drift_and_deploy_repairs_them(pipeline, tmp_path):
    emulator = pipeline.emulator
    file = tmp_path / "environments.toml"
    file.write_text(ENVIRONMENTS.format(url=emulator.url, client_id=CLIENT_A))
    env = {"CODAT_IAC_ENVIRONMENTS": str(file), "TF_VAR_codat_api_key_sandbox": emulator.api_key,
           "TF_VAR_xero_client_secret_sandbox": SECRET}

    deployed = pipeline.run("deploy", "--app-dir", str(pipeline.dir), **env)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    clean = pipeline.drift(**env)
    assert clean.returncode == 0, clean.stdout + clean.stderr

    # A Portal change to a data type the stack does not declare is not drift (sync settings merge).
    emulator.portal("sync-settings", "set", "payments", "--schedule", "hourly")
    assert pipeline.drift(**env).returncode == 0

    emulator.portal("sync-settings", "set", "invoices", "--schedule", "weekly")
    emulator.portal("cors", "add", "https://evil.example")
    emulator.portal("supplemental-data", "set", "gbol", "invoices", "invoice-extras", "--data-source", "/Quotes",
                    "--pull", "reference=Reference")
    emulator.portal("custom-data-type", "set", "gbol", "purchaseOrders", "--data-source", "/api.xro/2.0/PurchaseOrders",
                    "--key-by", "$.PurchaseOrderNumber")
    code, document = pipeline.drift_json(**env)
    assert code == 2, document
    drifted = {(row["resource"].split(".")[0], row["attribute"]): (row["expected"], row["actual"])
               for row in document["differences"] if row["kind"] == "drift"}
    assert drifted[("codat_sync_settings", "data_types.invoices.sync_schedule")] == (24, 168)
    assert drifted[("codat_supplemental_data", "configurations.invoice-extras.data_source")] == ("/Invoices", "/Quotes")
    assert drifted[("codat_custom_data_type", "key_by[0]")] == ("$.PurchaseOrderID", "$.PurchaseOrderNumber")
    assert "https://evil.example" in [actual for (kind, attribute), (_, actual) in drifted.items()
                                      if kind == "codat_cors_origins" and attribute.startswith("allowed_origins")]
    assert {kind for kind, _ in drifted} == {"codat_sync_settings", "codat_cors_origins", "codat_supplemental_data",
                                             "codat_custom_data_type"}
    table = pipeline.drift(**env)
    assert table.returncode == 2 and "data_types.invoices.sync_schedule" in table.stdout

    repaired = pipeline.run("deploy", "--app-dir", str(pipeline.dir), **env)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    after = pipeline.drift(**env)
    assert after.returncode == 0, after.stdout + after.stderr
    assert_secret_free(pipeline.outputs, pipeline.dir)
