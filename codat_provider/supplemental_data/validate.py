"""Checks on a `codat_supplemental_data` configuration that need no network (run at validate and plan)."""

from __future__ import annotations

from codat_provider.platforms import KNOWN_PLATFORMS, PLATFORM_KEY, check_platform_key
from codat_provider.validation import checkable, given, report
from codat_settings.configuration import supplemental_data_type_problem, supplemental_source_problems
from tfplugin import Diagnostics


def validate_config(config: dict, diags: Diagnostics) -> None:
    key = config.get("platform_key")
    check_platform_key(key, diags)
    data_type = config.get("data_type")
    if given(data_type):
        # Every platform this provider knows is an accounting platform, which has no commerce data types.
        problem = supplemental_data_type_problem(data_type, accounting_platform=key in KNOWN_PLATFORMS)
        if problem:
            diags.error("Invalid data_type", problem, path=("data_type",))
    configurations = config.get("configurations")
    if given(configurations):
        for name, source in configurations.items():
            if given(source):
                report(diags, f"Invalid supplemental data configuration {name!r}",
                       supplemental_source_problems(name, checkable(source)), ("configurations", name))


IMPORT_ID_HELP = "Use <platform_key>/<data_type>, e.g. gbol/invoices."


def parse_import_id(import_id: str, diags: Diagnostics) -> tuple[str, str] | None:
    """`KEY/DATA_TYPE` -> (key, data type), or None with an error that says the format."""
    key, sep, data_type = import_id.strip().partition("/")
    problem = supplemental_data_type_problem(data_type, accounting_platform=key in KNOWN_PLATFORMS) if sep else None
    if not sep or not PLATFORM_KEY.match(key) or problem:
        diags.error("Invalid import ID", f"{problem or repr(import_id) + ' is not a platform key and a data type.'} "
                                         f"{IMPORT_ID_HELP}")
        return None
    return key, data_type
