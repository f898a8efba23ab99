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


# Every data type a sync setting can name: the spec's `DataStatus.dataType` enum, in its order.
SYNC_DATA_TYPES = (
    "accountTransactions", "balanceSheet", "bankAccounts", "bankTransactions", "billCreditNotes", "billPayments",
    "bills", "cashFlowStatement", "chartOfAccounts", "company", "creditNotes", "customers", "directCosts",
    "directIncomes", "invoices", "itemReceipts", "items", "journalEntries", "journals", "paymentMethods", "payments",
    "profitAndLoss", "purchaseOrders", "salesOrders", "suppliers", "taxRates", "trackingCategories", "transfers",
    "banking-accountBalances", "banking-accounts", "banking-transactionCategories", "banking-transactions",
    "commerce-companyInfo", "commerce-customers", "commerce-disputes", "commerce-locations", "commerce-orders",
    "commerce-paymentMethods", "commerce-payments", "commerce-productCategories", "commerce-products",
    "commerce-taxComponents", "commerce-transactions",
)
# Financial statements: Codat fetches `monthsToSync` months of them (24 by default) instead of a sync-from date.
REPORT_DATA_TYPES = ("balanceSheet", "profitAndLoss", "cashFlowStatement")
DEFAULT_MONTHS_TO_SYNC = 24
# The Portal's sync frequencies as `syncSchedule` hours; "None" (no scheduled sync) is Codat's default.
SYNC_SCHEDULES = {"none": 0, "hourly": 1, "daily": 24, "weekly": 168, "monthly": 720}
# The data types the supplemental-data path accepts (the spec's path enum, in its order).
SUPPLEMENTAL_DATA_TYPES = (
    "chartOfAccounts", "bills", "company", "creditNotes", "customers", "invoices", "items", "journalEntries",
    "suppliers", "taxRates", "commerce-companyInfo", "commerce-customers", "commerce-disputes", "commerce-locations",
    "commerce-orders", "commerce-payments", "commerce-paymentMethods", "commerce-products",
    "commerce-productCategories", "commerce-taxComponents", "commerce-transactions",
)


def default_sync_setting(data_type: str, order: int) -> dict:
    """Codat's default for one data type: no scheduled sync; fetched on first link unless banking or commerce."""
    accounting = not data_type.startswith(("banking-", "commerce-"))
    setting = {"dataType": data_type, "fetchOnFirstLink": accounting, "syncSchedule": 0, "syncOrder": order}
    if data_type in REPORT_DATA_TYPES:
        setting["monthsToSync"] = DEFAULT_MONTHS_TO_SYNC
    setting["isLocked"] = False
    return setting


def default_sync_settings() -> dict:
    """A fresh instance's sync settings (without `clientId`, which the view adds)."""
    return {"settings": [default_sync_setting(d, n) for n, d in enumerate(SYNC_DATA_TYPES)],
            "overridesDefaults": False}


def initial_state() -> dict:
    """A fresh account: every integration disabled, no credentials, no companies, webhooks or keys,
    Codat's default sync settings, no CORS origins, no supplemental data and no custom data types."""
    return {
        "schemaVersion": 1,
        "clientId": str(uuid.uuid4()),
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
        "syncSettings": default_sync_settings(),
        "corsSettings": {"allowedOrigins": []},
        "supplementalData": {},  # {platformKey: {dataType: {name: source configuration}}}
        "customDataTypes": {},  # {platformKey: {customDataIdentifier: configuration}}
    }


def initial_faults() -> dict:
    return {"faults": []}
