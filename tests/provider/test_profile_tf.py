"""codat_profile through the real terraform over HCL, against the emulator."""

from __future__ import annotations

import base64

import httpx


def _codat(emulator) -> httpx.Client:
    token = base64.b64encode(emulator.api_key.encode()).decode()
    return httpx.Client(base_url=emulator.url, headers={"Authorization": f"Basic {token}"}, timeout=10)


def _profile(emulator) -> dict:
    with _codat(emulator) as codat:
        return codat.get("/profile").json()


def _put(emulator, **changes) -> None:
    with _codat(emulator) as codat:
        body = {**codat.get("/profile").json(), **changes}
        assert codat.put("/profile", json=body).status_code == 200


PROFILE = """
resource "codat_profile" "this" {
  name         = "Acme Lending"
  redirect_url = "https://acme.example/codat/{companyId}"
  %s
}
"""


def test_profile_lifecycle_update_drift_import_forget(tf, emulator):
    _put(emulator, iconUrl="https://cdn.acme.example/icon.ico")  # set in the Portal, not in Terraform
    tf.write(PROFILE % "")
    tf.init()
    tf.apply()
    values = tf.state()["codat_profile.this"]
    assert values["id"] == "profile" and values["name"] == "Acme Lending"
    assert values["icon_url"] == "https://cdn.acme.example/icon.ico"  # unset in config: Codat's value kept
    held = _profile(emulator)
    assert held["name"] == "Acme Lending" and held["iconUrl"] == "https://cdn.acme.example/icon.ico"
    assert held["redirectUrl"] == "https://acme.example/codat/{companyId}"
    assert tf.plan().returncode == 0

    # In-place update.
    tf.write(PROFILE % 'white_list_urls = ["https://app.acme.example"]\n'
             '  logo_url        = "https://cdn.acme.example/logo.png"')
    planned = tf.plan()
    assert planned.returncode == 2 and "updated in-place" in planned.stdout, planned.stdout
    tf.apply()
    held = _profile(emulator)
    assert held["whiteListUrls"] == ["https://app.acme.example"]
    assert held["logoUrl"] == "https://cdn.acme.example/logo.png"
    assert held["iconUrl"] == "https://cdn.acme.example/icon.ico"
    assert tf.plan().returncode == 0

    # Drift: renamed in the Portal -> the plan names the attribute; apply puts it back.
    _put(emulator, name="Renamed In Portal")
    drift = tf.plan()
    assert drift.returncode == 2, drift.stdout
    assert '~ name' in drift.stdout and '"Renamed In Portal" -> "Acme Lending"' in drift.stdout, drift.stdout
    tf.apply()
    assert _profile(emulator)["name"] == "Acme Lending"

    # Import with any id, then an empty plan.
    tf.run("state", "rm", "codat_profile.this")
    tf.run("import", "-no-color", "codat_profile.this", "profile")
    assert tf.plan().returncode == 0

    # Destroy forgets, with a warning; Codat keeps the profile.
    done = tf.destroy()
    assert "The Codat profile was not deleted" in done.stdout + done.stderr
    assert tf.state() == {}
    assert _profile(emulator)["name"] == "Acme Lending"


def test_profile_validation_errors_have_paths(tf):
    tf.write("""
resource "codat_profile" "this" {
  name            = " "
  redirect_url    = "acme.example/codat"
  white_list_urls = ["https://ok.example", "not a url"]
}
""")
    tf.init()
    bad = tf.plan()
    assert bad.returncode == 1
    for text in ("Empty profile name", "Invalid redirect_url", "Invalid white_list_urls element",
                 'white_list_urls = ["https://ok.example", "not a url"]'):
        assert text in bad.stderr, bad.stderr
    assert "Traceback" not in bad.stderr
