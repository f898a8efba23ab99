"""The environment every Terraform and cdktf run of this project gets.

One place sets it, so that `make deploy`, `bin/cdktf`, `bin/terraform` and the tests behave the same:
the provider comes from the in-repo filesystem mirror, nothing is written to the home folder, and
cdktf neither phones home nor prints Node's end-of-life banner (see shared design notes).
"""

from __future__ import annotations

import os
from pathlib import Path

from codat_iac.cdk import cdk_environment  # CDK Terrain hook (docs/cdk-terrain.md)
from codat_settings import SettingError, state_kind

REPO = Path(__file__).resolve().parent.parent
MIRROR = REPO / "terraform-mirror"
PROVIDER_HOST = "codat.local"
PROVIDER_SOURCE = f"{PROVIDER_HOST}/codat/codat"
STATE_DIR = REPO / ".codat-iac"


def _cli_config(mirror: Path) -> str:
    return (
        "# Written by codat_iac.toolenv; do not edit. The Codat provider comes from the in-repo mirror.\n"
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path    = "{mirror}"\n    include = ["{PROVIDER_HOST}/*/*"]\n  }}\n'
        f'  direct {{\n    exclude = ["{PROVIDER_HOST}/*/*"]\n  }}\n'
        "}\n"
    )


def write_cli_config(state_dir: Path = STATE_DIR) -> Path:
    """Write the Terraform CLI config inside the repo (never ~/.terraformrc); rewrite only on change."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / "terraform.rc"
    text = _cli_config(MIRROR)
    if not path.exists() or path.read_text() != text:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(path)
    return path


def tool_environment(base: dict[str, str] | None = None, state_dir: Path = STATE_DIR) -> dict[str, str]:
    """Return `base` (default: os.environ) plus what terraform and cdktf need to run from this repo."""
    env = dict(os.environ if base is None else base)
    env.update(
        {
            "CODAT_IAC_HOME": str(REPO),
            "TF_CLI_CONFIG_FILE": str(write_cli_config(state_dir)),
            # cdktf runs `terraform providers lock`, which ignores provider_installation.
            "TF_CLI_ARGS_providers_lock": f"-fs-mirror={MIRROR}",
            "CHECKPOINT_DISABLE": "1",
            "CDKTF_DISABLE_PLUGIN_CACHE_ENV": "1",
            "CDKTF_HOME": str(state_dir / "cdktf-home"),
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
            "DISABLE_VERSION_CHECK": "1",
            # jsii (under every synth) and npm keep caches and logs here, not in the home folder.
            "JSII_RUNTIME_PACKAGE_CACHE_ROOT": str(state_dir / "cache" / "jsii"),
            "npm_config_cache": str(state_dir / "cache" / "npm"),
            "npm_config_logs_dir": str(state_dir / "cache" / "npm-logs"),
            "npm_config_update_notifier": "false",
            "PATH": os.pathsep.join(
                [str(REPO / ".venv" / "bin"), str(REPO / "node_modules" / ".bin"), *_without_wrappers(env.get("PATH", ""))]
            ),
        }
    )
    env.pop("TF_PLUGIN_CACHE_DIR", None)
    env = cdk_environment(env)  # CDK Terrain hook: with CODAT_IAC_CDK=cdktn, its Node on PATH and as JSII_NODE
    # Team state (codat_constructs/state.py): the pg backend's connection string travels only in the
    # environment, never in the synthesized stack, because it holds a password.
    if _state_kind_or_none(env.get("CODAT_IAC_STATE")) == "postgres":
        env["PG_CONN_STR"] = env["CODAT_IAC_STATE"].strip()
    return env


def _without_wrappers(path: str) -> list[str]:
    """PATH's folders less this repo's bin/ (which `codat-iac env` puts first): the wrappers there must find
    the real terraform and cdktf, not themselves."""
    wrappers = os.path.realpath(REPO / "bin")
    return [folder for folder in path.split(os.pathsep) if folder and os.path.realpath(folder) != wrappers]


def _state_kind_or_none(setting: str | None) -> str | None:
    try:
        return state_kind(setting)
    except SettingError:
        return None  # reported by the command that needs the state (codat_iac.__main__)
