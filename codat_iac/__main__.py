"""`codat-iac` (the installed console script; bin/codat-iac and `python -m codat_iac` here): init, deploy, diff,
drift, plan, apply, destroy, adopt, compare, promote, env, install, provider install, and the local emulator and
PostgreSQL helpers.

Every command but `init` works on one project (codat_iac/project.py): --app-dir, else CODAT_IAC_APP_DIR, else the
nearest folder holding cdktf.json from the working directory up.

Exit codes: 0 done (nothing differs); 2 differences (diff, drift, plan, compare); 1 an error, printed once (a Python
traceback only with --debug or CODAT_IAC_DEBUG=1); 3 `emulator status`/`postgres status`: not running.
Progress goes to stderr, one line per step; results (summaries, --json, --markdown) go to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import NoReturn

from codat_iac import (
    adopt,
    adopt_file,
    cdk,
    compare,
    deploy,
    drift,
    environment,
    local_emulator,
    pipeline,
    postgres,
    preflight,
    project,
    promote,
    provider_build,
    provider_mirror,
    scaffold,
    state_migrate,
    summary,
    tool_exec,
    vendor_wheel,
    warm,
    withholding,
)
from codat_iac.steps import Steps
from codat_iac.toolenv import tool_environment
from codat_settings import SettingError

# What `codat-iac --help` says: to the user of the installed command, wherever it runs.
DESCRIPTION = """\
Codat integrations as code: deploy the stacks of a CDKTF app (main.py) to Codat, check them for drift, plan
and apply reviewed plans, compare and promote between Codat instances, adopt a Codat set up by hand, and move their
state.

Every command but `init` works on one project: --app-dir, else CODAT_IAC_APP_DIR, else the nearest folder holding
cdktf.json from the working directory up. Without CODAT_BASE_URL (or CODAT_IAC_ENVIRONMENTS) the stacks go to a
local Codat emulator that the command starts in the project.

Exit codes: 0 done (nothing differs); 2 differences (diff, drift, plan, compare); 1 an error, printed once (a Python
traceback only with --debug or CODAT_IAC_DEBUG=1); 3 `emulator status`/`postgres status`: not running.
Progress goes to stderr, one line per step; results (summaries, --json, --markdown) go to stdout."""
DEBUG_ENV = "CODAT_IAC_DEBUG"
EXIT_OK, EXIT_ERROR, EXIT_DIFFERENT, EXIT_NOT_RUNNING = 0, 1, 2, 3
# Problems a user can fix: printed as one message, without a traceback.
EXPECTED = (pipeline.PipelineError, environment.EnvironmentProblem, SettingError, local_emulator.EmulatorError,
            postgres.PostgresUnavailable, project.ProjectNotFound, scaffold.InitRefused,
            provider_mirror.ProviderInstallError, adopt.AdoptError, provider_build.OutputRefused,
            *provider_build.ERRORS, vendor_wheel.VendorError, compare.CompareError)
# Commands that print the local emulator's key on purpose: their output is not scrubbed of the environment's secrets.
SHOWS_LOCAL_SETTINGS = {"env", "emulator"}


def _debug() -> bool:
    return os.environ.get(DEBUG_ENV, "").strip() not in ("", "0")


def _say(text: str) -> None:
    print(text, file=sys.stderr)


def _preflight(*programs: str, env: dict[str, str] | None = None) -> None:
    """`env` given: before any project (init), nothing remembered; else the project's cache of versions found."""
    cache = None if env is not None else project.current().state_dir / preflight.CACHE_NAME
    missing = preflight.problems(programs, tool_environment() if env is None else env, cache=cache)
    if missing:
        raise environment.EnvironmentProblem("\n".join(missing))


# ----------------------------------------------------------------------------------------- stack runs


def _app(options) -> pipeline.App:
    return pipeline.App(project.current().root, f"{project.current().command} {options.command}")


def _locked(app: pipeline.App, options):
    """The checkout's lock, waited for as long as Terraform's state lock (--lock-timeout, CODAT_IAC_LOCK_TIMEOUT)."""
    return app.locked(pipeline.lock_timeout(getattr(options, "lock_timeout", None)), _say)


def _ready_to_synth() -> None:
    """What a synth needs (Terraform, Node, the CDK that CODAT_IAC_CDK picks), checked before anything starts:
    a wrong setting stops the command before the local emulator or any other side effect."""
    _preflight("terraform", "node")
    problem = cdk.missing(cdk.chosen(os.environ), need_cli=False)
    if problem:
        raise SettingError(problem)


def _stack_target(command: str) -> environment.Target:
    """The checks, then the Codat that `command`'s stacks go to (the local emulator started when it is that one),
    named in one line."""
    _ready_to_synth()
    target = environment.for_stacks(_say)
    _say(f"{command}: {target.description}")
    return target


def _synth(app: pipeline.App, env: dict[str, str], names: list[str], steps: Steps) -> list[pipeline.Stack]:
    """Run the app on the CDK that CODAT_IAC_CDK picks (its library; this path needs no CDK CLI)."""
    name = cdk.chosen(env)
    with steps.step("synth") as step:
        stacks = pipeline.select(app.synth(env), names)
        step.note = f"{len(stacks)} stack(s) on {cdk.TITLES[name]}: {', '.join(s.name for s in stacks) or 'none'}"
    pipeline.check_variables(stacks, env)
    return stacks


def _finish(options, changes: list[summary.StackChanges], changed: str, started: float, differ: bool = False) -> int:
    """Print the closing summary (or its JSON) and return the exit code. A stack's error is printed once: in the
    summary; with --json (stdout is for machines) on stderr, and in the document's `error`."""
    failed = any(stack.error for stack in changes)
    code = EXIT_ERROR if failed else EXIT_DIFFERENT if differ and any(s.resources for s in changes) else EXIT_OK
    if options.json:
        for stack in changes:
            if stack.error and not stack.error.startswith(summary.NOT_RUN):
                _say(f"codat-iac {options.command}: {stack.error}")
        document = {"command": options.command, "exit_code": code, "seconds": round(time.monotonic() - started, 1),
                    "stacks": summary.as_json(changes)}
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        heading = summary.heading(changes, changed)
        sys.stdout.write(summary.render_text(changes, f"{heading} ({time.monotonic() - started:.1f} s):"))
    return code


def _deploy(options) -> int:
    started, steps = time.monotonic(), Steps()
    target = _stack_target("deploy")
    app = _app(options)
    run = deploy.Run(target.env, steps, timeout=pipeline.lock_timeout(options.lock_timeout))
    with _locked(app, options):
        stacks = _synth(app, target.env, options.stacks, steps)
        changes = deploy.each_stack(stacks, run.deploy, steps)
    return _finish(options, changes, "Changed in Codat", started)


def _diff(options) -> int:
    started, steps = time.monotonic(), Steps()
    target = _stack_target("diff")
    app = _app(options)
    run = deploy.Run(target.env, steps, timeout="0s")
    with _locked(app, options):
        stacks = _synth(app, target.env, options.stacks, steps)
        changes = deploy.each_stack(stacks, run.diff, steps)
    return _finish(options, changes, "A deploy would change in Codat", started, differ=True)


def _destroy(options) -> int:
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    if not options.auto_approve and not interactive:
        raise pipeline.PipelineError(
            "destroy asks for confirmation on a terminal, and this is not one: nothing was destroyed. To destroy "
            f"without asking (e.g. in CI), run `{project.current().command} destroy --auto-approve "
            + (" ".join(options.stacks) or "[STACK ...]") + "`."
        )
    started, steps = time.monotonic(), Steps()
    target = _stack_target("destroy")
    app = _app(options)
    run = deploy.Run(target.env, steps, timeout=pipeline.lock_timeout(options.lock_timeout))

    def confirm(planned: list[summary.StackChanges]) -> bool:
        if options.auto_approve:
            return True
        sys.stdout.write(summary.render_text(planned, "Would be removed (each resource's on_destroy decides what "
                                                      "happens in Codat):"))
        return input("Destroy these? Only 'yes' is accepted: ").strip() == "yes"

    with _locked(app, options):
        stacks = _synth(app, target.env, options.stacks, steps)
        changes = deploy.destroy(stacks, run, confirm)
    return _finish(options, changes, "Destroyed (each resource as its on_destroy says)", started)


def _drift(options) -> int:
    started, steps = time.monotonic(), Steps()
    app = _app(options)
    try:
        target = _stack_target("drift")
        with _locked(app, options):
            stacks = _synth(app, target.env, options.stacks, steps)
            with steps.step(f"plan {len(stacks)} stack(s)"):
                checked = pipeline.check(stacks, target.env, parallel=options.parallel)
    except EXPECTED as problem:
        if options.json or options.markdown:  # a CI consumer still gets a document saying what failed
            failed = [drift.StackReport(", ".join(options.stacks) or "(app)", error=str(problem))]
            sys.stdout.write(drift.render_json(failed) if options.json else drift.render_markdown(failed))
        raise
    reports, changes = [c.report for c in checked], [c.changes for c in checked]
    heading = summary.heading(changes, "A deploy would change in Codat") + ":"
    if options.json:
        sys.stdout.write(drift.render_json(reports, changes=summary.as_json(changes)))
    elif options.markdown:
        sys.stdout.write(drift.render_markdown(reports, closing=summary.render_markdown(changes, heading)))
    else:
        # the table says when nothing differs; the summary follows only when a deploy would do something
        closing = summary.render_text(changes, heading) if any(c.resources or c.error for c in changes) else ""
        sys.stdout.write(drift.render_table(reports) + ("\n" + closing if closing else ""))
    _say(f"drift check took {time.monotonic() - started:.1f} s")
    return drift.exit_code(reports)


def _plan(options) -> int:
    _ready_to_synth()
    target = environment.for_stacks(_say)
    if target.env.get("CI") and not target.env.get("CODAT_IAC_STATE", "").strip():
        _say("codat-iac plan: warning: state is a local file in this checkout (CODAT_IAC_STATE is unset); a job "
             "on another machine applying this plan will not find it. Set CODAT_IAC_STATE=postgres://... in CI.")
    app = _app(options)
    timeout = pipeline.lock_timeout(options.lock_timeout)
    out = Path(options.out).resolve()
    with _locked(app, options):
        stacks = _synth(app, target.env, options.stacks, Steps())
        planned = pipeline.plan_to_artifact(stacks, out, target.env, timeout=timeout, echo=sys.stdout.write)
    changed = [p.name for p in planned if p.changes]
    print(f"Plan saved in {out} ({', '.join(changed) + ' to change' if changed else 'no changes'}); "
          f"apply exactly this plan with: {project.current().command} apply {options.out}")
    return EXIT_DIFFERENT if changed else EXIT_OK


def _apply(options) -> int:
    # The saved plan holds the configuration; only the API key and the secrets (checked against the plan's
    # ephemeral variables) must come from the environment again.
    _preflight("terraform")
    target = environment.for_stacks(_say, needs={"CODAT_API_KEY": environment.REAL_CODAT_NEEDS["CODAT_API_KEY"]})
    timeout = pipeline.lock_timeout(options.lock_timeout)
    pipeline.apply_artifact(Path(options.plan_dir).resolve(), target.env, timeout=timeout, echo=sys.stdout.write)
    return EXIT_OK


def _state(options) -> int:
    """`state migrate --to URL`: the stacks' state moved between local files and PostgreSQL (state_migrate.py)."""
    started, steps = time.monotonic(), Steps()
    setting = state_migrate.setting_of(options.to)  # a bad --to stops before anything starts
    target = _stack_target("state migrate")
    app = _app(options)
    with _locked(app, options):
        moved = state_migrate.migrate(app, target.env, options.stacks, options.to, steps)
    where = state_migrate.described(setting)
    heading = f"Migrated state to {where}" if any(m.outcome.startswith("migrated") for m in moved) else "No changes"
    print(f"{heading} ({time.monotonic() - started:.1f} s):")
    print("".join(f"  {m.stack}: {m.outcome}\n" for m in moved), end="")
    print("From now on set CODAT_IAC_STATE to that URL for every run (here and in CI)." if setting else
          "From now on leave CODAT_IAC_STATE unset (or `local`) for every run (here and in CI).")
    return EXIT_OK


def _adopt(options) -> int:
    """Describe the Codat instance (GET requests only) as environment NAME of a new environments file."""
    try:
        return _adopt_into(options)
    except EXPECTED as problem:
        if options.json:  # a reviewer's script still gets a document saying what failed
            sys.stdout.write(json.dumps({"command": "adopt", "exit_code": EXIT_ERROR, "written": False,
                                         "error": str(problem)}, indent=2) + "\n")
        raise


def _adopt_into(options) -> int:
    from codat_client import CodatClient

    out = Path(options.out)
    adopt_file.refuse_existing(out, options.force)
    target = environment.for_codat(_say)
    _say(f"adopt: {target.description}")
    with Steps().step("read Codat") as step, \
            CodatClient(target.env["CODAT_BASE_URL"], target.env["CODAT_API_KEY"]) as client:
        found = adopt.read(client, options.name, target.env["CODAT_BASE_URL"])
        step.note = f"{found.requests} GET requests"
    command = project.current().command
    if found.anything:
        adopt_file.write(out, adopt.secret_free(adopt_file.render(found, command)), options.force)
    if options.json:
        sys.stdout.write(json.dumps({"command": "adopt", "exit_code": EXIT_OK,
                                     **adopt_file.as_json(found, out, found.anything)}, indent=2) + "\n")
    else:
        sys.stdout.write(adopt_file.render_text(found, out, found.anything, command))
    return EXIT_OK


def _compare(options) -> int:
    """Two Codat instances (or a stack's declaration and an instance), setting by setting; GET requests only."""
    try:
        return _compare_sides(options)
    except EXPECTED as problem:
        if options.json or options.markdown:  # a pull request's job still gets a document saying what failed
            sys.stdout.write(compare.error_json("compare", problem) if options.json
                             else compare.error_markdown(problem))
        raise


def _read_sides(options) -> tuple[compare.Comparison, dict[str, str], compare.SecretHold]:
    """Both sides read and compared, with the scrubber holding their secrets (release the hold when done)."""
    env = tool_environment()
    a, b = compare.resolve(options.a, options.b, options.instances, env, promoting=options.command == "promote")
    hold = compare.holding((a, b), env)
    try:
        with Steps().step(f"read A ({a.spelled}) and B ({b.spelled})") as step:
            first, second = compare.read_both(a, b, env, options.timeout)
            step.note = f"{sum(c.adopted.requests for c in (first, second) if c.adopted)} GET requests"
        return compare.compare(first, second, compare.patterns_from(options)), env, hold
    except BaseException:
        hold.release()
        raise


def _compare_sides(options) -> int:
    result, _, hold = _read_sides(options)
    try:
        render = (compare.render_json if options.json else compare.render_markdown if options.markdown
                  else compare.render_text)
        sys.stdout.write(render(result))
    finally:
        hold.release()
    return result.exit_code


def _promote(options) -> int:
    """B's environments table so that B matches A outside the ignored settings (no file on any error)."""
    out = Path(options.out)
    promote.refuse_existing(out, options.force)
    result, env, hold = _read_sides(options)
    try:
        promoted = promote.promote(result, env)
        command = project.current().command
        promote.write(out, promote.render(promoted, result, command), options.force, env)
        sys.stdout.write(promote.render_text(promoted, result, out, command))
    finally:
        hold.release()
    return EXIT_OK


# ------------------------------------------------------------------------------------------- helpers


def _env(options) -> int:
    sys.stdout.write(environment.exports(_say))
    return EXIT_OK


def _emulator(options) -> int:
    if options.action == "start":
        found, _ = local_emulator.ensure_running()
        print(f"{found.url}\napi key: {found.api_key}\ndata: {found.data_dir}")
    elif options.action == "stop":
        print("stopped" if local_emulator.stop() else "not running")
    else:
        alive = local_emulator.running()
        print(f"running at {alive.url} (pid {alive.pid})" if alive else "not running")
        return EXIT_OK if alive else EXIT_NOT_RUNNING
    return EXIT_OK


def _postgres(options) -> int:
    """A throwaway local PostgreSQL to try team state with (its URL goes in CODAT_IAC_STATE)."""
    pointer = project.current().state_dir / "postgres-home"
    home = Path(pointer.read_text().strip()) if pointer.exists() else None
    server = postgres.found(home) if home and home.exists() else None
    if server is not None and not server.alive():
        server.stop()  # left over from a reboot or a crash: clear it away
        server = None
    if options.action == "start":
        if server is None:
            server = postgres.start()
            postgres.remember(server)
            pointer.parent.mkdir(parents=True, exist_ok=True)
            pointer.write_text(str(server.home))
        print(server.url)
        return EXIT_OK
    if options.action == "stop":
        if server is None:
            print("not running")
            return EXIT_OK
        server.stop()
        pointer.unlink(missing_ok=True)
        print("stopped")
        return EXIT_OK
    print(f"running in {server.home}" if server else "not running")
    return EXIT_OK if server else EXIT_NOT_RUNNING


def _exec(options) -> int:
    return tool_exec.exec_tool(options.tool, options.args)


# ------------------------------------------------------------------------------- a project of your own


def _init(options) -> int:
    """A new project in DIR: files from the package's templates, the provider's mirror and its lock file."""
    _preflight("terraform", env=dict(os.environ))
    root = Path(options.dir).expanduser().resolve()
    if options.from_spec is not None:
        requirement, wheel = scaffold.check_requirement(options.from_spec), None
    else:
        wheel = vendor_wheel.installed_wheel()
        requirement = f"./{scaffold.VENDOR}/{wheel.name}"
    created = scaffold.create(root, force=options.force, environment=lambda new: tool_environment(project=new),
                              requirement=requirement, wheel=wheel)
    print(f"Created a codat-iac project in {root}:")
    print("".join(f"  {path}\n" for path in created.written), end="")
    for path in created.kept:
        print(f"  {path}: yours, kept as it was (not written)")
    if created.ignored_added:
        print(f"  .gitignore: yours, with {', '.join(created.ignored_added)} added")
    print(f"Next, in {root}: `codat-iac deploy` (to a local Codat emulator while CODAT_BASE_URL is unset); "
          f"README.md there has the rest.")
    return EXIT_OK


def _install(options) -> int:
    """npm ci of the project's pinned cdktf CLI into node_modules/ (only raw `cdktf` use needs it)."""
    _preflight("node", "npm")
    code = cdk.install_cdktf_cli(project.current(), tool_environment())
    return EXIT_OK if code == 0 else EXIT_ERROR


def _provider(options) -> int:
    """`provider build`: the self-contained provider and its layouts (provider_build.py). `provider install`:
    rewrite the project's provider mirror for the installed codat-iac and remake its lock file."""
    if options.action == "build":
        out, packages, key = provider_build.build(options, Steps())
        sys.stdout.write(provider_build.report(out, packages, key, options))
        return EXIT_OK
    _preflight("terraform")
    found = project.current()
    lock = provider_mirror.install(found.mirror, tool_environment())
    print(f"Codat provider {provider_mirror.VERSION} in {found.mirror} (launcher runs $CODAT_IAC_PYTHON, set by "
          f"codat-iac; this one: {sys.executable}); lock file {lock.relative_to(found.root)}: commit both.")
    return EXIT_OK


COMMANDS = {"deploy": _deploy, "diff": _diff, "destroy": _destroy, "drift": _drift, "plan": _plan, "apply": _apply,
            "state": _state, "adopt": _adopt, "compare": _compare, "promote": _promote, "env": _env,
            "emulator": _emulator, "postgres": _postgres, "exec": _exec, "init": _init, "install": _install,
            "provider": _provider}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # usage errors exit 1, not 2 (2 means "differences" here)
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message}\n")


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0, e.g. 30")
    return seconds


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="codat-iac", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--debug", action="store_true", help=f"show Python tracebacks (also {DEBUG_ENV}=1)")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    common = _Parser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    app_dir = _Parser(add_help=False)
    app_dir.add_argument("--app-dir", default=None,
                         help=f"the project folder (cdktf.json, main.py); default: ${project.APP_DIR_ENV}, else the "
                         f"nearest folder with cdktf.json from here up")
    locking = _Parser(add_help=False)
    locking.add_argument("--lock-timeout", default=None,
                         help=f"how long to wait for another run's state lock, e.g. 30s, 5m (default: "
                         f"${pipeline.LOCK_TIMEOUT_ENV} or {pipeline.DEFAULT_LOCK_TIMEOUT})")
    as_json = _Parser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="the closing summary as JSON on stdout")
    stacks = _Parser(add_help=False)
    stacks.add_argument("stacks", nargs="*", metavar="STACK", help="stacks to run (default: all)")

    commands.add_parser("deploy", parents=[common, app_dir, locking, as_json, stacks],
                        help="synth and apply (to the local emulator unless CODAT_BASE_URL or "
                             "CODAT_IAC_ENVIRONMENTS is set)")
    commands.add_parser("diff", parents=[common, app_dir, as_json, stacks],
                        help="what deploy would change, drift included (exit 0 none, 2 changes, 1 error)")
    destroy = commands.add_parser("destroy", parents=[common, app_dir, locking, as_json, stacks],
                                  help="remove the stacks' resources, each as its on_destroy says (asks first)")
    destroy.add_argument("--auto-approve", action="store_true", help="do not ask (needed when stdin is not a terminal)")
    check = commands.add_parser(
        "drift", parents=[common, app_dir, stacks],
        help="report drift and configuration not applied yet (exit 0 clean, 2 differ, 1 error)",
        description=drift.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    form = check.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="machine-readable output")
    form.add_argument("--markdown", action="store_true", help="markdown, e.g. for $GITHUB_STEP_SUMMARY")
    check.add_argument("--parallel", type=int, default=4, help="stacks checked at once (default 4)")
    plan = commands.add_parser("plan", parents=[common, app_dir, locking, stacks],
                               help="plan to files for review (exit 0 no changes, 2 changes, 1 error)")
    plan.add_argument("--out", required=True, help="folder for the plan artifact (created)")
    apply = commands.add_parser("apply", parents=[common, app_dir, locking],
                                help="apply exactly a plan made by `plan --out`")
    apply.add_argument("plan_dir", help="the folder `plan --out` wrote")
    state = commands.add_parser("state", parents=[common],
                                help="the stacks' Terraform state: `state migrate --to URL` moves it between local "
                                "files and PostgreSQL", description=state_migrate.__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    state_actions = state.add_subparsers(dest="action", required=True, parser_class=_Parser)
    moving = state_actions.add_parser("migrate", parents=[common, app_dir, locking, stacks],
                                      help="move the state to --to (postgres://... or local), stack by stack")
    moving.add_argument("--to", required=True, help="postgres://user:password@host:5432/db, or local (state files)")
    adopting = commands.add_parser(
        "adopt", parents=[common, app_dir, as_json],
        help="describe the Codat in CODAT_BASE_URL (else the local emulator) as an environments file, with import ids "
        "so the first plan imports and changes nothing; reads only",
        description=adopt.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    adopting.add_argument("--name", required=True, help="the environment (and stack) name, e.g. production")
    adopting.add_argument("--out", required=True, help="the environments file to write (TOML)")
    adopting.add_argument("--force", action="store_true", help="replace --out when it exists")
    sides = _Parser(add_help=False)
    sides.add_argument("a", metavar="A", help="a stack of the environments file, or live:NAME")
    sides.add_argument("b", metavar="B", help="a stack of the environments file, or live:NAME")
    sides.add_argument("--ignore", action="append", default=[], metavar="PATTERN",
                       help="a setting to leave out (a glob over paths such as webhooks.*.url.host; repeat it); "
                       f"added to the defaults: {', '.join(compare.IGNORED_BY_DEFAULT)}")
    sides.add_argument("--no-default-ignores", action="store_true", help="compare the default ignored settings too")
    sides.add_argument("--timeout", type=_seconds, default=120.0, metavar="SECONDS",
                       help="how long one request to a side may take, retries included (default 120)")
    instances = ("live:NAME is an instance given by --base-url-NAME URL and --api-key-env-NAME VARIABLE (the "
                 "environment variable holding its API key). Ignored by default: "
                 f"{', '.join(compare.IGNORED_BY_DEFAULT)}.")
    comparing = commands.add_parser(
        "compare", parents=[common, app_dir, sides],
        help="what differs between two Codat instances, or between a stack's file and an instance (exit 0 same, 2 "
        "different, 1 error); reads only",
        description=compare.__doc__, epilog=instances, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    form = comparing.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="machine-readable output")
    form.add_argument("--markdown", action="store_true", help="markdown, e.g. for a pull request comment")
    promoting = commands.add_parser(
        "promote", parents=[common, app_dir, sides],
        help="write B's environments table so that B matches A outside the ignored settings; reads only",
        description=promote.__doc__, epilog=instances, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    promoting.add_argument("--out", required=True, help="the environments file to write (TOML)")
    promoting.add_argument("--force", action="store_true", help="replace --out when it exists")
    commands.add_parser("env", parents=[common, app_dir],
                        help='print shell exports for raw tools: eval "$(codat-iac env)"')
    emulator = commands.add_parser("emulator", parents=[common, app_dir],
                                   help="the local emulator that `deploy` uses by default")
    emulator.add_argument("action", choices=["start", "stop", "status"])
    pg = commands.add_parser("postgres", parents=[common, app_dir],
                             help="a throwaway local PostgreSQL to try team state (CODAT_IAC_STATE)")
    pg.add_argument("action", choices=["start", "stop", "status"])
    run = commands.add_parser("exec", help="run cdktf, cdktn or terraform with the project's environment (bin/cdktf, "
                              "bin/cdktn, bin/terraform)")
    run.add_argument("tool", choices=[*cdk.CLIS, "terraform"])
    run.add_argument("args", nargs=argparse.REMAINDER)
    init = commands.add_parser("init", parents=[common],
                               help="create a project in DIR: cdktf.json, main.py, requirements.txt, the pipeline, "
                               "the provider's mirror and lock file")
    init.add_argument("dir", metavar="DIR", help="a new or empty folder")
    init.add_argument("--force", action="store_true",
                      help="also in a folder that is not empty; files that exist are kept, never changed")
    source = init.add_mutually_exclusive_group()
    source.add_argument("--vendor", action="store_true", help="(the default) put the codat-iac wheel this command "
                        "was installed from into vendor/ and name it in requirements.txt")
    source.add_argument("--from", dest="from_spec", default=None, metavar="SPEC",
                        help="write this pip requirement for codat-iac instead (a git URL, an index version)")
    commands.add_parser("install", parents=[common, app_dir],
                        help="npm ci of the pinned cdktf CLI into the project's node_modules/ (for raw cdktf)")
    provider = commands.add_parser("provider",
                                   help="the Codat provider: the project's mirror, or a self-contained build")
    provider_actions = provider.add_subparsers(dest="action", required=True, parser_class=_Parser,
                                              metavar="install|build")
    provider_actions.add_parser("install", parents=[common, app_dir],
                                help="rewrite terraform-mirror/ for the installed codat-iac and remake its lock file")
    building = provider_actions.add_parser(
        "build", parents=[common], help="a self-contained, signed provider zip and the registry/mirror layouts",
        description=provider_build.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    provider_build.add_arguments(building)
    return parser


def _instance_flags(argv: list[str]) -> tuple[list[str], dict[str, dict[str, str]]]:
    """compare's and promote's --base-url-NAME and --api-key-env-NAME taken out of argv (argparse cannot declare
    options whose names hold a value)."""
    index = next((i for i, arg in enumerate(argv) if not arg.startswith("-")), None)
    if index is None or argv[index] not in ("compare", "promote"):
        return argv, {}
    rest, flags = compare.instance_flags(argv[index + 1:])
    return argv[:index + 1] + rest, flags


def main(argv: list[str] | None = None) -> int:
    try:
        argv, instances = _instance_flags(list(sys.argv[1:] if argv is None else argv))
    except compare.CompareError as problem:
        _say(f"codat-iac: {problem}")
        return EXIT_ERROR
    options = build_parser().parse_args(argv)
    options.instances = instances
    if getattr(options, "debug", False):
        os.environ[DEBUG_ENV] = "1"  # the app (main.py) and the constructs show tracebacks too
    with withholding.reports_scrubbed(None if options.command in SHOWS_LOCAL_SETTINGS else os.environ), \
            warm.run(_say):  # one warm provider for the terraform runs of this command (warm.py)
        return _run(options)


def _run(options) -> int:
    try:
        if options.command != "init" and (options.command, getattr(options, "action", None)) != ("provider", "build"):
            project.use(project.find(getattr(options, "app_dir", None)))
        return COMMANDS[options.command](options)
    except KeyboardInterrupt:
        _say(f"codat-iac {options.command}: interrupted")
        return 130
    except EXPECTED as problem:
        if _debug():
            traceback.print_exc()
        _say(f"codat-iac {options.command}: {problem}")
        return EXIT_ERROR
    except Exception as problem:  # noqa: BLE001 - a bug: one line, the traceback on request
        if _debug():
            raise
        _say(f"codat-iac {options.command}: unexpected {type(problem).__name__}: {problem} "
             f"(run again with --debug or {DEBUG_ENV}=1 for the traceback)")
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
