"""Which Codat the stacks talk to, and the environment every command and raw tool gets for it.

One rule, used by `deploy`, `diff`, `drift`, `plan`, `apply`, `destroy`, `env` and the `bin/cdktf` and
`bin/terraform` wrappers, so they all find the same Codat:

- `CODAT_IAC_ENVIRONMENTS` set: the stacks come from that file, each with its own base URL and API key
  variable; no local emulator (nothing is started, no banner).
- `CODAT_BASE_URL` set: real Codat (or any Codat the user names); its API key and the Xero settings must be
  set too, and none of them is ever printed.
- neither: the local emulator of the project (`.codat-iac/emulator/`), started when needed, with its generated
  key and stable demo Xero credentials. Raw tools get the same settings when the emulator is running or was
  started in the project before, so `bin/cdktf diff` after `make deploy` needs nothing exported.
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from codat_iac import local_emulator, withholding
from codat_iac.project import current
from codat_iac.toolenv import tool_environment
from codat_settings import SettingError, check_base_url, shown_url, state_kind

ENVIRONMENTS_ENV = "CODAT_IAC_ENVIRONMENTS"
REAL_CODAT_NEEDS = {
    "CODAT_API_KEY": "the API key from the Codat Portal (Developers > API keys)",
    "XERO_CLIENT_ID": "the Xero app's client id (developer.xero.com > My Apps > your app > Configuration)",
    "TF_VAR_xero_client_secret": "the Xero app's client secret (shown once when you generate it)",
}
# Settings that stay the same for the local emulator; `env` exports them.
LOCAL_SETTINGS = ("CODAT_BASE_URL", "CODAT_API_KEY", "XERO_CLIENT_ID", "TF_VAR_xero_client_secret")
STATE_DESCRIPTIONS = {
    "local": "local files (terraform.<stack>.tfstate)",
    "postgres": "PostgreSQL (pg backend, one schema per stack)",
}


class EnvironmentProblem(RuntimeError):
    """A setting is missing or unusable; the message names it and the fix."""


@dataclass
class Target:
    """The environment for a run and a one-line description of where it goes (never a secret)."""

    env: dict[str, str]
    description: str
    emulator: Optional[local_emulator.LocalEmulator] = None


def uses_local_emulator(env: dict[str, str]) -> bool:
    return not env.get("CODAT_BASE_URL") and not env.get(ENVIRONMENTS_ENV)


def _state(env: dict[str, str]) -> str:
    try:
        return STATE_DESCRIPTIONS[state_kind(env.get("CODAT_IAC_STATE"))]
    except SettingError as problem:
        raise EnvironmentProblem(str(problem)) from None


def _with_emulator(env: dict[str, str], emulator: local_emulator.LocalEmulator) -> dict[str, str]:
    client_id, client_secret = local_emulator.demo_xero_credentials()
    env.update(CODAT_BASE_URL=emulator.url, CODAT_API_KEY=emulator.api_key)
    env.setdefault("XERO_CLIENT_ID", client_id)
    env.setdefault("TF_VAR_xero_client_secret", client_secret)
    return env


def _shown_path(path: Path) -> str:
    """`path` relative to the project root when inside it (as a user in that folder would type it)."""
    root = current().root
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def banner(emulator: local_emulator.LocalEmulator) -> str:
    """What a command prints when it starts the emulator: where it is, where its key is kept (never the key: a
    command's output passes the scrubber, which knows it; `env` and `emulator start` print it), its data and how
    to try a Portal change."""
    data = _shown_path(emulator.data_dir)
    python = _shown_path(Path(sys.executable))
    raw = "raw tools (bin/cdktf, bin/terraform) use it too; " if current().command == "bin/codat-iac" else ""
    return "\n".join([
        "Local Codat emulator started (CODAT_BASE_URL is unset, so the tool uses it):",
        f"  url:     {emulator.url}",
        f"  api key: in {_shown_path(emulator.data_dir.parent / 'api-key')}   (opens this local emulator only)",
        f"  data:    {data}/",
        f"  try a Portal change: {python} -m codat_emulator portal disable gbol --data {data}",
        f"  {raw}`eval \"$({current().command} env)\"` exports it.",
    ])


def for_stacks(say: Callable[[str], None], needs: dict[str, str] = REAL_CODAT_NEEDS) -> Target:
    """The environment of a command that plans or applies stacks (see the module's doc for the rule).
    `say` gets the emulator's banner when this call starts it."""
    env = tool_environment()
    state = _state(env)
    if env.get(ENVIRONMENTS_ENV):
        return _learnt(Target(env, f"stacks from {ENVIRONMENTS_ENV}={env[ENVIRONMENTS_ENV]}, each with its own Codat; "
                                   f"state: {state}"))
    if env.get("CODAT_BASE_URL"):
        return _learnt(Target(env, f"Codat at {_given_codat(env, needs)}; state: {state}"))
    emulator, started = local_emulator.ensure_running()
    if started:
        say(banner(emulator))
    return _learnt(Target(_with_emulator(env, emulator), f"local Codat emulator at {emulator.url}; state: {state}",
                          emulator))


def _learnt(target: Target) -> Target:
    """`target`, its secrets (the local emulator's key among them) known to the scrubber before any output."""
    withholding.learn(target.env)
    return target


def _given_codat(env: dict[str, str], needs: dict[str, str]) -> str:
    """The CODAT_BASE_URL the user set, shown safely; EnvironmentProblem when it or a setting in `needs` is bad."""
    try:
        base_url = check_base_url(env["CODAT_BASE_URL"], "CODAT_BASE_URL")
    except SettingError as problem:
        raise EnvironmentProblem(str(problem)) from None
    missing = [f"  {name}: {why}" for name, why in needs.items() if not env.get(name)]
    if missing:
        raise EnvironmentProblem(
            f"CODAT_BASE_URL is {shown_url(base_url)}, so these must be set too:\n" + "\n".join(missing))
    return shown_url(base_url)


def for_codat(say: Callable[[str], None]) -> Target:
    """One Codat for a command that reads it itself (adopt): CODAT_BASE_URL with CODAT_API_KEY, else the local
    emulator (started when needed). CODAT_IAC_ENVIRONMENTS names stacks, each with its own Codat, so it plays no
    part here; env holds CODAT_BASE_URL and CODAT_API_KEY."""
    env = tool_environment()
    if env.get("CODAT_BASE_URL"):
        shown = _given_codat(env, {"CODAT_API_KEY": REAL_CODAT_NEEDS["CODAT_API_KEY"]})
        env["CODAT_BASE_URL"] = check_base_url(env["CODAT_BASE_URL"], "CODAT_BASE_URL")
        return _learnt(Target(env, f"Codat at {shown}"))
    emulator, started = local_emulator.ensure_running()
    if started:
        say(banner(emulator))
    env.update(CODAT_BASE_URL=emulator.url, CODAT_API_KEY=emulator.api_key)
    return _learnt(Target(env, f"local Codat emulator at {emulator.url}", emulator))


def for_tools(say: Callable[[str], None], env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of `bin/cdktf` and `bin/terraform`: the tool environment (`env` when given), plus the
    local emulator's settings when the stacks use it and it runs (or ran) here; a stopped one is started again."""
    env = tool_environment() if env is None else env
    if not uses_local_emulator(env) or not local_emulator.was_started_here():
        return env
    emulator, started = local_emulator.ensure_running()
    if started:
        say(f"codat-iac: started the local Codat emulator again at {emulator.url} (its data: "
            f"{_shown_path(emulator.data_dir)}/)")
    return _with_emulator(env, emulator)


def exports(say: Callable[[str], None]) -> str:
    """Shell `export` lines for `eval "$(codat-iac env)"`: what raw tools need (CODAT_IAC_PYTHON for the
    provider's launcher included). The emulator's own key and demo secret are exported for the local emulator;
    a setting the user set is not repeated, so a key or secret of theirs is never printed. The names of the
    stacks' secret variables are not exported: the bin/ wrappers find them afresh after each synth."""
    env = tool_environment()
    project = current()
    lines = [f"# codat-iac environment for {project.root}"]
    if uses_local_emulator(env):
        emulator, started = local_emulator.ensure_running()
        if started:
            say(banner(emulator))
        _with_emulator(env, emulator)
        lines.append(f"# the local Codat emulator at {emulator.url} (CODAT_BASE_URL is unset)")
        names = [name for name in LOCAL_SETTINGS if env.get(name) != os.environ.get(name)]
    else:
        lines.append("# your own Codat settings (CODAT_BASE_URL, keys, secrets) are already in your environment;"
                     " they are not repeated here")
        names = []
    names += [name for name in sorted(set(tool_environment({})) - {"PATH", withholding.SECRET_VARIABLES_ENV})
              if name in env]
    lines += [f"export {name}={shlex.quote(env[name])}" for name in dict.fromkeys(names)]
    # The project's wrappers (this repository's bin/) first, then its cdktf CLI when `codat-iac install` ran.
    first = [project.wrappers] if current().command == "bin/codat-iac" else []
    first += [project.node_bin] if project.node_bin.is_dir() else []
    if first:
        lines.append(f"export PATH={shlex.quote(':'.join(str(folder) for folder in first))}:\"$PATH\"")
    return "\n".join(lines) + "\n"
