"""Rules for a Codat instance's configuration: sync settings, CORS origins, supplemental data and custom
data types, the profile and webhook consumers, each defined once.

The provider checks them at plan, the constructs at synth and the environments file when it is loaded, so
all three refuse the same values with the same words. Codat's spec (`Codat-Platform.yaml`) gives the data
type names; Codat's docs and the emulator's documented rules (docs/emulator.md) give the rest. A problem
names its field by the provider's attribute name (`sync_schedule`, `key_by`) relative to what was checked;
each entry point puts its own path in front (an attribute path, a construct prop, a file key). Messages are
sentences as they stand (a field name starts lowercase).

Values that are not known yet (Terraform's unknowns) arrive as `UNCHECKED` and are skipped. Standard
library only, like the rest of this package.
"""

from __future__ import annotations

import ipaddress
import re
from collections import namedtuple
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

from codat_settings import is_loopback
from codat_settings.fields import (
    INT32_MAX,
    MAX_NAME,
    MAX_TEXT,
    MONTHS,
    integer_problem,
    text_problem,
    url_problem,
    whole_number,
)

# The Terraform provider imports these rules on each of its ~3 starts per plan: what only an error message or a
# sync setting's date needs (difflib, datetime) is imported there, and typing not at all (~4 ms per start).
TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing
if TYPE_CHECKING:
    from datetime import datetime

__all__ = [
    "CUSTOM_IDENTIFIER", "REPORT_DATA_TYPES", "SINGLETON_ON_DESTROY", "SUPPLEMENTAL_DATA_TYPES", "SYNC_DATA_TYPES",
    "SYNC_SCHEDULES",
    "SYNC_SETTING_FIELDS", "UNCHECKED", "Problem", "custom_data_type_problems", "custom_identifier_problem",
    "default_sync_setting", "origin_problem", "origins_problems", "supplemental_data_type_problem",
    "supplemental_source_problems", "sync_data_type_problem", "sync_from_moment", "sync_setting_problems",
    "profile_problems", "webhook_problems",
]

#: Every data type a sync setting can name: the spec's `DataStatus.dataType` enum, in its order.
SYNC_DATA_TYPES = (
    "accountTransactions", "balanceSheet", "bankAccounts", "bankTransactions", "billCreditNotes", "billPayments",
    "bills", "cashFlowStatement", "chartOfAccounts", "company", "creditNotes", "customers", "directCosts",
    "directIncomes", "invoices", "itemReceipts", "items", "journalEntries", "journals", "paymentMethods", "payments",
    "profitAndLoss", "purchaseOrders", "salesOrders", "suppliers", "taxRates", "trackingCategories", "transfers",
    "banking-accountBalances", "banking-accounts", "banking-transactionCategories", "banking-transactions",
    "commerce-companyInfo", "commerce-customers", "commerce-disputes", "commerce-locations", "commerce-orders",
    "commerce-paymentMethods", "commerce-payments", "commerce-productCategories", "commerce-products",
    "commerce-taxComponents", "commerce-transactions",
)
#: The financial statements: Codat fetches `months_to_sync` months of them instead of from a date.
REPORT_DATA_TYPES = ("balanceSheet", "profitAndLoss", "cashFlowStatement")
DEFAULT_MONTHS_TO_SYNC = 24
#: The Portal's sync frequencies as Codat's `syncSchedule` hours. "none" (no scheduled sync) is the default.
SYNC_SCHEDULES = {"none": 0, "hourly": 1, "daily": 24, "weekly": 168, "monthly": 720}
#: The data types the supplemental-data endpoint accepts (the spec's path enum, in its order).
SUPPLEMENTAL_DATA_TYPES = (
    "chartOfAccounts", "bills", "company", "creditNotes", "customers", "invoices", "items", "journalEntries",
    "suppliers", "taxRates", "commerce-companyInfo", "commerce-customers", "commerce-disputes", "commerce-locations",
    "commerce-orders", "commerce-payments", "commerce-paymentMethods", "commerce-products",
    "commerce-productCategories", "commerce-taxComponents", "commerce-transactions",
)
#: A custom data type's identifier (it goes in the URL path): 1 to 64 letters, digits, `-` or `_`.
CUSTOM_IDENTIFIER = re.compile(r"[A-Za-z0-9_-]{1,64}")
#: What destroy does to a singleton (sync settings, CORS origins): leave Codat as it is, or restore its default.
SINGLETON_ON_DESTROY = ("keep", "reset")
#: The fields of one data type's sync setting, by their attribute names.
SYNC_SETTING_FIELDS = ("fetch_on_first_link", "sync_schedule", "sync_order", "sync_from_utc", "sync_from_window",
                       "months_to_sync", "is_locked")

_SCHEDULES_TEXT = ", ".join(f"{hours} ({name})" for name, hours in SYNC_SCHEDULES.items())
_HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_ORIGIN_EXAMPLE = "https://app.example.com"


class _Unchecked:
    """A value not known yet (e.g. Terraform's unknown at plan time): nothing to check."""

    def __repr__(self) -> str:
        return "UNCHECKED"


UNCHECKED = _Unchecked()


class Problem(namedtuple("Problem", ("path", "message"))):
    """One problem: `path` (attribute names and keys or indexes, relative to what was checked: a tuple of
    str | int) and the message (str), which says what is wrong and how to fix it."""

    __slots__ = ()


def _set(value: object) -> bool:
    return value is not None and value is not UNCHECKED


def _text(value: object) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _text_rules(path: tuple, field: str, value: object, max_length: int | None = None) -> list[Problem]:
    """The shared text rules (codat_settings.fields: control characters, length) for a value that is known and
    non-empty; the callers' own words say what an empty or missing one needs."""
    if not _text(value):
        return []
    problem = text_problem(value, field, max_length=max_length or MAX_TEXT)
    return [Problem(path, problem)] if problem else []


def _closest(value: str, known: Sequence[str]) -> str:
    import difflib

    close = difflib.get_close_matches(value, known, n=1)
    return f" Did you mean {close[0]}?" if close else f" Known data types: {', '.join(known)}."


# --- sync settings -----------------------------------------------------------------------------------


def sync_data_type_problem(name: object) -> str | None:
    """Why `name` is not a data type a sync setting can name (case-sensitive, as Codat's enum), or None."""
    if name is UNCHECKED:
        return None
    if not isinstance(name, str) or name not in SYNC_DATA_TYPES:
        hint = _closest(name, SYNC_DATA_TYPES) if isinstance(name, str) else ""
        return f"{name!r} is not a data type Codat syncs.{hint}"
    return None


def sync_from_moment(value: str) -> datetime | None:
    """The moment an ISO 8601 date or date-time names, in UTC (no offset means UTC, as Codat reads it); None
    when it is not one. Codat answers `2024-01-01` as `2024-01-01T00:00:00Z`: compare moments, not text."""
    from datetime import datetime, timezone

    try:
        moment = datetime.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def sync_setting_problems(data_type: str, setting: Mapping[str, object]) -> list[Problem]:
    """What is wrong with one data type's sync setting (`setting` keyed by SYNC_SETTING_FIELDS; missing or
    None means left out). Fields of a data type that is not known are checked all the same."""
    problems: list[Problem] = []

    def refuse(field: str, message: str) -> None:
        problems.append(Problem((field,), message))

    unknown = [name for name in setting if name not in SYNC_SETTING_FIELDS]
    for name in unknown:
        refuse(name, f"{name} is not a sync setting field: use {', '.join(SYNC_SETTING_FIELDS)}.")
    get = setting.get
    for field in ("fetch_on_first_link", "is_locked"):
        if _set(get(field)) and not isinstance(get(field), bool):
            refuse(field, f"{field} must be true or false, not {get(field)!r}.")
    schedule = get("sync_schedule")
    hours = whole_number(schedule)
    if _set(schedule) and (hours is None or hours not in SYNC_SCHEDULES.values()):
        refuse("sync_schedule", f"sync_schedule is in hours and Codat accepts only {_SCHEDULES_TEXT}, not "
                                f"{schedule!r}: pick the Portal's frequency you mean, e.g. 24 for daily.")
    order = get("sync_order")
    place = whole_number(order)
    if _set(order) and (place is None or place < 0):
        refuse("sync_order", f"sync_order is the data type's place in the fetch queue: a whole number, 0 or "
                             f"more, not {order!r}.")
    elif place is not None and (too_far := integer_problem(order, "sync_order", 0, INT32_MAX,
                                                           "a place in the fetch queue")):
        refuse("sync_order", too_far)
    for field in ("sync_from_window", "months_to_sync"):
        value = get(field)
        months = whole_number(value)
        if _set(value) and (months is None or months < 1):
            refuse(field, f"{field} is a number of months, 1 or more, not {value!r}.")
        elif months is not None and months > MONTHS[1]:
            refuse(field, f"{field} is a number of months, at most {MONTHS[1]:,} (100 years: no platform holds "
                          f"older data), not {months:,}.")
    sync_from = get("sync_from_utc")
    text = text_problem(sync_from, "sync_from_utc") if isinstance(sync_from, str) else None
    if text:
        refuse("sync_from_utc", text)
    elif _set(sync_from) and (not isinstance(sync_from, str) or sync_from_moment(sync_from) is None):
        refuse("sync_from_utc", f"sync_from_utc must be an ISO 8601 date or date and time, e.g. 2024-01-01 or "
                                f"2024-01-01T00:00:00Z, not {sync_from!r}.")
    has_from, has_window, has_months = (_set(get(f)) for f in ("sync_from_utc", "sync_from_window", "months_to_sync"))
    if has_from and has_window:
        refuse("sync_from_window", "Set sync_from_utc (fetch from a date) or sync_from_window (fetch that many "
                                   "months back), not both.")
    if data_type in REPORT_DATA_TYPES:
        for field, present in (("sync_from_utc", has_from), ("sync_from_window", has_window)):
            if present:
                refuse(field, f"{data_type} is a financial statement: Codat limits its history with "
                              f"months_to_sync, not {field}.")
    elif has_months and data_type is not UNCHECKED:
        refuse("months_to_sync", f"months_to_sync applies only to the financial statements "
                                 f"({', '.join(REPORT_DATA_TYPES)}); limit {data_type} with sync_from_utc or "
                                 "sync_from_window.")
    return problems


def default_sync_setting(data_type: str) -> dict[str, object]:
    """Codat's default for one data type, in attribute names: no scheduled sync, fetched on first link
    except banking and commerce data, 24 months of the financial statements, all history of the rest."""
    setting: dict[str, object] = {
        "fetch_on_first_link": not data_type.startswith(("banking-", "commerce-")),
        "sync_schedule": SYNC_SCHEDULES["none"],
    }
    if data_type in REPORT_DATA_TYPES:
        setting["months_to_sync"] = DEFAULT_MONTHS_TO_SYNC
    setting["is_locked"] = False
    return setting


# --- CORS origins ------------------------------------------------------------------------------------


def origin_problem(value: object) -> str | None:
    """Why `value` cannot be an allowed origin, or None. An origin is `https://host[:port]`, nothing more
    (no path, not even `/`; no query, fragment or user info; no `*` wildcard); plain `http://` is accepted
    only for loopback hosts, where Link is tried locally. The message never repeats user info."""
    if value is UNCHECKED:
        return None
    if not isinstance(value, str) or not value.strip():
        return f"An origin must be a string such as {_ORIGIN_EXAMPLE}."
    if value != value.strip() or any(c.isspace() for c in value):
        return f"{value.strip()!r} has spaces or line breaks around or in it: remove them."
    refused = text_problem(value, "An origin")
    if refused:
        return refused
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return f"{value!r} is not an origin: write it as https://host[:port], e.g. {_ORIGIN_EXAMPLE}."
    if parts.username is not None or parts.password is not None:
        return "An origin carries no user name or password (not shown here): write it as https://host[:port]."
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"{value!r} is not an https:// origin: write it as https://host[:port], e.g. {_ORIGIN_EXAMPLE}."
    if parts.path or parts.query or parts.fragment or value.endswith(("?", "#")):
        return (f"{value!r} is not an origin: it carries a path, query or fragment. Browsers send the origin "
                f"alone: {parts.scheme}://{parts.netloc}")
    host = parts.hostname or ""
    if port == 0 or not _is_host(host):
        return f"{value!r} has no valid host or port (a host name or IP address, no `*` wildcard; port 1-65535)."
    if parts.scheme == "http" and not is_loopback(host):
        return (f"{value!r} is plain http://: Codat's auth flow must be embedded from https:// pages "
                f"(https://{parts.netloc}); http:// is accepted only for localhost, 127.0.0.1 and [::1].")
    return None


def _is_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return len(host) <= 253 and all(_HOST_LABEL.fullmatch(label) for label in host.split("."))


def origins_problems(origins: Sequence[object]) -> list[Problem]:
    """Each origin's problem at its index, and an origin listed twice (Codat compares them without case)."""
    problems = []
    seen: dict[str, int] = {}
    for index, origin in enumerate(origins):
        problem = origin_problem(origin)
        if problem:
            problems.append(Problem((index,), problem))
        elif isinstance(origin, str):
            if origin.lower() in seen:
                problems.append(Problem((index,), f"{origin!r} is listed twice (Codat compares origins without "
                                                  f"case; also at [{seen[origin.lower()]}]): list it once."))
            seen.setdefault(origin.lower(), index)
    return problems


# --- supplemental data -------------------------------------------------------------------------------


def supplemental_data_type_problem(data_type: object, accounting_platform: bool) -> str | None:
    """Why supplemental data cannot be configured for `data_type`, or None. `accounting_platform`: the
    platform is one of Codat's accounting platforms, which have no commerce data types."""
    if data_type is UNCHECKED:
        return None
    if not isinstance(data_type, str) or data_type not in SUPPLEMENTAL_DATA_TYPES:
        hint = _closest(data_type, SUPPLEMENTAL_DATA_TYPES) if isinstance(data_type, str) else ""
        return f"{data_type!r} is not a data type Codat takes supplemental data for.{hint}"
    if accounting_platform and data_type.startswith("commerce-"):
        return (f"{data_type} is a commerce data type, and this is an accounting platform: use one of "
                f"{', '.join(d for d in SUPPLEMENTAL_DATA_TYPES if not d.startswith('commerce-'))}.")
    return None


def _mapping_problems(field: str, mapping: object, what: str) -> list[Problem]:
    """A map of your names to the platform's names: both non-empty strings."""
    if not _set(mapping):
        return []
    if not isinstance(mapping, Mapping):
        return [Problem((field,), f"{field} must be a map of your names to {what}, e.g. {{ reference = \"Ref\" }}.")]
    problems = []
    for name, value in mapping.items():
        if not _text(name):
            problems.append(Problem((field,), f"{field} has an empty name: give every entry a name."))
            continue
        name_problem = _text_rules((field,), f"{field} has a name that", name)
        if name_problem:
            problems += name_problem
        elif _set(value) and not _text(value):
            problems.append(Problem((field, name), f"{field}.{name} must be a non-empty string: {what} "
                                                   "(nested objects and lists are not supported)."))
        else:
            problems += _text_rules((field, name), f"{field}.{name}", value)
    return problems


def supplemental_source_problems(name: object, source: Mapping[str, object]) -> list[Problem]:
    """What is wrong with one named source configuration: `data_source`, `pull_data`, `push_data`."""
    problems = []
    if name is not UNCHECKED and not _text(name):
        problems.append(Problem((), "A source configuration needs a non-empty name."))
    problems += _text_rules((), "The source configuration's name", name, MAX_NAME)
    for field in source:
        if field not in ("data_source", "pull_data", "push_data"):
            problems.append(Problem((field,), f"{field} is not a field of a supplemental data source: use "
                                              "data_source, pull_data and push_data."))
    data_source = source.get("data_source")
    if data_source is not UNCHECKED and not _text(data_source):
        problems.append(Problem(("data_source",), "data_source is required: the platform's endpoint the extra "
                                                  "fields come from, e.g. /Invoices."))
    problems += _text_rules(("data_source",), "data_source", data_source)
    problems += _mapping_problems("pull_data", source.get("pull_data"), "the platform's property names to read")
    problems += _mapping_problems("push_data", source.get("push_data"), "the platform's property names to write")
    return problems


# --- custom data types -------------------------------------------------------------------------------


def custom_identifier_problem(identifier: object) -> str | None:
    if identifier is UNCHECKED:
        return None
    if not isinstance(identifier, str) or not CUSTOM_IDENTIFIER.fullmatch(identifier):
        return (f"{identifier!r} cannot name a custom data type: use 1 to 64 letters, digits, - or _ "
                "(it becomes part of Codat's URL), e.g. purchaseOrders.")
    return None


def _paths_problem(field: str, value: object, required: bool) -> list[Problem]:
    if value is UNCHECKED or (value is None and not required):
        return []
    if not isinstance(value, Sequence) or isinstance(value, str) or not value:
        need = "is required" if required else "must be left out or be"
        return [Problem((field,), f"{field} {need}: a non-empty list of the platform's property paths, "
                                  "e.g. [\"$.Id\"].")]
    return [Problem((field, i), f"{field}[{i}] must be a non-empty property path, e.g. \"$.Id\".")
            for i, item in enumerate(value) if item is None or (item is not UNCHECKED and not _text(item))] + [
        problem for i, item in enumerate(value) for problem in _text_rules((field, i), f"{field}[{i}]", item)]


def custom_data_type_problems(config: Mapping[str, object]) -> list[Problem]:
    """What is wrong with a custom data type: `data_source` and `key_by` required, `required_data` and
    `source_modified_date` optional. Codat does not check the values against the platform; neither does this."""
    problems = []
    for field in config:
        if field not in ("data_source", "key_by", "required_data", "source_modified_date"):
            problems.append(Problem((field,), f"{field} is not a field of a custom data type: use data_source, "
                                              "key_by, required_data and source_modified_date."))
    data_source = config.get("data_source")
    if data_source is not UNCHECKED and not _text(data_source):
        problems.append(Problem(("data_source",), "data_source is required: the platform's endpoint to read, e.g. "
                                                  "/api.xro/2.0/Accounts."))
    problems += _text_rules(("data_source",), "data_source", data_source)
    problems += _paths_problem("key_by", config.get("key_by"), required=True)
    problems += _paths_problem("source_modified_date", config.get("source_modified_date"), required=False)
    problems += _mapping_problems("required_data", config.get("required_data"), "the platform's property paths")
    return problems


# --- profile and webhook consumers -------------------------------------------------------------------


def profile_problems(profile: Mapping[str, object]) -> list[Problem]:
    """What the shared rules refuse in a profile (keyed by attribute name; missing, None or unknown: not
    checked): a name that is empty, longer than MAX_NAME or holds a control character, and any URL with a
    control character or a user name or password. Which schemes a URL may use is each entry point's own rule.
    `logo_url` and `icon_url` may be "" (Codat clears them)."""
    problems = []
    name = profile.get("name")
    if _set(name):
        problem = text_problem(name, "name", max_length=MAX_NAME, example="Acme Lending")
        problems += [Problem(("name",), problem)] if problem else []
    for field in ("redirect_url", "logo_url", "icon_url"):
        value = profile.get(field)
        if _set(value):
            problem = url_problem(value, field, required=field == "redirect_url")
            problems += [Problem((field,), problem)] if problem else []
    urls = profile.get("white_list_urls")
    if _set(urls) and isinstance(urls, Sequence) and not isinstance(urls, str):
        for index, url in enumerate(urls):
            problem = url_problem(url, f"white_list_urls[{index}]") if _set(url) else None
            problems += [Problem(("white_list_urls", index), problem)] if problem else []
    return problems


def webhook_problems(webhook: Mapping[str, object]) -> list[Problem]:
    """What the shared rules refuse in a webhook consumer (keyed by attribute name; missing, None or unknown:
    not checked): a url that is empty or holds a control character or a user name or password, and an event
    type or company tag that is empty or holds a control character. The scheme rule (https, or http to this
    machine) and Codat's limits on tags are the entry points' own."""
    problems = []
    url = webhook.get("url")
    if _set(url):
        problem = url_problem(url, "url", required=True)
        problems += [Problem(("url",), problem)] if problem else []
    for field in ("event_types", "company_tags"):
        values = webhook.get(field)
        if not _set(values) or isinstance(values, str) or not isinstance(values, Sequence):
            continue
        for index, value in enumerate(values):
            problem = text_problem(value, f"{field}[{index}]") if _set(value) else None
            problems += [Problem((field, index), problem)] if problem else []
    return problems
