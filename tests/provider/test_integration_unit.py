"""Unit tests of codat_integration: validate, import IDs, expand, flatten, planning, and the resource's
apply / read / import / destroy logic over a fake client (no network, no terraform)."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from codat_client import (
    ConflictError,
    Integration,
    LegacyEndpointUnavailableError,
    MaskedCredentials,
    NotFoundError,
    ServerError,
    StoppedError,
    WriteNotAcknowledgedError,
)
from codat_provider.integration.expand import credentials_body
from codat_provider.integration.flatten import (
    flatten_credentials,
    flatten_integration,
    is_masked,
    matches_masked,
    same_client_id,
)
from codat_provider.integration.plan import credentials_to_send, records_only
from codat_provider.integration.resource import IntegrationResource
from codat_provider.integration.schema import SCHEMA
from codat_provider.integration.validate import parse_import_id, validate_config
from tfplugin import UNKNOWN, Diagnostics, Imported, PlanRequest, ProviderError
from tfplugin.diagnostics import ERROR

CLIENT_ID = "00112233445566778899AABBCCDDEEFF"
SECRET = "unit-secret-value-77zq"


def masked(value: str) -> str:
    return "X" * (len(value) - 4) + value[-4:]


def diag_list(diags: Diagnostics) -> list[tuple[str, str, tuple | None]]:
    return [("error" if d.severity == ERROR else "warning", d.summary, tuple(d.path) if d.path else None)
            for d in diags.items]


def summaries(diags: Diagnostics) -> list[str]:
    return [d.summary for d in diags.items]


# ------------------------------------------------------------------------------------------ validate


def validated(**config) -> Diagnostics:
    diags = Diagnostics()
    validate_config({"platform_key": "gbol", **config}, diags)
    return diags


def test_valid_configuration_has_no_diagnostics():
    assert validated(client_id=CLIENT_ID, client_secret_wo=SECRET, client_secret_wo_version=1).items == []
    assert validated().items == []


@pytest.mark.parametrize("key", ["GBOL", "gbo", "gbol1", "gb ol", ""])
def test_malformed_platform_key_is_an_error_on_its_path(key):
    diags = Diagnostics()
    validate_config({"platform_key": key}, diags)
    assert [(d.summary, tuple(d.path)) for d in diags.errors] == [("Invalid platform_key", ("platform_key",))]


def test_unknown_but_well_formed_key_is_a_warning_and_unknown_values_are_skipped():
    diags = Diagnostics()
    validate_config({"platform_key": "zzzz"}, diags)
    assert diag_list(diags) == [("warning", "Unfamiliar platform_key", ("platform_key",))]
    diags = Diagnostics()
    validate_config({"platform_key": UNKNOWN, "client_id": UNKNOWN, "client_secret_wo": UNKNOWN}, diags)
    assert diags.items == []


@pytest.mark.parametrize("name", ["client_id", "client_secret_wo"])
@pytest.mark.parametrize("bad", [" 7lead", "trail7 ", "in7 ner", "line7\nbreak", "tab7\t", ""])
def test_whitespace_or_empty_credentials_are_errors_on_their_path(name, bad):
    config = {"client_id": CLIENT_ID, "client_secret_wo": SECRET, name: bad}
    diags = validated(**config)
    assert [(d.summary, tuple(d.path)) for d in diags.errors] == [(f"Invalid {name}", (name,))]
    assert all(bad not in d.detail for d in diags.items if bad.strip())  # never echoes the value


def test_client_id_and_secret_go_together():
    assert [tuple(d.path) for d in validated(client_id=CLIENT_ID).errors] == [("client_secret_wo",)]
    assert [tuple(d.path) for d in validated(client_secret_wo=SECRET).errors] == [("client_id",)]


def test_xero_client_id_that_is_not_32_hex_characters_is_a_warning():
    diags = validated(client_id="not-hex", client_secret_wo=SECRET)
    assert diag_list(diags) == [("warning", "Unusual Xero client id", ("client_id",))]
    other = Diagnostics()
    validate_config({"platform_key": "qhyg", "client_id": "not-hex", "client_secret_wo": SECRET}, other)
    assert other.items == []


def test_on_destroy_choices_and_pointless_settings():
    assert [tuple(d.path) for d in validated(on_destroy="explode").errors] == [("on_destroy",)]
    assert validated(on_destroy="delete_credentials", force=True).items == []
    assert diag_list(validated(on_destroy="disable", force=True)) == [("warning", "force has no effect", ("force",))]
    assert diag_list(validated(client_secret_wo_version=1)) == [
        ("warning", "client_secret_wo_version has no effect", ("client_secret_wo_version",))
    ]


# ----------------------------------------------------------------------------------------- import IDs


@pytest.mark.parametrize(
    "import_id, parsed",
    [
        ("gbol", ("gbol", None, None)),
        (f"gbol:client_id={CLIENT_ID},client_secret_wo_version=1", ("gbol", CLIENT_ID, 1)),
        ("gbol:client_secret_wo_version=2.5", ("gbol", None, Decimal("2.5"))),
        ("gbol:client_secret_wo_version=3,client_id=abc", ("gbol", "abc", 3)),
        ("zzzz", ("zzzz", None, None)),  # well formed, unfamiliar: a warning only
    ],
)
def test_import_ids_that_parse(import_id, parsed):
    diags = Diagnostics()
    assert parse_import_id(import_id, diags) == parsed and not diags.has_errors


@pytest.mark.parametrize(
    "import_id, text",
    [
        ("GBOL", "four lowercase letters"),
        ("gbol:", "Nothing follows"),
        ("gbol:client_secret=hunter2-value", "never the secret"),
        ("gbol:version=1", "Unknown option 'version'"),
        ("gbol:client_id=abc,hunter2-value", "without `=`"),
        ("gbol:client_id=a,client_id=b", "given twice"),
        ("gbol:client_secret_wo_version=one", "must be a number"),
        ("gbol:client_secret_wo_version=NaN", "must be a number"),
        ("gbol:client_id=", "empty or contains whitespace"),
    ],
)
def test_import_ids_that_fail_say_why_without_echoing_a_secret(import_id, text):
    diags = Diagnostics()
    assert parse_import_id(import_id, diags) is None
    details = " ".join(d.detail for d in diags.errors)
    assert text in details and "hunter2-value" not in details


# ----------------------------------------------------------------------------------- expand, flatten


def test_credentials_body_is_the_portal_form():
    assert credentials_body({"client_id": "id", "client_secret_wo": "s"}) == {"clientId": "id", "clientSecret": "s"}


def test_masked_values():
    assert is_masked(masked(CLIENT_ID)) and is_masked("XXXX") and not is_masked(CLIENT_ID) and not is_masked("")
    assert matches_masked(masked(SECRET), SECRET) and not matches_masked(masked(SECRET), SECRET + "0")
    assert matches_masked("XXX", "abc")  # Codat shows none of a short value: nothing to compare
    assert same_client_id(masked(CLIENT_ID), CLIENT_ID) and same_client_id(CLIENT_ID, CLIENT_ID)
    assert not same_client_id("00112233445566778899AABBCCDD0000", CLIENT_ID)


def test_flatten_integration_uses_the_enum_value():
    integration = Integration.model_validate(
        {"key": "gbol", "name": "Xero", "enabled": True, "sourceType": "Accounting"})
    assert flatten_integration(integration) == {"name": "Xero", "source_type": "Accounting", "enabled": True}


def test_flatten_credentials_keeps_the_configured_id_while_codat_agrees():
    held = {"clientId": masked(CLIENT_ID), "clientSecret": masked(SECRET)}
    assert flatten_credentials(held, {"client_id": CLIENT_ID}) == {
        "client_id": CLIENT_ID, "client_secret_masked": masked(SECRET)}
    replaced = {"clientId": masked("FFEEDDCCBBAA99887766554433221100"), "clientSecret": masked(SECRET)}
    assert flatten_credentials(replaced, {"client_id": CLIENT_ID})["client_id"] == replaced["clientId"]
    assert flatten_credentials(held, {"client_id": None})["client_id"] == held["clientId"]  # unmanaged: Codat's
    assert flatten_credentials({}, {"client_id": CLIENT_ID}) == {"client_id": None, "client_secret_masked": None}


# -------------------------------------------------------------------------------- credentials_to_send


def prior_state(**overrides) -> dict:
    return {"platform_key": "gbol", "client_id": CLIENT_ID, "client_secret_masked": masked(SECRET),
            "client_secret_wo_version": 1, "credentials_api_available": True, **overrides}


CONFIG = {"platform_key": "gbol", "client_id": CLIENT_ID, "client_secret_wo": SECRET, "client_secret_wo_version": 1}


def to_send(prior=None, planned=None, config=None) -> dict[str, str]:
    prior = prior_state() if prior is None else prior
    config = CONFIG if config is None else config
    planned = {**prior, **{k: v for k, v in config.items() if k != "client_secret_wo"}} if planned is None else planned
    return credentials_to_send(prior, planned, config)


def test_nothing_to_send_when_codat_agrees_or_the_credentials_are_unmanaged():
    assert to_send() == {}
    assert to_send(prior=prior_state(client_id=masked(CLIENT_ID))) == {}  # after a plain import
    assert to_send(config={"platform_key": "gbol", "client_id": None, "client_secret_wo": None}) == {}


def test_each_difference_names_its_attribute_and_shows_only_codats_last_4():
    other_id, other_secret = masked("FFEEDDCCBBAA99887766554433221100"), masked("portal-secret-abcd")
    reasons = to_send(prior=prior_state(client_id=other_id, client_secret_masked=other_secret))
    assert set(reasons) == {"client_id", "client_secret_wo"}
    assert "...1100" in reasons["client_id"] and "...abcd" in reasons["client_secret_wo"]
    assert all(SECRET[-4:] not in reason and SECRET not in reason for reason in reasons.values())
    assert set(to_send(prior=prior_state(client_secret_masked=other_secret))) == {"client_secret_wo"}
    assert set(to_send(prior=prior_state(client_id=other_id))) == {"client_id"}


def test_nothing_held_unknown_values_and_version_bumps_send():
    nothing_held = prior_state(client_id=None, client_secret_masked=None)
    assert set(to_send(prior=nothing_held)) == {"client_id", "client_secret_wo"}
    assert set(to_send(config={**CONFIG, "client_id": UNKNOWN, "client_secret_wo": UNKNOWN})) == {
        "client_id", "client_secret_wo"}
    bumped = to_send(config={**CONFIG, "client_secret_wo_version": 2})
    assert set(bumped) == {"client_secret_wo"} and "version changed" in bumped["client_secret_wo"]
    # A version set for the first time (after import) or removed sends nothing by itself.
    assert to_send(prior=prior_state(client_secret_wo_version=None)) == {}
    assert to_send(config={**CONFIG, "client_secret_wo_version": None}) == {}


def test_without_the_credentials_api_only_configuration_changes_send():
    unavailable = prior_state(client_secret_masked=None, credentials_api_available=False)
    assert to_send(prior=unavailable) == {}  # never an endless diff
    assert set(to_send(prior=unavailable, config={**CONFIG, "client_secret_wo_version": 2})) == {"client_secret_wo"}
    assert set(to_send(prior=unavailable, config={**CONFIG, "client_id": "another-id"})) == {"client_id"}


def test_records_only_lists_what_a_plan_writes_without_sending():
    prior = prior_state(client_id=masked(CLIENT_ID), client_secret_wo_version=None)
    planned = {**prior, "client_id": CLIENT_ID, "client_secret_wo_version": 1}
    assert records_only(prior, planned, CONFIG) == ["client_id", "client_secret_wo_version"]
    assert records_only(prior_state(), prior_state(), CONFIG) == []


# ------------------------------------------------------------------------- the resource, fake client


class FakeCodat:
    """Just enough of CodatClient, recording the writes."""

    def __init__(self, enabled=False, held=None, legacy=False, linked=0, fail_switch=False):
        self.enabled, self.held, self.legacy, self.linked = enabled, dict(held or {}), legacy, linked
        self.fail_switch, self.writes = fail_switch, []

    def _legacy(self):
        if self.legacy:
            raise LegacyEndpointUnavailableError("GET /integrations/credentials/gbol: Codat answered 404 ...")

    def get_integration(self, key):
        if key == "nope":
            raise NotFoundError("no integration")
        return Integration.model_validate({"key": key, "name": "Xero", "enabled": self.enabled,
                                           "sourceType": "Accounting", "linkedConnectionsCount": self.linked})

    def get_credentials(self, key):
        self._legacy()
        return MaskedCredentials({k: masked(v) for k, v in self.held.items()})

    def put_credentials(self, key, body):
        self._legacy()
        self.writes.append(("put_credentials", key))
        self.held = dict(body)
        return MaskedCredentials({k: masked(v) for k, v in body.items()})

    def delete_credentials(self, key):
        self._legacy()
        self.writes.append(("delete_credentials", key))
        if not self.held:
            raise NotFoundError("No credentials were found")
        self.held = {}

    def set_enabled(self, key, enabled):
        if self.fail_switch:
            raise ConflictError("PUT /integrations/gbol/enabled: Codat answered 409")
        self.writes.append(("set_enabled", enabled))
        self.enabled = enabled
        return self.get_integration(key)


def resource(client: FakeCodat) -> IntegrationResource:
    return IntegrationResource(SimpleNamespace(client=client))


def planned_create(**config) -> dict:
    config = {**CONFIG, **config}
    planned = {a.name: config.get(a.name) for a in SCHEMA.attributes if not a.write_only}
    planned.update(enabled=True, on_destroy="disable", force=False, name=UNKNOWN, source_type=UNKNOWN,
                   client_secret_masked=UNKNOWN, credentials_api_available=UNKNOWN)
    if config.get("client_id") is None:
        planned["client_id"] = UNKNOWN
    return planned


HELD = {"clientId": CLIENT_ID, "clientSecret": SECRET}


def test_create_sends_credentials_then_switches_on():
    client, diags = FakeCodat(), Diagnostics()
    state = resource(client).create(planned_create(), CONFIG, diags)
    assert client.writes == [("put_credentials", "gbol"), ("set_enabled", True)] and diags.items == []
    assert state["client_id"] == CLIENT_ID and state["client_secret_masked"] == masked(SECRET)
    assert state["enabled"] is True and state["credentials_api_available"] is True and state["name"] == "Xero"


def test_create_over_matching_credentials_adopts_without_sending():
    client, diags = FakeCodat(enabled=True, held=HELD), Diagnostics()
    state = resource(client).create(planned_create(), CONFIG, diags)
    assert client.writes == [] and summaries(diags) == ["Adopted the existing Xero integration"]
    assert "not sent again" in diags.items[0].detail and SECRET not in diags.items[0].detail
    assert state["client_id"] == CLIENT_ID


def test_create_over_other_credentials_adopts_and_replaces_them():
    client, diags = FakeCodat(held={"clientId": "other-client-id", "clientSecret": "other-secret"}), Diagnostics()
    resource(client).create(planned_create(), CONFIG, diags)
    assert client.writes[0] == ("put_credentials", "gbol") and "replaced" in diags.items[0].detail


def test_create_without_credentials_keeps_codats_and_shows_its_masked_id():
    client, diags = FakeCodat(held=HELD), Diagnostics()
    config = {"platform_key": "gbol", "client_id": None, "client_secret_wo": None}
    state = resource(client).create(planned_create(client_id=None, client_secret_wo=None), config, diags)
    assert client.writes == [("set_enabled", True)] and "kept" in diags.items[0].detail
    assert state["client_id"] == masked(CLIENT_ID) and state["client_secret_masked"] == masked(SECRET)


def test_switch_failing_after_credentials_returns_state_with_them_and_an_error():
    client, diags = FakeCodat(fail_switch=True), Diagnostics()
    state = resource(client).create(planned_create(), CONFIG, diags)
    assert client.writes == [("put_credentials", "gbol")]
    assert state["client_secret_masked"] == masked(SECRET) and state["enabled"] is False
    [error] = diags.errors
    assert error.path == ("enabled",) and "The credentials were applied" in error.detail and "tainted" in error.detail
    assert SECRET not in error.detail


def test_unavailable_credentials_api_warns_and_records_the_declared_credentials():
    client, diags = FakeCodat(legacy=True), Diagnostics()
    state = resource(client).create(planned_create(), CONFIG, diags)
    assert summaries(diags) == ["Credentials cannot be read from Codat", "Credentials not sent"]
    assert state["credentials_api_available"] is False and state["client_id"] == CLIENT_ID
    assert state["client_secret_masked"] is None and state["enabled"] is True
    read = resource(client).read(state, Diagnostics())
    assert read["client_id"] == CLIENT_ID and read["credentials_api_available"] is False


def plan(prior: dict, config: dict) -> tuple[PlanRequest, Diagnostics]:
    planned = {**prior, **{k: v for k, v in config.items() if k != "client_secret_wo"}}
    req, diags = PlanRequest(prior=prior, config=config, planned=planned), Diagnostics()
    resource(FakeCodat()).modify_plan(req, diags)
    return req, diags


def test_modify_plan_marks_sending_and_warns_per_attribute():
    req, diags = plan(prior_state(client_secret_masked=masked("portal-secret-abcd")), CONFIG)
    assert req.planned["client_secret_masked"] is UNKNOWN and req.planned["credentials_api_available"] is UNKNOWN
    assert diag_list(diags) == [
        ("warning", "Credentials will be sent to Codat: client_secret_wo", ("client_secret_wo",))]
    req, diags = plan(prior_state(), CONFIG)
    assert req.planned == {**prior_state(), "platform_key": "gbol"} and diags.items == []


def test_modify_plan_after_plain_import_records_without_sending():
    req, diags = plan(prior_state(client_id=masked(CLIENT_ID), client_secret_wo_version=None), CONFIG)
    assert req.planned["client_secret_masked"] == masked(SECRET)
    assert summaries(diags) == ["Credentials recorded, not sent"]


def test_update_sends_only_when_planned():
    client = FakeCodat(enabled=True, held=HELD)
    prior = {**prior_state(), "enabled": True, "name": "Xero", "source_type": "Accounting"}
    state = resource(client).update(prior, {**prior, "enabled": False}, CONFIG, Diagnostics())
    assert client.writes == [("set_enabled", False)] and state["client_secret_masked"] == masked(SECRET)
    planned = {**prior, "client_secret_wo_version": 2, "client_secret_masked": UNKNOWN,
               "credentials_api_available": UNKNOWN}
    state = resource(client).update(prior, planned, {**CONFIG, "client_secret_wo": "rotated-0002"}, Diagnostics())
    assert client.writes[1:] == [("put_credentials", "gbol"), ("set_enabled", True)]
    assert state["client_secret_masked"].endswith("0002") and state["credentials_api_available"] is True


def test_import_checks_the_claimed_client_id_against_codats_last_4():
    client = FakeCodat(held=HELD)
    diags = Diagnostics()
    imported = resource(client).import_state(f"gbol:client_id={CLIENT_ID},client_secret_wo_version=1", diags)
    assert isinstance(imported, Imported) and imported.private == {"adopted": True}
    assert imported.state["client_id"] == CLIENT_ID and imported.state["client_secret_wo_version"] == 1
    assert diags.items == []
    diags = Diagnostics()
    imported = resource(client).import_state("gbol:client_id=another-client-id", diags)
    assert imported.state.get("client_id") is None and summaries(diags) == ["client_id differs from Codat's"]
    assert imported.private == {"adopted": True}
    assert resource(client).import_state("gbol", Diagnostics()) == {
        "platform_key": "gbol", "on_destroy": "disable", "force": False, "client_secret_wo_version": None}
    assert resource(client).import_state("nope", Diagnostics()) is None  # well formed, unknown to Codat
    unverified = resource(FakeCodat(legacy=True)).import_state(f"gbol:client_id={CLIENT_ID}", Diagnostics())
    assert unverified["client_id"] == CLIENT_ID  # nothing to compare with: a plain state, not adopted
    nothing_held = resource(FakeCodat()).import_state(f"gbol:client_id={CLIENT_ID}", Diagnostics())
    assert not isinstance(nothing_held, Imported)


def adopted_plan(prior: dict, config: dict) -> tuple[PlanRequest, Diagnostics]:
    planned = {**prior, **{k: v for k, v in config.items() if k != "client_secret_wo"}}
    req = PlanRequest(prior=prior, config=config, planned=planned, private={"adopted": True})
    diags = Diagnostics()
    resource(FakeCodat()).modify_plan(req, diags)
    return req, diags


def test_adopted_integration_refuses_a_secret_that_differs_from_codats_and_sends_nothing():
    codat_holds = prior_state(client_secret_masked=masked("portal-secret-abcd"))
    req, diags = adopted_plan(codat_holds, CONFIG)
    assert diag_list(diags) == [("error", "client_secret_wo is not the client secret Codat holds",
                                 ("client_secret_wo",))]
    assert "...abcd" in diags.errors[0].detail and SECRET[-4:] not in diags.errors[0].detail
    assert "client_secret_wo_version" in diags.errors[0].detail
    assert req.planned["client_secret_masked"] == codat_holds["client_secret_masked"]  # nothing planned to send
    req, diags = adopted_plan(prior_state(client_id=masked("FFEEDDCCBBAA99887766554433221100")), CONFIG)
    assert diag_list(diags) == [("error", "client_id is not the client id Codat holds", ("client_id",))]


def test_adopted_integration_whose_credentials_match_keeps_the_mark_and_a_new_version_sends_and_clears_it():
    req, diags = adopted_plan(prior_state(), CONFIG)
    assert diags.items == [] and req.private == {"adopted": True}
    bumped = {**CONFIG, "client_secret_wo": "rotated-0002", "client_secret_wo_version": 2}
    req, diags = adopted_plan(prior_state(client_secret_masked=masked("portal-secret-abcd")), bumped)
    assert not diags.has_errors and req.planned["client_secret_masked"] is UNKNOWN and req.private == {}


def destroyed(mode: str) -> FakeCodat:
    client = FakeCodat(enabled=True, held=HELD)
    resource(client).delete({**prior_state(), "on_destroy": mode, "force": False}, Diagnostics())
    return client


def test_destroy_per_on_destroy():
    assert destroyed("disable").writes == [("set_enabled", False)]
    assert destroyed("delete_credentials").writes == [("set_enabled", False), ("delete_credentials", "gbol")]
    assert destroyed("forget").writes == []


def test_deleting_credentials_in_use_is_refused_unless_forced():
    client = FakeCodat(enabled=True, held=HELD, linked=2)
    with pytest.raises(ProviderError) as refused:
        resource(client).delete({**prior_state(), "on_destroy": "delete_credentials", "force": False}, Diagnostics())
    assert refused.value.path == ("force",) and "2 linked" in refused.value.detail and client.writes == []
    resource(client).delete({**prior_state(), "on_destroy": "delete_credentials", "force": True}, Diagnostics())
    assert client.writes == [("set_enabled", False), ("delete_credentials", "gbol")]


def test_destroy_of_an_already_disabled_integration_writes_nothing():
    client = FakeCodat(enabled=False, held=HELD)
    resource(client).delete({**prior_state(), "on_destroy": "disable"}, Diagnostics())
    assert client.writes == []


def test_codat_errors_become_clean_diagnostics():
    class Down(FakeCodat):
        def get_integration(self, key):
            raise ServerError("GET /integrations/gbol: Codat answered 503 ... Next: try later")

    with pytest.raises(ProviderError) as failed:
        resource(Down()).read(prior_state(), Diagnostics())
    assert failed.value.summary == "Could not read the Codat integration" and "503" in failed.value.detail
    with pytest.raises(ProviderError) as failed:
        resource(FakeCodat(enabled=True, held=HELD, legacy=True)).delete(
            {**prior_state(), "on_destroy": "delete_credentials", "force": True}, Diagnostics())
    assert failed.value.summary == "Credentials not deleted" and failed.value.path == ("on_destroy",)


def test_credentials_codat_returned_in_clear_give_one_warning_per_operation():
    class Careless(FakeCodat):
        def _answer(self, values):
            answer = MaskedCredentials({k: masked(v) for k, v in values.items()})
            answer.unmasked = tuple(values)  # what the client reports after reducing a clear answer
            return answer

        def get_credentials(self, key):
            return self._answer(self.held)

        def put_credentials(self, key, body):
            self.writes.append(("put_credentials", key))
            self.held = dict(body)
            return self._answer(body)

    client, diags = Careless(held={"clientId": "other-client-id", "clientSecret": "other-secret"}), Diagnostics()
    state = resource(client).create(planned_create(), CONFIG, diags)
    unmasked = [d for d in diags.warnings if d.summary == "Codat returned credentials unmasked"]
    assert len(unmasked) == 1 and "clientId and clientSecret in clear" in unmasked[0].detail
    assert SECRET not in unmasked[0].detail and state["client_secret_masked"] == masked(SECRET)


class Stopping(FakeCodat):
    """Terraform interrupts while the client waits on `stopped_at` (a Retry-After, say)."""

    def __init__(self, stopped_at: str, took_effect=False, **kwargs):
        super().__init__(**kwargs)
        self.stopped_at, self.took_effect = stopped_at, took_effect

    def put_credentials(self, key, body):
        if self.stopped_at == "put_credentials":
            raise StoppedError("PUT /integrations/credentials/gbol: stopped while waiting",
                               took_effect=self.took_effect)
        return super().put_credentials(key, body)

    def set_enabled(self, key, enabled):
        if self.stopped_at == "set_enabled":
            raise StoppedError("PUT /integrations/gbol/enabled: stopped while waiting", took_effect=False)
        return super().set_enabled(key, enabled)

    def delete_credentials(self, key):
        if self.stopped_at == "delete_credentials":
            raise StoppedError("DELETE /integrations/credentials/gbol: stopped while waiting", took_effect=False)
        return super().delete_credentials(key)


def test_a_stop_before_the_credentials_are_stored_records_nothing_and_says_so():
    with pytest.raises(ProviderError) as stopped:
        resource(Stopping("put_credentials")).create(planned_create(), CONFIG, Diagnostics())
    assert stopped.value.summary == "Stopped: the integration was not switched on"
    assert "the credentials were not sent" in stopped.value.detail
    with pytest.raises(ProviderError) as stopped:
        resource(Stopping("put_credentials", took_effect=None)).create(planned_create(), CONFIG, Diagnostics())
    assert "may or may not have stored the credentials" in stopped.value.detail


def test_a_stop_at_the_switch_returns_state_with_the_credentials_and_says_so():
    client, diags = Stopping("set_enabled"), Diagnostics()
    state = resource(client).create(planned_create(), CONFIG, diags)
    [error] = diags.errors
    assert error.summary == "Stopped: the integration was not switched on" and error.path == ("enabled",)
    assert error.detail.startswith("Terraform was interrupted. The credentials were applied")
    assert state["client_secret_masked"] == masked(SECRET) and state["enabled"] is False


def test_a_stop_while_deleting_credentials_says_the_switch_was_already_off():
    client = Stopping("delete_credentials", enabled=True, held=HELD)
    with pytest.raises(ProviderError) as stopped:
        resource(client).delete({**prior_state(), "on_destroy": "delete_credentials", "force": True}, Diagnostics())
    assert stopped.value.summary == "Stopped: could not destroy the Codat integration"
    assert "The integration was switched off, but the credentials were not confirmed deleted" in stopped.value.detail


class Unacknowledging(FakeCodat):
    """Codat answers a write with something that is not an acknowledgement (an HTML page with 200), after storing
    it (`stored=True`) or not."""

    def __init__(self, call: str, stored: bool, **kwargs):
        super().__init__(**kwargs)
        self.call, self.stored = call, stored

    def _unacknowledged(self, method: str, path: str) -> WriteNotAcknowledgedError:
        return WriteNotAcknowledgedError(f"{method} {path}: Codat answered 200 OK with text/html, not JSON")

    def put_credentials(self, key, body):
        if self.call != "put_credentials":
            return super().put_credentials(key, body)
        if self.stored:
            super().put_credentials(key, body)
        raise self._unacknowledged("PUT", f"/integrations/credentials/{key}")

    def set_enabled(self, key, enabled):
        if self.call != "set_enabled":
            return super().set_enabled(key, enabled)
        if self.stored:
            super().set_enabled(key, enabled)
        raise self._unacknowledged("PUT", f"/integrations/{key}/enabled")


def test_credentials_codat_did_not_acknowledge_are_kept_only_when_codat_holds_them():
    client, diags = Unacknowledging("put_credentials", stored=True), Diagnostics()
    state = resource(client).create(planned_create(), CONFIG, diags)
    assert summaries(diags) == ["Codat did not acknowledge the credentials, but holds them"]
    assert state["client_secret_masked"] == masked(SECRET) and state["enabled"] is True

    with pytest.raises(ProviderError) as refused:
        resource(Unacknowledging("put_credentials", stored=False)).create(planned_create(), CONFIG, Diagnostics())
    assert refused.value.summary == "Codat did not acknowledge the credentials: they were not stored"
    assert "Codat shows client id none and secret none" in refused.value.detail
    assert SECRET not in refused.value.detail


def test_a_switch_codat_did_not_acknowledge_is_read_back():
    client, diags = Unacknowledging("set_enabled", stored=True), Diagnostics()
    state = resource(client).create(planned_create(), CONFIG, diags)
    assert "Codat did not acknowledge the switch, but made it" in summaries(diags) and state["enabled"] is True

    client, diags = Unacknowledging("set_enabled", stored=False), Diagnostics()
    state = resource(client).create(planned_create(), CONFIG, diags)
    [error] = diags.errors
    assert error.summary == "Could not switch the integration on" and "text/html" in error.detail
    assert "The credentials were applied" in error.detail and state["enabled"] is False
