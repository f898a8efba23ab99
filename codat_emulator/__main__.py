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
        actions.add_parser(name, parents=[data], help=text).add_argument("key", metavar="KEY", help="platform key, e.g. gbol")
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
    company.add_argument("--status", choices=CONNECTION_STATUSES, default="Linked", help="the connection's status (Linked)")
    status = actions.add_parser("set-connection-status", parents=[data], help="change a connection's status")
    status.add_argument("company_id", metavar="COMPANY_ID")
    status.add_argument("connection_id", metavar="CONNECTION_ID")
    status.add_argument("status", choices=CONNECTION_STATUSES, metavar="STATUS", help=" | ".join(CONNECTION_STATUSES))

    fault = commands.add_parser("faults", help="inject faults into the running server")
    fault_actions = fault.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = fault_actions.add_parser("add", parents=[data], help="add a fault; prints it as JSON")
    add.add_argument("kind", choices=("latency", "error", "rate-limit", "drop"))
    add.add_argument("--latency-ms", type=int, help="latency: milliseconds to wait")
    add.add_argument("--status", type=int, help="error: the status to answer (default 500)")
    add.add_argument("--message", help="error: the `error` text of the reply")
    add.add_argument("--retry-after", type=int, metavar="SECONDS", help="rate-limit: Retry-After (default 1)")
    add.add_argument("--retry-after-http-date", action="store_true", help="rate-limit: send Retry-After as an HTTP date")
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
    else:
        print(portal.show(store, args.key))
    return 0


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
