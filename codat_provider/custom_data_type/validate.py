"""Checks on a `codat_custom_data_type` configuration that need no network (run at validate and plan)."""

from __future__ import annotations

from codat_provider.platforms import PLATFORM_KEY, check_platform_key
from codat_provider.validation import checkable, given, report
from codat_settings.configuration import custom_data_type_problems, custom_identifier_problem
from tfplugin import Diagnostics

FIELDS = ("data_source", "key_by", "required_data", "source_modified_date")


def validate_config(config: dict, diags: Diagnostics) -> None:
    check_platform_key(config.get("platform_key"), diags)
    identifier = config.get("identifier")
    problem = custom_identifier_problem(identifier) if given(identifier) else None
    if problem:
        diags.error("Invalid identifier", problem, path=("identifier",))
    report(diags, "Invalid custom data type",
           custom_data_type_problems({name: checkable(config.get(name)) for name in FIELDS}))


IMPORT_ID_HELP = "Use <platform_key>/<identifier>, e.g. gbol/purchaseOrders."


def parse_import_id(import_id: str, diags: Diagnostics) -> tuple[str, str] | None:
    """`KEY/IDENTIFIER` -> (key, identifier), or None with an error that says the format."""
    key, sep, identifier = import_id.strip().partition("/")
    problem = custom_identifier_problem(identifier) if sep else None
    if not sep or not PLATFORM_KEY.match(key) or problem:
        diags.error("Invalid import ID", f"{problem or repr(import_id) + ' is not a platform key and an identifier.'} "
                                         f"{IMPORT_ID_HELP}")
        return None
    return key, identifier
