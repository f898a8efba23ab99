"""Unit tests of the data sources' expand, flatten and validate (no network, no terraform)."""

from __future__ import annotations

from codat_client import ConnectionUsage, Integration
from codat_provider.data_sources.expand import integrations_query
from codat_provider.data_sources.flatten import flatten_integration, flatten_integration_list, flatten_usage
from codat_provider.data_sources.validate import validate_filters
from codat_provider.platforms import check_platform_key
from tfplugin import UNKNOWN, Diagnostics


def _integration(key: str, name: str, source_type: str = "Accounting", enabled: bool = True) -> Integration:
    return Integration.model_validate({"key": key, "name": name, "enabled": enabled, "sourceType": source_type,
                                       "logoUrl": f"https://static.example/{key}.png", "isBeta": False})


def test_integrations_query():
    assert integrations_query(None, None) is None
    assert integrations_query("Accounting", None) == "sourceType=Accounting"
    assert integrations_query(None, False) == "enabled=false"
    assert integrations_query("Banking", True) == "sourceType=Banking&&enabled=true"


def test_flatten_integration_keeps_unknown_source_types_as_text():
    flat = flatten_integration(_integration("zzzz", "Future", source_type="Payroll"))
    assert flat["source_type"] == "Payroll" and flat["platform_key"] == "zzzz"
    assert flat["is_offline_connector"] is None and flat["is_beta"] is False
    assert flatten_integration(_integration("gbol", "Xero"))["source_type"] == "Accounting"


def test_flatten_integration_list_orders_by_key():
    found = [_integration("qhyg", "QuickBooks Online"), _integration("gbol", "Xero", enabled=False)]
    assert flatten_integration_list(found) == [
        {"platform_key": "gbol", "name": "Xero", "enabled": False, "source_type": "Accounting"},
        {"platform_key": "qhyg", "name": "QuickBooks Online", "enabled": True, "source_type": "Accounting"},
    ]


def test_flatten_usage():
    assert flatten_usage(None) == {"linked": 0, "pending": 0, "total": 0}
    usage = ConnectionUsage(linked=2, pending=1, deauthorized=3)
    assert flatten_usage(usage) == {"linked": 2, "pending": 1, "total": 6}


def test_validation():
    diags = Diagnostics()
    check_platform_key("Xero", diags)
    validate_filters({"source_type": "Accounting||enabled=true"}, diags)
    assert [d.path for d in diags.errors] == [("platform_key",), ("source_type",)]
    warned = Diagnostics()
    validate_filters({"source_type": "Payroll"}, warned)
    validate_filters({"source_type": "accounting"}, warned)
    check_platform_key(UNKNOWN, warned)
    assert not warned.errors and [d.path for d in warned.warnings] == [("source_type",)]
