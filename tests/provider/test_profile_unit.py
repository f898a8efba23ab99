"""Unit tests of codat_profile's expand, flatten and validate (no network, no terraform)."""

from __future__ import annotations

from codat_client import Profile
from codat_provider.profile.expand import API_FIELDS, overlay
from codat_provider.profile.flatten import flatten_profile
from codat_provider.profile.validate import validate_config
from codat_provider.validation import bad_request_paths
from tfplugin import UNKNOWN, Diagnostics

CURRENT = {"name": "Old", "redirect_url": "https://old.example/{companyId}", "logo_url": "https://l.example/l.png",
           "icon_url": "", "white_list_urls": ["https://a.example"]}


def test_overlay_sets_only_configured_attributes():
    config = {"id": None, "name": "New", "redirect_url": "https://new.example", "logo_url": None, "icon_url": None,
              "white_list_urls": []}
    body = overlay(CURRENT, config)
    assert body == {**CURRENT, "name": "New", "redirect_url": "https://new.example", "white_list_urls": []}
    assert CURRENT["white_list_urls"] == ["https://a.example"]  # input untouched
    assert Profile(**body).model_dump(by_alias=True)["whiteListUrls"] == []


def test_flatten_treats_empty_string_and_null_alike_keeping_the_state_form():
    held = Profile.model_validate({"name": "N", "redirectUrl": "https://r.example", "logoUrl": "", "iconUrl": None,
                                   "whiteListUrls": None, "apiKey": "must-not-leak"})
    assert flatten_profile(held, {"logo_url": None, "icon_url": ""}) == {
        "id": "profile", "name": "N", "redirect_url": "https://r.example", "logo_url": None, "icon_url": "",
        "white_list_urls": [],
    }
    # On create the planned values are unknown: Codat's answer is taken as it is.
    assert flatten_profile(held, {"logo_url": UNKNOWN, "icon_url": UNKNOWN})["logo_url"] == ""


def test_validate_reports_paths():
    diags = Diagnostics()
    validate_config({"name": "", "redirect_url": "example.com", "logo_url": "", "icon_url": "icon.png",
                     "white_list_urls": ["https://ok.example", "nope"]}, diags)
    assert sorted(d.path for d in diags.errors) == [("icon_url",), ("name",), ("redirect_url",), ("white_list_urls", 1)]
    fine = Diagnostics()
    validate_config({"name": "Acme", "redirect_url": "https://acme.{countrySuffix}/{companyId}", "logo_url": UNKNOWN,
                     "icon_url": None, "white_list_urls": [UNKNOWN]}, fine)
    assert not fine


def test_bad_request_paths_maps_codat_item_ids():
    errors = ["redirectUrl: The RedirectUrl field is required.", "whiteListUrls[1]: bad"]
    assert bad_request_paths(errors, API_FIELDS) == [
        (("redirect_url",), "The RedirectUrl field is required."),
        (("white_list_urls", 1), "bad"),
    ]
