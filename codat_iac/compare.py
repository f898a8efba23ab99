"""`codat-iac compare A B`: is one Codat instance configured like another? Setting by setting, what differs.

Each side is read with GET requests only, through adopt's reader (codat_iac/adopt.py), so compare sees exactly
what adopt would write. A side is written as:
  NAME        a stack of the environments file (CODAT_IAC_ENVIRONMENTS): its Codat, read live, at the stack's
              base_url with the API key in TF_VAR_<api_key_variable> (TF_VAR_codat_api_key_NAME by default);
  live:NAME   an instance given by --base-url-NAME URL and --api-key-env-NAME VARIABLE (the environment variable
              that holds its API key); without them, stack NAME's base_url and key variable from the file.
The declared form, `compare A live:B`: a plain A facing a live: B is A's declared configuration (its table in
the file), compared with B's live Codat: what deploying A's file to B would change, and only what A declares.

Compared: integrations (by platform key: on/off, credentials held, the client id's last 4 characters; never a
secret), their supplemental data per data type and the custom data types the files name, the profile, webhook
consumers (matched by their URL's path, so hosts may differ; URL, event types, company tags, disabled), the sync
settings per data type, the CORS origins. Settings that differ by nature between instances are ignored by path:
profile.name, profile.redirect_url.host and webhooks.*.url.host (IGNORED_BY_DEFAULT); `--ignore PATTERN` adds a
glob, `--no-default-ignores` drops the defaults. A pattern that ends in `.host` ignores only the host of a URL:
`profile.redirect_url.host` compares redirect URLs without it.

Exit codes as drift: 0 the same, 2 different, 1 an error (one line naming the side: A or B, and its name).
"""

from __future__ import annotations

import datetime
import fnmatch
import json
import re
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Optional
from urllib.parse import urlsplit, urlunsplit

from codat_iac import adopt
from codat_iac.adopt_file import document
from codat_iac.drift import EXIT_CLEAN, EXIT_DIFFERENT, EXIT_ERROR
from codat_iac.withholding import WITHHELD, holds_secret
from codat_settings import TABLE_NAME, SettingError, check_base_url, shown_url
from codat_settings.configuration import default_sync_setting, sync_from_moment
from codat_settings.secrets import SecretHold, scrub, secrets_from_environment

ENVIRONMENTS_ENV = "CODAT_IAC_ENVIRONMENTS"
DEFAULT_API_URL = "https://api.codat.io"
LIVE = "live:"
#: Per-environment by nature: the profile's name, the host its redirect URL sends users to, webhook hosts.
IGNORED_BY_DEFAULT = ("profile.name", "profile.redirect_url.host", "webhooks.*.url.host")
ABSENT = "(absent)"
PROFILE_FIELDS = ("name", "redirect_url", "logo_url", "icon_url", "white_list_urls")
URL_SETTINGS = re.compile(r"profile\.(redirect_url|logo_url|icon_url)|webhooks\.[^.]+\.url")
HISTORY = ("sync_from_utc", "sync_from_window")  # left out of a declared data type means "all history"
HELD = "held a secret"  # in each of adopt's reasons for leaving out a value that held one
CELL = 120  # characters of a value in the table and the Markdown (the JSON has it whole)
MARKDOWN_ROWS, MARKDOWN_NOTES = 120, 30  # a pull request comment holds 65,536 characters
_INSTANCE_FLAG = re.compile(r"--(base-url|api-key-env)-([a-z][a-z0-9_]{0,39})(?:=(.*))?", re.DOTALL)


class CompareError(RuntimeError):
    """compare or promote cannot go on; the one-line message names the side (A or B) and the fix."""


# ------------------------------------------------------------------------------------------------- sides


@dataclass(frozen=True)
class Side:
    """One side of a comparison: where its configuration comes from."""

    label: str  # "A" or "B"
    name: str  # the stack (environment) name
    live: bool  # read from Codat; otherwise the declared table
    spelled: str  # as given on the command line
    base_url: str = ""
    key_variable: str = ""  # the environment variable holding its API key
    declared: Optional[dict[str, Any]] = None  # its table in the environments file, when it has one
    source: str = ""  # where it was read from, for the report

    def __str__(self) -> str:
        return f"{self.label} ({self.spelled})"

    def problem(self, text: str) -> CompareError:
        return CompareError(scrub(f"side {self}: {text}"))


def instance_flags(argv: list[str]) -> tuple[list[str], dict[str, dict[str, str]]]:
    """argv without the --base-url-NAME and --api-key-env-NAME options (argparse cannot name options after
    values), and those options by NAME: {"prod": {"base-url": ..., "api-key-env": ...}}."""
    rest: list[str] = []
    flags: dict[str, dict[str, str]] = {}
    items = iter(argv)
    for arg in items:
        matched = _INSTANCE_FLAG.fullmatch(arg)
        if matched is None:
            rest.append(arg)
            continue
        kind, name, value = matched.groups()
        if value is None:
            value = next(items, None)
            if value is None:
                raise CompareError(f"--{kind}-{name} needs a value, e.g. --{kind}-{name} "
                                   + ("https://api.codat.io" if kind == "base-url" else "PROD_CODAT_API_KEY"))
        flags.setdefault(name, {})[kind] = value
    return rest, flags


def _environments(env: Mapping[str, str]) -> tuple[Optional[str], dict[str, Any]]:
    """The environments file's name and its environment tables (None and {} when CODAT_IAC_ENVIRONMENTS is unset)."""
    path = env.get(ENVIRONMENTS_ENV)
    if not path:
        return None, {}
    try:
        tables = tomllib.loads(Path(path).read_text(encoding="utf-8")).get("environments")
    except FileNotFoundError:
        raise CompareError(f"{ENVIRONMENTS_ENV} is {path}, and there is no such file: check it.") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as problem:
        raise CompareError(f"{ENVIRONMENTS_ENV} file {path} cannot be read: {problem}.") from None
    if not isinstance(tables, dict) or not all(isinstance(table, dict) for table in tables.values()):
        raise CompareError(f"{ENVIRONMENTS_ENV} file {path} has no [environments.<name>] tables: see "
                           "codat_constructs/environments.example.toml.")
    return path, tables


_CHECK = ("import sys\nfrom codat_constructs.environments import load_environments\n"
          "try:\n    [load_environments(path) for path in sys.argv[1:]]\n"
          "except Exception as problem:\n    sys.exit(' '.join(str(problem).split()))\n")


def check_files(paths: list[str], env: Mapping[str, str]) -> None:
    """The environments files, by the rules every command applies (the constructs' own reader, in a child
    process: it loads the CDK, which runs Node). CompareError with every problem when one breaks them."""
    done = subprocess.run([sys.executable, "-c", _CHECK, *paths], env=dict(env), capture_output=True, text=True,
                          timeout=300)
    if done.returncode != 0:
        raise CompareError(scrub(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else
                                 f"checking {', '.join(paths)} failed (exit {done.returncode})."))


def resolve(spelled_a: str, spelled_b: str, flags: dict[str, dict[str, str]], env: Mapping[str, str],
            promoting: bool = False) -> tuple[Side, Side]:
    """The two sides, by the rules in the module's doc."""
    path, tables = _environments(env)
    declared_form = not spelled_a.startswith(LIVE) and spelled_b.startswith(LIVE)
    if (declared_form or promoting) and path is not None:
        check_files([path], env)  # tables read as declarations (A's; B's names for promote): by the file's rules
    sides = (_side("A", spelled_a, not declared_form, flags, path, tables, env),
             _side("B", spelled_b, True, flags, path, tables, env))
    unused = sorted(set(flags) - {side.name for side in sides if side.spelled.startswith(LIVE)})
    if unused:
        raise CompareError(f"--base-url-{unused[0]} / --api-key-env-{unused[0]} name no side: write live:{unused[0]} "
                           "as A or B, or remove them.")
    return sides


def _side(label: str, spelled: str, live: bool, flags: dict[str, dict[str, str]], path: Optional[str],
          tables: dict[str, Any], env: Mapping[str, str]) -> Side:
    given = spelled.startswith(LIVE)
    name = spelled[len(LIVE):] if given else spelled
    where = f"side {label} ({spelled})"
    if not TABLE_NAME.fullmatch(name):
        raise CompareError(f"{where}: a stack name is lowercase letters, digits and _, starting with a letter (at "
                           "most 40 characters), e.g. production or live:production.")
    table = tables.get(name)
    options = flags.get(name, {}) if given else {}
    if table is None and len(options) == 1:
        raise CompareError(f"{where}: give both --base-url-{name} URL and --api-key-env-{name} VARIABLE (or "
                           f"declare {name} in the environments file).")
    if table is None and not options:
        if path is None:
            raise CompareError(f"{where}: {ENVIRONMENTS_ENV} is not set, so no stack is named {name!r}: point it "
                               f"at the environments file, or give live:{name} with --base-url-{name} URL and "
                               f"--api-key-env-{name} VARIABLE.")
        raise CompareError(f"{where}: there is no environment {name!r} in {path} (it has: "
                           f"{', '.join(tables) or 'none'}): check the name, or give live:{name} with "
                           f"--base-url-{name} and --api-key-env-{name}.")
    if not live:
        return Side(label, name, False, spelled, declared=table, source=f"declared in {path}")
    table = table or {}
    base_url = options.get("base-url") or (table["base_url"] if "base_url" in table else
                                            env.get("CODAT_BASE_URL") or DEFAULT_API_URL)
    try:
        base_url = check_base_url(str(base_url), f"--base-url-{name}" if "base-url" in options else
                                  f"environments.{name}.base_url" if "base_url" in table else "CODAT_BASE_URL")
    except SettingError as problem:
        raise CompareError(f"{where}: {problem}") from None
    variable = options.get("api-key-env") or f"TF_VAR_{table.get('api_key_variable', f'codat_api_key_{name}')}"
    if not env.get(variable):
        raise CompareError(f"{where}: {variable} is not set: export it with the Codat API key of {name}"
                           + (f" (or name another variable with --api-key-env-{name})." if given else "."))
    return Side(label, name, True, spelled, base_url, variable, tables.get(name),
                f"Codat at {shown_url(base_url)}")


# ---------------------------------------------------------------------------------------- configuration


@dataclass
class Configuration:
    """One side's configuration in the environments file's shape (a live side: as adopt would write it), with
    what the file cannot hold: the client ids as Codat shows them, the integrations' names, what was not read."""

    side: Side
    table: dict[str, Any]
    client_ids: dict[str, str] = field(default_factory=dict)  # platform key -> "...1234"
    custom: dict[str, dict[str, Any]] = field(default_factory=dict)  # platform key -> identifier -> configuration
    names: dict[str, str] = field(default_factory=dict)  # platform key -> "QuickBooks Online"
    adopted: Optional[adopt.Adopted] = None  # a live side's reading
    not_compared: list[str] = field(default_factory=list)
    withheld: set[str] = field(default_factory=set)  # settings adopt's reader left out: their value held a secret


def integration_tables(table: Mapping[str, Any]) -> Iterator[tuple[str, tuple[str, ...], dict[str, Any]]]:
    """(platform key, where the table sits, the table) for [xero] and each [accounting.<id>]."""
    if isinstance(table.get("xero"), dict):
        yield adopt.XERO, ("xero",), table["xero"]
    for key, accounting in (table.get("accounting") or {}).items():
        if isinstance(accounting, dict) and isinstance(accounting.get("platform_key"), str):
            yield accounting["platform_key"], ("accounting", key), accounting


def declared_client_id(integration: Mapping[str, Any], env: Mapping[str, str]) -> Optional[str]:
    """A declared integration's client id: the file's client_id, else the value of its client_id_variable."""
    if isinstance(integration.get("client_id"), str):
        return integration["client_id"]
    variable = integration.get("client_id_variable")
    if not isinstance(variable, str):
        return None
    return env.get(f"TF_VAR_{variable}") or None


def last4(value: str) -> str:
    return f"...{value[-4:]}" if len(value) > 4 else "...(hidden)"


def named_custom_data_types(*tables: Optional[Mapping[str, Any]]) -> dict[str, list[str]]:
    """The custom data types the files name, by platform key (Codat has no list of them)."""
    named: dict[str, list[str]] = {}
    for table in tables:
        for key, _, integration in integration_tables(table or {}):
            for identifier in integration.get("custom_data_types") or {}:
                named.setdefault(key, [])
                if identifier not in named[key]:
                    named[key].append(identifier)
    return named


def read(side: Side, env: Mapping[str, str], timeout: float, custom: dict[str, list[str]]) -> Configuration:
    """A live side through adopt's reader (GET requests only); a declared side from its table."""
    if not side.live:
        table = side.declared or {}
        client_ids = {key: last4(client_id) for key, _, integration in integration_tables(table)
                      if (client_id := declared_client_id(integration, env))}
        declared_custom = {key: dict(integration["custom_data_types"])
                           for key, _, integration in integration_tables(table) if integration.get("custom_data_types")}
        return Configuration(side, table, client_ids, declared_custom)
    from codat_client import CodatClient, RetryPolicy

    try:
        with CodatClient(side.base_url, env[side.key_variable], timeout=min(timeout, 30.0),
                         retry=RetryPolicy(deadline=timeout)) as client:
            found = adopt.read(client, side.name, side.base_url, custom)
    except adopt.ReadFailed as failed:
        raise _read_problem(side, failed.codat_error, timeout) from None
    table = document(found)["environments"][side.name]
    return Configuration(
        side, table,
        client_ids={i.key: last4(i.client_id_masked) for i in found.integrations if i.client_id_masked},
        custom=found.custom_data_types,
        names={i.key: i.name for i in found.integrations}, adopted=found,
        not_compared=[str(n) for n in found.not_represented if n.what != adopt.CUSTOM_DATA_TYPES[0]],
        withheld=_withheld(found, table))


def _withheld(found: adopt.Adopted, table: Mapping[str, Any]) -> set[str]:
    """What adopt's reader left out because it held a secret, as compare's paths where it has one (the profile's
    fields, a webhook's, the CORS origins), else as adopt names it. An integration's name is only a label."""
    keys = webhook_keys(table.get("webhooks") or {})
    paths = set()
    for item in found.not_represented:
        if HELD not in item.why or item.what.startswith("the name of integration"):
            continue
        if item.what.startswith("webhooks.") and item.what.count(".") == 2:
            _, table_id, name = item.what.split(".")
            paths.add(f"webhooks.{keys.get(table_id, table_id)}.{name}")
        else:
            paths.add("cors_origins" if item.what == "CORS origins" else item.what)
    return paths


def _read_problem(side: Side, error: Exception, timeout: float) -> CompareError:
    from codat_client import AuthenticationError, DeadlineExceededError, PermissionDeniedError, TransportError

    at = f"Codat at {shown_url(side.base_url)}"
    flag = f" (--base-url-{side.name})" if side.spelled.startswith(LIVE) else " (its base_url)"
    if isinstance(error, AuthenticationError):
        return side.problem(f"{at} rejected the API key (401): set {side.key_variable} to the API key of {side.name} "
                            "(Codat Portal > Developers > API keys).")
    if isinstance(error, PermissionDeniedError):
        return side.problem(f"{at} refused the API key (403): use a key of {side.name} that may read its "
                            f"configuration, in {side.key_variable}.")
    timed_out = isinstance(error, DeadlineExceededError) or "timeout" in str(error).lower()
    if isinstance(error, TransportError) and timed_out:
        return side.problem(f"{at} did not answer within {timeout:g} s: check the URL{flag} and that the instance is "
                            "up, or give it longer with --timeout SECONDS.")
    if isinstance(error, TransportError):
        return side.problem(f"{at} could not be reached: check the URL{flag} and that the instance is up.")
    return side.problem(f"reading {at} failed: {error}")


def read_both(a: Side, b: Side, env: Mapping[str, str], timeout: float) -> tuple[Configuration, Configuration]:
    """Both sides at once (each is one request after another). An error names its side, A's first."""
    custom = named_custom_data_types(a.declared, b.declared)
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(read, side, env, timeout, custom) for side in (a, b)]
    return futures[0].result(), futures[1].result()


def secrets_of(sides: tuple[Side, ...], env: Mapping[str, str]) -> list[str]:
    """What the scrubber holds during compare and promote: both sides' API keys, every secret variable the
    environment names, and the client secrets the sides' tables name."""
    found = [env.get(side.key_variable, "") for side in sides if side.key_variable]
    found += secrets_from_environment(env)
    for side in sides:
        for _, _, integration in integration_tables(side.declared or {}):
            variable = integration.get("client_secret_variable")
            if isinstance(variable, str):
                found.append(env.get(f"TF_VAR_{variable}", ""))
    return [value for value in found if value]


def holding(sides: tuple[Side, ...], env: Mapping[str, str]) -> SecretHold:
    hold = SecretHold()
    hold.add(secrets_of(sides, env))
    return hold


# ----------------------------------------------------------------------------------------- the settings


def without_host(url: Any) -> Any:
    if not isinstance(url, str):
        return url
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, "", parts.path, parts.query, parts.fragment))


def webhook_keys(hooks: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Table id -> the key a consumer is matched by across instances: its URL's path (and query) as a name, so
    `https://staging.example/codat` and `https://example/codat` are one consumer (`codat`)."""
    keys: dict[str, str] = {}
    taken: set[str] = set()
    for table_id, hook in sorted(hooks.items(), key=lambda item: str(item[1].get("url"))):
        if not isinstance(hook.get("url"), str):  # left out (it held a secret): matched by its table's id
            keys[table_id] = table_id
            continue
        parts = urlsplit(hook["url"])
        base = re.sub(r"[^a-z0-9]+", "_", f"{parts.path}?{parts.query}".lower()).strip("_") or "root"
        key, n = base, 1
        while key in taken:
            n += 1
            key = f"{base}_{n}"
        taken.add(key)
        keys[table_id] = key
    return keys


def _moment(value: Any) -> Any:
    """A sync_from_utc as Codat answers it (`2024-01-01` is `2024-01-01T00:00:00Z`): TOML dates and text alike."""
    if isinstance(value, (datetime.date, datetime.datetime)):
        value = value.isoformat()
    moment = sync_from_moment(value) if isinstance(value, str) else None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else value


def _plain(value: Any) -> Any:
    """A configuration as compared: empty maps and lists as left out."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in sorted(value.items()) if v not in ({}, [], None)}
    return value


def _set(value: Any) -> Any:
    """A list whose order Codat does not keep (event types, tags, origins, URLs), in one order."""
    return sorted(value) if isinstance(value, list) and all(isinstance(v, str) for v in value) else value


def settings(configuration: Configuration) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(path -> value, webhook key -> its settings) of one side. A declared side has what its table declares
    (with the file's defaults); a live side has everything adopt read."""
    table, live = configuration.table, configuration.side.live
    found: dict[str, Any] = {}
    for key, _, integration in integration_tables(table):
        at = f"integrations.{key}"
        found[f"{at}.enabled"] = integration.get("enabled", True)
        if "client_id" in integration or "client_id_variable" in integration:
            found[f"{at}.credentials"] = True
            unset = ABSENT if live else f"(TF_VAR_{integration.get('client_id_variable')} is not set)"
            found[f"{at}.client_id"] = configuration.client_ids.get(key, unset)
        elif live:
            found[f"{at}.credentials"] = False
        for data_type, sources in (integration.get("supplemental_data") or {}).items():
            found[f"{at}.supplemental_data.{data_type}"] = _plain(sources)
    for key, configurations in configuration.custom.items():
        for identifier, value in configurations.items():
            found[f"integrations.{key}.custom_data_types.{identifier}"] = _plain(value)
    profile = table.get("profile") or {}
    found.update({f"profile.{name}": _set(_plain(profile[name])) for name in PROFILE_FIELDS if name in profile})
    sync = table.get("sync_settings")
    if sync is not None:
        found["sync_settings.overrides_defaults"] = sync.get("overrides_defaults", True)
        for data_type, fields in (sync.get("data_types") or {}).items():
            declared = {name: None for name in HISTORY} if not live else {}
            for name, value in {**declared, **fields}.items():
                found[f"sync_settings.data_types.{data_type}.{name}"] = ABSENT if value is None else _moment(value)
    if "cors_origins" in table or live:
        found["cors_origins"] = _set(list((table.get("cors_origins") or {}).get("allowed_origins", [])))
    hooks = table.get("webhooks") or {}
    webhooks = {}
    for table_id, key in webhook_keys(hooks).items():
        hook = hooks[table_id]
        webhooks[key] = {"url": hook.get("url"), "disabled": hook.get("disabled", False)}
        webhooks[key].update({name: _set(list(hook.get(name, []))) for name in ("event_types", "company_tags")
                              if name in hook or live})
    for path in configuration.withheld:  # cannot be compared: shown as withheld, and listed
        if path.startswith("webhooks.") and path.split(".")[1] in webhooks:
            webhooks[path.split(".")[1]][path.split(".")[2]] = WITHHELD
        elif path.startswith(("profile.", "integrations.")) or path == "cors_origins":
            found[path] = WITHHELD
    return found, webhooks


def _default(path: str) -> Any:
    """The value a live side has for a setting adopt leaves out because it is Codat's default."""
    parts = path.split(".")
    if parts[0] == "integrations" and parts[-1] in ("enabled", "credentials"):
        return False
    if parts[0] == "cors_origins" or parts[-1] in ("event_types", "company_tags"):
        return []
    if parts[0] == "sync_settings" and parts[1] == "data_types":
        return default_sync_setting(parts[2]).get(parts[3], ABSENT)
    return ABSENT


# --------------------------------------------------------------------------------------- the comparison


@dataclass(frozen=True)
class Difference:
    setting: str  # a path, e.g. integrations.gbol.client_id
    a: Any
    b: Any
    label: str = ""  # what the path names, e.g. "Xero"


def ignored(path: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in patterns)


def _same(path: str, a: Any, b: Any, patterns: tuple[str, ...]) -> bool:
    if URL_SETTINGS.fullmatch(path) and ignored(f"{path}.host", patterns):
        return without_host(a) == without_host(b)
    return a == b


def differences(a: Configuration, b: Configuration, patterns: tuple[str, ...]) -> list[Difference]:
    """What differs, A's paths first; with a declared A, only what A declares (a deploy changes nothing else)."""
    (flat_a, hooks_a), (flat_b, hooks_b) = settings(a), settings(b)
    paths = list(flat_a) + ([p for p in flat_b if p not in flat_a] if a.side.live else [])
    names = {**b.names, **a.names}
    rows: list[Difference] = []

    def add(path: str, value_a: Any, value_b: Any) -> None:
        unknown = holds_secret(value_a) or holds_secret(value_b)  # a withheld value is never "the same"
        if not ignored(path, patterns) and (unknown or not _same(path, value_a, value_b, patterns)):
            key = path.split(".")[1] if path.startswith("integrations.") else ""
            rows.append(Difference(path, value_a, value_b, names.get(key, "")))

    for path in paths:
        value_a, value_b = flat_a.get(path, _default(path)), flat_b.get(path, _default(path))
        if path.endswith((".client_id", ".sync_order", ".overrides_defaults")) and (
                path not in flat_a or path not in flat_b):
            continue  # compared where both sides hold one: credentials, Codat's default order, overriding
        add(path, value_a, value_b)
    for key in list(hooks_a) + ([k for k in hooks_b if k not in hooks_a] if a.side.live else []):
        hook_a, hook_b = hooks_a.get(key), hooks_b.get(key)
        if hook_a is None or hook_b is None:
            shown = {k: v for k, v in (hook_a or hook_b or {}).items() if k in ("url", "event_types")}
            add(f"webhooks.{key}", shown if hook_a else ABSENT, shown if hook_b else ABSENT)
            continue
        for name in hook_a:
            add(f"webhooks.{key}.{name}", hook_a[name], hook_b.get(name, _default(name)))
    return rows


@dataclass
class Comparison:
    a: Configuration
    b: Configuration
    patterns: tuple[str, ...]
    rows: list[Difference]

    @property
    def exit_code(self) -> int:
        return EXIT_DIFFERENT if self.rows else EXIT_CLEAN


def compare(a: Configuration, b: Configuration, patterns: tuple[str, ...]) -> Comparison:
    return Comparison(a, b, patterns, differences(a, b, patterns))


# ------------------------------------------------------------------------------------------- rendering


def shown(value: Any) -> str:
    """A value as the report shows it: JSON, a marker as it is, a value that holds a secret withheld."""
    return WITHHELD if holds_secret(value) else value if value == ABSENT else json.dumps(value, sort_keys=True)


def _who(configuration: Configuration) -> str:
    side = configuration.side
    reads = f", {side.source}" + (f", {configuration.adopted.requests} GET requests" if configuration.adopted else "")
    return f"{side.label} ({side.name}{reads})"


def headline(result: Comparison) -> str:
    a = result.a.side
    if not result.rows:
        scope = ": deploying A's file to B would change none of them" if not a.live else ""
        return f"Same: {_who(result.a)} and {_who(result.b)} match outside the ignored settings{scope}."
    scope = " (what deploying A's file to B would change)" if not a.live else ""
    return f"{len(result.rows)} setting(s) differ between {_who(result.a)} and {_who(result.b)}{scope}."


def _setting(row: Difference) -> str:
    return f"{row.setting} ({row.label})" if row.label else row.setting


def _clip(text: str, width: int = CELL) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _ignored(result: Comparison) -> str:
    return f"Ignored: {', '.join(result.patterns) or 'nothing'}."


def _notes(result: Comparison) -> list[str]:
    return [f"{c.side.label}: {note}" for c in (result.a, result.b) for note in c.not_compared]


def render_text(result: Comparison) -> str:
    lines = [headline(result)]
    if result.rows:
        header = ("SETTING", f"A ({result.a.side.name})", f"B ({result.b.side.name})")
        cells = [(_setting(row), _clip(shown(row.a)), _clip(shown(row.b))) for row in result.rows]
        widths = [max(len(c[i]) for c in [header, *cells]) for i in range(3)]
        lines += [""] + ["  " + "  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)).rstrip()
                         for cell in [header, *cells]]
    lines += ["", _ignored(result)]
    if _notes(result):
        lines += ["Not compared:"] + [f"  - {note}" for note in _notes(result)]
    return scrub("\n".join(lines) + "\n")


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "'").replace("\n", " ")


def render_markdown(result: Comparison) -> str:
    """For a pull request comment: a headline, one table row per setting (at most MARKDOWN_ROWS, each cell
    clipped, so it stays within a comment's size), the ignored settings and what was not compared."""
    a, b = result.a.side.name, result.b.side.name
    lines = [f"## Codat compare: {_md(a)} and {_md(b)}", "", _md(headline(result)), ""]
    if result.rows:
        lines += [f"| Setting | A: {_md(a)} | B: {_md(b)} |", "| --- | --- | --- |"]
        lines += [f"| `{_md(_setting(row))}` | `{_md(_clip(shown(row.a)))}` | `{_md(_clip(shown(row.b)))}` |"
                  for row in result.rows[:MARKDOWN_ROWS]]
        if len(result.rows) > MARKDOWN_ROWS:
            lines.append(f"| ... {len(result.rows) - MARKDOWN_ROWS} more: see `--json` | | |")
        lines.append("")
    lines.append(_md(_ignored(result)))
    if _notes(result):
        lines += ["", "<details><summary>Not compared</summary>", ""]
        notes = _notes(result)
        lines += [f"- {_md(_clip(note, 400))}" for note in notes[:MARKDOWN_NOTES]]
        lines += [f"- ... {len(notes) - MARKDOWN_NOTES} more: see `--json`"] if len(notes) > MARKDOWN_NOTES else []
        lines += ["", "</details>"]
    return scrub("\n".join(lines) + "\n")


def _side_json(configuration: Configuration) -> dict[str, Any]:
    side = configuration.side
    return {"side": side.label, "name": side.name, "form": "live" if side.live else "declared",
            "base_url": shown_url(side.base_url) if side.live else None, "source": side.source,
            "requests": configuration.adopted.requests if configuration.adopted else 0}


def render_json(result: Comparison) -> str:
    def value(v: Any) -> Any:
        return WITHHELD if holds_secret(v) else v

    document_ = {
        "command": "compare", "exit_code": result.exit_code, "summary": headline(result),
        "a": _side_json(result.a), "b": _side_json(result.b), "ignored": list(result.patterns),
        "differences": [{**asdict(row), "a": value(row.a), "b": value(row.b)} for row in result.rows],
        "not_compared": [{"side": c.side.label, "what": note} for c in (result.a, result.b) for note in c.not_compared],
    }
    return scrub(json.dumps(document_, indent=2) + "\n")


def error_json(command: str, problem: Exception) -> str:
    return scrub(json.dumps({"command": command, "exit_code": EXIT_ERROR, "error": str(problem)}, indent=2) + "\n")


def error_markdown(problem: Exception) -> str:
    return scrub(f"## Codat compare\n\nThe comparison failed: {_md(str(problem))}\n")


def patterns_from(options: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys((() if options.no_default_ignores else IGNORED_BY_DEFAULT) + tuple(options.ignore)))
