"""The setting rules every entry point shares (codat_settings): what is accepted, what is refused, and
that a refusal names the setting and never shows more of the URL than scheme, host and port."""

from __future__ import annotations

import pytest

from codat_settings import (
    SettingError,
    base_url_origin,
    cdk_choice,
    check_base_url,
    is_loopback,
    shown_url,
    state_kind,
)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("https://api.codat.io/", "https://api.codat.io"),
        ("https://proxy.example/codat", "https://proxy.example/codat"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://127.9.9.9", "http://127.9.9.9"),
        ("http://localhost:1/", "http://localhost:1"),
        ("http://[::1]:5", "http://[::1]:5"),
    ],
)
def test_https_anywhere_and_http_only_to_this_machine_are_accepted(value, expected):
    assert check_base_url(value, "CODAT_BASE_URL") == expected


@pytest.mark.parametrize(
    "value, says",
    [
        ("http://api.codat.io", "only to this machine"),
        ("http://10.0.0.1:80", "only to this machine"),
        ("http://localhost.evil.example", "only to this machine"),
        ("ftp://api.codat.io", "must be an https:// URL"),
        ("api.codat.io", "must be an https:// URL"),
        ("https://:443", "must be an https:// URL"),
        ("https://api.codat.io:port", "must be an https:// URL"),
        ("https://api.codat.io?key=1", "query or fragment"),
    ],
)
def test_other_urls_are_refused_naming_the_setting(value, says):
    with pytest.raises(SettingError, match=says) as refused:
        check_base_url(value, "environments.sandbox.base_url")
    assert str(refused.value).startswith("environments.sandbox.base_url")


def test_a_refusal_never_shows_userinfo_path_or_a_key_pasted_in_the_wrong_place():
    with pytest.raises(SettingError) as refused:
        check_base_url("https://me:pa55word-123@api.codat.io/v1", "base_url")
    assert "pa55word-123" not in str(refused.value) and "me:" not in str(refused.value)
    assert "https://api.codat.io" in str(refused.value)
    # An API key swapped into CODAT_BASE_URL is not a URL: the message must not echo it.
    with pytest.raises(SettingError) as refused:
        check_base_url("emu_0123456789abcdef", "CODAT_BASE_URL")
    assert "0123456789abcdef" not in str(refused.value)


@pytest.mark.parametrize(
    "base_url, origin",
    [
        ("https://api.codat.io", "https://api.codat.io"),
        ("HTTPS://API.Codat.io:443/", "https://api.codat.io"),
        ("https://proxy.example:8443/Codat/sandbox/", "https://proxy.example:8443/Codat/sandbox"),
        ("http://127.0.0.1:38777", "http://127.0.0.1:38777"),
        ("http://localhost:80", "http://localhost"),
        ("http://[::1]:5/x", "http://[::1]:5/x"),
    ],
)
def test_the_origin_of_a_base_url_keeps_what_tells_two_codats_apart(base_url, origin):
    assert base_url_origin(base_url) == origin


def test_shown_url_keeps_scheme_host_and_port_only():
    assert shown_url("http://u:p@127.0.0.1:9/a?b#c") == "http://127.0.0.1:9"
    assert shown_url("secret-key") == "(not a URL)"


def test_loopback_is_localhost_127_slash_8_and_ipv6_one():
    assert all(map(is_loopback, ["localhost", "127.0.0.1", "127.255.0.9", "::1", "[::1]"]))
    assert not any(map(is_loopback, ["example.com", "10.0.0.1", "0.0.0.0", "::", "", None]))


def test_state_setting_rule():
    assert state_kind(None) == state_kind(" local ") == "local"
    assert state_kind("postgresql://x@y/z") == "postgres"
    with pytest.raises(SettingError, match="CODAT_IAC_STATE is s3://"):
        state_kind("s3://bucket/key")


def test_cdk_setting_rule_defaults_to_cdktf_and_names_both_choices_when_wrong():
    assert cdk_choice(None) == cdk_choice("") == cdk_choice(" cdktf ") == "cdktf"
    assert cdk_choice("cdktn") == "cdktn"
    for wrong in ("terrain", "CDKTN", "cdk"):
        with pytest.raises(SettingError) as refused:
            cdk_choice(wrong)
        assert "CODAT_IAC_CDK" in str(refused.value) and "cdktf" in str(refused.value) and "cdktn" in str(refused.value)
