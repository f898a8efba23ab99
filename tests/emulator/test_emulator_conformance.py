"""Every reply shape, successes and errors, validated against Codat's own OpenAPI files.

The specs are read from `$CODAT_SPEC_DIR`, else `<repo>/../shared/reference/codat/` (or the same beside
the main checkout of a `git worktree`), never copied into the repo: `Codat-Platform.yaml`, and
`Codat-Partners.json` for the legacy credentials endpoints. Without them the tests skip, except with
CODAT_IAC_REQUIRE_SPEC=1 (set by .ci/run), which fails them with the fix.
`$ref`s are resolved by `referencing`; replies are checked with jsonschema (2020-12, the dialect of
OpenAPI 3.1) including formats such as uuid.

Where the spec and the contract disagree, the contract wins and the spec is adapted here:
- The spec mixes in OpenAPI 3.0's `nullable: true`, which JSON Schema ignores; it is turned into
  "or null" before validating (e.g. `validation: null` in errors, `createdByUserName: null`).
- Live-only Integration fields (`supportedEnvironments`, `linkedConnectionsCount`,
  `totalConnectionsCount`) and Company's `platform` are absent from the spec; the schemas have no
  `additionalProperties: false` there, so they pass (clients must ignore unknown fields).
- `dataTypeFeature` declares a `dataType` property but requires `datatype`; replies use `datatype`.
- `PagingInfo.pageSize` says maximum 2000 while the `pageSize` parameter allows 5000: replies are
  validated at the default size of 100.
- `PUT /integrations/{key}/enabled` is not in either spec; the contract says it returns the
  Integration, so it is validated against `Integration`.
- A status an operation does not list (405, 409 for a reused Idempotency-Key, 413, the 400s of
  `POST /profile/syncSettings` and of the CORS and supplemental-data writes) is validated against
  `ErrorMessage`, the shape the spec gives every error.
- `GET /integrations/{platformKey}/dataTypes/custom/{customDataIdentifier}` answers the configuration
  (`CustomDataTypeConfiguration`), as Codat's docs describe it ("returns the configuration of the
  specified custom data type"); the spec gives it `CustomDataTypeRecords`, the schema of the records
  endpoint, which a configuration could never match.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from emulator_support import REPO

PLATFORM_URI = "urn:codat:platform"
PARTNERS_URI = "urn:codat:partners"


SPEC_FILES = ("Codat-Platform.yaml", "Codat-Partners.json")


def _spec_dirs() -> list[Path]:
    """Where the specs may be: `$CODAT_SPEC_DIR` alone when set; else `shared/` beside the repo (CI's fresh
    clone), or beside the main checkout when the repo is a `git worktree` of it."""
    if os.environ.get("CODAT_SPEC_DIR"):
        return [Path(os.environ["CODAT_SPEC_DIR"])]
    tops = [REPO] + ([main] if (main := _main_checkout(REPO)) else [])
    return [top.parent / "shared" / "reference" / "codat" for top in tops]


def _main_checkout(repo: Path) -> Path | None:
    """A worktree's `.git` is a file naming its git folder, whose `commondir` leads to the main `.git`."""
    marker = repo / ".git"
    if not marker.is_file():
        return None
    text = marker.read_text().strip()
    git_dir = (repo / text.removeprefix("gitdir:").strip()).resolve()
    common = git_dir / "commondir"
    if not text.startswith("gitdir:") or not common.is_file():
        return None
    return (git_dir / common.read_text().strip()).resolve().parent


def _or_null(node):
    """OpenAPI 3.0 `nullable: true` as JSON Schema, keeping every node where `$ref` pointers expect it."""
    if isinstance(node, list):
        return [_or_null(v) for v in node]
    if not isinstance(node, dict):
        return node
    node = {k: _or_null(v) for k, v in node.items()}
    if node.pop("nullable", False) is not True:
        return node
    if isinstance(node.get("type"), str):
        node["type"] = [node["type"], "null"]
        if "enum" in node:
            node["enum"] = [*node["enum"], None]
        return node
    return {"anyOf": [node, {"type": "null"}]}


@pytest.fixture(scope="module")
def specs() -> dict:
    candidates = _spec_dirs()
    folder = next((c for c in candidates if all((c / name).is_file() for name in SPEC_FILES)), None)
    if folder is None:
        missing = (f"Codat's OpenAPI files ({', '.join(SPEC_FILES)}) are not in {' or '.join(map(str, candidates))}: "
                   "set CODAT_SPEC_DIR to the folder that holds them (shared/reference/codat beside the repo)")
        if os.environ.get("CODAT_IAC_REQUIRE_SPEC") == "1":  # set by .ci/run: CI must check conformance
            pytest.fail(missing, pytrace=False)
        pytest.skip(missing)
    platform, partners = (folder / name for name in SPEC_FILES)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader reads the 250 kB file 10x faster
    return {PLATFORM_URI: _or_null(yaml.load(platform.read_text(), Loader=loader)),
            PARTNERS_URI: _or_null(json.loads(partners.read_text()))}


@pytest.fixture(scope="module")
def registry(specs) -> Registry:
    return Registry().with_resources((uri, DRAFT202012.create_resource(doc)) for uri, doc in specs.items())


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


ERROR_MESSAGE = f"{PLATFORM_URI}#/components/schemas/ErrorMessage"  # the Partners file has no error schema
CUSTOM_DATA_TYPE = "/integrations/{platformKey}/dataTypes/custom/{customDataIdentifier}"


def _schema_ref(specs: dict, uri: str, template: str, method: str, status: int) -> str | None:
    """`$ref` to the reply schema the spec gives, following a response `$ref`; None when it gives no body."""
    operation = specs[uri]["paths"].get(template, {}).get(method.lower())
    response = operation["responses"].get(str(status)) if operation else None
    if response is None:
        return ERROR_MESSAGE if status >= 400 else None
    pointer = f"#/paths/{_escape(template)}/{method.lower()}/responses/{status}"
    if "content" not in response and "$ref" in response:
        pointer, response = response["$ref"], specs[uri]["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    if "content" not in response:
        return None
    return f"{uri}{pointer}/content/application~1json/schema"


class Recorder:
    """Makes calls through an emulator and remembers (spec, template, method, reply) for validation."""

    def __init__(self, emu):
        self.emu = emu
        self.seen: list[tuple[str, str, str, httpx.Response]] = []

    def __call__(self, method: str, template: str, path: str | None = None, spec: str = PLATFORM_URI,
                 client: httpx.Client | None = None, **kwargs) -> httpx.Response:
        reply = (client or self.emu.client).request(method, path or template, **kwargs)
        self.seen.append((spec, template, method, reply))
        return reply


def _exercise(emu) -> Recorder:
    call = Recorder(emu)
    anonymous = httpx.Client(base_url=emu.url)
    # Integrations
    call("GET", "/integrations")
    call("GET", "/integrations", params={"pageSize": 5, "page": 2})
    call("GET", "/integrations", params={"query": "enabled=maybe"})
    call("GET", "/integrations", client=anonymous)
    call("GET", "/integrations/{platformKey}", "/integrations/gbol")
    call("GET", "/integrations/{platformKey}", "/integrations/zzzz")
    call("GET", "/integrations/{platformKey}/branding", "/integrations/gbol/branding")
    call("GET", "/integrations/{platformKey}/branding", "/integrations/zzzz/branding")
    call("PUT", "/integrations/{platformKey}/enabled", "/integrations/gbol/enabled", json={"enabled": True})
    call("PUT", "/integrations/{platformKey}/enabled", "/integrations/gbol/enabled", json={"enabled": "yes"})
    # Legacy credentials (Partners spec)
    creds = "/integrations/credentials/{platformKey}"
    call("GET", creds, "/integrations/credentials/gbol", spec=PARTNERS_URI)
    call("PUT", creds, "/integrations/credentials/gbol", spec=PARTNERS_URI,
         json={"clientId": "a" * 32, "clientSecret": "b" * 40})
    call("GET", creds, "/integrations/credentials/gbol", spec=PARTNERS_URI)
    call("PUT", creds, "/integrations/credentials/gbol", spec=PARTNERS_URI, json={"clientId": 1})
    call("DELETE", creds, "/integrations/credentials/gbol", spec=PARTNERS_URI)
    call("DELETE", creds, "/integrations/credentials/gbol", spec=PARTNERS_URI)
    # Profile
    call("GET", "/profile")
    call("PUT", "/profile", json={"name": "Acme", "redirectUrl": "https://acme.example/{companyId}",
                                  "whiteListUrls": ["https://acme.example"]})
    call("PUT", "/profile", json={})
    # Sync settings
    client_id = call("GET", "/profile/syncSettings").json()["clientId"]
    call("POST", "/profile/syncSettings", json={"clientId": client_id, "overridesDefaults": True, "settings": [
        {"dataType": "invoices", "fetchOnFirstLink": True, "syncSchedule": 24, "syncOrder": 0,
         "syncFromUtc": "2024-01-01T01:00:00+01:00"},
        {"dataType": "balanceSheet", "fetchOnFirstLink": False, "syncSchedule": 720, "syncOrder": 1,
         "monthsToSync": 12},
        {"dataType": "banking-accounts", "fetchOnFirstLink": True, "syncSchedule": 1, "syncOrder": 2,
         "syncFromWindow": 6, "isLocked": True}]})
    call("GET", "/profile/syncSettings")
    call("POST", "/profile/syncSettings", json={"clientId": client_id, "overridesDefaults": True,
                                                "settings": [{"dataType": "invoice", "syncSchedule": 12}]})
    # CORS, on both paths
    for cors in ("/corsSettings", "/connectionManagement/corsSettings"):
        call("GET", cors)
        call("POST", cors, json={"allowedOrigins": ["https://www.bank-of-dave.com", "http://localhost:3000"]})
        call("POST", cors, json={"allowedOrigins": ["https://www.bank-of-dave.com/path"]})
    # Supplemental data
    supplemental = "/integrations/{platformKey}/dataTypes/{dataType}/supplementalDataConfig"
    call("GET", supplemental, "/integrations/gbol/dataTypes/invoices/supplementalDataConfig")
    call("PUT", supplemental, "/integrations/gbol/dataTypes/invoices/supplementalDataConfig", json={
        "supplementalDataConfig": {"orders-supplemental-data": {"dataSource": "/Invoices",
                                                                "pullData": {"orderNumber": "order_num"},
                                                                "pushData": {"orderNumber": "order_num"}}}})
    call("GET", supplemental, "/integrations/gbol/dataTypes/invoices/supplementalDataConfig")
    call("PUT", supplemental, "/integrations/gbol/dataTypes/invoices/supplementalDataConfig", json={})
    call("GET", supplemental, "/integrations/zzzz/dataTypes/invoices/supplementalDataConfig")
    call("GET", supplemental, "/integrations/gbol/dataTypes/payments/supplementalDataConfig")
    # Custom data types
    custom = "/integrations/{platformKey}/dataTypes/custom/{customDataIdentifier}"
    call("GET", custom, "/integrations/gbol/dataTypes/custom/xero-accounts")
    call("PUT", custom, "/integrations/gbol/dataTypes/custom/xero-accounts", json={
        "dataSource": "/api.xro/2.0/Accounts", "requiredData": {"code": "$.Code"}, "keyBy": ["$.AccountID"]})
    call("GET", custom, "/integrations/gbol/dataTypes/custom/xero-accounts")
    call("PUT", custom, "/integrations/gbol/dataTypes/custom/DynamicsPurchaseOrders", json={
        "dataSource": "api/purchaseOrders", "requiredData": {"number": "$[*].number"}, "keyBy": ["$[*].id"],
        "sourceModifiedDate": ["$[*].lastModifiedDateTime"]})
    call("PUT", custom, "/integrations/gbol/dataTypes/custom/xero-accounts", json={"keyBy": []})
    call("PUT", custom, "/integrations/zzzz/dataTypes/custom/xero-accounts", json={})
    # Webhooks
    consumer = call("POST", "/webhooks", json={"url": "https://example.com/h", "eventTypes": ["DataSyncCompleted"],
                                               "companyTags": ["region:uk"]}).json()
    call("POST", "/webhooks", json={"url": "https://example.com/plain"})
    call("POST", "/webhooks", json={"url": "nope"})
    call("POST", "/webhooks", json={"url": "https://example.com/x"}, headers={"Idempotency-Key": "c1"})
    call("POST", "/webhooks", json={"url": "https://example.com/y"}, headers={"Idempotency-Key": "c1"})
    call("GET", "/webhooks")
    call("DELETE", "/webhooks/{webhookId}", f"/webhooks/{consumer['id']}")
    call("DELETE", "/webhooks/{webhookId}", f"/webhooks/{uuid.uuid4()}")
    # Companies and connections
    company = call("POST", "/companies", json={"name": "Technicalium", "tags": {"region": "uk"}}).json()
    call("POST", "/companies", json={"name": "Plain"})
    call("POST", "/companies", json={"description": "no name"})
    call("GET", "/companies")
    call("GET", "/companies", params={"query": "(((", "orderBy": "name"})
    call("GET", "/companies/{companyId}", f"/companies/{company['id']}")
    call("GET", "/companies/{companyId}", f"/companies/{uuid.uuid4()}")
    base = f"/companies/{company['id']}/connections"
    connection = call("POST", "/companies/{companyId}/connections", base, json={"platformKey": "gbol"}).json()
    call("GET", "/companies/{companyId}/connections", base)
    call("GET", "/companies/{companyId}/connections", f"/companies/{uuid.uuid4()}/connections")
    one = "/companies/{companyId}/connections/{connectionId}"
    call("GET", one, f"{base}/{connection['id']}")
    call("PATCH", one, f"{base}/{connection['id']}", json={"status": "Unlinked"})
    call("GET", "/companies/{companyId}", f"/companies/{company['id']}")  # now with a connection
    call("GET", "/companies", params={"pageSize": 1})
    call("DELETE", one, f"{base}/{connection['id']}")
    call("GET", one, f"{base}/{connection['id']}")
    call("DELETE", "/companies/{companyId}", f"/companies/{company['id']}")
    # API keys
    key = call("POST", "/apiKeys", json={"name": "second"}).json()
    call("POST", "/apiKeys")
    call("POST", "/apiKeys", json={"name": "n" * 51})
    for n in range(7):
        emu.post("/apiKeys", json={"name": f"filler{n}"})
    call("POST", "/apiKeys", json={"name": "eleventh"})  # 409
    call("GET", "/apiKeys")
    call("DELETE", "/apiKeys/{apiKeyId}", f"/apiKeys/{key['id']}")
    call("DELETE", "/apiKeys/{apiKeyId}", f"/apiKeys/{key['id']}")
    # Envelope errors
    call("POST", "/integrations/{platformKey}", "/integrations/gbol", json={})  # 405
    emu.post("/_emulator/faults", json={"kind": "rate-limit", "count": 1})
    call("GET", "/integrations")  # 429
    emu.post("/_emulator/faults", json={"kind": "error", "status": 500, "count": 1})
    call("GET", "/profile")
    emu.post("/_emulator/faults", json={"kind": "error", "status": 503, "count": 1})
    call("GET", "/webhooks")
    anonymous.close()
    return call


def test_every_reply_matches_codat_openapi(emu, specs, registry):
    call = _exercise(emu)
    problems, statuses = [], set()
    for uri, template, method, reply in call.seen:
        statuses.add(reply.status_code)
        # 204 never has a body (the spec's `DELETE /apiKeys/{id}` 204 wrongly `$ref`s the 429 response).
        ref = None if reply.status_code == 204 else _schema_ref(specs, uri, template, method, reply.status_code)
        if template == "/integrations/{platformKey}/enabled" and reply.status_code == 200:
            ref = f"{PLATFORM_URI}#/components/schemas/Integration"  # not in the spec: the contract's reply
        if template == CUSTOM_DATA_TYPE and method == "GET" and reply.status_code == 200:
            ref = f"{PLATFORM_URI}#/components/schemas/CustomDataTypeConfiguration"  # the docs' reply, not the spec's
        where = f"{method} {reply.request.url.raw_path.decode()} -> {reply.status_code}"
        if ref is None:
            if reply.content:
                problems.append(f"{where}: the spec gives no body, got {reply.text[:200]}")
            continue
        validator = Draft202012Validator({"$ref": ref}, registry=registry, format_checker=FormatChecker())
        for error in validator.iter_errors(reply.json()):
            problems.append(f"{where}: {error.message} at {list(error.absolute_path)}")
    assert problems == []
    assert {200, 201, 204, 400, 401, 404, 405, 409, 429, 500, 503} <= statuses


def test_spec_operations_the_emulator_serves_are_all_exercised(emu, specs):
    """Guard: an endpoint added to the emulator and the spec must be added to the exercise above."""
    served = {("GET", "/integrations"), ("GET", "/integrations/{platformKey}"),
              ("GET", "/integrations/{platformKey}/branding"),
              ("GET", "/profile"), ("PUT", "/profile"), ("GET", "/webhooks"), ("POST", "/webhooks"),
              ("DELETE", "/webhooks/{webhookId}"), ("GET", "/companies"), ("POST", "/companies"),
              ("GET", "/companies/{companyId}"), ("DELETE", "/companies/{companyId}"),
              ("GET", "/companies/{companyId}/connections"), ("POST", "/companies/{companyId}/connections"),
              ("GET", "/companies/{companyId}/connections/{connectionId}"),
              ("PATCH", "/companies/{companyId}/connections/{connectionId}"),
              ("DELETE", "/companies/{companyId}/connections/{connectionId}"),
              ("GET", "/apiKeys"), ("POST", "/apiKeys"), ("DELETE", "/apiKeys/{apiKeyId}"),
              ("GET", "/profile/syncSettings"), ("POST", "/profile/syncSettings"),
              ("GET", "/corsSettings"), ("POST", "/corsSettings"),
              ("GET", "/connectionManagement/corsSettings"), ("POST", "/connectionManagement/corsSettings"),
              ("GET", "/integrations/{platformKey}/dataTypes/{dataType}/supplementalDataConfig"),
              ("PUT", "/integrations/{platformKey}/dataTypes/{dataType}/supplementalDataConfig"),
              ("GET", CUSTOM_DATA_TYPE), ("PUT", CUSTOM_DATA_TYPE)}
    for method, template in served:
        assert method.lower() in specs[PLATFORM_URI]["paths"][template], (method, template)
    exercised = {(method, template) for _, template, method, _ in _exercise(emu).seen}
    assert served <= exercised


@pytest.mark.parametrize("required, outcome, code", [("1", "1 error", 1), ("", "1 skipped", 0)])
def test_a_missing_spec_fails_under_ci_and_skips_elsewhere(tmp_path, required, outcome, code):
    """CI (CODAT_IAC_REQUIRE_SPEC=1) must not pass by skipping the conformance check; the message says the fix."""
    env = {**os.environ, "CODAT_SPEC_DIR": str(tmp_path), "CODAT_IAC_REQUIRE_SPEC": required}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfs",
                           f"{__file__}::test_spec_operations_the_emulator_serves_are_all_exercised"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert outcome in done.stdout and done.returncode == code, done.stdout + done.stderr
    assert f"are not in {tmp_path}: set CODAT_SPEC_DIR" in done.stdout
