"""Checks on a `codat_sync_settings` configuration that need no network (run at validate and plan), by the
rules `codat_settings.configuration` shares with the constructs and the environments file."""

from __future__ import annotations

from codat_provider.sync_settings.schema import IMPORT_ALL
from codat_provider.validation import checkable, given, report
from codat_settings.configuration import SINGLETON_ON_DESTROY, sync_data_type_problem, sync_setting_problems
from tfplugin import Diagnostics


def validate_config(config: dict, diags: Diagnostics) -> None:
    data_types = config.get("data_types")
    if given(data_types):
        for data_type, setting in data_types.items():
            path = ("data_types", data_type)
            problem = sync_data_type_problem(data_type)
            if problem:
                diags.error("Unknown data type", f"{problem} The keys of data_types are Codat's data type names.",
                            path=path)
            if given(setting):
                report(diags, f"Invalid sync setting of {data_type}",
                       sync_setting_problems(data_type, checkable(setting)), path)
    on_destroy = config.get("on_destroy")
    if given(on_destroy) and on_destroy not in SINGLETON_ON_DESTROY:
        diags.error("Invalid on_destroy", f"{on_destroy!r} is not one of {', '.join(SINGLETON_ON_DESTROY)}.",
                    path=("on_destroy",))


IMPORT_ID_HELP = (f"Use {IMPORT_ALL} (every data type Codat holds) or the data types to manage, comma-separated, "
                  "e.g. invoices,bills.")


def parse_import_id(import_id: str, diags: Diagnostics) -> list[str] | None:
    """The data types an import ID names ([] for `all`: the caller lists Codat's), or None on errors."""
    text = import_id.strip()
    if text == IMPORT_ALL:
        return []
    names = [name.strip() for name in text.split(",")]
    problems = [sync_data_type_problem(name) for name in names if name] if text else []
    if not text or "" in names or any(problems):
        shown = " ".join(p for p in problems if p)
        diags.error("Invalid import ID", f"{shown} {IMPORT_ID_HELP}".strip())
        return None
    return list(dict.fromkeys(names))
