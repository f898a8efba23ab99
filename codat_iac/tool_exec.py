"""bin/terraform, bin/cdktf and bin/cdktn (`codat-iac exec TOOL`): the tool with the project's environment, exec'd.

The wrappers run this module on every call, so it is kept lean (it imports neither the rest of codat-iac nor a
CDK): what it does costs each `bin/terraform plan`. When the tool will run the Codat provider it first starts
the run's warm provider (warm.py) and hands terraform TF_REATTACH_PROVIDERS (bin/cdktf and bin/cdktn: through a
terraform shim that attaches only the commands that run providers), then execs the tool at once: the server
loads Python, httpx and pydantic while Terraform reads its configuration. The server ends when the tool does.

    python -m codat_iac.tool_exec terraform|cdktf|cdktn [ARG ...]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from codat_iac import warm

# The rest of codat-iac loads after the warm provider has started (main), so that its Python starts meanwhile.

# Raw tool subcommands that never reach Codat: they get no Codat settings and start no emulator.
OFFLINE = {"version", "-version", "--version", "-v", "help", "-help", "--help", "-h", "fmt", "init", "get",
           "providers", "convert", "completion"}
ASKS_FOR_APPROVAL = {"deploy", "destroy", "apply"}
# Raw terraform subcommands that read Codat: the state's Codat is checked first (origins.py).
ORIGIN_CHECKED = {"plan", "apply", "refresh", "destroy"}
# CDK CLI commands that run terraform plan or apply (so the Codat provider): these get a warm provider.
CDK_RUNS_PROVIDER = {"deploy", "diff", "destroy", "watch"}
EXIT_ERROR, EXIT_NOT_FOUND = 1, 127


def _say(text: str) -> None:
    """One line on stderr, scrubbed of every secret the environment tells (loaded only when there is a line)."""
    from codat_iac import withholding
    from codat_settings.secrets import scrub

    withholding.learn(os.environ)
    print(scrub(text), file=sys.stderr)


def _preflight(env: dict[str, str], *programs: str) -> None:
    from codat_iac import environment, preflight, project

    missing = preflight.problems(programs, env, cache=project.current().state_dir / preflight.CACHE_NAME)
    if missing:
        raise environment.EnvironmentProblem("\n".join(missing))


def exec_tool(tool: str, args: list[str], server: warm.Server | None = None) -> int:
    """Exec `tool` with the project's environment, the local emulator's settings included when the stacks use
    it (environment.for_tools); returns only when it cannot. A CDK's wrapper runs the app on that CDK's library,
    whatever CODAT_IAC_CDK says. `server`: the warm provider `main` started for this run, waiting for that
    environment (None: one is started here when the tool will run the provider)."""
    import shutil

    from codat_iac import cdk, environment, private_files, project
    from codat_iac.toolenv import colourless, tool_environment
    from codat_settings import CDK_ENV

    if tool in cdk.CLIS:
        os.environ[CDK_ENV] = tool
        problem = cdk.missing(tool)
        if problem:
            _say(f"codat-iac: {problem}")
            return EXIT_NOT_FOUND
    env = tool_environment()
    # CDK Terrain runs on the Node from its wheel (cdk.missing checked it); CDKTF on the machine's.
    _preflight(env, *(["terraform", "node"] if tool == "cdktf" else ["terraform"]))
    terraform = shutil.which("terraform", path=env["PATH"])
    path = str(cdk.cli(tool)) if tool in cdk.CLIS else terraform
    if not path or not os.path.exists(path):
        _say(f"codat-iac: {tool} is not installed here; run `{cdk.install_hint('cdktf')}` first.")
        return EXIT_NOT_FOUND
    command = warm.terraform_command(args)
    if tool in cdk.CLIS and command in ASKS_FOR_APPROVAL and "--auto-approve" not in args and not sys.stdin.isatty():
        _say(f"codat-iac: `{tool} {command}` asks for approval on a terminal, and stdin is not one here. Run "
             f"`{project.current().command} {command} [STACK]`" + (" --auto-approve" if command == "destroy" else "")
             + f" (no prompt; prints what changed in Codat), or `bin/{tool} {command} --auto-approve [STACK]`.")
        return EXIT_ERROR
    if not (command in OFFLINE or not args or args[0] in OFFLINE):
        env = environment.for_tools(_say, env)
    if not sys.stdout.isatty() or env.get("NO_COLOR"):
        colourless(env)  # a log gets no ANSI codes, from Terraform (run by us or by the CDK CLI) or the CDK CLI
    if tool in cdk.CLIS and not sys.stdout.isatty():
        env.setdefault("CI", "1")  # the CDK CLI's UI redraws a spinner into a log unless CI is set
    if tool == "terraform" and command in ORIGIN_CHECKED:
        from codat_iac import origins

        origins.check_folder(Path(next((a.split("=", 1)[1] for a in args if a.startswith("-chdir=")), ".")), env)
    private_files.tighten_synthesized(project.current().root / "cdktf.out")
    os.umask(private_files.PRIVATE_UMASK)
    env = _attached(tool, args, env, terraform, server)
    os.execve(path, [tool, *args], env)
    return EXIT_ERROR  # not reached


def _wanted(tool: str, args: list[str], env) -> bool:
    """Whether `tool args` will run the Codat provider, and so should have a warm one."""
    if tool in ("cdktf", "cdktn"):
        return warm.enabled(env) and warm.terraform_command(args) in CDK_RUNS_PROVIDER
    return warm.attachable(args, env)


def _start(env) -> warm.Server | None:
    try:
        return warm.start(env, wait=False, parent_death=True, lifeline_inherited=True, environment_later=True)
    except warm.WarmStartError as problem:
        _say(f"codat-iac: the warm Codat provider did not start ({problem}); terraform starts the provider itself")
        return None


def _attached(tool: str, args: list[str], env: dict[str, str], terraform: str | None,
              server: warm.Server | None) -> dict[str, str]:
    """`env` attached to the run's warm provider, when the tool will run the Codat provider (and terraform is
    there); `env` unchanged (one line said) when it cannot start."""
    if server is None and _wanted(tool, args, env) and terraform:
        server = _start(os.environ)
    from codat_iac import project

    if (server is None or not _wanted(tool, args, env) or not terraform
            or not warm.mirror_intact(project.current().mirror)):
        return env  # a server started early and not wanted after all ends with this process
    try:
        server.hand_environment(env)
    except warm.WarmStartError as problem:
        _say(f"codat-iac: the warm Codat provider ended as it started ({problem}); terraform starts the provider "
             "itself")
        return env
    if tool == "terraform":
        return server.attach(env)
    return warm.shimmed(env, server, terraform, project.current().state_dir)


def main(argv: list[str] | None = None) -> int:
    """The wrappers' entry. The warm provider starts first, with this process's environment for its interpreter,
    and gets terraform's environment once it is worked out (exec_tool): its Python loads meanwhile."""
    argv = sys.argv[1:] if argv is None else argv
    tools = ("cdktf", "cdktn", "terraform")
    if not argv or argv[0] not in tools:
        print(f"usage: python -m codat_iac.tool_exec {'|'.join(tools)} [ARG ...]", file=sys.stderr)
        return EXIT_ERROR
    server = _start(os.environ) if _wanted(argv[0], argv[1:], os.environ) else None
    from codat_iac import environment, origins, project
    from codat_settings import SettingError

    try:
        project.use(project.find(None))
        return exec_tool(argv[0], argv[1:], server)
    except (project.ProjectNotFound, environment.EnvironmentProblem, environment.local_emulator.EmulatorError,
            SettingError, origins.OriginMismatch) as problem:
        _say(f"codat-iac exec: {problem}")
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
