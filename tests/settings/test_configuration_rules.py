"""The configuration rules every entry point shares (codat_settings.configuration): what is accepted, what is
refused and with which words, and that values not known yet (UNCHECKED) are skipped."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from codat_settings.configuration import (
    REPORT_DATA_TYPES,
    SUPPLEMENTAL_DATA_TYPES,
    SYNC_DATA_TYPES,
    UNCHECKED,
    custom_data_type_problems,
    custom_identifier_problem,
    default_sync_setting,
    origin_problem,
    origins_problems,
    supplemental_data_type_problem,
    supplemental_source_problems,
    sync_data_type_problem,
    sync_from_moment,
    sync_setting_problems,
)


def test_the_data_type_tables_are_codats_spec_enums():
    assert len(SYNC_DATA_TYPES) == len(set(SYNC_DATA_TYPES)) == 43
    assert len(SUPPLEMENTAL_DATA_TYPES) == len(set(SUPPLEMENTAL_DATA_TYPES)) == 21
    assert set(REPORT_DATA_TYPES) <= set(SYNC_DATA_TYPES)


@pytest.mark.parametrize("name, says", [
    ("invoice", "Did you mean invoices?"), ("Invoices", "Did you mean invoices?"),
    ("banking-account", "banking-accounts"),
    ("zzzzzz", "Known data types: accountTransactions"), (3, "is not a data type Codat syncs"),
])
def test_unknown_sync_data_types_suggest_the_closest(name, says):
    assert says in sync_data_type_problem(name)


def test_known_and_unchecked_data_types_pass():
    assert all(sync_data_type_problem(name) is None for name in SYNC_DATA_TYPES)
    assert sync_data_type_problem(UNCHECKED) is None


@pytest.mark.parametrize("setting", [
    {"sync_schedule": 24, "fetch_on_first_link": True, "sync_order": 0, "sync_from_utc": "2024-01-01"},
    {"sync_schedule": Decimal("168"), "sync_from_window": 24.0, "is_locked": False},  # Terraform and TOML numbers
    {"sync_schedule": 0, "sync_from_utc": "2024-01-01T06:00:00+05:00"},
    {"sync_schedule": UNCHECKED, "sync_from_utc": UNCHECKED, "sync_from_window": 3},  # not known yet
])
def test_good_sync_settings(setting):
    assert sync_setting_problems("invoices", setting) == []


@pytest.mark.parametrize("data_type, setting, field, says", [
    ("invoices", {"sync_schedule": 12}, "sync_schedule", "not 12"),
    ("invoices", {"sync_schedule": True}, "sync_schedule", "not True"),
    ("invoices", {"sync_schedule": "24"}, "sync_schedule", "not '24'"),
    ("invoices", {"sync_order": float("nan")}, "sync_order", "not nan"),
    ("invoices", {"sync_order": -1}, "sync_order", "0 or more"),
    ("invoices", {"sync_from_window": 0}, "sync_from_window", "1 or more"),
    ("invoices", {"sync_from_utc": "yesterday"}, "sync_from_utc", "ISO 8601"),
    ("invoices", {"sync_from_utc": "2024-01-01", "sync_from_window": 3}, "sync_from_window", "not both"),
    ("invoices", {"months_to_sync": 6}, "months_to_sync", "only to the financial statements"),
    ("balanceSheet", {"sync_from_window": 6}, "sync_from_window", "balanceSheet is a financial statement"),
    ("invoices", {"fetch_on_first_link": "yes"}, "fetch_on_first_link", "true or false"),
    ("invoices", {"frequency": "daily"}, "frequency", "is not a sync setting field"),
])
def test_bad_sync_settings_name_their_field(data_type, setting, field, says):
    (problem,) = sync_setting_problems(data_type, setting)
    assert problem.path == (field,) and says in problem.message


def test_sync_from_moments_compare_across_notations():
    utc = datetime(2024, 1, 1, tzinfo=timezone.utc)
    assert sync_from_moment("2024-01-01") == sync_from_moment("2024-01-01T00:00:00Z") == utc
    assert sync_from_moment("2024-01-01T01:00:00+01:00") == utc == sync_from_moment("2024-01-01T00:00:00.000Z")
    assert sync_from_moment("not a date") is None


def test_codats_defaults():
    assert default_sync_setting("invoices") == {"fetch_on_first_link": True, "sync_schedule": 0, "is_locked": False}
    assert default_sync_setting("banking-accounts")["fetch_on_first_link"] is False
    assert default_sync_setting("profitAndLoss")["months_to_sync"] == 24


@pytest.mark.parametrize("origin", ["https://app.example.com", "https://app.example.com:8443", "https://10.0.0.1",
                                    "http://localhost:3000", "http://127.0.0.1:5173", "http://[::1]:8080", UNCHECKED])
def test_good_origins(origin):
    assert origin_problem(origin) is None


@pytest.mark.parametrize("origin, says", [
    ("https://app.example.com/", "carries a path"), ("https://app.example.com/link", "carries a path"),
    ("https://app.example.com?x=1", "carries a path, query or fragment"), ("https://app.example.com#", "fragment"),
    ("http://app.example.com", "plain http://"), ("ftp://app.example.com", "not an https:// origin"),
    ("app.example.com", "not an https:// origin"), ("https://*.example.com", "no `*` wildcard"),
    ("https://app.example.com:0", "valid host or port"), (" https://app.example.com", "spaces"),
    ("", "must be a string"),
])
def test_bad_origins(origin, says):
    assert says in origin_problem(origin)


def test_an_origin_with_user_info_is_refused_without_repeating_it():
    problem = origin_problem("https://admin:hunter2-secret@app.example.com")
    assert "no user name or password" in problem and "hunter2" not in problem


def test_origins_listed_twice_compare_without_case():
    (problem,) = origins_problems(["https://a.example", "https://b.example", "https://A.example", UNCHECKED])
    assert problem.path == (2,) and "also at [0]" in problem.message


def test_supplemental_data_rules():
    assert supplemental_data_type_problem("invoices", accounting_platform=True) is None
    assert "accounting platform" in supplemental_data_type_problem("commerce-orders", accounting_platform=True)
    assert supplemental_data_type_problem("commerce-orders", accounting_platform=False) is None
    assert "Did you mean invoices?" in supplemental_data_type_problem("invoice", accounting_platform=True)
    assert supplemental_source_problems("extras", {"data_source": "/Invoices", "pull_data": {"ref": "Reference"},
                                                   "push_data": {}}) == []
    problems = supplemental_source_problems(" ", {"data_source": "", "pull_data": {"ref": {"nested": 1}},
                                                  "push_data": "Reference", "pushData": {}})
    assert [p.path for p in problems] == [(), ("pushData",), ("data_source",), ("pull_data", "ref"), ("push_data",)]


def test_custom_data_type_rules():
    assert custom_identifier_problem("purchase_orders-2") is None and custom_identifier_problem("a" * 64) is None
    for bad in ("", "a" * 65, "purchase orders", "po/x", 5):
        assert "cannot name a custom data type" in custom_identifier_problem(bad)
    good = {"data_source": "/po", "key_by": ["$.Id"], "required_data": {"n": "$.N"}, "source_modified_date": None}
    assert custom_data_type_problems(good) == []
    bad = {"data_source": " ", "key_by": "$.Id", "required_data": {"n": ""}, "source_modified_date": ["$.U", ""]}
    assert [p.path for p in custom_data_type_problems(bad)] == [
        ("data_source",), ("key_by",), ("source_modified_date", 1), ("required_data", "n")]
    assert custom_data_type_problems({k: UNCHECKED for k in good}) == []
