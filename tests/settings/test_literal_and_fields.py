"""The one escape (codat_settings.literal.terraform_literal) and the field rules every entry point shares
(codat_settings.fields). What Terraform reads back is tested with the real terraform and the CDK in
tests/constructs/test_literal_text.py; here, the shape of the escape and the words of each refusal."""

from __future__ import annotations

import re
import struct
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from codat_settings.fields import INT32_MAX, MAX_NAME, control_character, integer_problem, text_problem, url_problem
from codat_settings.literal import EMPTY, terraform_literal

#: What cdktf 0.21 / CDK Terrain 0.24 resolve in a string (their lib/tokens/private/encoding.js).
CDK_MARKER = re.compile(r"[$#&]\{TfToken\[[a-zA-Z0-9:._-]+\]\}")


@pytest.mark.parametrize("text", ["Acme Lending", "https://acme.example/{companyId}", "a {b} c", "50% off", "$5",
                                  "100$ now", "日本 ✓", "", "1e5", "9f8e7d6c5b4a"])
def test_ordinary_text_comes_out_unchanged(text):
    assert terraform_literal(text) == text


@given(st.text())
def test_a_literal_never_holds_an_interpolation_or_a_cdk_marker(text):
    escaped = terraform_literal(text)
    without_directives = escaped.replace(EMPTY, "").replace("%%{", "")
    assert "${" not in escaped  # neither Terraform nor the CDK reads an expression in it
    assert "%{" not in without_directives  # Terraform's only directives are the empty ones added
    assert not CDK_MARKER.search(escaped)
    assert escaped.replace(EMPTY, "").replace("%%{", "%{") == text  # nothing else changes


def test_a_number_the_cdk_would_decode_as_a_token_is_split():
    token_double = struct.unpack("<d", struct.pack("<Q", 0xFDFF << 48 | 7))[0]
    text = f"cap {token_double!r} reached"
    escaped = terraform_literal(text)
    assert escaped != text and escaped.replace(EMPTY, "") == text
    assert terraform_literal("1.5e+10 rows") == "1.5e+10 rows"  # an ordinary number is left alone


def test_the_cdks_map_token_values_and_a_trailing_dollar_are_broken():
    assert terraform_literal("String Map Token Value") != "String Map Token Value"
    assert terraform_literal("Any Map Token Value").replace(EMPTY, "") == "Any Map Token Value"
    assert terraform_literal("costs $") == "costs $" + EMPTY  # `$` + `${x}` would read as the escape `$${x}`


def test_only_text_is_escaped():
    with pytest.raises(TypeError):
        terraform_literal(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("text, found", [
    ("a\rb", "a carriage return (U+000D) at character 2"),
    ("\x00", "a NUL (U+0000) at character 1"),
    ("tab\there", "a tab (U+0009) at character 4"),
    ("x\x85", "a control character (U+0085) at character 2"),
    ("x\x7f", "a delete (U+007F) at character 2"),
    ("x\ud800", "an unpaired surrogate (U+D800) at character 2"),
    ("line\u2028sep é", None),
])
def test_control_characters_are_named_with_their_place(text, found):
    assert control_character(text) == found


def test_text_rules():
    assert text_problem("Acme", "name") is None
    assert text_problem(" ", "name", example="Acme") == "name is empty: give a value, e.g. Acme."
    assert text_problem("", "logo_url", required=False) is None
    assert text_problem(5, "name") == "name must be text (got int)."
    assert text_problem("n" * (MAX_NAME + 1), "name", max_length=MAX_NAME) == (
        f"name has {MAX_NAME + 1} characters; at most {MAX_NAME} are accepted: shorten it.")
    refused = text_problem("Acme\nLending", "profile.name")
    assert refused.startswith("profile.name contains a line feed (U+000A) at character 5") and "Lending" not in refused


@pytest.mark.parametrize("url", ["https://alice:hunter2@acme.example/x", "https://alice@acme.example",
                                 "https://:hunter2@acme.example", "http://@localhost:8080/hooks"])
def test_a_url_with_a_user_or_password_is_refused_without_showing_it(url):
    problem = url_problem(url, "url")
    assert problem.startswith("url carries a user name or password") and "hunter2" not in problem
    assert "alice" not in problem


def test_urls_without_credentials_pass_whatever_their_scheme():
    for url in ("https://acme.example/a@b", "http://localhost/x", "not a url", "https://acme.example/{companyId}"):
        assert url_problem(url, "url") is None


@pytest.mark.parametrize("value, says", [
    (2**63, "must be a number of months from 1 to 1,200, not 9,223,372,036,854,775,808."),
    (0, "from 1 to 1,200, not 0."), (True, "(got bool)"), ("24", "(got str)"), (Decimal("2.5"), "not 2.5."),
    (float("nan"), "not nan."), (float("inf"), "not inf."),
])
def test_integers_out_of_range_are_refused(value, says):
    assert says in integer_problem(value, "sync_from_window", 1, 1200, "a number of months")


def test_integers_in_range_pass_in_any_numeric_type():
    for value in (1, 1200, 24.0, Decimal("24")):
        assert integer_problem(value, "months", 1, 1200) is None
    assert integer_problem(INT32_MAX, "order", 0, INT32_MAX) is None
