"""Checks on data source configurations that need no network."""

from __future__ import annotations

import re

from codat_provider.data_sources.schema import SOURCE_TYPES
from codat_provider.validation import given
from tfplugin import Diagnostics

_WORD = re.compile(r"^[A-Za-z]+$")



def validate_filters(config: dict, diags: Diagnostics) -> None:
    source_type = config.get("source_type")
    if not given(source_type):
        return
    if not _WORD.match(source_type):
        diags.error(
            "Invalid source_type",
            f"{source_type!r} is not a Codat source type: use one of {', '.join(SOURCE_TYPES)}.",
            path=("source_type",),
        )
    elif source_type.lower() not in {s.lower() for s in SOURCE_TYPES}:
        diags.warning(
            "Unfamiliar source_type",
            f"{source_type!r} is not one of {', '.join(SOURCE_TYPES)}; it is sent to Codat as is, and may "
            "match nothing.",
            path=("source_type",),
        )
