"""Account operations on the state document, shared by the HTTP handlers and the Portal CLI.

The Portal and the API change the same account, so both go through these functions; each takes the
state dict of an open store transaction and raises ApiError for anything Codat would refuse.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone
from typing import Any

from . import seed
from .errors import ApiError

INTEGRATION_FIELDS = ["key", "logoUrl", "name", "enabled", "sourceId", "integrationId", "sourceType",
                      "isOfflineConnector", "isBeta", "supportedEnvironments", "linkedConnectionsCount",
                      "totalConnectionsCount", "dataProvidedBy", "datatypeFeatures"]
COMPANY_FIELDS = ["id", "name", "description", "platform", "redirect", "lastSync", "created",
                  "createdByUserName", "products", "tags", "referenceSubsidiaryCompanies", "dataConnections"]
CONNECTION_FIELDS = ["id", "integrationId", "integrationKey", "sourceId", "sourceType", "platformName",
                     "linkUrl", "status", "lastSync", "created"]
CONNECTION_STATUSES = ("PendingAuth", "Linked", "Unlinked", "Deauthorized")

# Characters the Create company `name` pattern allows; Codat silently drops the others.
_NAME_FORBIDDEN = re.compile(r"[^A-Za-z0-9\s\-',&@.?!]")


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def require_integration(key: str) -> None:
    if key not in seed.ACCOUNTING_PLATFORMS:
        raise ApiError(404, f"No integration was found with key {key}")


def integration_view(state: dict, key: str) -> dict:
    require_integration(key)
    static = seed.platform(key)
    connections = [c for company in state["companies"] for c in company["dataConnections"]
                   if c["integrationKey"] == key]
    view = {k: static[k] for k in ("key", "logoUrl", "name")}
    view["enabled"] = bool(state["integrations"].get(key, {}).get("enabled", False))
    view.update({k: static[k] for k in ("sourceId", "integrationId", "sourceType", "isOfflineConnector",
                                        "isBeta", "supportedEnvironments")})
    # Live-only counters the spec lacks (clients must ignore unknown fields).
    view["linkedConnectionsCount"] = sum(c["status"] == "Linked" for c in connections)
    view["totalConnectionsCount"] = len(connections)
    view["dataProvidedBy"] = static["dataProvidedBy"]
    view["datatypeFeatures"] = static["datatypeFeatures"]
    return view


def integration_views(state: dict) -> list[dict]:
    return [integration_view(state, key) for key in seed.ACCOUNTING_PLATFORMS]


def set_enabled(state: dict, key: str, enabled: bool) -> dict:
    require_integration(key)
    state["integrations"].setdefault(key, {})["enabled"] = enabled
    return integration_view(state, key)


def mask(credentials: dict) -> dict:
    """What Codat shows of a secret: `X` for all but the last 4 characters (all `X` when 4 or fewer)."""
    return {k: ("X" * len(v) if len(v) <= 4 else "X" * (len(v) - 4) + v[-4:]) for k, v in credentials.items()}


def set_credentials(state: dict, key: str, credentials: dict) -> dict:
    require_integration(key)
    state["credentials"][key] = dict(credentials)
    return mask(credentials)


def get_credentials(state: dict, key: str) -> dict:
    require_integration(key)
    return mask(state["credentials"].get(key, {}))


def delete_credentials(state: dict, key: str) -> dict:
    require_integration(key)
    deleted = state["credentials"].pop(key, None)
    if not deleted:
        raise ApiError(404, f"No credentials were found for integration {key}")
    return mask(deleted)


def new_company(state: dict, name: str, description: str = "", tags: dict | None = None) -> dict:
    clean = " ".join(_NAME_FORBIDDEN.sub("", name).split())
    if not clean:
        raise ApiError(400, "The company name must contain at least one allowed character.")
    company: dict[str, Any] = {"id": str(uuid.uuid4()), "name": clean, "description": description, "created": now(),
               "dataConnections": []}
    if tags:
        company["tags"] = dict(tags)
    state["companies"].append(company)
    return company


def find_company(state: dict, company_id: str) -> dict:
    for company in state["companies"]:
        if company["id"] == company_id:
            return company
    raise ApiError(404, f"No company was found with ID {company_id}")


def company_view(company: dict) -> dict:
    view = {
        "id": company["id"],
        "name": company["name"],
        "description": company["description"],
        "platform": "",  # legacy field live replies still carry
        "redirect": f"https://link.codat.io/company/{company['id']}",
        "created": company["created"],
        "createdByUserName": None,
        "products": [],
    }
    if "tags" in company:
        view["tags"] = company["tags"]
    view["referenceSubsidiaryCompanies"] = []
    view["dataConnections"] = [dict(c) for c in company["dataConnections"]]
    return view


def new_connection(company: dict, key: str, status: str = "PendingAuth") -> dict:
    require_integration(key)
    static = seed.platform(key)
    connection_id = str(uuid.uuid4())
    connection = {
        "id": connection_id,
        "integrationId": static["integrationId"],
        "integrationKey": key,
        "sourceId": static["sourceId"],
        "platformName": static["name"],
        "linkUrl": f"https://link-api.codat.io/companies/{company['id']}/connections/{connection_id}/start",
        "status": status,
        "created": now(),
        "sourceType": static["sourceType"],
    }
    company["dataConnections"].append(connection)
    return connection


def find_connection(company: dict, connection_id: str) -> dict:
    for connection in company["dataConnections"]:
        if connection["id"] == connection_id:
            return connection
    raise ApiError(404, f"Data connection {connection_id} not found")


def reset(state: dict) -> None:
    """Back to a fresh account; the client id and the keys registered by `serve --api-key` (the Portal's
    first key) survive: they are the instance itself, not its settings."""
    keep = [k for k in state.get("apiKeys", []) if k.get("origin") == "serve"]
    client_id = state.get("clientId")
    state.clear()
    state.update(seed.initial_state())
    state["apiKeys"] = keep
    if client_id:
        state["clientId"] = client_id
