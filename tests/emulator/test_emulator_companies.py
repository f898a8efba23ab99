"""Companies and their connections, including what the Portal CLI adds."""

from __future__ import annotations

import uuid

import pytest

from emulator_support import assert_error


def test_create_get_list_delete_company(emu):
    reply = emu.post("/companies", json={"name": "Technicalium", "description": "Web design"})
    assert reply.status_code == 200
    company = reply.json()
    uuid.UUID(company["id"])
    assert company["name"] == "Technicalium" and company["description"] == "Web design"
    assert company["redirect"] == f"https://link.codat.io/company/{company['id']}"
    assert company["dataConnections"] == [] and company["created"].endswith("Z")
    assert emu.get(f"/companies/{company['id']}").json() == company
    listed = emu.get("/companies").json()
    assert listed["totalResults"] == 1 and listed["results"] == [company]
    assert emu.delete(f"/companies/{company['id']}").status_code == 204
    assert_error(emu.get(f"/companies/{company['id']}"), 404, f"No company was found with ID {company['id']}")


def test_company_name_drops_forbidden_characters(emu):
    assert emu.post("/companies", json={"name": "Company (Codat[1])"}).json()["name"] == "Company Codat1"
    assert_error(emu.post("/companies", json={"name": "()[]"}), 400)
    refused = assert_error(emu.post("/companies", json={"description": "no name"}), 400)
    assert refused["validation"]["errors"][0]["itemId"] == "name"


def test_company_paging_query_and_tags(emu):
    for name in ("Alpha", "Bravo", "Charlie"):
        emu.post("/companies", json={"name": name, "tags": {"region": "uk" if name != "Bravo" else "us"}})
    page = emu.get("/companies", params={"pageSize": 2, "orderBy": "-name"}).json()
    assert [c["name"] for c in page["results"]] == ["Charlie", "Bravo"] and "next" in page["_links"]
    found = emu.get("/companies", params={"query": "tags.region=uk", "orderBy": "name"}).json()["results"]
    assert [c["name"] for c in found] == ["Alpha", "Charlie"]
    assert [c["name"] for c in emu.get("/companies", params={"query": "name~rav"}).json()["results"]] == ["Bravo"]


def test_connections(emu):
    company = emu.post("/companies", json={"name": "Toft stores"}).json()
    reply = emu.post(f"/companies/{company['id']}/connections", json={"platformKey": "gbol"})
    assert reply.status_code == 200
    connection = reply.json()
    assert connection["integrationKey"] == "gbol" and connection["status"] == "PendingAuth"
    assert connection["integrationId"] == "0f20c943-12d0-4800-9f6c-d218f62d494c"
    assert connection["sourceId"] == "8a156a5a-39cb-4f9d-856e-76ef9b9a9607"
    assert connection["platformName"] == "Xero" and connection["sourceType"] == "Accounting"
    assert connection["linkUrl"] == f"https://link-api.codat.io/companies/{company['id']}/connections/{connection['id']}/start"
    listed = emu.get(f"/companies/{company['id']}/connections").json()
    assert listed["results"] == [connection]
    assert listed["_links"]["self"]["href"] == f"/companies/{company['id']}/connections"
    assert emu.get(f"/companies/{company['id']}").json()["dataConnections"] == [connection]

    patched = emu.patch(f"/companies/{company['id']}/connections/{connection['id']}", json={"status": "Linked"})
    assert patched.status_code == 200 and patched.json()["status"] == "Linked"
    assert emu.get(f"/companies/{company['id']}/connections/{connection['id']}").json()["status"] == "Linked"
    assert emu.get("/integrations/gbol").json()["linkedConnectionsCount"] == 1
    emu.patch(f"/companies/{company['id']}/connections/{connection['id']}", json={"status": "Unlinked"})
    xero = emu.get("/integrations/gbol").json()
    assert xero["linkedConnectionsCount"] == 0 and xero["totalConnectionsCount"] == 1
    assert emu.delete(f"/companies/{company['id']}/connections/{connection['id']}").status_code == 200
    assert_error(emu.get(f"/companies/{company['id']}/connections/{connection['id']}"), 404, "Data connection")


def test_connection_errors(emu):
    missing = str(uuid.uuid4())
    assert_error(emu.get(f"/companies/{missing}/connections"), 404, "No company was found")
    assert_error(emu.post(f"/companies/{missing}/connections", json={"platformKey": "gbol"}), 404)
    company = emu.post("/companies", json={"name": "Acme"}).json()
    assert_error(emu.post(f"/companies/{company['id']}/connections", json={"platformKey": "zzzz"}), 404,
                 "No integration was found with key zzzz")
    assert_error(emu.post(f"/companies/{company['id']}/connections", json={}), 400)
    connection = emu.post(f"/companies/{company['id']}/connections", json={"platformKey": "qhyg"}).json()
    path = f"/companies/{company['id']}/connections/{connection['id']}"
    assert_error(emu.patch(path, json={"status": "Broken"}), 400)
    assert_error(emu.patch(path, json={"status": "Linked", "extra": 1}), 400)
    assert_error(emu.patch(f"/companies/{company['id']}/connections/{missing}", json={"status": "Linked"}), 404)
    assert emu.patch(path, json={"status": None}).json()["status"] == "PendingAuth"


def test_connection_patch_idempotency(emu):
    company = emu.post("/companies", json={"name": "Acme"}).json()
    connection = emu.post(f"/companies/{company['id']}/connections", json={"platformKey": "gbol"}).json()
    path = f"/companies/{company['id']}/connections/{connection['id']}"
    headers = {"Idempotency-Key": "patch-1"}
    first = emu.patch(path, json={"status": "Linked"}, headers=headers)
    emu.cli("portal", "set-connection-status", company["id"], connection["id"], "Deauthorized")
    replay = emu.patch(path, json={"status": "Linked"}, headers=headers)
    assert replay.json() == first.json() and replay.headers.get("Idempotent-Replayed") == "true"
    assert emu.get(path).json()["status"] == "Deauthorized"  # the replay did not act again


def test_company_creation_idempotency(emu):
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    first = emu.post("/companies", json={"name": "Once"}, headers=headers).json()
    second = emu.post("/companies", json={"name": "Once"}, headers=headers).json()
    assert first == second and emu.get("/companies").json()["totalResults"] == 1


@pytest.mark.parametrize("status", ["Linked", "PendingAuth", "Unlinked", "Deauthorized"])
def test_portal_add_company(emu, status):
    done = emu.cli("portal", "add-company", "Portal Co", "--platform", "gbol", "--status", status)
    assert done.returncode == 0, done.stderr
    company_id, connection_id = done.stdout.split()
    company = emu.get(f"/companies/{company_id}").json()
    assert company["name"] == "Portal Co"
    assert company["dataConnections"][0]["id"] == connection_id
    assert company["dataConnections"][0]["status"] == status
