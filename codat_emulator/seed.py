"""The platforms a fresh Codat account sees, and the empty account state the data folder starts from.

Platform facts (keys, names, Xero's ids) come from the contract. Ids Codat has not published are
uuid5 values derived from the key, so every emulator hands out the same ids for the same platform.
The static platform facts live here, not in the data file: the file only holds what can change.
"""

from __future__ import annotations

import uuid

_NS = uuid.UUID("5b8c5c5e-2f0a-4c4e-9d1f-6a0e3c0d6f11")

# key: (name, isOfflineConnector, isBeta). All are accounting platforms with the Client ID /
# Client secret form in the Portal.
ACCOUNTING_PLATFORMS: dict[str, tuple[str, bool, bool]] = {
    "trji": ("Dynamics 365 Business Central", False, False),
    "rqwd": ("Dynamics 365 Finance & Operations", False, True),
    "qudb": ("Exact (Netherlands)", False, False),
    "pbbf": ("Exact (UK)", False, False),
    "fbrh": ("FreeAgent", False, False),
    "vxvy": ("FreshBooks", False, False),
    "pdvj": ("MYOB Business", False, False),
    "akxx": ("Oracle NetSuite", False, False),
    "pqsw": ("QuickBooks Desktop", True, False),
    "qhyg": ("QuickBooks Online", False, False),
    "ndsk": ("QuickBooks Online Sandbox", False, False),
    "jcrp": ("Sage 200", False, False),
    "hbql": ("Sage 50 (UK)", True, False),
    "tgff": ("Sage Accounting", False, False),
    "knfz": ("Sage Intacct", False, False),
    "mqjo": ("Codat Sandbox", False, False),
    "pbtz": ("Wave", False, False),
    "rvam": ("Workday", False, True),
    "gbol": ("Xero", False, False),
    "rwuv": ("Zoho Books", False, False),
}

# Real values published for Xero; the others are derived.
_KNOWN_IDS = {
    "gbol": ("0f20c943-12d0-4800-9f6c-d218f62d494c", "8a156a5a-39cb-4f9d-856e-76ef9b9a9607"),
}

_READ_ONLY = ("chartOfAccounts", "company", "customers", "suppliers")  # names from the spec's DataType
_READ_WRITE = ("bills", "invoices", "journalEntries", "payments")


def _datatype_features() -> list[dict]:
    # Keyed `datatype` as in every real sample (one spec line says `dataType`).
    features = [{"datatype": d, "supportedFeatures": [{"featureType": "Get", "featureState": "Release"}]}
                for d in _READ_ONLY]
    features += [{"datatype": d, "supportedFeatures": [{"featureType": "Get", "featureState": "Release"},
                                                       {"featureType": "Post", "featureState": "Release"}]}
                 for d in _READ_WRITE]
    return sorted(features, key=lambda f: f["datatype"])


def ids(key: str) -> tuple[str, str]:
    """(integrationId, sourceId) of a platform."""
    if key in _KNOWN_IDS:
        return _KNOWN_IDS[key]
    return str(uuid.uuid5(_NS, f"integration:{key}")), str(uuid.uuid5(_NS, f"source:{key}"))


def platform(key: str) -> dict:
    """The static part of an Integration, in the field order of real replies."""
    name, offline, beta = ACCOUNTING_PLATFORMS[key]
    integration_id, source_id = ids(key)
    return {
        "key": key,
        "logoUrl": f"https://static.codat.io/public/platforms/{key}.png",
        "name": name,
        "sourceId": source_id,
        "integrationId": integration_id,
        "sourceType": "Accounting",
        "isOfflineConnector": offline,
        "isBeta": beta,
        "supportedEnvironments": "LiveAndSandbox",  # live-only field, absent from the spec
        "dataProvidedBy": "Codat",
        "datatypeFeatures": _datatype_features(),
    }


def branding(key: str) -> dict:
    name = ACCOUNTING_PLATFORMS[key][0].lower()
    source = ids(key)[1].upper()

    def image(folder: str, alt: str) -> dict:
        return {"image": {"src": f"https://static.codat.io/public/{folder}/{source}.png", "alt": f"{name} {alt}"}}

    return {
        "logo": {"full": image("officialLogos/Full", "full icon"),
                 "square": image("officialLogos/Square", "square icon")},
        "button": {"default": image("officialButtons/Full", "default button icon"),
                   "hover": image("officialButtons/Hover", "hover button icon")},
        "sourceId": ids(key)[1],
    }


def initial_state() -> dict:
    """A fresh account: every integration disabled, no credentials, no companies, webhooks or keys."""
    return {
        "schemaVersion": 1,
        "integrations": {key: {"enabled": False} for key in ACCOUNTING_PLATFORMS},
        "credentials": {},
        "profile": {
            "name": "Codat Emulator",
            "logoUrl": "",
            "iconUrl": "",
            "redirectUrl": "https://example.com/codat/redirect/{companyId}",
            "whiteListUrls": [],
            "confirmCompanyName": False,
        },
        "webhooks": [],
        "companies": [],
        "apiKeys": [],
        "idempotency": {},
    }


def initial_faults() -> dict:
    return {"faults": []}
