"""Typed reads of one table of the environments file, collecting every problem with its dotted key instead
of raising at the first (environments.py and environment_configuration.py share it)."""

from __future__ import annotations

import re
from typing import Any, Mapping, Optional

from codat_settings import SettingError, check_base_url, url_allowed
from codat_settings.fields import text_problem

_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class _Reader:
    """Typed reads of one table, collecting problems with their dotted paths instead of raising."""

    def __init__(self, problems: list[str], path: str, table: Mapping[str, Any], known: tuple[str, ...]) -> None:
        self.problems, self.path, self.table = problems, path, table
        unknown = [key for key in table if key not in known]
        for key in unknown:
            self.problems.append(f"{path}.{key} is not a known field: remove it, or use one of {', '.join(known)}.")

    def at(self, key: str) -> str:
        return f"{self.path}.{key}"

    def get(self, key: str, kind: type | tuple, what: str, *, required: bool = False, default: Any = None) -> Any:
        if key not in self.table:
            if required:
                self.problems.append(f"{self.at(key)} is missing: add {key} = <{what}>.")
            return default
        value = self.table[key]
        if isinstance(value, bool) and kind in (int, (int,)):
            value = None  # true/false is not a number
        if value is None or not isinstance(value, kind):
            self.problems.append(f"{self.at(key)} must be {what} (got {_shown(self.table[key])}).")
            return default
        return value

    def strings(self, key: str, what: str) -> Optional[tuple[str, ...]]:
        value = self.get(key, list, f"a list of {what}")
        if value is None:
            return None
        if not all(isinstance(item, str) for item in value):
            self.problems.append(f"{self.at(key)} must be a list of {what} (strings), e.g. [\"...\"].")
            return None
        return tuple(value)

    def import_id(self, what: str) -> Optional[str]:
        """An `import_id`: text that names what Codat has (`what`), never empty, one line."""
        value = self.get("import_id", str, what)
        problem = text_problem(value, self.at("import_id"), example=what) if value is not None else None
        if problem:
            self.problems.append(problem)
        return value

    def url(self, key: str, *, required: bool = False, localhost_http: bool = False) -> Optional[str]:
        value = self.get(key, str, "an https:// URL", required=required)
        if value is None:
            return None
        if not url_allowed(value, localhost_http=localhost_http):
            also = " (or http:// for localhost)" if localhost_http else ""
            self.problems.append(f"{self.at(key)} must be an https:// URL{also} (got {value!r}).")
        return value

    def base_url(self, key: str) -> Optional[str]:
        """A Codat API base URL, by the rule every entry point applies (codat_settings)."""
        value = self.get(key, str, "an https:// URL")
        if value is None:
            return None
        try:
            return check_base_url(value, self.at(key))
        except SettingError as problem:
            self.problems.append(f"{problem}")
            return value

    def variable(self, key: str, default: str) -> str:
        value = self.get(key, str, "a Terraform variable name", default=default)
        if not _VARIABLE.fullmatch(value):
            self.problems.append(
                f"{self.at(key)} must be a Terraform variable name of letters, digits and underscores "
                f"(got {value!r}): Terraform reads it from TF_VAR_<name>."
            )
        return value


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)
