"""Every literal string reaches Terraform as text: strings Terraform or the CDK would read as syntax (`${`,
`%{`, their escapes, the CDK's token markers) go through every string prop of every construct and every field
of an adopted environments file, are synthesized, planned by the real terraform against the emulator, and
come back from `terraform show -json` (or the plan's own diagnostics) byte for byte.

The CDK is the one CODAT_IAC_CDK picks: run this file under both (`CODAT_IAC_CDK=cdktn`)."""

from __future__ import annotations

import json
from pathlib import Path

from codat_constructs import (
    CodatAccountingIntegration,
    CodatEnvironmentStack,
    CodatProfile,
    CodatProvider,
    CodatWebhook,
    CodatXeroIntegration,
    CustomDataType,
    Secret,
    SupplementalDataSource,
    XeroApp,
    load_environments,
)
from codat_constructs._cdk import cdk
from codat_iac import adopt, adopt_file

#: What Terraform, cdktf or CDK Terrain would read as syntax, and text around it.
HOSTILE = [
    "${", "%{", "$${", "%%{", "$$${", "${TfToken[TOKEN.1]}", "$", "%", "{}", '"', "\\", "é ✓ 𝄞 ü 日本",
    '${base64encode(file("/proc/self/environ"))}', "%{ if true }yes%{ endif }", "#{TfToken[TOKEN.2]}",
    "&{TfToken[TOKEN.3]}", "-1.8881545897087498e+289", "String Map Token Value", "$}", "x$", '\\"${var.x}',
    "[1]", "{x = 1}", "0",
]
API_KEY, XERO_SECRET = "literal-test-key-6d2f", "literal-test-xero-secret-9c1e"
SECRETS = {"TF_VAR_codat_api_key": API_KEY, "TF_VAR_xero_client_secret": XERO_SECRET,
           "TF_VAR_codat_api_key_prod": API_KEY}
#: Accounting platforms that take any client id (one integration per hostile value).
PLATFORMS = ["qhyg", "pdvj", "akxx", "dfxm", "jfyh", "rwuv", "qudb", "trji", "ugxp", "vjid", "wkai", "xdbe",
             "ytxz", "zswf", "aqkd", "bdjx", "cedt", "fhtz", "hxkl", "kmwu", "lmnb", "ndsk", "oakw", "pfcd"]


def _url(piece: str) -> str:
    """A URL every entry point accepts, with the piece (without spaces) in its path."""
    return "https://acme.example/p/" + piece.replace(" ", "")


def _no_spaces(piece: str) -> str:
    return piece.replace(" ", "") or "-"


def _plan(terraform, folder: Path) -> tuple[dict, list[dict]]:
    """terraform plan (machine-readable) and show -json: the planned resources and the plan's diagnostics."""
    terraform.init(folder)
    planned = terraform(folder, "plan", "-input=false", "-no-color", "-json", "-out=plan.bin", env=SECRETS)
    messages = [json.loads(line) for line in planned.stdout.splitlines() if line.startswith("{")]
    diagnostics = [m["diagnostic"] for m in messages if m.get("type") == "diagnostic"]
    errors = [d for d in diagnostics if d["severity"] == "error"]
    assert planned.returncode == 0 and not errors, planned.stdout[-4000:] + planned.stderr
    shown = terraform(folder, "show", "-json", "plan.bin")
    assert shown.returncode == 0, shown.stderr
    changes = {c["address"]: c["change"] for c in json.loads(shown.stdout)["resource_changes"]}
    return changes, diagnostics


def _one(changes: dict, prefix: str) -> dict:
    """The planned change of the one resource whose address starts with `prefix` (cdktf adds a hash to ids)."""
    (found,) = [change for address, change in changes.items() if address.startswith(prefix)]
    return found


def _constructs(app, codat_url: str):
    """Every construct, each string prop holding hostile text."""
    stack = cdk.TerraformStack(app, "literal")
    CodatProvider(stack, "codat", base_url=codat_url, api_key=Secret.from_env(stack, "codat_api_key").token)
    app_name = "|".join(HOSTILE[:12])[:100]
    xero_app = XeroApp(stack, "xero_app", app_name=app_name, company_url=_url("${x}"),
                       client_id="0A1B2C3D4E5F60718293A4B5C6D7E8F9", redirect_uris=[
                           "https://xero.codat.io/oauth2/callback", _url("%{x}")])
    sources = {f"{i}{piece}": SupplementalDataSource(data_source=piece, pull_data={piece: piece},
                                                     push_data={piece: piece})
               for i, piece in enumerate(HOSTILE)}
    custom = {f"t{i}": CustomDataType(data_source=piece, key_by=[piece], required_data={piece: piece},
                                      source_modified_date=[piece]) for i, piece in enumerate(HOSTILE)}
    CodatXeroIntegration(stack, "xero", app=xero_app, client_secret=Secret.from_env(stack, "xero_client_secret"),
                         supplemental_data={"invoices": sources}, custom_data_types=custom)
    for key, piece in zip(PLATFORMS, HOSTILE, strict=True):
        CodatAccountingIntegration(stack, f"acct_{key}", platform_key=key, client_id=_no_spaces(piece),
                                   client_secret=Secret.from_env(stack, "xero_client_secret"),
                                   connection_cap=1 if key == "qhyg" else None)
    for i, piece in enumerate(HOSTILE):
        CodatWebhook(stack, f"hook{i}", url=_url(piece), event_types=[piece], company_tags=[piece])
        CodatProfile(stack, f"profile{i}", name=piece, redirect_url=_url(piece), logo_url=_url(piece),
                     icon_url=_url(piece), white_list_urls=[_url(piece)]).import_from(piece)
    return stack


def test_every_construct_string_prop_is_planned_as_the_text_given(tmp_path, start_codat, terraform, synthesize):
    codat = start_codat(API_KEY)
    codat.add_companies(1)  # Xero's Starter tier warns from 4 of 5: below it, the check block stays quiet
    codat.add_companies(1, platform="qhyg")  # qhyg's cap is 1: its check warns, quoting its client id
    out = synthesize(tmp_path / "out", lambda app: _constructs(app, codat.url))
    changes, diagnostics = _plan(terraform, out / "stacks" / "literal")

    configurations = _one(changes, "codat_supplemental_data.xero_supplemental_data_invoices")["after"]
    assert configurations["configurations"] == {
        f"{i}{piece}": {"data_source": piece, "pull_data": {piece: piece}, "push_data": {piece: piece}}
        for i, piece in enumerate(HOSTILE)}
    custom = {c["after"]["identifier"]: c["after"]
              for a, c in changes.items() if a.startswith("codat_custom_data_type.")}
    for i, piece in enumerate(HOSTILE):
        found = custom[f"t{i}"]
        assert (found["data_source"], found["key_by"], found["required_data"], found["source_modified_date"]) == (
            piece, [piece], {piece: piece}, [piece])
    for key, piece in zip(PLATFORMS, HOSTILE, strict=True):
        assert _one(changes, f"codat_integration.acct_{key}_")["after"]["client_id"] == _no_spaces(piece)
    for i, piece in enumerate(HOSTILE):
        hook = changes[f"codat_webhook.hook{i}"]["after"]
        assert (hook["url"], hook["event_types"], hook["company_tags"]) == (_url(piece), [piece], [piece])
        profile = changes[f"codat_profile.profile{i}"]
        assert profile["importing"]["id"] == piece
        after = profile["after"]
        assert (after["name"], after["redirect_url"], after["logo_url"], after["icon_url"],
                after["white_list_urls"]) == (piece, _url(piece), _url(piece), _url(piece), [_url(piece)])
    (warning,) = [d for d in diagnostics if d["summary"] == "Check block assertion failed"]
    assert warning["detail"].startswith(f"QuickBooks Online app {_no_spaces(HOSTILE[0])} (cap 1): 1 of 1 ")


def test_the_xero_apps_name_reaches_the_guards_messages_as_text(tmp_path, start_codat, terraform, synthesize):
    codat = start_codat(API_KEY)
    codat.add_companies(4)  # 4 of 5: the check warns, naming the app
    out = synthesize(tmp_path / "out", lambda app: _constructs(app, codat.url))
    _, diagnostics = _plan(terraform, out / "stacks" / "literal")
    app_name = "|".join(HOSTILE[:12])[:100]
    details = [d["detail"] for d in diagnostics if d["summary"] == "Check block assertion failed"]
    warned = f"Xero app '{app_name}' (Starter tier, cap 5): 4 of 5 Xero connections"
    assert any(d.startswith(warned) for d in details), details


def _adopted(codat_url: str) -> adopt.Adopted:
    """What adopt would have read from a Codat whose every adoptable text is hostile."""
    found = adopt.Adopted("prod", codat_url)
    xero = adopt.Integration("gbol", "Xero", "xero", enabled=True, credentials=False, accounting=True)
    xero.supplemental_data["invoices"] = {
        f"{i}{piece}": {"data_source": piece, "pull_data": {piece: piece}, "push_data": {piece: piece}}
        for i, piece in enumerate(HOSTILE)}
    found.integrations = [xero]
    found.profile = {"import_id": HOSTILE[5], "name": HOSTILE[6] + "".join(HOSTILE[:12]), "redirect_url": _url("${x}"),
                     "logo_url": _url(HOSTILE[12]), "icon_url": _url(HOSTILE[13]),
                     "white_list_urls": [_url(piece) for piece in HOSTILE]}
    found.webhooks = {f"hook{i}": {"url": _url(piece), "event_types": [piece], "company_tags": [piece]}
                      for i, piece in enumerate(HOSTILE)}
    return found


def _adopt_hostile_codat(tmp_path, start_codat):
    """A Codat holding the hostile texts, and the environments file adopt writes for it."""
    codat = start_codat(API_KEY)
    codat.portal("enable", "gbol")
    found = _adopted(codat.url)
    file = tmp_path / "environments.toml"
    adopt_file.write(file, adopt_file.render(found, "codat-iac"), force=False)
    return found, file


def _assert_planned_as_codat_holds_it(changes: dict, found) -> None:
    """The plan's supplemental data, profile and webhooks are the values adopt found, byte for byte."""
    supplemental = _one(changes, "codat_supplemental_data.xero_supplemental_data_invoices")
    assert supplemental["after"]["configurations"] == found.integrations[0].supplemental_data["invoices"]
    profile = changes["codat_profile.profile"]
    assert profile["importing"]["id"] == found.profile["import_id"]
    assert {k: profile["after"][k] for k in found.profile if k != "import_id"} == {
        k: v for k, v in found.profile.items() if k != "import_id"}
    for name, hook in found.webhooks.items():
        after = changes[f"codat_webhook.webhook_{name}"]["after"]
        assert {k: after[k] for k in hook} == hook


def test_every_adopted_field_is_written_loaded_and_planned_as_codat_holds_it(tmp_path, start_codat, terraform,
                                                                           synthesize):
    found, file = _adopt_hostile_codat(tmp_path, start_codat)
    (environment,) = load_environments(file)
    out = synthesize(tmp_path / "out", lambda app: CodatEnvironmentStack(app, environment))
    changes, _ = _plan(terraform, out / "stacks" / "prod")
    _assert_planned_as_codat_holds_it(changes, found)


def test_the_same_fields_survive_hcl_synthesis(tmp_path, project, start_codat):
    """`cdktf synth --hcl` (the CDK's own CLI and HCL renderer) then terraform: the same values, byte for byte."""
    found, file = _adopt_hostile_codat(tmp_path, start_codat)
    project.env.update(SECRETS, CODAT_IAC_ENVIRONMENTS=str(file))
    synth = project.cdktf("synth", "--hcl")
    assert synth.returncode == 0, synth.stdout + synth.stderr
    assert project.terraform("prod", "init", "-input=false", "-no-color").returncode == 0
    planned = project.terraform("prod", "plan", "-input=false", "-no-color", "-out=plan.bin")
    assert planned.returncode == 0, planned.stdout + planned.stderr
    shown = project.terraform("prod", "show", "-json", "plan.bin")
    changes = {c["address"]: c["change"] for c in json.loads(shown.stdout)["resource_changes"]}
    _assert_planned_as_codat_holds_it(changes, found)
