"""The environment every Terraform and cdktf run of a project gets.

One place sets it, so that `codat-iac` commands, `make deploy`, `bin/cdktf`, `bin/terraform` and the tests
behave the same: the provider comes from the project's filesystem mirror (provider_mirror.py) and runs on
the interpreter codat-iac runs on, nothing is written to the home folder, and cdktf neither phones home nor
prints Node's end-of-life banner (see shared design notes). The provider is told the names of the stacks'
secret variables (`CODAT_IAC_SECRET_VARIABLES`, from the stacks synthesized in cdktf.out/; a codat-iac
command adds those of the stacks it synthesizes, see withholding.py), so it knows their values from `TF_VAR_`
before it sends anything. Paths come from the project (project.py), never from where the package is installed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from codat_iac import project as projects
from codat_iac.cdk import cdk_environment  # CDK Terrain hook (docs/cdk-terrain.md)
from codat_iac.provider_mirror import PROVIDER_HOST, PROVIDER_SOURCE, PYTHON_ENV, ensure
from codat_iac.withholding import SECRET_VARIABLES_ENV, named_secret_variables, synthesized_secret_variables
from codat_settings import COMMAND_ENV, SettingError, state_kind

__all__ = ["PROVIDER_HOST", "PROVIDER_SOURCE", "PACKAGE_ROOT", "FROM_SOURCE", "tool_environment",
           "python_environment", "write_cli_config", "colourless"]

# Where our packages are imported from: a site-packages folder, or this repository when run from source.
PACKAGE_ROOT = Path(__file__).resolve().parent.parent
# Run from a source tree (not an installed package): child Pythons need the tree on PYTHONPATH to import it.
FROM_SOURCE = (PACKAGE_ROOT / "pyproject.toml").is_file()


def _cli_config(mirror: Path) -> str:
    return (
        "# Written by codat_iac.toolenv; do not edit. The Codat provider comes from the project's mirror.\n"
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path    = "{mirror}"\n    include = ["{PROVIDER_HOST}/*/*"]\n  }}\n'
        f'  direct {{\n    exclude = ["{PROVIDER_HOST}/*/*"]\n  }}\n'
        "}\n"
    )


def write_cli_config(state_dir: Path, mirror: Path) -> Path:
    """Write the Terraform CLI config inside the project (never ~/.terraformrc); rewrite only on change."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / "terraform.rc"
    text = _cli_config(mirror)
    if not path.exists() or path.read_text() != text:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(path)
    return path


def python_environment(env: dict[str, str]) -> dict[str, str]:
    """`env` for a Python this process starts (the app, the provider, the emulator): our interpreter in
    CODAT_IAC_PYTHON and, when run from source, the source tree first on PYTHONPATH, so that every process
    imports the same codat-iac as this one."""
    result = dict(env, **{PYTHON_ENV: sys.executable})
    if FROM_SOURCE:
        paths = [entry for entry in result.get("PYTHONPATH", "").split(os.pathsep)
                 if entry and entry != str(PACKAGE_ROOT)]
        result["PYTHONPATH"] = os.pathsep.join([str(PACKAGE_ROOT), *paths])
    return result


def tool_environment(
    base: dict[str, str] | None = None, state_dir: Path | None = None, project: projects.Project | None = None
) -> dict[str, str]:
    """Return `base` (default: os.environ) plus what terraform and cdktf need to run in `project` (default:
    the current one). `state_dir` (default: the project's .codat-iac/) holds the CLI config and caches."""
    project = project or projects.current()
    state_dir = state_dir or project.state_dir
    ensure(project.mirror)
    env = python_environment(dict(os.environ if base is None else base))
    env.update(
        {
            "TF_CLI_CONFIG_FILE": str(write_cli_config(state_dir, project.mirror)),
            COMMAND_ENV: project.command,  # the runbook the app writes names it
            # cdktf runs `terraform providers lock`, which ignores provider_installation.
            "TF_CLI_ARGS_providers_lock": f"-fs-mirror={project.mirror}",
            "CHECKPOINT_DISABLE": "1",
            "CDKTF_DISABLE_PLUGIN_CACHE_ENV": "1",
            "CDKTF_HOME": str(state_dir / "cdktf-home"),
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
            "DISABLE_VERSION_CHECK": "1",
            "npm_config_update_notifier": "false",
            "PATH": os.pathsep.join([*_interpreter_bin(), str(project.node_bin),
                                     *_without_wrappers(project, env.get("PATH", ""))]),
        }
    )
    # jsii (under every synth) and npm keep caches and logs in the project, not in the home folder; a
    # location the caller chose already (e.g. one cache shared by many test projects) is kept.
    env.setdefault("JSII_RUNTIME_PACKAGE_CACHE_ROOT", str(state_dir / "cache" / "jsii"))
    env.setdefault("npm_config_cache", str(state_dir / "cache" / "npm"))
    env.setdefault("npm_config_logs_dir", str(state_dir / "cache" / "npm-logs"))
    env.pop("TF_PLUGIN_CACHE_DIR", None)
    env = cdk_environment(env, project)  # CDK Terrain hook: with CODAT_IAC_CDK=cdktn, its Node on PATH and as JSII_NODE
    # Team state (codat_constructs/state.py): the pg backend's connection string travels only in the
    # environment, never in the synthesized stack, because it holds a password.
    if _state_kind_or_none(env.get("CODAT_IAC_STATE")) == "postgres":
        env["PG_CONN_STR"] = env["CODAT_IAC_STATE"].strip()
    _name_secret_variables(env, project)
    return env


def colourless(env: dict[str, str]) -> dict[str, str]:
    """`env` for a tool whose output goes to a log: Terraform gets `-no-color` on every command (TF_CLI_ARGS: it
    colours a pipe too, and the CDK CLIs run it themselves); Node CLIs get NO_COLOR and FORCE_COLOR=0."""
    args = env.get("TF_CLI_ARGS", "").split()
    if "-no-color" not in args:
        env["TF_CLI_ARGS"] = " ".join(["-no-color", *args])
    env.update(NO_COLOR="1", FORCE_COLOR="0")
    return env


def _name_secret_variables(env: dict[str, str], project: projects.Project) -> None:
    """CODAT_IAC_SECRET_VARIABLES for the stacks synthesized in the project (with the names `env` had already).
    Left unset before any synth, so the provider falls back to the variables whose names say they are secrets."""
    found = synthesized_secret_variables(project.root / "cdktf.out")
    if found is None:
        return
    env[SECRET_VARIABLES_ENV] = ",".join(sorted(named_secret_variables(env) | set(found)))


def _interpreter_bin() -> list[str]:
    """Our virtualenv's bin/ (its python, pip and codat-iac), when we run in one."""
    return [str(Path(sys.executable).parent)] if sys.prefix != sys.base_prefix else []


def _without_wrappers(project: projects.Project, path: str) -> list[str]:
    """PATH's folders less the project's bin/ (which `codat-iac env` puts first): the wrappers there must find
    the real terraform and cdktf, not themselves."""
    wrappers = os.path.realpath(project.wrappers)
    return [folder for folder in path.split(os.pathsep) if folder and os.path.realpath(folder) != wrappers]


def _state_kind_or_none(setting: str | None) -> str | None:
    try:
        return state_kind(setting)
    except SettingError:
        return None  # reported by the command that needs the state (codat_iac.__main__)
