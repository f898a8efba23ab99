"""`python -m codat_iac`: the project's own commands (what `make deploy` and `bin/*` run)."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from codat_iac import cdk, drift, local_emulator, pipeline, postgres
from codat_iac.toolenv import REPO, tool_environment
from codat_settings import SettingError, check_base_url, shown_url, state_kind

REAL_CODAT_NEEDS = {
    "CODAT_API_KEY": "the API key from the Codat Portal (Developers > API keys)",
    "XERO_CLIENT_ID": "the Xero app's client id (developer.xero.com > My Apps > your app > Configuration)",
    "TF_VAR_xero_client_secret": "the Xero app's client secret (shown once when you generate it)",
}


def _exec_tool(tool: str, args: list[str]) -> int:
    if tool in cdk.CLIS:  # CDK Terrain hook: bin/cdktf and bin/cdktn, each runs the app on its own CDK's library
        return cdk.exec_cli(tool, args)
    path = shutil.which(tool)
    if not path or not os.path.exists(path):
        print(f"codat-iac: {tool} is not installed here; run `make install` first.", file=sys.stderr)
        return 127
    os.execve(path, [tool, *args], tool_environment())
    return 0  # not reached


STATE_DESCRIPTIONS = {
    "local": "local files (terraform.<stack>.tfstate)",
    "postgres": "PostgreSQL (pg backend, one schema per stack)",
}


def _stack_environment(out=None, needs: dict[str, str] = REAL_CODAT_NEEDS) -> dict[str, str] | None:
    """The environment a cdktf run of the reference stack needs: real Codat when CODAT_BASE_URL is set,
    else the local emulator (started if needed) with stable demo Xero credentials. None if incomplete.
    What it found is printed to `out` (stdout; pipeline commands pass stderr to keep stdout for results)."""
    out = out or sys.stdout
    env = tool_environment()
    try:
        problem = cdk.missing(cdk.chosen(env))  # CDK Terrain hook (3 lines): the chosen CDK, said and checked
        if problem:
            raise SettingError(problem)
        print(f"CDK: {cdk.describe(env)}", file=out)
        state = STATE_DESCRIPTIONS[state_kind(env.get("CODAT_IAC_STATE"))]
        base_url = check_base_url(env["CODAT_BASE_URL"], "CODAT_BASE_URL") if env.get("CODAT_BASE_URL") else None
    except SettingError as problem:
        print(f"codat-iac: {problem}", file=sys.stderr)
        return None
    if base_url:
        missing = [f"  {name}: {why}" for name, why in needs.items() if not env.get(name)]
        if missing:
            print(f"codat-iac: CODAT_BASE_URL is {shown_url(base_url)}, so these must be set too:", file=sys.stderr)
            print("\n".join(missing), file=sys.stderr)
            return None
        print(f"Codat at {shown_url(base_url)}; state: {state}", file=out)
        return env
    emulator = local_emulator.ensure_running()
    client_id, client_secret = local_emulator.demo_xero_credentials()
    env.update(CODAT_BASE_URL=emulator.url, CODAT_API_KEY=emulator.api_key)
    env.setdefault("XERO_CLIENT_ID", client_id)
    env.setdefault("TF_VAR_xero_client_secret", client_secret)
    data = emulator.data_dir.relative_to(REPO)
    print("Local Codat emulator (CODAT_BASE_URL is unset, so the tool uses it):", file=out)
    print(f"  url:     {emulator.url}", file=out)
    print(f"  api key: {emulator.api_key}   (opens this local emulator only)", file=out)
    print(f"  data:    {data}/", file=out)
    print(f"  try a Portal change: .venv/bin/python -m codat_emulator portal disable gbol --data {data}", file=out)
    print(f"  state:   {state}", file=out)
    return env


def _cdktf(*args: str, app_dir: Path = REPO, lock_timeout: str | None = None) -> int:
    env = _stack_environment()
    if env is None:
        return 2
    if lock_timeout:
        # cdktf runs `terraform apply` itself: hand it the lock timeout the way Terraform reads extra args.
        env["TF_CLI_ARGS_apply"] = f"{env.get('TF_CLI_ARGS_apply', '')} -lock-timeout={lock_timeout}".strip()
    return subprocess.call([str(cdk.cli(cdk.chosen(env))), *args], cwd=app_dir, env=env)  # CDK Terrain hook


def _pipeline_env(needs: dict[str, str] = REAL_CODAT_NEEDS) -> dict[str, str] | None:
    return _stack_environment(out=sys.stderr, needs=needs)


def _app(options) -> "pipeline.App":
    return pipeline.App(Path(options.app_dir).resolve())


def _drift(options) -> int:
    env = _pipeline_env()
    if env is None:
        return drift.EXIT_ERROR
    app = _app(options)
    started = time.monotonic()
    try:
        with app.locked():
            stacks = pipeline.select(app.synth(env), options.stacks)
            reports = drift.check(stacks, env, parallel=options.parallel)
    except pipeline.PipelineError as problem:
        print(f"codat-iac drift: {problem}", file=sys.stderr)
        if options.json or options.markdown:  # a CI consumer still gets a document saying what failed
            failed = [drift.StackReport(", ".join(options.stacks) or "(app)", error=str(problem))]
            sys.stdout.write(drift.render_json(failed) if options.json else drift.render_markdown(failed))
        return drift.EXIT_ERROR
    render = drift.render_json if options.json else drift.render_markdown if options.markdown else drift.render_table
    sys.stdout.write(render(reports))
    print(f"drift check took {time.monotonic() - started:.1f} s", file=sys.stderr)
    return drift.exit_code(reports)


def _plan(options) -> int:
    env = _pipeline_env()
    if env is None:
        return 1
    if env.get("CI") and not env.get("CODAT_IAC_STATE", "").strip():
        print("codat-iac plan: warning: state is a local file in this checkout (CODAT_IAC_STATE is unset); a job "
              "on another machine applying this plan will not find it. Set CODAT_IAC_STATE=postgres://... in CI.",
              file=sys.stderr)
    app = _app(options)
    timeout = pipeline.lock_timeout(options.lock_timeout)
    out = Path(options.out).resolve()
    try:
        with app.locked():
            stacks = pipeline.select(app.synth(env), options.stacks)
            planned = pipeline.plan_to_artifact(stacks, out, env, timeout=timeout, echo=sys.stdout.write)
    except pipeline.PipelineError as problem:
        print(f"codat-iac plan: {problem}", file=sys.stderr)
        return 1
    changed = [p.name for p in planned if p.changes]
    print(f"Plan saved in {out} ({', '.join(changed) + ' to change' if changed else 'no changes'}); "
          f"apply exactly this plan with: bin/codat-iac apply {options.out}")
    return 2 if changed else 0


def _apply(options) -> int:
    # The saved plan holds the configuration; only the API key and the secrets (checked against the plan's
    # ephemeral variables) must come from the environment again.
    env = _pipeline_env(needs={"CODAT_API_KEY": REAL_CODAT_NEEDS["CODAT_API_KEY"]})
    if env is None:
        return 1
    timeout = pipeline.lock_timeout(options.lock_timeout)
    try:
        pipeline.apply_artifact(Path(options.plan_dir).resolve(), env, timeout=timeout, echo=sys.stdout.write)
    except pipeline.PipelineError as problem:
        print(f"codat-iac apply: {problem}", file=sys.stderr)
        return 1
    return 0


def _postgres(action: str) -> int:
    """A throwaway local PostgreSQL to try team state with (its URL goes in CODAT_IAC_STATE)."""
    pointer = REPO / ".codat-iac" / "postgres-home"
    home = Path(pointer.read_text().strip()) if pointer.exists() else None
    server = postgres.found(home) if home and home.exists() else None
    if server is not None and not server.alive():
        server.stop()  # left over from a reboot or a crash: clear it away
        server = None
    if action == "start":
        if server is None:
            server = postgres.start()
            postgres.remember(server)
            pointer.parent.mkdir(parents=True, exist_ok=True)
            pointer.write_text(str(server.home))
        print(server.url)
        return 0
    if action == "stop":
        if server is None:
            print("not running")
            return 0
        server.stop()
        pointer.unlink(missing_ok=True)
        print("stopped")
        return 0
    print(f"running in {server.home}" if server else "not running")
    return 0 if server else 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="codat-iac", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    app_dir = argparse.ArgumentParser(add_help=False)
    app_dir.add_argument("--app-dir", default=os.environ.get("CODAT_IAC_APP_DIR", str(REPO)),
                         help="the CDKTF app folder (cdktf.json, main.py); default: $CODAT_IAC_APP_DIR or this repo")
    locking = argparse.ArgumentParser(add_help=False)
    locking.add_argument("--lock-timeout", default=None,
                         help=f"how long to wait for another run's state lock, e.g. 30s, 5m (default: "
                         f"${pipeline.LOCK_TIMEOUT_ENV} or {pipeline.DEFAULT_LOCK_TIMEOUT})")
    deploy = commands.add_parser("deploy", parents=[app_dir, locking],
                                 help="deploy stacks (to the local emulator unless CODAT_BASE_URL is set)")
    deploy.add_argument("stacks", nargs="*")
    diff = commands.add_parser("diff", parents=[app_dir],
                               help="show what deploy would change, drift included (cdktf diff)")
    diff.add_argument("stack", nargs="?")
    emulator = commands.add_parser("emulator", help="the local emulator that `deploy` uses by default")
    emulator.add_argument("action", choices=["start", "stop", "status"])
    run = commands.add_parser("exec", help="run cdktf or terraform with the project's environment")
    run.add_argument("tool", choices=["cdktf", "cdktn", "terraform"])  # CDK Terrain hook: + cdktn
    run.add_argument("args", nargs=argparse.REMAINDER)
    check = commands.add_parser(
        "drift", parents=[app_dir], help="report drift and configuration not applied yet (exit 0 clean, 2 differ, 1 error)",
        description=drift.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("stacks", nargs="*", help="stacks to check (default: all)")
    form = check.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="machine-readable output")
    form.add_argument("--markdown", action="store_true", help="markdown, e.g. for $GITHUB_STEP_SUMMARY")
    check.add_argument("--parallel", type=int, default=4, help="stacks checked at once (default 4)")
    plan = commands.add_parser("plan", parents=[app_dir, locking],
                               help="plan to files for review (exit 0 no changes, 2 changes, 1 error)")
    plan.add_argument("stacks", nargs="*", help="stacks to plan (default: all)")
    plan.add_argument("--out", required=True, help="folder for the plan artifact (created)")
    apply = commands.add_parser("apply", parents=[locking], help="apply exactly a plan made by `plan --out`")
    apply.add_argument("plan_dir", help="the folder `plan --out` wrote")
    pg = commands.add_parser("postgres", help="a throwaway local PostgreSQL to try team state (CODAT_IAC_STATE)")
    pg.add_argument("action", choices=["start", "stop", "status"])
    return parser


def main(argv: list[str] | None = None) -> int:
    options = build_parser().parse_args(argv)

    if options.command == "exec":
        return _exec_tool(options.tool, options.args)
    if options.command == "deploy":
        return _cdktf("deploy", "--auto-approve", *options.stacks, app_dir=Path(options.app_dir),
                      lock_timeout=pipeline.lock_timeout(options.lock_timeout))
    if options.command == "drift":
        return _drift(options)
    if options.command == "plan":
        return _plan(options)
    if options.command == "apply":
        return _apply(options)
    if options.command == "postgres":
        return _postgres(options.action)
    if options.command == "diff":
        return _cdktf("diff", *filter(None, [options.stack]), app_dir=Path(options.app_dir))
    if options.action == "start":
        found = local_emulator.ensure_running()
        print(f"{found.url}\napi key: {found.api_key}\ndata: {found.data_dir}")
    elif options.action == "stop":
        print("stopped" if local_emulator.stop() else "not running")
    else:
        found = local_emulator.running()
        print(f"running at {found.url} (pid {found.pid})" if found else "not running")
        return 0 if found else 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
