"""`codat-iac adopt` without a server: what it decides from Codat's answers (a fake client of codat_client models),
and the file it writes: TOML that reads back as exactly its document and that the environments loader accepts."""

from __future__ import annotations

import tomllib

import pytest

from codat_client import (
    Integration,
    LegacyEndpointUnavailableError,
    MaskedCredentials,
    NotFoundError,
    Profile,
    SupplementalDataSource,
    SyncSettings,
    WebhookConsumer,
)
from codat_iac import adopt, adopt_file

CLIENT = "11111111-2222-4333-8444-555555555555"


class FakeCodat:
    """Codat's answers for one instance; every call is a read, and any write fails the test."""

    def __init__(self, *, integrations=(), credentials=None, webhooks=(), sync=None, cors=(), supplemental=None,
                 profile=None, legacy=False):
        self.integrations = [Integration(key=k, name=n, enabled=e, source_type="Accounting")
                             for k, n, e in integrations]
        self.credentials = credentials or {}
        self.webhooks = [WebhookConsumer(**w) for w in webhooks]
        self.sync = SyncSettings(client_id=CLIENT, settings=sync or [], overrides_defaults=bool(sync))
        self.cors = list(cors)
        self.supplemental = supplemental or {}
        self.profile = Profile(**(profile or {"name": "Acme", "redirectUrl": "https://acme.example/codat"}))
        self.legacy = legacy
        self.calls: list[str] = []

    def __getattr__(self, name):
        raise AssertionError(f"adopt called {name}: only reads are allowed")

    def list_integrations(self, page_size=100):
        self.calls.append("list_integrations")
        return iter(self.integrations)

    def get_credentials(self, key):
        self.calls.append("get_credentials")
        if self.legacy:
            raise LegacyEndpointUnavailableError("gone", status_code=404)
        if key not in self.credentials:
            raise NotFoundError("none", status_code=404)
        return MaskedCredentials(self.credentials[key])

    def get_profile(self):
        return self.profile

    def list_webhooks(self):
        return iter(self.webhooks)

    def get_sync_settings(self):
        return self.sync

    def get_cors_origins(self):
        return self.cors

    def get_supplemental_data(self, key, data_type):
        self.calls.append(f"supplemental {data_type}")
        return {name: SupplementalDataSource(**source)
                for name, source in self.supplemental.get((key, data_type), {}).items()}


MASKED = {"clientId": "XXXXXXXXXXXXXXXXXXXXXXXXXXXXCDEF", "clientSecret": "XXXXXXXXXXXXXXXXXX1a2b"}


def test_what_is_adopted_and_what_each_costs():
    codat = FakeCodat(
        integrations=[("qhyg", "QuickBooks Online", False), ("gbol", "Xero", True), ("mqjo", "Codat Sandbox", True),
                      ("pbtz", "Wave", False)],
        credentials={"gbol": MASKED, "qhyg": MASKED},
        supplemental={("gbol", "invoices"): {"extras": {"dataSource": "/Invoices", "pullData": {"ref": "Reference"}}}},
    )
    found = adopt.read(codat, "prod", "https://api.codat.io")
    assert [(i.table, i.key, i.enabled, i.credentials) for i in found.integrations] == [
        ("xero", "gbol", True, True), ("quickbooks_online", "qhyg", False, True),
        ("codat_sandbox", "mqjo", True, False)]
    # Wave: disabled and without credentials, so nothing to adopt. Credentials: one read per integration.
    assert codat.calls.count("get_credentials") == 4
    # Supplemental data: the 10 accounting data types of each of the 3 adopted integrations.
    assert len([c for c in codat.calls if c.startswith("supplemental")]) == 30
    assert found.integrations[0].supplemental_data == {
        "invoices": {"extras": {"data_source": "/Invoices", "pull_data": {"ref": "Reference"}}}}
    assert found.requests == 1 + 4 + 4 + 30  # list, credentials, profile/webhooks/sync/cors, supplemental
    assert found.profile == {"import_id": "profile", "name": "Acme", "redirect_url": "https://acme.example/codat"}
    assert [n.what for n in found.not_represented] == ["custom data types"]


def test_values_the_file_refuses_are_listed_not_written_and_whole_lists_are_never_written_in_part():
    codat = FakeCodat(
        webhooks=[{"id": "w1", "url": "http://hooks.example/codat", "eventTypes": ["DataSyncCompleted"]},
                  {"id": "w2", "url": "https://hooks.example/codat", "eventTypes": ["DataSyncCompleted"]},
                  {"id": "w3", "url": "https://hooks.example/other", "eventTypes": ["DataSyncCompleted"]}],
        cors=["https://app.example", "http://legacy.example"],
        sync=[{"dataType": "invoices", "fetchOnFirstLink": True, "syncSchedule": 12, "syncOrder": 14},
              {"dataType": "bills", "fetchOnFirstLink": True, "syncSchedule": 24, "syncOrder": 6},
              {"dataType": "payments", "fetchOnFirstLink": True, "syncSchedule": 0, "syncOrder": 20}],
        profile={"name": "Acme", "redirectUrl": "https://acme.example/codat", "logoUrl": "http://acme.example/l.png",
                 "confirmCompanyName": True},
    )
    found = adopt.read(codat, "prod", "https://api.codat.io")
    assert list(found.webhooks) == ["data_sync_completed", "data_sync_completed_2"]
    assert found.cors_origins is None  # the list is owned whole: one refused origin keeps all of it out
    assert found.sync_settings == {"import_id": "bills", "overrides_defaults": True, "data_types": {
        "bills": {"fetch_on_first_link": True, "sync_schedule": 24, "sync_order": 6}}}  # payments: Codat's default
    assert "logo_url" not in found.profile
    missing = {n.what: n.why for n in found.not_represented}
    assert set(missing) == {"webhook consumer w1", "CORS origins", "sync settings for invoices", "profile.logo_url",
                            "profile.confirmCompanyName", "custom data types"}
    assert "http://legacy.example" in missing["CORS origins"] and "12" in missing["sync settings for invoices"]
    assert found.anything


def test_credentials_codat_does_not_show_are_named_and_enabled_integrations_come_without_them():
    codat = FakeCodat(integrations=[("gbol", "Xero", True), ("qhyg", "QuickBooks Online", True),
                                    ("pbtz", "Wave", False)], legacy=True)
    found = adopt.read(codat, "prod", "https://api.codat.io")
    assert [(i.key, i.credentials) for i in found.integrations] == [("gbol", False), ("qhyg", False)]
    (note,) = [n for n in found.not_represented if n.what == "credentials"]
    assert "gbol, qhyg" in note.why and "pbtz" not in note.why  # Wave is off: nothing to adopt either way
    assert "did not answer for it" in adopt_file.render(found, "codat-iac")


def test_an_instance_nobody_set_up_has_nothing_to_adopt_and_a_bad_name_is_refused():
    assert not adopt.read(FakeCodat(integrations=[("gbol", "Xero", False)]), "prod", "https://api.codat.io").anything
    with pytest.raises(adopt.AdoptError, match="--name 'Prod'"):
        adopt.read(FakeCodat(), "Prod", "https://api.codat.io")


def tricky() -> adopt.Adopted:
    found = adopt.Adopted("prod", "https://api.codat.io", requests=12)
    found.integrations = [
        adopt.Integration("gbol", "Xero", "xero", True, True, True, {"invoices": {
            'odd "name".v2': {"data_source": "/Invoices\\x7f", "pull_data": {"a.b": "Ré\"f\" ${x} %{y} \\"}}}}),
        adopt.Integration("mqjo", "Codat Sandbox", "codat_sandbox", True, False, True)]
    found.profile = {"import_id": "profile", "name": "Acme \"Lending\" ⚡", "redirect_url": "https://a.example/{companyId}",
                     "white_list_urls": ["https://a.example"]}
    found.webhooks = {"sync": {"import_id": "w1", "url": "https://h.example", "event_types": ["A", "B"],
                               "disabled": True}}
    found.sync_settings = {"import_id": "invoices", "overrides_defaults": False, "data_types": {
        "invoices": {"fetch_on_first_link": True, "sync_schedule": 24, "sync_order": 14,
                     "sync_from_utc": "2024-01-01T00:00:00Z", "is_locked": False}}}
    found.cors_origins = ["https://app.example"]
    found.not_represented = [adopt.NotRepresented("custom data types", "none can be listed")]
    return found


def test_the_file_reads_back_as_its_document_and_the_loader_accepts_it():
    from codat_constructs.environments import parse_environments

    found = tricky()
    text = adopt_file.render(found, "bin/codat-iac")
    assert tomllib.loads(text) == adopt_file.document(found)
    (environment,) = parse_environments(tomllib.loads(text))
    assert environment.xero.import_id == "gbol" and environment.xero.client_id_variable == "xero_client_id_prod"
    assert environment.accounting[0].client_secret_variable is None  # no credentials held: none to declare
    assert environment.sync_settings.overrides_defaults is False and environment.webhooks[0].disabled is True
    # What must be set and what is missing are in the file as comments.
    comments = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    assert "TF_VAR_xero_client_id_prod" in comments and "TF_VAR_codat_api_key_prod" in comments
    assert "custom data types: none can be listed" in comments


def test_the_file_is_never_written_over_without_force(tmp_path):
    out = tmp_path / "environments.toml"
    out.write_text("mine\n")
    with pytest.raises(adopt.AdoptError, match="--force"):
        adopt_file.write(out, "new\n", force=False)
    assert out.read_text() == "mine\n"
    adopt_file.write(out, "new\n", force=True)
    assert out.read_text() == "new\n" and [p.name for p in tmp_path.iterdir()] == ["environments.toml"]
    with pytest.raises(adopt.AdoptError, match="does not exist"):
        adopt_file.write(tmp_path / "missing" / "environments.toml", "x", force=False)

