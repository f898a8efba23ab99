"""Integrations: the list with paging, query and ordering; one integration; branding; the enabled
toggle; and the legacy credentials endpoints with their masking."""

from __future__ import annotations

import pytest

from emulator_support import assert_error

ACCOUNTING_KEYS = {"trji", "rqwd", "qudb", "pbbf", "fbrh", "vxvy", "pdvj", "akxx", "pqsw", "qhyg", "ndsk", "jcrp",
                   "hbql", "tgff", "knfz", "mqjo", "pbtz", "rvam", "gbol", "rwuv"}


def test_every_accounting_platform_is_seeded_disabled(emu):
    body = emu.get("/integrations").json()
    assert body["totalResults"] == len(ACCOUNTING_KEYS)
    assert {i["key"] for i in body["results"]} == ACCOUNTING_KEYS
    for item in body["results"]:
        assert item["enabled"] is False
        assert item["sourceType"] == "Accounting"
        assert item["logoUrl"] == f"https://static.codat.io/public/platforms/{item['key']}.png"
        assert all("datatype" in f for f in item["datatypeFeatures"])
    assert emu.get("/integrations/credentials/gbol").json() == {}


def test_xero_has_its_real_values(emu):
    xero = emu.get("/integrations/gbol").json()
    assert xero["name"] == "Xero"
    assert xero["integrationId"] == "0f20c943-12d0-4800-9f6c-d218f62d494c"
    assert xero["sourceId"] == "8a156a5a-39cb-4f9d-856e-76ef9b9a9607"
    assert xero["logoUrl"] == "https://static.codat.io/public/platforms/gbol.png"


def test_ids_are_deterministic_and_distinct(emu, spawn_emulator):
    first = {i["key"]: (i["integrationId"], i["sourceId"]) for i in emu.get("/integrations").json()["results"]}
    other = spawn_emulator()
    second = {i["key"]: (i["integrationId"], i["sourceId"]) for i in other.get("/integrations").json()["results"]}
    assert first == second
    assert len({ids for ids in first.values()}) == len(first)


def test_paging_links(emu):
    page1 = emu.get("/integrations", params={"pageSize": 8}).json()
    assert page1["pageNumber"] == 1 and page1["pageSize"] == 8 and page1["totalResults"] == 20
    assert len(page1["results"]) == 8
    assert page1["_links"]["self"] == {"href": "/integrations"}
    assert page1["_links"]["current"] == {"href": "/integrations?page=1&pageSize=8"}
    assert page1["_links"]["next"] == {"href": "/integrations?page=2&pageSize=8"}
    assert "previous" not in page1["_links"]
    page3 = emu.get("/integrations", params={"page": 3, "pageSize": 8}).json()
    assert len(page3["results"]) == 4
    assert "next" not in page3["_links"]
    assert page3["_links"]["previous"] == {"href": "/integrations?page=2&pageSize=8"}
    keys = [i["key"] for p in (1, 2, 3)
            for i in emu.get("/integrations", params={"page": p, "pageSize": 8}).json()["results"]]
    assert sorted(keys) == sorted(ACCOUNTING_KEYS)
    beyond = emu.get("/integrations", params={"page": 9}).json()
    assert beyond["results"] == [] and beyond["totalResults"] == 20


def test_default_and_max_page_size(emu):
    assert emu.get("/integrations").json()["pageSize"] == 100
    assert emu.get("/integrations", params={"pageSize": 5000}).json()["pageSize"] == 5000


@pytest.mark.parametrize("params, item", [({"pageSize": 5001}, "pageSize"), ({"pageSize": 0}, "pageSize"),
                                          ({"pageSize": "ten"}, "pageSize"), ({"page": 0}, "page"),
                                          ({"page": "-1"}, "page")])
def test_bad_paging_is_400(emu, params, item):
    body = assert_error(emu.get("/integrations", params=params), 400)
    assert body["validation"]["errors"][0]["itemId"] == item


def test_query(emu):
    assert emu.put("/integrations/qhyg/enabled", json={"enabled": True}).status_code == 200
    assert emu.put("/integrations/gbol/enabled", json={"enabled": True}).status_code == 200

    def keys(query: str) -> set[str]:
        return {i["key"] for i in emu.get("/integrations", params={"query": query}).json()["results"]}

    assert keys("enabled=true") == {"qhyg", "gbol"}
    assert keys("enabled=false") == ACCOUNTING_KEYS - {"qhyg", "gbol"}
    assert keys("sourceType=Accounting") == ACCOUNTING_KEYS
    assert keys("enabled=true&&sourceType=Accounting") == {"qhyg", "gbol"}
    assert keys("enabled = true && sourceType = Accounting") == {"qhyg", "gbol"}
    assert keys("key=gbol") == {"gbol"}
    assert keys("key=gbol||key=akxx") == {"gbol", "akxx"}
    assert keys("{key=gbol||key=akxx}&&enabled=true") == {"gbol"}
    assert keys("name~QuickBooks") == {"qhyg", "ndsk", "pqsw"}
    assert keys("key!=gbol") == ACCOUNTING_KEYS - {"gbol"}
    assert keys("sourceType=Banking") == set()
    body = emu.get("/integrations", params={"query": "enabled=true", "pageSize": 1}).json()
    assert body["totalResults"] == 2
    assert body["_links"]["next"]["href"] == "/integrations?page=2&pageSize=1&query=enabled%3Dtrue"


@pytest.mark.parametrize("query", ["enabled", "enabled=", "=true", "enabled=true&&", "{enabled=true", "enabled==true",
                                   "enabled=maybe", "nosuchfield=1", "x" * 2048])
def test_malformed_query_is_400(emu, query):
    assert_error(emu.get("/integrations", params={"query": query}), 400, "Error parsing query")


def test_order_by(emu):
    names = [i["name"] for i in emu.get("/integrations", params={"orderBy": "name"}).json()["results"]]
    assert names == sorted(names, key=str.lower)
    names = [i["name"] for i in emu.get("/integrations", params={"orderBy": "-name"}).json()["results"]]
    assert names == sorted(names, key=str.lower, reverse=True)
    keys = [i["key"] for i in emu.get("/integrations", params={"orderBy": "-key", "pageSize": 2}).json()["results"]]
    assert keys == ["vxvy", "trji"]
    emu.put("/integrations/akxx/enabled", json={"enabled": True})
    first = emu.get("/integrations", params={"orderBy": "-enabled,key"}).json()["results"]
    assert first[0]["key"] == "akxx" and first[1]["key"] == "fbrh"
    assert_error(emu.get("/integrations", params={"orderBy": "colour"}), 400, "Error parsing orderBy")


def test_unknown_integration_is_404(emu):
    for path in ("/integrations/xxxx", "/integrations/xxxx/branding", "/integrations/credentials/xxxx"):
        assert_error(emu.get(path), 404, "No integration was found with key xxxx")
    assert_error(emu.put("/integrations/xxxx/enabled", json={"enabled": True}), 404,
                 "No integration was found with key xxxx")
    assert_error(emu.put("/integrations/credentials/xxxx", json={"clientId": "a"}), 404)


def test_branding(emu):
    branding = emu.get("/integrations/gbol/branding").json()
    assert branding["sourceId"] == "8a156a5a-39cb-4f9d-856e-76ef9b9a9607"
    for group, kinds in (("logo", ("full", "square")), ("button", ("default", "hover"))):
        for kind in kinds:
            image = branding[group][kind]["image"]
            assert image["src"].startswith("https://static.codat.io/public/") and image["alt"].startswith("xero")


def test_enable_toggle(emu):
    reply = emu.put("/integrations/gbol/enabled", json={"enabled": True})
    assert reply.status_code == 200 and reply.json()["enabled"] is True and reply.json()["key"] == "gbol"
    assert emu.get("/integrations/gbol").json()["enabled"] is True
    assert emu.put("/integrations/gbol/enabled", json={"enabled": False}).json()["enabled"] is False
    assert emu.get("/integrations/gbol").json()["enabled"] is False


@pytest.mark.parametrize("body", [{"enabled": "true"}, {"enabled": 1}, {}, {"enabled": None}, ["enabled"]])
def test_enable_toggle_needs_a_boolean(emu, body):
    body = assert_error(emu.put("/integrations/gbol/enabled", json=body), 400)
    assert body["validation"]["errors"]


def test_enable_toggle_needs_valid_json(emu):
    assert_error(emu.put("/integrations/gbol/enabled", content=b"{not json",
                         headers={"Content-Type": "application/json"}), 400)
    assert_error(emu.put("/integrations/gbol/enabled"), 400)


def test_credentials_are_masked(emu):
    client_id = "0A1B2C3D4E5F60718293A4B5C6D72a6b"  # 32 characters
    secret = "super-secret-value-1ad1"
    reply = emu.put("/integrations/credentials/gbol", json={"clientId": client_id, "clientSecret": secret})
    assert reply.status_code == 200
    expected = {"clientId": "X" * 28 + "2a6b", "clientSecret": "X" * (len(secret) - 4) + "1ad1"}
    assert reply.json() == expected
    assert emu.get("/integrations/credentials/gbol").json() == expected
    short = emu.put("/integrations/credentials/gbol", json={"a": "abcd", "b": "abc", "c": "", "d": "abcde"}).json()
    assert short == {"a": "XXXX", "b": "XXX", "c": "", "d": "Xbcde"}
    assert emu.get("/integrations/credentials/gbol").json() == short  # PUT replaces the whole map


def test_credentials_delete(emu):
    assert_error(emu.delete("/integrations/credentials/gbol"), 404)
    emu.put("/integrations/credentials/gbol", json={"clientId": "client-id-123456", "clientSecret": "secret-999999"})
    reply = emu.delete("/integrations/credentials/gbol")
    assert reply.status_code == 200
    assert reply.json() == {"clientId": "XXXXXXXXXXXX3456", "clientSecret": "XXXXXXXXX9999"}
    assert emu.get("/integrations/credentials/gbol").json() == {}
    assert_error(emu.delete("/integrations/credentials/gbol"), 404)


@pytest.mark.parametrize("body", [["clientId"], "clientId", {"clientId": 5}, {"clientId": None}, {"a": {"b": "c"}}, {}])
def test_credentials_must_be_a_string_map(emu, body):
    reply = emu.put("/integrations/credentials/gbol", json=body)
    assert assert_error(reply, 400)["validation"]["errors"]
    assert emu.get("/integrations/credentials/gbol").json() == {}


def test_credentials_never_leak_in_any_reply(emu):
    secret = "do-not-leak-this-secret-42"
    emu.put("/integrations/credentials/gbol", json={"clientId": "cid-0000", "clientSecret": secret})
    for path in ("/integrations", "/integrations/gbol", "/integrations/credentials/gbol", "/profile"):
        assert secret not in emu.get(path).text
