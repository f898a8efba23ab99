"""Settings: the profile, webhook consumers (limit 50, idempotency) and API keys (limit 10)."""

from __future__ import annotations

import uuid

import httpx
import pytest

from emulator_support import assert_error, basic

PROFILE = {"name": "Bob's Burgers", "redirectUrl": "https://bobs-burgers.example/{companyId}",
           "logoUrl": "https://example.com/logo.png", "iconUrl": "https://example.com/icon.ico",
           "whiteListUrls": ["https://bobs-burgers.example"], "confirmCompanyName": True}


def test_profile_round_trip_and_whole_replace(emu):
    seeded = emu.get("/profile").json()
    assert seeded["name"] and seeded["redirectUrl"]
    reply = emu.put("/profile", json=PROFILE)
    assert reply.status_code == 200 and reply.json() == PROFILE
    assert emu.get("/profile").json() == PROFILE
    # PUT replaces the whole object: what is left out goes back to empty.
    minimal = {"name": "Other", "redirectUrl": "https://other.example/"}
    assert emu.put("/profile", json=minimal).json() == {**minimal, "logoUrl": "", "iconUrl": "", "whiteListUrls": [],
                                                        "confirmCompanyName": False}


def test_profile_requires_name_and_redirect_url(emu):
    body = assert_error(emu.put("/profile", json={"logoUrl": "x"}), 400)
    assert {e["itemId"] for e in body["validation"]["errors"]} == {"name", "redirectUrl"}
    assert all(e["validatorName"] and e["message"] for e in body["validation"]["errors"])
    body = assert_error(emu.put("/profile", json={"name": "n", "redirectUrl": "https://x.example",
                                                 "whiteListUrls": ["not a url"]}), 400)
    assert body["validation"]["errors"][0]["itemId"] == "whiteListUrls[0]"
    assert emu.get("/profile").json()["name"] == "Codat Emulator"


def test_webhooks_create_list_delete(emu):
    assert emu.get("/webhooks").json() == {"results": []}
    reply = emu.post("/webhooks", json={"url": "https://example.com/hook", "eventTypes": ["DataSyncCompleted"]})
    assert reply.status_code == 201
    consumer = reply.json()
    uuid.UUID(consumer["id"])
    assert consumer == {"id": consumer["id"], "url": "https://example.com/hook", "disabled": False,
                        "eventTypes": ["DataSyncCompleted"], "companyTags": None}
    tagged = emu.post("/webhooks", json={"url": "https://example.com/h2", "eventTypes": [], "disabled": True,
                                         "companyTags": ["region:uk"]}).json()
    assert tagged["disabled"] is True and tagged["companyTags"] == ["region:uk"]
    assert [c["id"] for c in emu.get("/webhooks").json()["results"]] == [consumer["id"], tagged["id"]]
    assert emu.delete(f"/webhooks/{consumer['id']}").status_code == 204
    assert_error(emu.delete(f"/webhooks/{consumer['id']}"), 404)
    assert [c["id"] for c in emu.get("/webhooks").json()["results"]] == [tagged["id"]]


@pytest.mark.parametrize("body", [{}, {"url": "not-a-url"}, {"url": "ftp://example.com"},
                                  {"url": "https://e.example", "eventTypes": "DataSyncCompleted"},
                                  {"url": "https://e.example", "disabled": "yes"},
                                  {"url": "https://e.example", "companyTags": ["t"] * 11}])
def test_webhook_validation(emu, body):
    assert assert_error(emu.post("/webhooks", json=body), 400)["validation"]["errors"]


def test_webhooks_limited_to_50(emu):
    for n in range(50):
        assert emu.post("/webhooks", json={"url": f"https://example.com/{n}"}).status_code == 201
    assert_error(emu.post("/webhooks", json={"url": "https://example.com/51"}), 400, "limited to 50")
    assert len(emu.get("/webhooks").json()["results"]) == 50


def test_webhook_idempotency(emu):
    body = {"url": "https://example.com/once", "eventTypes": ["DataSyncCompleted"]}
    first = emu.post("/webhooks", json=body, headers={"Idempotency-Key": "k-1"})
    again = emu.post("/webhooks", json=body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert len(emu.get("/webhooks").json()["results"]) == 1
    other = emu.post("/webhooks", json={**body, "url": "https://example.com/twice"}, headers={"Idempotency-Key": "k-1"})
    assert_error(other, 409, "Idempotency-Key")
    assert emu.post("/webhooks", json=body, headers={"Idempotency-Key": "k-2"}).json()["id"] != first.json()["id"]
    assert emu.post("/webhooks", json=body).json()["id"] != first.json()["id"]  # no key: a new consumer
    assert len(emu.get("/webhooks").json()["results"]) == 3


def test_idempotency_key_is_ignored_on_put_and_delete(emu):
    headers = {"Idempotency-Key": "same"}
    emu.put("/integrations/gbol/enabled", json={"enabled": True}, headers=headers)
    assert emu.put("/integrations/gbol/enabled", json={"enabled": False}, headers=headers).json()["enabled"] is False


def test_failed_requests_are_not_remembered_by_idempotency(emu):
    headers = {"Idempotency-Key": "retry-me"}
    assert_error(emu.post("/webhooks", json={"url": "nope"}, headers=headers), 400)
    assert emu.post("/webhooks", json={"url": "nope"}, headers=headers).status_code == 400
    assert emu.post("/webhooks", json={"url": "https://ok.example"}, headers=headers).status_code == 201


def test_api_keys(emu):
    keys = emu.get("/apiKeys").json()["results"]
    assert [k["apiKey"] for k in keys] == [emu.api_key]
    reply = emu.post("/apiKeys", json={"name": "azure-invoice-finance-processor"})
    assert reply.status_code == 201
    created = reply.json()
    assert created["name"] == "azure-invoice-finance-processor" and len(created["apiKey"]) == 40
    assert created["createdDate"].endswith("Z")
    # The new key authenticates too; once deleted, it does not.
    with httpx.Client(base_url=emu.url, headers=basic(created["apiKey"])) as other:
        assert other.get("/integrations/gbol").status_code == 200
        assert emu.delete(f"/apiKeys/{created['id']}").status_code == 204
        assert_error(other.get("/integrations/gbol"), 401)
    assert_error(emu.delete(f"/apiKeys/{created['id']}"), 404)
    unnamed = emu.post("/apiKeys").json()
    assert "name" not in unnamed


def test_api_keys_limited_to_10(emu):
    for n in range(9):
        assert emu.post("/apiKeys", json={"name": f"k{n}"}).status_code == 201
    assert_error(emu.post("/apiKeys", json={"name": "eleven"}), 409, "Maximum number of API keys")
    assert len(emu.get("/apiKeys").json()["results"]) == 10


def test_api_key_name_limit(emu):
    assert_error(emu.post("/apiKeys", json={"name": "n" * 51}), 400, "Max string length (50)")
    assert_error(emu.post("/apiKeys", json={"name": 5}), 400)


def test_deleting_the_key_in_use_locks_the_api_but_not_admin(emu):
    own = emu.get("/apiKeys").json()["results"][0]
    assert emu.delete(f"/apiKeys/{own['id']}").status_code == 204
    assert_error(emu.get("/integrations"), 401)
    emu.reset()  # the serve key is the admin key; reset restores it as the account's first key
    assert emu.get("/integrations").status_code == 200
