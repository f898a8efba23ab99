"""Unit tests of codat_webhook's expand, flatten and validate (no network, no terraform)."""

from __future__ import annotations

import pytest

from codat_client import WebhookConsumer
from codat_provider.validation import bad_request_paths
from codat_provider.webhook.expand import API_FIELDS, create_args
from codat_provider.webhook.flatten import flatten_webhook
from codat_provider.webhook.validate import validate_config, webhook_url_problem
from tfplugin import UNKNOWN, Diagnostics


def test_create_args_turns_null_lists_into_empty_ones():
    planned = {"id": UNKNOWN, "url": "https://h.example/x", "event_types": None, "company_tags": ["a:b"],
               "disabled": True}
    assert create_args(planned) == {"url": "https://h.example/x", "event_types": [], "company_tags": ["a:b"],
                                    "disabled": True}


def test_flatten_keeps_unset_lists_null_and_shows_filled_ones():
    consumer = WebhookConsumer.model_validate(
        {"id": "w1", "url": "https://h.example/x", "disabled": None, "eventTypes": ["E"], "companyTags": None}
    )
    state = {"event_types": None, "company_tags": None}
    assert flatten_webhook(consumer, state) == {
        "id": "w1", "url": "https://h.example/x", "event_types": ["E"], "company_tags": None, "disabled": False,
    }
    assert flatten_webhook(consumer, {"event_types": ["E"], "company_tags": []})["company_tags"] == []


@pytest.mark.parametrize(
    "url, ok",
    [
        ("https://hooks.example.com/codat", True),
        ("http://localhost:8080/x", True),
        ("http://127.0.0.1/x", True),
        ("http://[::1]:9000/x", True),
        ("http://hooks.example.com/codat", False),
        ("ftp://hooks.example.com", False),
        ("hooks.example.com/codat", False),
        ("https://", False),
        (" https://hooks.example.com", False),
    ],
)
def test_webhook_url_rule(url, ok):
    assert (webhook_url_problem(url) is None) is ok


def test_validate_reports_paths_and_skips_unknowns():
    diags = Diagnostics()
    validate_config(
        {"url": "http://example.com", "event_types": ["A", "A", ""], "company_tags": ["t"] * 11 + ["x" * 129]},
        diags,
    )
    paths = sorted(d.path for d in diags.errors)
    assert ("url",) in paths and ("event_types", 1) in paths and ("event_types", 2) in paths
    assert ("company_tags",) in paths and ("company_tags", 11) in paths
    quiet = Diagnostics()
    validate_config({"url": UNKNOWN, "event_types": [UNKNOWN], "company_tags": UNKNOWN}, quiet)
    assert not quiet


def test_bad_request_paths_maps_codat_item_ids():
    errors = ["url: must be absolute", "companyTags[2]: too long", "other: ignored", "no id"]
    assert bad_request_paths(errors, API_FIELDS) == [
        (("url",), "must be absolute"),
        (("company_tags", 2), "too long"),
    ]
