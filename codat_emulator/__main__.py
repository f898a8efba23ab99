"""`python -m codat_emulator`: run the emulator, play the Portal, inject faults, reset.

Bad input ends with one `error:` line and a non-zero exit (2 for usage, 1 otherwise), never a
traceback. Secrets never travel in argv: the client secret comes from an environment variable or
stdin, and the API key may come from CODAT_API_KEY.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from .errors import ApiError, EmulatorError


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("must be from 0 to 65535 (0 picks a free port)")
    return value


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("must be above 0")
    return value


def _pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name or not value:
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE")
    return name, value


def _configuration_parsers(actions: argparse._SubParsersAction, data: argparse.ArgumentParser) -> None:
    """`portal sync-settings|cors|supplemental-data|custom-data-type ...`: the Portal's settings pages."""
    from .seed import SYNC_SCHEDULES

    profile = actions.add_parser("profile", help="the Organization page: the profile").add_subparsers(
        dest="change", required=True, metavar="CHANGE")
    profile.add_parser("show", parents=[data], help="print the profile as GET /profile does")
    edit = profile.add_parser("set", parents=[data], help="change the given fields, keep the others")
    edit.add_argument("--name", help="the instance's name (any text, taken exactly)")
    edit.add_argument("--redirect-url", metavar="URL")
    edit.add_argument("--logo-url", metavar="URL")
    edit.add_argument("--icon-url", metavar="URL")
    edit.add_argument("--white-list-url", action="append", metavar="URL", help="repeat for each; replaces the list")

    sync = actions.add_parser("sync-settings", help="the Data types page: sync settings").add_subparsers(
        dest="change", required=True, metavar="CHANGE")
    sync.add_parser("show", parents=[data], help="print the sync settings as GET /profile/syncSettings does")
    sync.add_parser("reset", parents=[data], help="back to Codat's defaults (overridesDefaults false)")
    row = sync.add_parser("set", parents=[data], help="change one data type's setting (overrides the defaults)")
    row.add_argument("data_type", metavar="DATA_TYPE", help="e.g. invoices")
    row.add_argument("--schedule", choices=SYNC_SCHEDULES, help="sync frequency")
    row.add_argument("--fetch-on-first-link", action=argparse.BooleanOptionalAction, default=None)
    row.add_argument("--sync-order", type=int, metavar="N", help="position in the fetch order")
    since = row.add_mutually_exclusive_group()
    since.add_argument("--sync-from-utc", metavar="DATE", help="fetch data from this ISO 8601 date")
    since.add_argument("--sync-from-window", type=int, metavar="MONTHS", help="fetch this many months of history")
    since.add_argument("--sync-all-history", action="store_true", help="remove syncFromUtc and syncFromWindow")
    row.add_argument("--months-to-sync", type=int, metavar="MONTHS", help="history of a financial statement")

    cors = actions.add_parser("cors", help="Link's allowed CORS origins").add_subparsers(
        dest="change", required=True, metavar="CHANGE")
    cors.add_parser("show", parents=[data], help="print the allowed origins")
    for name, text in (("add", "allow an origin"), ("remove", "stop allowing an origin")):
        cors.add_parser(name, parents=[data], help=text).add_argument("origin", metavar="ORIGIN",
                                                                      help="e.g. https://app.example.com")

    supplemental = actions.add_parser("supplemental-data", help="supplemental data of a platform's data type")
    changes = supplemental.add_subparsers(dest="change", required=True, metavar="CHANGE")
    target = argparse.ArgumentParser(add_help=False, parents=[data])
    target.add_argument("key", metavar="KEY", help="platform key, e.g. gbol")
    target.add_argument("data_type", metavar="DATA_TYPE", help="e.g. invoices")
    changes.add_parser("show", parents=[target], help="print the configuration")
    source = changes.add_parser("set", parents=[target], help="add or replace one named source configuration")
    source.add_argument("name", metavar="NAME", help="your name for the configuration")
    source.add_argument("--data-source", required=True, metavar="ENDPOINT", help="platform endpoint, e.g. /Invoices")
    source.add_argument("--pull", type=_pair, action="append", metavar="NAME=PROPERTY", help="a property to read")
    source.add_argument("--push", type=_pair, action="append", metavar="NAME=PROPERTY", help="a property to write")
    changes.add_parser("remove", parents=[target], help="remove one named source configuration").add_argument(
        "name", metavar="NAME")

    custom = actions.add_parser("custom-data-type", help="a platform's custom data types")
    changes = custom.add_subparsers(dest="change", required=True, metavar="CHANGE")
    target = argparse.ArgumentParser(add_help=False, parents=[data])
    target.add_argument("key", metavar="KEY", help="platform key, e.g. gbol")
    target.add_argument("identifier", metavar="IDENTIFIER", help="e.g. xero-accounts")
    changes.add_parser("show", parents=[target], help="print the configuration")
    changes.add_parser("delete", parents=[target], help="remove the custom data type")
    config = changes.add_parser("set", parents=[target], help="create or replace the configuration")
    config.add_argument("--data-source", required=True, metavar="ENDPOINT")
    config.add_argument("--required-data", type=_pair, action="append", metavar="NAME=PATH")
    config.add_argument("--key-by", action="append", required=True, metavar="PATH")
    config.add_argument("--source-modified-date", action="append", metavar="PATH")


def _parser() -> argparse.ArgumentParser:
    from .resources import CONNECTION_STATUSES

    data = argparse.ArgumentParser(add_help=False)
    data.add_argument("--data", required=True, metavar="DIR", help="the emulator's data folder")
    root = argparse.ArgumentParser(prog="python -m codat_emulator", description="A local emulator of the Codat API.")
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", parents=[data], help="serve the API over HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_port, default=0, help="0 (the default) picks a free port")
    serve.add_argument("--api-key", help="the account's API key (default: $CODAT_API_KEY)")
    serve.add_argument("--ready-file", metavar="PATH", help="also write the base URL here once serving")
    serve.add_argument("--rate-limit", type=_positive_int, default=1000, metavar="N", help="requests per window (1000)")
    serve.add_argument("--rate-window", type=_number, default=60.0, metavar="SECONDS", help="quota window (60)")

    portal = commands.add_parser("portal", help="change the account as a person would in Codat's Portal")
    actions = portal.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, text in (("enable", "switch an integration on"), ("disable", "switch an integration off"),
                       ("delete-credentials", "remove an integration's credentials"),
                       ("show", "print an integration and its masked credentials as JSON")):
        actions.add_parser(name, parents=[data], help=text).add_argument("key", metavar="KEY",
                                                                         help="platform key, e.g. gbol")
    creds = actions.add_parser("set-credentials", parents=[data], help="set an integration's client id and secret")
    creds.add_argument("key", metavar="KEY")
    creds.add_argument("--client-id", required=True)
    source = creds.add_mutually_exclusive_group(required=True)
    source.add_argument("--client-secret-env", metavar="VARNAME", help="read the secret from this environment variable")
    source.add_argument("--client-secret-stdin", action="store_true", help="read the secret from stdin (one line)")
    company = actions.add_parser("add-company", parents=[data], help="create a company, optionally with a connection")
    company.add_argument("name", metavar="NAME")
    company.add_argument("--description", default="")
    company.add_argument("--platform", metavar="KEY", help="also add a connection to this platform")
    company.add_argument("--status", choices=CONNECTION_STATUSES, default="Linked",
                         help="the connection's status (Linked)")
    status = actions.add_parser("set-connection-status", parents=[data], help="change a connection's status")
    status.add_argument("company_id", metavar="COMPANY_ID")
    status.add_argument("connection_id", metavar="CONNECTION_ID")
    status.add_argument("status", choices=CONNECTION_STATUSES, metavar="STATUS", help=" | ".join(CONNECTION_STATUSES))
    _configuration_parsers(actions, data)

    fault = commands.add_parser("faults", help="inject faults into the running server")
    fault_actions = fault.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = fault_actions.add_parser("add", parents=[data], help="add a fault; prints it as JSON")
    add.add_argument("kind", choices=("latency", "error", "rate-limit", "drop"))
    add.add_argument("--latency-ms", type=int, help="latency: milliseconds to wait")
    add.add_argument("--status", type=int, help="error: the status to answer (default 500)")
    add.add_argument("--message", help="error: the `error` text of the reply")
    add.add_argument("--retry-after", type=int, metavar="SECONDS", help="rate-limit: Retry-After (default 1)")
    add.add_argument("--retry-after-http-date", action="store_true",
                     help="rate-limit: send Retry-After as an HTTP date")
    add.add_argument("--when", choices=("before", "after"), help="error/drop: before the request is carried out "
                                                                  "(default) or after it was saved")
    add.add_argument("--rate", type=float, help="share of matching requests affected, above 0 up to 1 (default 1)")
    add.add_argument("--path-prefix", help="only requests whose path starts with this")
    add.add_argument("--method", help="only requests with this method")
    add.add_argument("--count", type=int, help="only the next N matching requests")
    add.add_argument("--seconds", type=float, help="only for this many seconds from now")
    fault_actions.add_parser("list", parents=[data], help="print the active faults as JSON")

    reset = commands.add_parser("reset", parents=[data], help="clear all faults (--all: also wipe the account)")
    reset.add_argument("--all", action="store_true", help="also reset the account to a fresh one (API keys given "
                                                          "to serve are kept)")
    return root


def _fault_spec(args: argparse.Namespace) -> dict:
    names = {"latency_ms": "latencyMs", "status": "status", "message": "message", "retry_after": "retryAfter",
             "when": "when", "rate": "rate", "path_prefix": "pathPrefix", "method": "method", "count": "count",
             "seconds": "seconds"}
    spec = {"kind": args.kind}
    spec.update({field: getattr(args, attr) for attr, field in names.items() if getattr(args, attr) is not None})
    if args.retry_after_http_date:
        spec["retryAfterHttpDate"] = True
    return spec


def _secret(args: argparse.Namespace) -> str:
    if args.client_secret_stdin:
        secret = sys.stdin.readline().rstrip("\r\n")
    else:
        secret = os.environ.get(args.client_secret_env)
        if secret is None:
            raise EmulatorError(f"environment variable {args.client_secret_env} is not set")
    if not secret:
        raise EmulatorError("the client secret is empty")
    return secret


def _run(args: argparse.Namespace) -> int:
    from . import faults, portal
    from .store import Store

    if args.command == "serve":
        api_key = args.api_key if args.api_key is not None else os.environ.get("CODAT_API_KEY")
        if not api_key:
            raise EmulatorError("an API key is required: pass --api-key or set CODAT_API_KEY")
        if any(c.isspace() for c in api_key):
            raise EmulatorError("the API key must not contain spaces")
        from .server import serve

        return serve(args.host, args.port, args.data, api_key, args.ready_file, args.rate_limit, args.rate_window)
    store = Store(args.data)
    if args.command == "reset":
        print(portal.reset(store, args.all))
    elif args.command == "faults":
        if args.action == "add":
            try:
                print(json.dumps(faults.add(store, _fault_spec(args)), indent=2))
            except ValueError as e:
                raise EmulatorError(f"invalid fault: {e}") from None
        else:
            print(json.dumps(faults.active(store), indent=2))
    elif args.action in ("enable", "disable"):
        print(portal.set_enabled(store, args.key, args.action == "enable"))
    elif args.action == "set-credentials":
        print(portal.set_credentials(store, args.key, args.client_id, _secret(args)))
    elif args.action == "delete-credentials":
        print(portal.delete_credentials(store, args.key))
    elif args.action == "add-company":
        print(portal.add_company(store, args.name, args.description, args.platform, args.status))
    elif args.action == "set-connection-status":
        print(portal.set_connection_status(store, args.company_id, args.connection_id, args.status))
    elif args.action == "show":
        print(portal.show(store, args.key))
    else:
        print(_configuration_change(store, args))
    return 0


def _sync_changes(args: argparse.Namespace) -> dict:
    """The SyncSetting fields a `sync-settings set` changes; None removes an optional field."""
    from .seed import SYNC_SCHEDULES

    changes: dict = {}
    if args.schedule is not None:
        changes["syncSchedule"] = SYNC_SCHEDULES[args.schedule]
    if args.fetch_on_first_link is not None:
        changes["fetchOnFirstLink"] = args.fetch_on_first_link
    if args.sync_order is not None:
        changes["syncOrder"] = args.sync_order
    if args.sync_from_utc is not None or args.sync_from_window is not None or args.sync_all_history:
        changes.update(syncFromUtc=args.sync_from_utc, syncFromWindow=args.sync_from_window)
    if args.months_to_sync is not None:
        changes["monthsToSync"] = args.months_to_sync
    if not changes:
        raise EmulatorError("nothing to change: give at least one option (see --help)")
    return changes


def _configuration_change(store, args: argparse.Namespace) -> str:
    from . import portal

    group, change = args.action, args.change
    if group == "profile":
        if change == "show":
            return portal.show_profile(store)
        names = {"name": "name", "redirect_url": "redirectUrl", "logo_url": "logoUrl", "icon_url": "iconUrl",
                 "white_list_url": "whiteListUrls"}
        changes = {field: getattr(args, attr) for attr, field in names.items() if getattr(args, attr) is not None}
        if not changes:
            raise EmulatorError("nothing to change: give at least one option (see --help)")
        return portal.set_profile(store, changes)
    if group == "sync-settings":
        if change == "set":
            return portal.set_sync_setting(store, args.data_type, _sync_changes(args))
        return portal.show_sync_settings(store) if change == "show" else portal.reset_sync_settings(store)
    if group == "cors":
        if change == "show":
            return portal.show_cors(store)
        return (portal.add_cors_origin if change == "add" else portal.remove_cors_origin)(store, args.origin)
    if group == "supplemental-data":
        if change == "set":
            source = {"dataSource": args.data_source}
            for part, pairs in (("pullData", args.pull), ("pushData", args.push)):
                if pairs:
                    source[part] = dict(pairs)
            return portal.set_supplemental_source(store, args.key, args.data_type, args.name, source)
        if change == "remove":
            return portal.remove_supplemental_source(store, args.key, args.data_type, args.name)
        return portal.show_supplemental_data(store, args.key, args.data_type)
    if change == "set":
        config = {"dataSource": args.data_source, "requiredData": dict(args.required_data or []),
                  "keyBy": args.key_by, "sourceModifiedDate": args.source_modified_date}
        return portal.set_custom_data_type(store, args.key, args.identifier, config)
    if change == "delete":
        return portal.delete_custom_data_type(store, args.key, args.identifier)
    return portal.show_custom_data_type(store, args.key, args.identifier)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except (EmulatorError, OSError) as e:
        message = str(e) if isinstance(e, EmulatorError) else f"{e.strerror or e}: {e.filename or ''}".rstrip(": ")
        print(f"{parser.prog}: error: {message}", file=sys.stderr)
    except ApiError as e:
        print(f"{parser.prog}: error: {e.message}", file=sys.stderr)
    except KeyboardInterrupt:
        return 130
    return 1


if __name__ == "__main__":
    sys.exit(main())
