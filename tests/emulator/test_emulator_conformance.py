"""Every reply shape, successes and errors, validated against Codat's own OpenAPI files.

The specs are read from `<repo>/../shared/reference/codat/` or `$CODAT_SPEC_DIR` (never copied into
the repo): `Codat-Platform.yaml`, and `Codat-Partners.json` for the legacy credentials endpoints.
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
- A status an operation does not list (405, 409 for a reused Idempotency-Key, 413) is validated
  against `ErrorMessage`, the shape the spec gives every error.
"""

from __future__ import annotations

import json
import os
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


def _spec_dir() -> Path:
    return Path(os.environ.get("CODAT_SPEC_DIR") or REPO.parent / "shared" / "reference" / "codat")


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
    folder = _spec_dir()
    platform, partners = folder / "Codat-Platform.yaml", folder / "Codat-Partners.json"
    if not (platform.is_file() and partners.is_file()):
        pytest.skip(f"Codat's OpenAPI files are not in {folder} (set CODAT_SPEC_DIR to check conformance)")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader reads the 250 kB file 10x faster
    return {PLATFORM_URI: _or_null(yaml.load(platform.read_text(), Loader=loader)),
            PARTNERS_URI: _or_null(json.loads(partners.read_text()))}


@pytest.fixture(scope="module")
def registry(specs) -> Registry:
    return Registry().with_resources((uri, DRAFT202012.create_resource(doc)) for uri, doc in specs.items())


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


ERROR_MESSAGE = f"{PLATFORM_URI}#/components/schemas/ErrorMessage"  # the Partners file has no error schema


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
    call("PUT", creds, "/integrations/credentials/gbol", spec=PARTNERS_URI, json={"clientId": "a" * 32, "clientSecret": "b" * 40})
    call("GET", creds, "/integrations/credentials/gbol", spec=PARTNERS_URI)
    call("PUT", creds, "/integrations/credentials/gbol", spec=PARTNERS_URI, json={"clientId": 1})
    call("DELETE", creds, "/integrations/credentials/gbol", spec=PARTNERS_URI)
    call("DELETE", creds, "/integrations/credentials/gbol", spec=PARTNERS_URI)
    # Profile
    call("GET", "/profile")
    call("PUT", "/profile", json={"name": "Acme", "redirectUrl": "https://acme.example/{companyId}",
                                  "whiteListUrls": ["https://acme.example"]})
    call("PUT", "/profile", json={})
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
    served = {("GET", "/integrations"), ("GET", "/integrations/{platformKey}"), ("GET", "/integrations/{platformKey}/branding"),
              ("GET", "/profile"), ("PUT", "/profile"), ("GET", "/webhooks"), ("POST", "/webhooks"),
              ("DELETE", "/webhooks/{webhookId}"), ("GET", "/companies"), ("POST", "/companies"),
              ("GET", "/companies/{companyId}"), ("DELETE", "/companies/{companyId}"),
              ("GET", "/companies/{companyId}/connections"), ("POST", "/companies/{companyId}/connections"),
              ("GET", "/companies/{companyId}/connections/{connectionId}"),
              ("PATCH", "/companies/{companyId}/connections/{connectionId}"),
              ("DELETE", "/companies/{companyId}/connections/{connectionId}"),
              ("GET", "/apiKeys"), ("POST", "/apiKeys"), ("DELETE", "/apiKeys/{apiKeyId}")}
    for method, template in served:
        assert method.lower() in specs[PLATFORM_URI]["paths"][template], (method, template)
    exercised = {(method, template) for _, template, method, _ in _exercise(emu).seen}
    assert served <= exercised
