"""Codat's platform keys known when this provider was written (Codat adds more; unknown keys only warn)."""

import re

PLATFORM_KEY = re.compile(r"^[a-z]{4}$")
XERO = "gbol"

KNOWN_PLATFORMS = {
    "trji": "Business Central",
    "rqwd": "Dynamics 365 Finance & Operations",
    "qudb": "Exact (NL)",
    "pbbf": "Exact (UK)",
    "fbrh": "FreeAgent",
    "vxvy": "FreshBooks",
    "pdvj": "MYOB",
    "akxx": "NetSuite",
    "pqsw": "QuickBooks Desktop",
    "qhyg": "QuickBooks Online",
    "ndsk": "QuickBooks Online Sandbox",
    "jcrp": "Sage 200",
    "hbql": "Sage 50 (UK)",
    "tgff": "Sage Accounting",
    "knfz": "Sage Intacct",
    "mqjo": "Codat Sandbox",
    "pbtz": "Wave",
    "rvam": "Workday",
    "gbol": "Xero",
    "rwuv": "Zoho Books",
}
