"""Checks on a `codat_profile` configuration that need no network (run at validate and plan)."""

from __future__ import annotations

import re

from codat_provider.validation import checkable, given
from codat_settings.configuration import profile_problems
from tfplugin import Diagnostics

# Absolute http(s) URL with a host. Codat's redirect URL may hold placeholders such as
# `https://example.{countrySuffix}/{companyId}`, so braces are allowed and not parsed further.
_URL = re.compile(r"^https?://[^\s/?#]+(?:[/?#]\S*)?$")
FIELDS = ("name", "redirect_url", "logo_url", "icon_url", "white_list_urls")



def is_http_url(value: str) -> bool:
    return bool(_URL.match(value))


def validate_config(config: dict, diags: Diagnostics) -> None:
    name = config.get("name")
    blank = given(name) and not name.strip()
    if blank:
        diags.error("Empty profile name", "Codat requires a name for the profile; set name to your product's name.",
                    path=("name",))
    # The rules the constructs and the environments file share: one line of text, a name's length, no user or
    # password in a URL.
    shared = [p for p in profile_problems({f: checkable(config.get(f)) for f in FIELDS})
              if not (blank and p.path == ("name",))]
    for problem in shared:
        diags.error(f"Invalid {problem.path[0]}", problem.message, path=problem.path)
    refused = {problem.path for problem in shared}
    redirect = config.get("redirect_url")
    if given(redirect) and ("redirect_url",) not in refused and not is_http_url(redirect):
        diags.error(
            "Invalid redirect_url",
            f"{redirect!r} is not an absolute http(s) URL. Codat sends companies there after Hosted Link, "
            "e.g. https://example.com/codat/{companyId}.",
            path=("redirect_url",),
        )
    for attribute in ("logo_url", "icon_url"):
        value = config.get(attribute)
        if given(value) and (attribute,) not in refused and value != "" and not is_http_url(value):
            diags.error(
                f"Invalid {attribute}",
                f"{value!r} is not an absolute http(s) URL. Use a static image URL, or \"\" to clear it.",
                path=(attribute,),
            )
    urls = config.get("white_list_urls")
    if given(urls):
        for i, url in enumerate(urls):
            if url is None or (given(url) and ("white_list_urls", i) not in refused and not is_http_url(url)):
                diags.error(
                    "Invalid white_list_urls element",
                    f"{url!r} is not an absolute http(s) URL such as https://app.example.com.",
                    path=("white_list_urls", i),
                )
