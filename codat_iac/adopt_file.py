"""What `codat-iac adopt` writes and prints: the environments file (TOML, with comments that say what was adopted,
which variables to set and what is not represented), the same findings as JSON (`--json`) and as text.

The TOML is written here because the standard library reads TOML but does not write it; the values adopt
writes are strings, booleans, whole numbers, lists of strings and tables of strings, so a small renderer does.
`document()` is the data the file holds: tomllib.loads(render(...)) equals it, character for character, for any
text Codat holds (tests hold to that). The file holds text as text: `${...}` in a value stays in the file as
it is, and the constructs write it into the stack as text (codat_settings.literal).

Before writing, the values are checked by the rules the file is loaded with (codat_settings.fields and
.configuration): a value Codat holds that the file would refuse (a line break in the profile's name, a
password in a webhook's URL, ...) stops adopt with the key and the fix, instead of writing a file whose first
plan fails.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import textwrap
from pathlib import Path
from typing import Any, Iterator

from codat_iac.adopt import XERO, Adopted, AdoptError, Integration
from codat_settings.configuration import profile_problems, webhook_problems
from codat_settings.fields import control_character, text_problem

_BARE = re.compile(r"[A-Za-z0-9_-]+")


# ------------------------------------------------------------------------------------------- the data


def _integration_table(found: Adopted, integration: Integration) -> dict[str, Any]:
    table: dict[str, Any] = {}
    if integration.key != XERO:
        table["platform_key"] = integration.key
    table["import_id"] = integration.key
    table["enabled"] = integration.enabled
    if integration.credentials:
        table["client_id_variable"] = found.client_id_variable(integration)
        table["client_secret_variable"] = found.client_secret_variable(integration)
    if integration.supplemental_data:
        table["supplemental_data"] = integration.supplemental_data
    return table


def document(found: Adopted) -> dict[str, Any]:
    """The environments file's data: one environment, every adopted table with its import id."""
    environment: dict[str, Any] = {"base_url": found.base_url}
    accounting = {}
    for integration in found.integrations:
        if integration.key == XERO:
            environment["xero"] = _integration_table(found, integration)
        else:
            accounting[integration.table] = _integration_table(found, integration)
    if accounting:
        environment["accounting"] = accounting
    if found.profile is not None:
        environment["profile"] = dict(found.profile)
    if found.webhooks:
        environment["webhooks"] = {name: dict(hook) for name, hook in found.webhooks.items()}
    if found.sync_settings is not None:
        environment["sync_settings"] = found.sync_settings
    if found.cors_origins is not None:
        environment["cors_origins"] = {"import_id": "cors", "allowed_origins": list(found.cors_origins)}
    return {"environments": {found.name: environment}}


# ------------------------------------------------------------------------------------------------ TOML


def _key(key: str) -> str:
    return key if _BARE.fullmatch(key) else _string(key)


def _string(text: str) -> str:
    # JSON's escapes are TOML's, except that TOML also wants DEL escaped; C1 controls are escaped to be seen.
    quoted = json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007F")
    return _C1.sub(lambda m: f"\\u{ord(m.group()):04X}", quoted)


_C1 = re.compile("[\x80-\x9f]")
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }" if value else "{}"
    raise TypeError(f"adopt does not write {type(value).__name__} values")


def _header(path: tuple[str, ...]) -> str:
    return "[" + ".".join(_key(step) for step in path) + "]"


def _comment(lines: list[str], width: int = 116) -> str:
    """Comment lines, each wrapped at `width` (continuations indented as the line's own text is). Text from Codat in
    them (an integration's name) has its control characters shown as escapes: a line break would end the comment."""
    out = []
    for line in (_UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04X}", line) for line in lines):
        indent = " " * (len(line) - len(line.lstrip(" -")))
        out += textwrap.wrap(line, width - 2, subsequent_indent=indent, break_long_words=False,
                             break_on_hyphens=False) or [""]
    return "".join(f"# {line}".rstrip() + "\n" for line in out)


def _integration_comments(found: Adopted, integration: Integration) -> list[str]:
    state = "enabled" if integration.enabled else "disabled"
    held = "Codat holds credentials" if integration.credentials else "Codat holds no credentials"
    lines = [f"{integration.name} ({integration.key}): {state}; {held}."]
    if integration.credentials:
        lines += [
            "Codat shows the client id only masked, so it is not written here: set "
            f"TF_VAR_{found.client_id_variable(integration)} to the app's client id (or replace client_id_variable "
            f"with client_id = \"<the id>\"). The client secret comes from "
            f"TF_VAR_{found.client_secret_variable(integration)}; the plan compares its last 4 characters with "
            "Codat's and stops, before any write, when they differ.",
        ]
    elif integration.key in found.credentials_unreadable:
        lines.append("Codat's credentials endpoint did not answer for it: add client_id and the secret to manage them.")
    else:
        lines.append("Add client_id (or client_id_variable) to set credentials; without them Codat's are left alone.")
    if integration.key == XERO:
        lines.append("Codat does not know the Xero app's name, URL or tier: add app_name, company_url, client_id and "
                     "tier to declare the app (its RUNBOOK.md and the connection-cap guard).")
    return lines


def _tables(found: Adopted) -> list[tuple[tuple[str, ...], dict[str, Any], list[str]]]:
    """(table path, its keys and values, the comment above it), in the order the file lists them."""
    env = ("environments", found.name)
    data = document(found)["environments"][found.name]
    tables: list[tuple[tuple[str, ...], dict[str, Any], list[str]]] = [(env, {"base_url": found.base_url}, [])]
    for integration in found.integrations:
        path = env + (("xero",) if integration.key == XERO else ("accounting", integration.table))
        table = _integration_table(found, integration)
        supplemental = table.pop("supplemental_data", {})
        tables.append((path, table, _integration_comments(found, integration)))
        for data_type, sources in supplemental.items():
            for name, source in sources.items():
                note = [f"Imported with the integration ({integration.key}/{data_type}): this data type's whole "
                        "configuration."] if name == next(iter(sources)) else []
                tables.append((path + ("supplemental_data", data_type, name), source, note))
    if "profile" in data:
        tables.append((env + ("profile",), data["profile"], ["The account's profile (every Codat instance has one)."]))
    for name, hook in data.get("webhooks", {}).items():
        tables.append((env + ("webhooks", name), hook, []))
    if "sync_settings" in data:
        settings = dict(data["sync_settings"])
        data_types = settings.pop("data_types")
        tables.append((env + ("sync_settings",), settings, [
            "The data types whose sync setting is not Codat's default, as Codat holds them; this table manages "
            "only those, and Codat keeps its settings for the others."]))
        for data_type, fields in data_types.items():
            tables.append((env + ("sync_settings", "data_types", data_type), fields, []))
    if "cors_origins" in data:
        tables.append((env + ("cors_origins",), data["cors_origins"], [
            "The whole list: an origin added later in the Portal shows as drift."]))
    return tables


def refused_values(found: Adopted) -> list[str]:
    """Every value of the file that loading it would refuse, as `<file key> <why and the fix>`: a control character
    in any text (table keys included), and the profile's and webhook consumers' own rules (a name's length, a user
    or password in a URL). The other tables' values were checked as adopt read them (codat_iac/adopt.py)."""
    environment = document(found)["environments"][found.name]
    at = f"environments.{found.name}"
    refused = dict(_control_characters(environment, at))
    tables = [(f"{at}.profile", profile_problems(environment["profile"]))] if "profile" in environment else []
    tables += [(f"{at}.webhooks.{_key(name)}", webhook_problems(hook))
               for name, hook in environment.get("webhooks", {}).items()]
    for table, problems in tables:
        for problem in problems:
            path = table + "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in problem.path)
            field = problem.path[-1] if isinstance(problem.path[-1], str) else f"{problem.path[-2]}[{problem.path[-1]}]"
            refused.setdefault(path, problem.message.removeprefix(field).lstrip())
    return [f"{path} {why}" for path, why in refused.items()]


def _control_characters(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """(file key, why) for each string under `value`, table keys included, that holds a control character."""
    if isinstance(value, str):
        problem = text_problem(value, "", required=False, max_length=len(value))  # only a control character
        if problem:
            yield path, problem.lstrip()
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _control_characters(key, f"{path} (a key)")
            yield from _control_characters(item, f"{path}.{'<that key>' if control_character(key) else _key(key)}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _control_characters(item, f"{path}[{index}]")


def render_table(path: tuple[str, ...], table: dict[str, Any], comments: list[str] | None = None) -> str:
    """One [table] with its keys, then each of its sub-tables (a dict value) the same way: a file other than
    adopt's own (codat-iac promote) written by the same TOML rules. A table that only holds tables gets no header."""
    keys = {key: value for key, value in table.items() if not isinstance(value, dict)}
    out = []
    if keys or comments or not table:
        out.append("\n" + _comment(comments or []) + _header(path) + "\n")
        out.append("".join(f"{_key(key)} = {_value(value)}\n" for key, value in keys.items()))
    out += [render_table(path + (key,), value) for key, value in table.items() if isinstance(value, dict)]
    return "".join(out)


def comment(lines: list[str]) -> str:
    """`lines` as TOML comment lines, wrapped as adopt wraps its own."""
    return _comment(lines)


def render(found: Adopted, command: str) -> str:
    """The environments file for `found`: a header that says where it came from, what to set and what is not
    represented, then one table per adopted object. AdoptError when Codat holds a value the file would refuse."""
    refused = refused_values(found)
    if refused:
        listed = "\n".join(f"  - {problem}" for problem in refused)
        raise AdoptError(
            f"Codat holds {len(refused)} value(s) the environments file does not take, so no file was written:\n"
            f"{listed}\nChange them in the Codat Portal (or through Codat's API), then run adopt again.")
    head = [
        f"Environments file written by `{command} adopt --name {found.name}` from Codat at {found.base_url} "
        f"({found.requests} GET requests, no write). Use it with CODAT_IAC_ENVIRONMENTS; the format is described in "
        "codat_constructs/environments.example.toml.",
        "",
        "Every table with an import_id is something Codat already has: Terraform imports it instead of creating it, "
        f"so the first `{command} plan {found.name} --out DIR` shows imports only (0 to add, 0 to change, 0 to "
        "destroy). After the first apply the import_id keys do nothing: keep them or remove them.",
        "",
        "No secret and no masked value is in this file. Set these before planning:",
    ]
    head += [f"  - {name}: {what}" for name, what in found.variables().items()]
    if found.not_represented:
        head += ["", "Not represented here (each stays in Codat as it is):"]
        head += [f"  - {item}" for item in found.not_represented]
    out = [_comment(head)]
    for path, values, comments in _tables(found):
        out.append("\n" + _comment(comments) + _header(path) + "\n")
        out.append("".join(f"{_key(key)} = {_value(value)}\n" for key, value in values.items()))
    return "".join(out)


def write(path: Path, text: str, force: bool) -> None:
    """Write `text` to `path` in one step (a temp file renamed over it), never over a file without `force`."""
    refuse_existing(path, force)
    if not path.parent.is_dir():
        raise AdoptError(f"--out {path}: the folder {path.parent} does not exist; create it or pick another path.")
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def refuse_existing(path: Path, force: bool) -> None:
    if not str(path).strip() or path.is_dir():
        raise AdoptError(f"--out {str(path)!r} is not a file name: give the environments file to write, e.g. "
                         "--out environments.toml.")
    if path.exists() and not force:
        raise AdoptError(f"--out {path} exists; adopt does not overwrite it: choose another file, or add --force to "
                         "replace it.")


# -------------------------------------------------------------------------------------- what it prints


def as_json(found: Adopted, out: Path, written: bool) -> dict[str, Any]:
    """What was found, for review (e.g. in a pull request): the file's data, the variables, what is not in it."""
    return {
        "environment": found.name,
        "base_url": found.base_url,
        "file": str(out) if written else None,
        "written": written,
        "requests": found.requests,
        "integrations": [{"table": "xero" if i.key == XERO else f"accounting.{i.table}", "platform_key": i.key,
                          "name": i.name, "enabled": i.enabled, "credentials": i.credentials,
                          "supplemental_data": sorted(i.supplemental_data)} for i in found.integrations],
        "environments": document(found)["environments"] if written else {},
        "variables": found.variables() if written else {},
        "not_represented": [{"what": n.what, "why": n.why} for n in found.not_represented],
    }


def render_text(found: Adopted, out: Path, written: bool, command: str) -> str:
    lines = []
    if not written:
        lines.append(f"Nothing to adopt at {found.base_url}: no integration is enabled or holds credentials, and there "
                     "are no webhook consumers, sync settings other than Codat's defaults or CORS origins (the profile "
                     f"alone, which every instance has, is not a setup). {out} was not written.")
    else:
        lines.append(f"Adopted Codat at {found.base_url} into {out} as environment {found.name} "
                     f"({found.requests} GET requests, no write):")
        for i in found.integrations:
            where = "xero" if i.key == XERO else f"accounting.{i.table}"
            held = "credentials held" if i.credentials else "no credentials"
            extra = f"; supplemental data: {', '.join(i.supplemental_data)}" if i.supplemental_data else ""
            lines.append(f"  {where} ({i.key}): {i.name}, {'enabled' if i.enabled else 'disabled'}, {held}{extra}")
        if found.profile is not None:
            lines.append(f"  profile: {found.profile['name']!r}" if "name" in found.profile
                         else "  profile: (name left out)")
        lines += [f"  webhooks.{name}: {hook.get('url', '(url left out)')}" for name, hook in found.webhooks.items()]
        if found.sync_settings is not None:
            lines.append(f"  sync_settings: {', '.join(found.sync_settings['data_types'])}")
        if found.cors_origins is not None:
            lines.append(f"  cors_origins: {', '.join(found.cors_origins)}")
        lines.append(f"Set before `{command} plan {found.name} --out DIR` (CODAT_IAC_ENVIRONMENTS={out}):")
        lines += [f"  {name}: {what}" for name, what in found.variables().items()]
    # With nothing adopted, what the profile holds and what cannot be listed say nothing about a setup.
    missing = found.not_represented if written else [
        n for n in found.not_represented if not n.what.startswith("profile") and n.what != "custom data types"]
    if missing:
        lines.append("Not represented" + (f" (also listed as comments in {out}):" if written else ":"))
        lines += [f"  - {item}" for item in missing]
    return "\n".join(lines) + "\n"
