"""Codat's platform keys: the ones known when this provider was written (Codat adds more, so an unknown
but well-formed key only warns), their check, and the lookup that turns an unknown key into a clean error."""

from __future__ import annotations

import re

from codat_provider.validation import given
from tfplugin import Diagnostics, ProviderError

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


def check_platform_key(key: object, diags: Diagnostics) -> None:
    """Error on a malformed key, warning on a well-formed one this provider does not know."""
    if not given(key):
        return
    if not isinstance(key, str) or not PLATFORM_KEY.match(key):
        diags.error(
            "Invalid platform_key",
            f"{key!r} is not a Codat platform key: four lowercase letters, e.g. \"gbol\" for Xero "
            "(the codat_integrations data source, or GET /integrations, lists them).",
            path=("platform_key",),
        )
    elif key not in KNOWN_PLATFORMS:
        diags.warning(
            "Unfamiliar platform_key",
            f"{key!r} is well formed but not a platform this provider knows; Codat adds platforms, so it is "
            "sent as is. Check the spelling if Codat answers that no integration has this key.",
            path=("platform_key",),
        )


def get_integration(client, key: str):
    """Codat's Integration for `key`, or a clean error on `platform_key` when Codat has none."""
    from codat_client import NotFoundError

    try:
        return client.get_integration(key)
    except NotFoundError as exc:
        raise ProviderError(
            "No such Codat integration",
            f"Codat has no integration with key {key!r} ({exc.error or 'not found'}). The codat_integrations "
            "data source, or GET /integrations, lists the keys this account has.",
            path=("platform_key",),
        ) from exc
