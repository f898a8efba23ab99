"""Codat's API surface: routing, request validation and the handlers, over the durable store.

Transport-free on purpose (a Request in, a Reply out) so the HTTP layer stays about sockets, auth,
quotas and faults. A GET works on a lock-free snapshot; any other method runs inside one store
transaction, so a handler that raises ApiError leaves nothing half-saved, and `Idempotency-Key`
(honoured on POST and PATCH only, as Codat documents) is checked and recorded in that same
transaction: a retried request is answered from the record, never carried out twice.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import string
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import unquote, urlsplit

from . import configuration, resources, seed, sync_settings
from .errors import ApiError, issue, validation_error
from .paging import list_reply
from .store import Store

MAX_WEBHOOKS = 50
MAX_API_KEYS = 10
IDEMPOTENCY_TTL = 24 * 3600
IDEMPOTENCY_MAX = 1000


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str]  # query parameters, lower-cased names
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names

    def json(self) -> Any:
        if not self.body.strip():
            raise ApiError(400, "A request body is required.")
        try:
            return json.loads(self.body)
        except ValueError:
            raise ApiError(400, "The request body is not valid JSON.") from None


@dataclass
class Reply:
    status: int
    body: Any = None  # None: no body
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[dict, Request, dict], Reply]


def _object_body(req: Request) -> dict:
    body = req.json()
    if not isinstance(body, dict):
        raise validation_error([issue("body", "The request body must be a JSON object.", "Type")])
    return body


def _is_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


# --- integrations -----------------------------------------------------------------------------

def list_integrations(state: dict, req: Request, p: dict) -> Reply:
    return Reply(200, list_reply(resources.integration_views(state), req.params, "/integrations",
                                 resources.INTEGRATION_FIELDS, "Integration"))


def get_integration(state: dict, req: Request, p: dict) -> Reply:
    return Reply(200, resources.integration_view(state, p["platformKey"]))


def get_branding(state: dict, req: Request, p: dict) -> Reply:
    resources.require_integration(p["platformKey"])
    return Reply(200, seed.branding(p["platformKey"]))


def put_enabled(state: dict, req: Request, p: dict) -> Reply:
    resources.require_integration(p["platformKey"])
    body = _object_body(req)
    if not isinstance(body.get("enabled"), bool):
        raise validation_error([issue("enabled", "The enabled field is required and must be true or false.",
                                      "Required")])
    return Reply(200, resources.set_enabled(state, p["platformKey"], body["enabled"]))


def get_credentials(state: dict, req: Request, p: dict) -> Reply:
    return Reply(200, resources.get_credentials(state, p["platformKey"]))


def put_credentials(state: dict, req: Request, p: dict) -> Reply:
    resources.require_integration(p["platformKey"])
    body = _object_body(req)
    issues = [issue(k, f"The value of {k} must be a string.", "Type")
              for k, v in body.items() if not isinstance(v, str)]
    if not body:
        issues.append(issue("body", "At least one credential is required.", "Required"))
    if issues:
        raise validation_error(issues)
    return Reply(200, resources.set_credentials(state, p["platformKey"], body))


def delete_credentials(state: dict, req: Request, p: dict) -> Reply:
    return Reply(200, resources.delete_credentials(state, p["platformKey"]))


# --- profile ----------------------------------------------------------------------------------

def get_profile(state: dict, req: Request, p: dict) -> Reply:
    return Reply(200, state["profile"])


def put_profile(state: dict, req: Request, p: dict) -> Reply:
    """PUT replaces the whole object: an omitted optional field goes back to its empty value."""
    return Reply(200, replace_profile(state, _object_body(req)))


def replace_profile(state: dict, body: dict) -> dict:
    """The profile `body` describes, checked as PUT /profile checks it, saved and returned (the Portal saves the
    same way)."""
    issues = []
    for name, label in (("name", "Name"), ("redirectUrl", "RedirectUrl")):
        if not isinstance(body.get(name), str) or not body[name].strip():
            issues.append(issue(name, f"The {label} field is required.", "Required"))
    for name in ("logoUrl", "iconUrl"):
        if body.get(name) is not None and not isinstance(body[name], str):
            issues.append(issue(name, f"The {name} field must be a string.", "Type"))
    urls = body.get("whiteListUrls")
    if urls is not None:
        if not isinstance(urls, list):
            issues.append(issue("whiteListUrls", "The whiteListUrls field must be a list of URLs.", "Type"))
        else:
            issues += [issue(f"whiteListUrls[{i}]", f"'{u}' is not an absolute http(s) URL.", "Url")
                       for i, u in enumerate(urls) if not _is_url(u)]
    if body.get("confirmCompanyName") is not None and not isinstance(body["confirmCompanyName"], bool):
        issues.append(issue("confirmCompanyName", "The confirmCompanyName field must be true or false.", "Type"))
    if issues:
        raise validation_error(issues)
    state["profile"] = {
        "name": body["name"],
        "logoUrl": body.get("logoUrl") or "",
        "iconUrl": body.get("iconUrl") or "",
        "redirectUrl": body["redirectUrl"],
        "whiteListUrls": list(urls or []),
        "confirmCompanyName": bool(body.get("confirmCompanyName")),
    }
    return state["profile"]


# --- instance configuration (rules in `sync_settings` and `configuration`) ----------------------

def get_sync_settings(state: dict, req: Request, p: dict) -> Reply:
    return Reply(200, sync_settings.sync_settings(state))


def post_sync_settings(state: dict, req: Request, p: dict) -> Reply:
    sync_settings.set_sync_settings(state, _object_body(req))
    return Reply(204)


def get_cors_settings(state: dict, req: Request, p: dict) -> Reply:
    return Reply(200, configuration.cors_settings(state))


def post_cors_settings(state: dict, req: Request, p: dict) -> Reply:
    return Reply(200, configuration.set_cors_settings(state, _object_body(req)))


def get_supplemental_data(state: dict, req: Request, p: dict) -> Reply:
    return Reply(200, configuration.supplemental_data(state, p["platformKey"], p["dataType"]))


def put_supplemental_data(state: dict, req: Request, p: dict) -> Reply:
    # The spec's 200 for this PUT has no body.
    configuration.set_supplemental_data(state, p["platformKey"], p["dataType"], _object_body(req))
    return Reply(200)


def get_custom_data_type(state: dict, req: Request, p: dict) -> Reply:
    return Reply(200, configuration.custom_data_type(state, p["platformKey"], p["customDataIdentifier"]))


def put_custom_data_type(state: dict, req: Request, p: dict) -> Reply:
    return Reply(200, configuration.set_custom_data_type(state, p["platformKey"], p["customDataIdentifier"],
                                                         _object_body(req)))


# --- webhooks ---------------------------------------------------------------------------------

def list_webhooks(state: dict, req: Request, p: dict) -> Reply:
    # The spec's `webhookConsumers` is `{results}` only (at most 50), not a paged reply.
    return Reply(200, {"results": state["webhooks"]})


def create_webhook(state: dict, req: Request, p: dict) -> Reply:
    body = _object_body(req)
    issues = []
    if not _is_url(body.get("url")):
        issues.append(issue("url", "The url field is required and must be an absolute http(s) URL.", "Url"))
    events = body.get("eventTypes", [])
    if not isinstance(events, list) or not all(isinstance(e, str) and e for e in events):
        issues.append(issue("eventTypes", "The eventTypes field must be a list of event type names.", "Type"))
    if body.get("disabled") is not None and not isinstance(body["disabled"], bool):
        issues.append(issue("disabled", "The disabled field must be true or false.", "Type"))
    tags = body.get("companyTags")
    if tags is not None and (not isinstance(tags, list) or len(tags) > 10
                             or not all(isinstance(t, str) and 0 < len(t) <= 128 for t in tags)):
        issues.append(issue("companyTags", "The companyTags field must be at most 10 tags of 1 to 128 characters.",
                            "Type"))
    if issues:
        raise validation_error(issues)
    if len(state["webhooks"]) >= MAX_WEBHOOKS:
        raise ApiError(400, f"The number of webhook consumers you can create is limited to {MAX_WEBHOOKS}. "
                            "Delete an unused consumer and try again.")
    consumer = {"id": str(uuid.uuid4()), "url": body["url"], "disabled": bool(body.get("disabled")),
                "eventTypes": list(events), "companyTags": list(tags) if tags is not None else None}
    state["webhooks"].append(consumer)
    return Reply(201, consumer)


def delete_webhook(state: dict, req: Request, p: dict) -> Reply:
    before = len(state["webhooks"])
    state["webhooks"] = [w for w in state["webhooks"] if w["id"] != p["webhookId"]]
    if len(state["webhooks"]) == before:
        raise ApiError(404, f"Webhook consumer {p['webhookId']} not found")
    return Reply(204)


# --- companies and connections ----------------------------------------------------------------

def list_companies(state: dict, req: Request, p: dict) -> Reply:
    views = [resources.company_view(c) for c in state["companies"]]
    return Reply(200, list_reply(views, req.params, "/companies", resources.COMPANY_FIELDS, "Company"))


def create_company(state: dict, req: Request, p: dict) -> Reply:
    body = _object_body(req)
    issues = []
    if not isinstance(body.get("name"), str) or not body["name"].strip():
        issues.append(issue("name", "The Name field is required.", "Required"))
    if body.get("description") is not None and not isinstance(body["description"], str):
        issues.append(issue("description", "The description field must be a string.", "Type"))
    tags = body.get("tags")
    if tags is not None and (not isinstance(tags, dict) or len(tags) > 10 or not all(
            isinstance(v, str) and 0 < len(k) <= 27 and len(v) <= 100 for k, v in tags.items())):
        issues.append(issue("tags", "The tags field must be at most 10 string values (names up to 27, values up "
                                    "to 100 characters).", "Type"))
    if issues:
        raise validation_error(issues)
    company = resources.new_company(state, body["name"], body.get("description") or "", tags)
    return Reply(200, resources.company_view(company))


def get_company(state: dict, req: Request, p: dict) -> Reply:
    return Reply(200, resources.company_view(resources.find_company(state, p["companyId"])))


def delete_company(state: dict, req: Request, p: dict) -> Reply:
    company = resources.find_company(state, p["companyId"])
    state["companies"].remove(company)
    return Reply(204)


def list_connections(state: dict, req: Request, p: dict) -> Reply:
    company = resources.find_company(state, p["companyId"])
    return Reply(200, list_reply([dict(c) for c in company["dataConnections"]], req.params,
                                 f"/companies/{company['id']}/connections", resources.CONNECTION_FIELDS, "Connection"))


def create_connection(state: dict, req: Request, p: dict) -> Reply:
    company = resources.find_company(state, p["companyId"])
    body = _object_body(req)
    key = body.get("platformKey")
    if not isinstance(key, str) or not re.fullmatch(r"[a-z]{4}", key):
        raise validation_error([issue("platformKey", "The platformKey field is required: a 4-letter platform key.",
                                      "Required")])
    return Reply(200, resources.new_connection(company, key))


def get_connection(state: dict, req: Request, p: dict) -> Reply:
    company = resources.find_company(state, p["companyId"])
    return Reply(200, resources.find_connection(company, p["connectionId"]))


def patch_connection(state: dict, req: Request, p: dict) -> Reply:
    company = resources.find_company(state, p["companyId"])
    connection = resources.find_connection(company, p["connectionId"])
    body = _object_body(req)
    # `UpdateConnectionStatus` has additionalProperties:false and a nullable status enum.
    issues = [issue(k, f"{k} is not a field of the request.", "AdditionalProperties") for k in body if k != "status"]
    status = body.get("status")
    if status is not None and status not in resources.CONNECTION_STATUSES:
        issues.append(issue("status", f"status must be one of {', '.join(resources.CONNECTION_STATUSES)}.", "Enum"))
    if issues:
        raise validation_error(issues)
    if status is not None:
        connection["status"] = status
    return Reply(200, connection)


def delete_connection(state: dict, req: Request, p: dict) -> Reply:
    company = resources.find_company(state, p["companyId"])
    company["dataConnections"].remove(resources.find_connection(company, p["connectionId"]))
    return Reply(200)


# --- API keys ---------------------------------------------------------------------------------

def _key_view(entry: dict) -> dict:
    view = {"id": entry["id"]}
    if entry.get("name") is not None:
        view["name"] = entry["name"]
    view.update(apiKey=entry["apiKey"], createdDate=entry["createdDate"])
    return view


def list_api_keys(state: dict, req: Request, p: dict) -> Reply:
    return Reply(200, {"results": [_key_view(k) for k in state["apiKeys"]]})


def create_api_key(state: dict, req: Request, p: dict) -> Reply:
    body = _object_body(req) if req.body.strip() else {}
    name = body.get("name")
    if name is not None and not isinstance(name, str):
        raise validation_error([issue("name", "The name field must be a string.", "Type")])
    if name is not None and len(name) > 50:
        raise validation_error([issue("name", "Max string length (50) for `name` reached.", "MaxLength")])
    if len(state["apiKeys"]) >= MAX_API_KEYS:
        raise ApiError(409, "Maximum number of API keys reached. To create a new API key, delete an unused key and "
                            "try again.")
    alphabet = string.ascii_letters + string.digits
    entry = {"id": str(uuid.uuid4()), "name": name, "apiKey": "".join(secrets.choice(alphabet) for _ in range(40)),
             "createdDate": resources.now()}
    state["apiKeys"].append(entry)
    return Reply(201, _key_view(entry))


def delete_api_key(state: dict, req: Request, p: dict) -> Reply:
    before = len(state["apiKeys"])
    state["apiKeys"] = [k for k in state["apiKeys"] if k["id"] != p["apiKeyId"]]
    if len(state["apiKeys"]) == before:
        raise ApiError(404, f"API key {p['apiKeyId']} not found")
    return Reply(204)


# --- routing ----------------------------------------------------------------------------------

_ROUTE_TABLE: list[tuple[str, dict[str, Handler]]] = [
    ("/integrations", {"GET": list_integrations}),
    # Before /integrations/{platformKey}/...: "credentials" is not a platform key.
    ("/integrations/credentials/{platformKey}", {"GET": get_credentials, "PUT": put_credentials,
                                                 "DELETE": delete_credentials}),
    ("/integrations/{platformKey}", {"GET": get_integration}),
    ("/integrations/{platformKey}/branding", {"GET": get_branding}),
    ("/integrations/{platformKey}/enabled", {"PUT": put_enabled}),
    # Before the supplemental-data route: `custom` is not a data type.
    ("/integrations/{platformKey}/dataTypes/custom/{customDataIdentifier}", {"GET": get_custom_data_type,
                                                                            "PUT": put_custom_data_type}),
    ("/integrations/{platformKey}/dataTypes/{dataType}/supplementalDataConfig", {"GET": get_supplemental_data,
                                                                                 "PUT": put_supplemental_data}),
    ("/profile", {"GET": get_profile, "PUT": put_profile}),
    ("/profile/syncSettings", {"GET": get_sync_settings, "POST": post_sync_settings}),
    ("/corsSettings", {"GET": get_cors_settings, "POST": post_cors_settings}),
    # The older path Codat's official Python SDK still calls: the same list.
    ("/connectionManagement/corsSettings", {"GET": get_cors_settings, "POST": post_cors_settings}),
    ("/webhooks", {"GET": list_webhooks, "POST": create_webhook}),
    ("/webhooks/{webhookId}", {"DELETE": delete_webhook}),
    ("/companies", {"GET": list_companies, "POST": create_company}),
    ("/companies/{companyId}", {"GET": get_company, "DELETE": delete_company}),
    ("/companies/{companyId}/connections", {"GET": list_connections, "POST": create_connection}),
    ("/companies/{companyId}/connections/{connectionId}", {"GET": get_connection, "PATCH": patch_connection,
                                                           "DELETE": delete_connection}),
    ("/apiKeys", {"GET": list_api_keys, "POST": create_api_key}),
    ("/apiKeys/{apiKeyId}", {"DELETE": delete_api_key}),
]


def _compile(template: str) -> re.Pattern:
    pattern = re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile(pattern + r"/?", re.IGNORECASE)  # ASP.NET routes ignore case and a trailing slash


ROUTES = [(_compile(template), methods) for template, methods in _ROUTE_TABLE]


def resolve(method: str, path: str) -> tuple[Handler, dict]:
    """(handler, path parameters); 404 for unknown paths, 405 for a wrong method."""
    allowed: list[str] = []
    for pattern, methods in ROUTES:
        m = pattern.fullmatch(path)
        if not m:
            continue
        if method in methods:
            return methods[method], {k: unquote(v) for k, v in m.groupdict().items()}
        allowed += [x for x in methods if x not in allowed]
    if allowed:
        raise ApiError(405, f"The {method} method is not allowed for {path}.", headers={"Allow": ", ".join(allowed)})
    raise ApiError(404, f"No endpoint was found at {path}.")


def _fingerprint(req: Request) -> str:
    try:
        body = json.dumps(json.loads(req.body), sort_keys=True).encode() if req.body.strip() else b""
    except ValueError:
        body = req.body
    return hashlib.sha256(f"{req.method} {req.path}\n".encode() + body).hexdigest()


def dispatch(store: Store, req: Request) -> Reply:
    handler, params = resolve(req.method, req.path)
    if req.method == "GET":
        return handler(store.state.read(), req, params)
    key = req.headers.get("idempotency-key") if req.method in ("POST", "PATCH") else None
    with store.state.transaction() as state:
        records = state.setdefault("idempotency", {})
        if key:
            record = records.get(key)
            if record and record["fingerprint"] != _fingerprint(req):
                raise ApiError(409, f"The Idempotency-Key {key} was already used with a different request.")
            if record:
                return Reply(record["status"], record["body"], {"Idempotent-Replayed": "true"})
        reply = handler(state, req, params)
        if key and 200 <= reply.status < 300:
            now = time.time()
            records[key] = {"fingerprint": _fingerprint(req), "status": reply.status, "body": reply.body, "at": now}
            fresh = sorted((r for r in records.items() if r[1]["at"] > now - IDEMPOTENCY_TTL), key=lambda r: r[1]["at"])
            state["idempotency"] = dict(fresh[-IDEMPOTENCY_MAX:])
        return reply
