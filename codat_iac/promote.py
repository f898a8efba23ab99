"""`codat-iac promote A B --out FILE`: B's table of the environments file, written so that B matches A outside the
ignored settings, for review in a pull request and then `codat-iac plan B`.

The table starts from B as adopt reads it (every object B has, with the import id Terraform takes it over by), so
the plan changes nothing that compare did not list; A's value is put in place of B's for each setting compare
found different. With the declared form (`promote A live:B`) only what A declares is put in place.

What B keeps: its base URL, its own variable names (api_key_variable, client_id_variable and
client_secret_variable from B's table when the file has one, else the names adopt gives them), its hosts where
they are ignored (a webhook only in A gets the host B uses for the same host of A), and anything the file cannot
take away: credentials A does not have, a webhook consumer only in B when B's stack does not manage it, a profile
field A leaves empty, a custom data type only in B (Codat has no DELETE). Each is named, with what to do, in the
file's header and the command's output, and left out of the settings the plan will change.

Client ids: Codat shows them only masked, so the table names a variable (client_id_variable) for each. An
integration of B whose client id changes is created rather than imported (an imported integration refuses a client
id other than the one Codat holds); creating takes over the integration Codat has and sends the credentials set
in the variables. Xero declared without its app can only be imported, so its client id is not promoted.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Optional
from urllib.parse import urlsplit

from codat_iac import adopt, adopt_file
from codat_iac.compare import (
    HISTORY,
    PROFILE_FIELDS,
    URL_SETTINGS,
    CompareError,
    Comparison,
    check_files,
    declared_client_id,
    ignored,
    integration_tables,
    webhook_keys,
)
from codat_iac.withholding import holds_secret
from codat_settings.configuration import default_sync_setting
from codat_settings.secrets import scrub

#: Fields of a declared [xero] table that describe the Xero app, which Codat does not know: kept from B's table.
XERO_APP_FIELDS = ("app_name", "company_url", "tier", "redirect_uris", "privacy_policy_url", "terms_url",
                   "connection_guard")


@dataclass
class Promoted:
    """B's environments table and what a reviewer must know about it."""

    name: str
    table: dict[str, Any]
    promoted: list[str]  # the settings compare listed, now A's
    notes: list[str] = field(default_factory=list)  # what was not promoted, and what to check
    variables: dict[str, str] = field(default_factory=dict)  # TF_VAR_<name> -> what to set it to


class _Builder:
    def __init__(self, result: Comparison, env: Mapping[str, str]) -> None:
        self.a, self.b, self.patterns, self.env = result.a, result.b, result.patterns, env
        self.whole = result.a.side.live  # A live: everything; A declared: only what it declares
        self.declared_b = result.b.side.declared or {}
        self.name = result.b.side.name
        self.notes: list[str] = []
        self.unpromoted: set[str] = set()
        self.variables = {f"TF_VAR_{self.declared_b.get('api_key_variable', f'codat_api_key_{self.name}')}":
                          f"the Codat API key of {self.name}"}

    def skip(self, path: str) -> bool:
        return ignored(path, self.patterns)

    def note(self, text: str) -> None:
        self.notes.append(text)

    def not_promoted(self, path: str, why: str) -> None:
        """A difference the file cannot remove: named, and left out of what the plan will show."""
        self.unpromoted.add(path)
        self.note(f"{path}: {why}")

    # ------------------------------------------------------------------------------------------ build

    def build(self) -> dict[str, Any]:
        table: dict[str, Any] = {"base_url": self.b.side.base_url}
        if "api_key_variable" in self.declared_b:
            table["api_key_variable"] = self.declared_b["api_key_variable"]
        for where, integration in self.integrations():
            parent = table
            for step in where[:-1]:
                parent = parent.setdefault(step, {})
            parent[where[-1]] = integration
        for part, made in (("profile", self.profile()), ("webhooks", self.webhooks()),
                           ("sync_settings", self.sync_settings()), ("cors_origins", self.cors_origins())):
            if made:
                table[part] = made
        return table

    # ----------------------------------------------------------------------------------- integrations

    def integrations(self) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
        """Every integration B has and every one A has, each where B's file (else adopt) puts it."""
        b_live = {key: (where, t) for key, where, t in integration_tables(self.b.table)}
        b_declared = {key: (where, t) for key, where, t in integration_tables(self.declared_b)}
        a_live = {key: (where, t) for key, where, t in integration_tables(self.a.table)}
        used = {where for where, _ in [*b_declared.values(), *b_live.values()]}
        for key in dict.fromkeys([*b_live, *a_live]):
            where = (b_declared.get(key) or b_live.get(key) or a_live[key])[0]
            if key not in b_declared and key not in b_live and where in used:
                where = (*where[:-1], f"{where[-1]}_{key}")
            used.add(where)
            yield where, self.integration(key, where, a_live.get(key, (None, None))[1],
                                          b_live.get(key, (None, None))[1], b_declared.get(key, (None, None))[1])

    def integration(self, key: str, where: tuple[str, ...], a: Optional[dict], b: Optional[dict],
                    declared: Optional[dict]) -> dict[str, Any]:
        at, name = f"integrations.{key}", self.a.names.get(key) or self.b.names.get(key) or key
        table = copy.deepcopy(b) if b else {**({} if key == adopt.XERO else {"platform_key": key}), "import_id": key,
                                            "enabled": False}
        table.pop("client_id_variable", None)
        table.pop("client_secret_variable", None)
        speaks = a is not None or self.whole  # A says something about this integration
        if speaks and not self.skip(f"{at}.enabled"):
            table["enabled"] = a.get("enabled", True) if a else False
        a_holds = a is not None and ("client_id" in a or "client_id_variable" in a)
        b_holds = key in self.b.client_ids or bool(b and "client_id_variable" in b)
        if not speaks or self.skip(f"{at}.credentials") or self.skip(f"{at}.client_id"):
            a_holds = False  # B's credentials stay as they are
        elif b_holds and not a_holds:
            b_holds = False  # the table leaves Codat's credentials alone, as A's declares none
            if self.whole:
                self.not_promoted(f"{at}.credentials", f"{name}: B holds credentials and A does not; the file cannot "
                                  "remove them, so B keeps them (delete them in the Codat Portal to match A).")
        elif a_holds and b_holds and self.a.client_ids.get(key) != self.b.client_ids.get(key):
            if key == adopt.XERO and "app_name" not in (declared or {}):
                a_holds = b_holds = False
                self.not_promoted(f"{at}.client_id", f"{name}: Codat's Xero integration without its app is taken over "
                                  "by an import, which refuses a client id other than the one Codat holds: B keeps "
                                  "its own. Declare the Xero app in B's table (app_name, company_url, client_id) to "
                                  "move it to A's app.")
            else:
                table.pop("import_id", None)
                self.note(f"{at} ({name}): its client id changes ({self.b.client_ids.get(key)} -> "
                          f"{self.a.client_ids.get(key)}), so it is created rather than imported: the apply takes "
                          "over the integration Codat has and sends the credentials you set.")
        if a_holds or b_holds:
            self.credentials(key, where, name, table, a if a_holds else None, declared)
        if declared is not None:
            table.update({k: declared[k] for k in ("client_secret_version", "connection_cap") if k in declared})
            if key == adopt.XERO and "app_name" in declared:
                self.xero_app(table, declared, a if a_holds else None)
        if speaks:
            self.supplemental_data(at, name, table, a, b)
        self.custom_data_types(key, at, name, table, declared)
        return table

    def credentials(self, key: str, where: tuple[str, ...], name: str, table: dict, a: Optional[dict],
                    declared: Optional[dict]) -> None:
        """B's variable names for the client id and secret (its own when its table names them)."""
        declared = declared or {}
        id_variable = declared.get("client_id_variable", f"{where[-1]}_client_id_{self.name}")
        secret_variable = declared.get("client_secret_variable", f"{where[-1]}_client_secret_{self.name}")
        source = self.a if a is not None else self.b
        if "client_id" in declared and last4_of(declared["client_id"]) == source.client_ids.get(key):
            table["client_id"] = declared["client_id"]  # B's own, and the one wanted
        else:
            table["client_id_variable"] = id_variable
            self.variables[f"TF_VAR_{id_variable}"] = (
                f"the client id of {name} in {source.side.name} (Codat shows {source.client_ids.get(key, 'none')})")
        table["client_secret_variable"] = secret_variable
        self.variables[f"TF_VAR_{secret_variable}"] = f"the client secret of that {name} app"

    def xero_app(self, table: dict, declared: dict, a: Optional[dict]) -> None:
        """B declares its Xero app: the app's fields stay, and the app takes its client id in the file."""
        table.update({k: declared[k] for k in XERO_APP_FIELDS if k in declared})
        if "client_id_variable" in table:
            full = declared_client_id(a, self.env) if a is not None else declared.get("client_id")
            if not full:
                raise CompareError(
                    f"B ({self.name}) declares its Xero app, which takes the client id itself, and A's Xero client "
                    f"id ({self.a.client_ids.get(adopt.XERO)}) is known only masked: add client_id to A's [xero] table "
                    "(or set its client_id_variable), then promote again.")
            self.variables.pop(f"TF_VAR_{table.pop('client_id_variable')}", None)
            table["client_id"] = full
        elif "client_id" not in table:  # its credentials are left as B has them: the app still names them
            table["client_id"] = declared["client_id"]
            table["client_secret_variable"] = declared.get("client_secret_variable", f"xero_client_secret_{self.name}")

    def supplemental_data(self, at: str, name: str, table: dict, a: Optional[dict], b: Optional[dict]) -> None:
        ours, theirs = (a or {}).get("supplemental_data") or {}, (b or {}).get("supplemental_data") or {}
        data: dict[str, Any] = {}
        for data_type in dict.fromkeys([*theirs, *ours]):
            skipped = self.skip(f"{at}.supplemental_data.{data_type}") or (not self.whole and data_type not in ours)
            data[data_type] = copy.deepcopy((theirs if skipped else ours).get(data_type, {}))
        if data:
            table["supplemental_data"] = data

    def custom_data_types(self, key: str, at: str, name: str, table: dict, declared: Optional[dict]) -> None:
        """Those that differ, and those B's table declares (leaving them out would drop them from its stack)."""
        ours, theirs = self.a.custom.get(key, {}), self.b.custom.get(key, {})
        kept = (declared or {}).get("custom_data_types") or {}
        chosen: dict[str, Any] = {}
        for identifier in dict.fromkeys([*kept, *ours, *theirs]):
            path = f"{at}.custom_data_types.{identifier}"
            if identifier in ours and not self.skip(path) and (ours[identifier] != theirs.get(identifier)
                                                               or identifier in kept):
                chosen[identifier] = copy.deepcopy(ours[identifier])
            elif identifier in kept:
                chosen[identifier] = copy.deepcopy(theirs.get(identifier, kept[identifier]))
            elif identifier in theirs and self.whole and not self.skip(path):
                self.not_promoted(path, f"{name}: only in B, and Codat has no DELETE for custom data types: it stays.")
        if chosen:
            table["custom_data_types"] = chosen

    # ------------------------------------------------------------------------------------ the instance

    def profile(self) -> Optional[dict[str, Any]]:
        ours, theirs = self.a.table.get("profile"), self.b.table.get("profile")
        if theirs is None:
            for name in PROFILE_FIELDS if ours is not None else ():
                self.unpromoted.add(f"profile.{name}")
            if ours is not None:
                self.note("profile: B's profile cannot be written as it is (see adopt's note on it, in compare's Not "
                          "compared), so A's is not promoted.")
            return None
        profile = copy.deepcopy(theirs)
        if ours is None:
            return profile
        for name in PROFILE_FIELDS:
            path = f"profile.{name}"
            if self.skip(path) or (name not in ours and not self.whole):
                continue
            if name not in ours:
                if name in theirs:
                    self.not_promoted(path, f"A has none and the file cannot clear it: B keeps "
                                            f"{json.dumps(theirs[name])}.")
                continue
            profile[name] = self.url(path, ours[name], theirs.get(name))
        return profile

    def url(self, path: str, ours: Any, theirs: Any) -> Any:
        """A's URL, with B's host where the host is ignored."""
        if not (URL_SETTINGS.fullmatch(path) and self.skip(f"{path}.host") and isinstance(theirs, str)):
            return ours
        return urlsplit(ours)._replace(netloc=urlsplit(theirs).netloc).geturl()

    def webhooks(self) -> dict[str, Any]:
        ours, theirs = self.a.table.get("webhooks") or {}, self.b.table.get("webhooks") or {}
        our_keys, their_keys = webhook_keys(ours), webhook_keys(theirs)
        by_key = {key: table_id for table_id, key in their_keys.items()}
        renamed = self.declared_webhook_ids(theirs)
        hosts = {urlsplit(ours[a_id]["url"]).netloc: urlsplit(theirs[by_key[key]]["url"]).netloc
                 for a_id, key in our_keys.items() if key in by_key}
        made: dict[str, Any] = {}
        for table_id, hook in theirs.items():  # B's own, A's settings put in place where A has the consumer
            key = their_keys[table_id]
            a_id = next((i for i, k in our_keys.items() if k == key), None)
            if a_id is None and self.whole and not self.skip(f"webhooks.{key}"):
                self.not_promoted(f"webhooks.{key}", f"{hook['url']} is only in B; left out of the table, so a plan "
                                  "destroys it if B's stack manages it, else it stays (delete it in the Portal).")
                continue
            made[renamed.get(table_id, table_id)] = self.webhook(key, ours[a_id] if a_id else None, hook)
        for a_id, key in our_keys.items():  # only in A: created in B
            if key in by_key or self.skip(f"webhooks.{key}"):
                continue
            hook = {k: v for k, v in ours[a_id].items() if k != "import_id"}
            host = urlsplit(hook["url"]).netloc
            if self.skip(f"webhooks.{key}.url.host"):
                if host in hosts:
                    hook["url"] = urlsplit(hook["url"])._replace(netloc=hosts[host]).geturl()
                else:
                    self.note(f"webhooks.{key}: created with A's URL {hook['url']} (B has no consumer on a host to "
                              "take instead): check it before planning.")
            table_id = a_id
            while table_id in made:
                table_id += "_a"
            made[table_id] = hook
        return made

    def declared_webhook_ids(self, theirs: dict[str, Any]) -> dict[str, str]:
        """B's webhook table ids as B's file names them (matched by consumer id, else URL), so the resource
        addresses of a stack that manages them stay."""
        declared = self.declared_b.get("webhooks") or {}
        renamed = {}
        for table_id, hook in theirs.items():
            for declared_id, mine in declared.items():
                if mine.get("import_id") == hook["import_id"] or mine.get("url") == hook["url"]:
                    renamed[table_id] = declared_id
        return renamed

    def webhook(self, key: str, ours: Optional[dict], theirs: dict) -> dict[str, Any]:
        """B's consumer (its import id), with A's URL, event types, tags and switch where they are compared."""
        hook = copy.deepcopy(theirs)
        if ours is None:
            return hook
        for name in ("url", "event_types", "company_tags", "disabled"):
            path = f"webhooks.{key}.{name}"
            if self.skip(path) or (name not in ours and not self.whole and name != "disabled"):
                continue
            if name == "url":
                hook["url"] = self.url(path, ours["url"], theirs["url"])
            elif name == "disabled":
                hook.pop("disabled", None)
                hook.update({"disabled": True} if ours.get("disabled") else {})
            elif ours.get(name) or theirs.get(name):
                hook[name] = list(ours.get(name, []))
        return hook

    def sync_settings(self) -> Optional[dict[str, Any]]:
        ours, theirs = self.a.table.get("sync_settings"), self.b.table.get("sync_settings")
        declared = self.declared_b.get("sync_settings") or {}
        if ours is None and (theirs is None or not self.whole):
            return copy.deepcopy(theirs)
        our_types, their_types = (ours or {}).get("data_types") or {}, (theirs or {}).get("data_types") or {}
        data_types: dict[str, Any] = {}
        for data_type in dict.fromkeys([*their_types, *our_types]):
            mine = dict(their_types.get(data_type) or default_sync_setting(data_type))
            if data_type in our_types or self.whole:  # A's setting (Codat's default where A has none)
                wanted = our_types.get(data_type) or default_sync_setting(data_type)
                for name in dict.fromkeys([*wanted, *HISTORY]):
                    if self.skip(f"sync_settings.data_types.{data_type}.{name}"):
                        continue
                    if name in wanted:
                        mine[name] = _text(wanted[name])
                    else:  # how far back to fetch: left out means all history
                        mine.pop(name, None)
            data_types[data_type] = mine
        overrides = (theirs or {}).get("overrides_defaults", True)
        if ours is not None and not self.skip("sync_settings.overrides_defaults"):
            overrides = ours.get("overrides_defaults", True)
        settings = {"import_id": ",".join(data_types), "overrides_defaults": overrides, "data_types": data_types}
        if "on_destroy" in declared:
            settings["on_destroy"] = declared["on_destroy"]
        return settings

    def cors_origins(self) -> Optional[dict[str, Any]]:
        ours, theirs = self.a.table.get("cors_origins"), self.b.table.get("cors_origins")
        declared = self.declared_b.get("cors_origins") or {}
        if self.skip("cors_origins") or (ours is None and not self.whole):
            return copy.deepcopy(theirs)
        wanted = list((ours or {}).get("allowed_origins", []))
        if theirs is None and not wanted:
            return None
        cors = {"import_id": "cors", "allowed_origins": wanted}
        if "on_destroy" in declared:
            cors["on_destroy"] = declared["on_destroy"]
        return cors


def last4_of(value: Any) -> Optional[str]:
    return f"...{value[-4:]}" if isinstance(value, str) and len(value) > 4 else None


def _text(value: Any) -> Any:
    """TOML dates as the ISO text the file takes (a date from A's file is read as a date)."""
    return value.isoformat() if hasattr(value, "isoformat") else value


def _strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")
    elif isinstance(value, str):
        yield path, value


def promote(result: Comparison, env: Mapping[str, str]) -> Promoted:
    """B's table so that B matches A outside the ignored settings; CompareError when it cannot be written."""
    for configuration in (result.a, result.b):
        if configuration.withheld:
            raise configuration.side.problem(
                f"{sorted(configuration.withheld)[0]} held a secret, so adopt's reader left it out and promote cannot "
                "write a table that matches: nothing was written; take the secret out of that field in Codat.")
    builder = _Builder(result, env)
    table = builder.build()
    name = result.b.side.name
    for path, text in _strings(table):
        if holds_secret(text):
            raise CompareError(f"environments.{name}.{path} would hold a secret (the value read from Codat "
                               "carries one): nothing was written; correct that value in Codat first.")
    promoted = [row.setting for row in result.rows if row.setting not in builder.unpromoted]
    return Promoted(name, table, promoted, builder.notes, builder.variables)


def render(promoted: Promoted, result: Comparison, command: str) -> str:
    a, b = result.a.side, result.b.side
    head = [
        f"Environments file written by `{command} promote {a.spelled} {b.spelled}`: the table of {b.name} ("
        f"{b.source}) so that it matches {a.name} outside the ignored settings "
        f"({', '.join(result.patterns) or 'none'}). Use it with CODAT_IAC_ENVIRONMENTS, or put the table in your "
        f"environments file; then `{command} plan {b.name} --out DIR`.",
        "",
        f"Tables with an import_id are what {b.name} already has: Terraform imports them, so the plan changes only "
        f"these settings, each now as {a.name} has it:",
    ]
    head += [f"  - {setting}" for setting in promoted.promoted] or ["  - none"]
    if promoted.notes:
        head += ["", "Read before planning:"] + [f"  - {note}" for note in promoted.notes]
    head += ["", "No secret is in this file. Set these before planning:"]
    head += [f"  - {variable}: {what}" for variable, what in promoted.variables.items()]
    return scrub(adopt_file.comment(head) + adopt_file.render_table(("environments", b.name), promoted.table))


def render_text(promoted: Promoted, result: Comparison, out: Path, command: str) -> str:
    lines = [f"Wrote the table of {promoted.name} to {out}: {len(promoted.promoted)} setting(s) now as "
             f"{result.a.side.name} has them" + (":" if promoted.promoted else ".")]
    lines += [f"  {setting}" for setting in promoted.promoted]
    if promoted.notes:
        lines += ["Read before planning:"] + [f"  - {note}" for note in promoted.notes]
    lines.append(f"Set before `{command} plan {promoted.name} --out DIR` (CODAT_IAC_ENVIRONMENTS={out}):")
    lines += [f"  {variable}: {what}" for variable, what in promoted.variables.items()]
    return scrub("\n".join(lines) + "\n")


def refuse_existing(out: Path, force: bool) -> None:
    """Before anything is read: --out must name a file, and one that exists only with --force."""
    try:
        adopt_file.refuse_existing(out, force=True)
    except adopt_file.AdoptError as problem:
        raise CompareError(str(problem)) from None
    if out.exists() and not force:
        raise CompareError(f"--out {out} exists; promote does not overwrite it: choose another file, or add --force "
                           "to replace it.")


def write(out: Path, text: str, force: bool, env: Mapping[str, str]) -> None:
    """`text` to `out` in one step: a temp file beside it, checked by the environments file's rules, renamed over
    it. Any error leaves no file (and an existing one as it was)."""
    refuse_existing(out, force)
    if not out.parent.is_dir():
        raise CompareError(f"--out {out}: the folder {out.parent} does not exist; create it or pick another path.")
    handle, temp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".toml", dir=out.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        check_files([temp], env)
        os.replace(temp, out)
    finally:
        Path(temp).unlink(missing_ok=True)
