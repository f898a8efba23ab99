"""`python -m codat_iac`: the project's own commands (what `make deploy` and `bin/*` run)."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys

from codat_iac import local_emulator
from codat_iac.toolenv import REPO, tool_environment

TOOLS = {"cdktf": REPO / "node_modules" / ".bin" / "cdktf"}
REAL_CODAT_NEEDS = {
    "CODAT_API_KEY": "the API key from the Codat Portal (Developers > API keys)",
    "XERO_CLIENT_ID": "the Xero app's client id (developer.xero.com > My Apps > your app > Configuration)",
    "TF_VAR_xero_client_secret": "the Xero app's client secret (shown once when you generate it)",
}


def _exec_tool(tool: str, args: list[str]) -> int:
    path = str(TOOLS[tool]) if tool in TOOLS else shutil.which(tool)
    if not path or not os.path.exists(path):
        print(f"codat-iac: {tool} is not installed here; run `make install` first.", file=sys.stderr)
        return 127
    os.execve(path, [tool, *args], tool_environment())
    return 0  # not reached


def _stack_environment() -> dict[str, str] | None:
    """The environment a cdktf run of the reference stack needs: real Codat when CODAT_BASE_URL is set,
    else the local emulator (started if needed) with stable demo Xero credentials. None if incomplete."""
    env = tool_environment()
    if env.get("CODAT_BASE_URL"):
        missing = [f"  {name}: {why}" for name, why in REAL_CODAT_NEEDS.items() if not env.get(name)]
        if missing:
            print(f"codat-iac: CODAT_BASE_URL is {env['CODAT_BASE_URL']}, so these must be set too:", file=sys.stderr)
            print("\n".join(missing), file=sys.stderr)
            return None
        print(f"Codat at {env['CODAT_BASE_URL']}")
        return env
    emulator = local_emulator.ensure_running()
    client_id, client_secret = local_emulator.demo_xero_credentials()
    env.update(CODAT_BASE_URL=emulator.url, CODAT_API_KEY=emulator.api_key)
    env.setdefault("XERO_CLIENT_ID", client_id)
    env.setdefault("TF_VAR_xero_client_secret", client_secret)
    data = emulator.data_dir.relative_to(REPO)
    print("Local Codat emulator (CODAT_BASE_URL is unset, so the tool uses it):")
    print(f"  url:     {emulator.url}")
    print(f"  api key: {emulator.api_key}   (opens this local emulator only)")
    print(f"  data:    {data}/")
    print(f"  try a Portal change: .venv/bin/python -m codat_emulator portal disable gbol --data {data}")
    return env


def _cdktf(*args: str) -> int:
    env = _stack_environment()
    if env is None:
        return 2
    return subprocess.call([str(TOOLS["cdktf"]), *args], cwd=REPO, env=env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="codat-iac", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    deploy = commands.add_parser("deploy", help="deploy stacks (to the local emulator unless CODAT_BASE_URL is set)")
    deploy.add_argument("stacks", nargs="*")
    diff = commands.add_parser("diff", help="show what deploy would change, drift included (cdktf diff)")
    diff.add_argument("stack", nargs="?")
    emulator = commands.add_parser("emulator", help="the local emulator that `deploy` uses by default")
    emulator.add_argument("action", choices=["start", "stop", "status"])
    run = commands.add_parser("exec", help="run cdktf or terraform with the project's environment")
    run.add_argument("tool", choices=["cdktf", "terraform"])
    run.add_argument("args", nargs=argparse.REMAINDER)
    options = parser.parse_args(argv)

    if options.command == "exec":
        return _exec_tool(options.tool, options.args)
    if options.command == "deploy":
        return _cdktf("deploy", "--auto-approve", *options.stacks)
    if options.command == "diff":
        return _cdktf("diff", *filter(None, [options.stack]))
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
