"""One Codat provider server for a whole run, which every terraform of the run attaches to.

Terraform starts a provider process about three times per plan, and each of ours pays Python's start and, in the
plan process, ~100 ms of httpx and pydantic imports. A run (a codat-iac command, a bin/ wrapper) instead starts
one server (`python -m codat_provider`, attached mode: tfplugin/server.py) and hands the terraform processes it
starts `TF_REATTACH_PROVIDERS` for codat.local/codat/codat: Terraform then starts no provider process and opens
one connection per provider alias to the server, which gives each connection a provider instance of its own.

The environment rule (docs/tfplugin.md): a server is started with exactly the environment the terraform that
first needs it gets (CODAT_BASE_URL, CODAT_API_KEY, CODAT_IAC_SECRET_VARIABLES, the TF_VAR_ secrets, TF_LOG,
proxies: whatever a provider process Terraform started would have read), and serves only terraform runs with
that same environment; a run whose terraform processes get another environment gets another server. So a
provider never uses a URL or a secret of an environment other than its terraform's.

Only the terraform commands that run providers are attached (ATTACHED); `init` and `providers` never are, so
`.terraform.lock.hcl` and `.terraform/providers` stay what a cold run (raw terraform pointed at the mirror, the
standalone provider) expects. `CODAT_IAC_WARM_PROVIDER=0` turns all of it off; a server that cannot start is
said in one line and the run goes on cold.

The server ends with the run: it reads a pipe whose other end only the run holds (the kernel closes it when
the run ends, SIGKILL included), and asks the kernel for SIGTERM when its parent dies (PR_SET_PDEATHSIG); it
removes its socket and folder on the way out. Standard library only, and lean: the bin/ wrappers import this
before they exec terraform.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

WARM_ENV = "CODAT_IAC_WARM_PROVIDER"
REATTACH_ENV = "TF_REATTACH_PROVIDERS"
PROVIDER_ADDRESS = "codat.local/codat/codat"  # provider_mirror.PROVIDER_SOURCE, without importing the provider
# Terraform commands that start providers: these are attached. init, get and providers install or lock
# providers (attached, init would record nothing for ours and install nothing into .terraform/providers);
# version, fmt, output, workspace and the rest never start one.
ATTACHED = ("plan", "apply", "destroy", "refresh", "import", "validate", "console", "show", "state", "graph", "test")
READY_TIMEOUT = 20.0  # seconds a codat-iac run waits for its server's first "ready" before going on cold
STOP_TIMEOUT = 5.0

# The attached server's hand-over (tfplugin/server.py reads these; the names are tfplugin's).
_LISTEN_FD, _LIFELINE_FD, _PARENT_PID = "TFPLUGIN_LISTEN_FD", "TFPLUGIN_LIFELINE_FD", "TFPLUGIN_PARENT_PID"
_ENV_FD = "TFPLUGIN_ENV_FD"
_READY = b"ready\n"


class WarmStartError(RuntimeError):
    """The server could not be started; the run goes on with the provider Terraform starts itself."""


def enabled(env: Mapping[str, str]) -> bool:
    return env.get(WARM_ENV, "").strip().lower() not in ("0", "false", "no", "off")


def terraform_command(args: list[str]) -> str:
    """The subcommand of a terraform command line (`-chdir=...` and other global options skipped)."""
    return next((arg for arg in args if not arg.startswith("-")), "")


def attachable(args: list[str], env: Mapping[str, str]) -> bool:
    """Whether this terraform command line should use a warm server: on, a command that runs providers, and
    the user attached no Codat provider of their own (e.g. a `--debug` one)."""
    return enabled(env) and terraform_command(args) in ATTACHED and PROVIDER_ADDRESS not in _reattached(env)


def mirror_intact(mirror) -> bool:
    """Whether the project's provider mirror holds the launchers codat-iac writes. A server runs the provider
    without the launcher, so Terraform's check of the launcher against the lock file would not happen: with a
    launcher changed by hand the run goes cold, and Terraform refuses it as before."""
    from codat_iac import provider_mirror

    paths = [path for path in provider_mirror.launcher_paths(mirror) if path.exists()]
    return bool(paths) and all(path.read_text() == provider_mirror.LAUNCHER for path in paths)


def _reattached(env: Mapping[str, str]) -> dict:
    try:
        found = json.loads(env.get(REATTACH_ENV) or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _logging_on(env: Mapping[str, str]) -> bool:
    return (env.get("TF_LOG_PROVIDER") or env.get("TF_LOG") or "").strip().upper() not in ("", "OFF")


def _socket_folder(env: Mapping[str, str]) -> str:
    """A new folder only this user may enter, for the socket (short enough for a unix socket path)."""
    for base in dict.fromkeys((env.get("TMPDIR") or "/tmp", "/tmp")):
        if len(base) > 60:  # a socket path has ~104 bytes on some systems
            continue
        for _ in range(10):
            path = os.path.join(base, "codat-provider-" + os.urandom(6).hex())
            try:
                os.mkdir(path, 0o700)
            except FileExistsError:
                continue
            os.chmod(path, 0o700)  # whatever the umask
            return path
    raise WarmStartError("no folder for its socket could be made under TMPDIR or /tmp")


class Server:
    """A running attached server: its process, socket and folder, and the lifeline's write end."""

    def __init__(self, pid: int, folder: str, socket_path: str, lifeline: int, environment: int = -1) -> None:
        self.pid, self.folder, self.socket_path, self.lifeline = pid, folder, socket_path, lifeline
        self._environment = environment  # where the server waits for its environment (start's environment_later)
        self._reaped = False

    def hand_environment(self, env: Mapping[str, str]) -> None:
        """Give a server started with `environment_later` the environment terraform gets (it waits for it)."""
        data = json.dumps(_server_environment(env)).encode()
        try:
            while data:
                data = data[os.write(self._environment, data):]
        except OSError as problem:  # the server ended: terraform will say it cannot reach it
            raise WarmStartError(f"{type(problem).__name__}: {problem}") from None
        finally:
            os.close(self._environment)
            self._environment = -1

    def __repr__(self) -> str:
        return f"Server(pid={self.pid}, socket={self.socket_path!r})"

    def reattach(self, env: Mapping[str, str]) -> str:
        """TF_REATTACH_PROVIDERS for this server, keeping what `env` attaches already (other providers)."""
        found = _reattached(env)
        found[PROVIDER_ADDRESS] = {"Protocol": "grpc", "ProtocolVersion": 6, "Pid": self.pid, "Test": True,
                                   "Addr": {"Network": "unix", "String": self.socket_path}}
        return json.dumps(found, separators=(",", ":"))

    def attach(self, env: Mapping[str, str]) -> dict[str, str]:
        return dict(env, **{REATTACH_ENV: self.reattach(env)})

    def alive(self) -> bool:
        if self._reaped:
            return False
        try:
            pid, _status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            pid = self.pid  # not our child (never here), or reaped elsewhere: gone for us
        if pid == self.pid:
            self._reaped = True
        return not self._reaped

    def gone(self) -> bool:
        """Whether the server has ended or is ending: reaped, or its socket no longer takes connections. A killed
        process closes its descriptors (the listening socket, handed over first, before each connection) before
        its parent can reap it, so a terraform that saw its connection drop may finish before the reaping."""
        if not self.alive():
            return True
        import socket

        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(self.socket_path)
        except OSError:
            return True
        finally:
            probe.close()
        return False

    def wait_ready(self, ready_fd: int, timeout: float) -> None:
        """Block until the server says it serves (its provider's modules loaded); WarmStartError if it does not."""
        import select

        deadline, got = time.monotonic() + timeout, b""
        try:
            while not got.endswith(b"\n"):
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([ready_fd], [], [], left)[0]:
                    raise WarmStartError(f"it did not answer within {timeout:.0f} s")
                chunk = os.read(ready_fd, 64)
                if not chunk:
                    raise WarmStartError("it ended as it started (run with TF_LOG=debug to see why)")
                got += chunk
        finally:
            os.close(ready_fd)
        if got != _READY:
            raise WarmStartError(f"it said {got[:40]!r} instead of that it was ready")

    def stop(self) -> None:
        """End the server (closing the lifeline ends it; SIGTERM, then SIGKILL, if it lingers), reap it, and
        remove its socket and folder if it could not."""
        if self.lifeline >= 0:
            os.close(self.lifeline)
            self.lifeline = -1
        deadline = time.monotonic() + STOP_TIMEOUT
        signalled = False
        while self.alive():
            if time.monotonic() > deadline:
                _kill(self.pid, 9)
                os.waitpid(self.pid, 0)
                self._reaped = True
                break
            if not signalled and time.monotonic() > deadline - STOP_TIMEOUT / 2:
                _kill(self.pid, 15)
                signalled = True
            time.sleep(0.005)
        for remove, path in ((os.unlink, self.socket_path), (os.rmdir, self.folder)):
            try:
                remove(path)
            except FileNotFoundError:
                pass


def _kill(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _server_environment(env: Mapping[str, str]) -> dict[str, str]:
    """What the server runs with: terraform's environment, as the mirror's launcher would pass it on."""
    server_env = {key: value for key, value in env.items() if key != REATTACH_ENV}
    server_env.pop("PYTHONDONTWRITEBYTECODE", None)  # as the launcher: keep the bytecode caches
    server_env.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")  # as codat_provider's __main__
    return server_env


def start(env: Mapping[str, str], *, wait: bool, parent_death: bool, lifeline_inherited: bool = False,
          environment_later: bool = False) -> Server:
    """Start a server with the environment `env` (the terraform runs' own). Its socket is bound here, so
    terraform may connect at once: with `wait` False its requests queue until the server has loaded (the
    wrappers exec terraform straight away); with `wait` True this returns once it serves (codat-iac, which can
    then go on cold if it does not). `parent_death`: the server asks the kernel for SIGTERM when this thread
    ends (only the main thread's end is the run's end). `lifeline_inherited`: the lifeline's write end survives
    an exec (a wrapper that becomes terraform keeps it). `environment_later`: `env` only starts the interpreter;
    the server loads the provider, then waits for `Server.hand_environment` (a wrapper starts it first thing,
    and works out terraform's environment meanwhile). WarmStartError when it cannot start."""
    # The C socket module where it has what is used, else `socket` (~7 ms less on every wrapper start; the one
    # tested fallback of tfplugin._cmodules).
    from tfplugin._cmodules import sockets

    _socket = sockets()
    python = env.get("CODAT_IAC_PYTHON") or sys.executable
    folder = _socket_folder(env)
    socket_path = os.path.join(folder, "provider.sock")
    listener = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    lifeline_read, lifeline = os.pipe()
    ready_read, ready_write = os.pipe() if wait else (-1, -1)
    environment_read, environment_write = os.pipe() if environment_later else (-1, -1)
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        listener.bind(socket_path)
        os.chmod(socket_path, 0o600)
        listener.listen(128)
        server_env = _server_environment(env)
        server_env.update({_LISTEN_FD: str(listener.fileno()), _LIFELINE_FD: str(lifeline_read)})
        if parent_death:
            server_env[_PARENT_PID] = str(os.getpid())
        if environment_later:
            server_env[_ENV_FD] = str(environment_read)
        handed = (listener.fileno(), lifeline_read, *((environment_read,) if environment_later else ()))
        for fd in handed:
            os.set_inheritable(fd, True)
        # stdin nothing; stdout the "ready" line (or nothing); stderr the run's own while TF_LOG asks for logs
        # (nothing otherwise, as Terraform discards a provider's stderr then)
        actions = [(os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, ready_write if wait else devnull, 1)]
        if not _logging_on(env):
            actions.append((os.POSIX_SPAWN_DUP2, devnull, 2))
        pid = os.posix_spawn(python, [python, "-m", "codat_provider"], server_env, file_actions=actions)
    except OSError as problem:
        for fd in (lifeline, ready_read, environment_write):
            if fd >= 0:
                os.close(fd)
        _remove(folder, socket_path)
        raise WarmStartError(f"{type(problem).__name__}: {problem}") from None
    finally:
        listener.close()
        for fd in (lifeline_read, ready_write, environment_read, devnull):
            if fd >= 0:
                os.close(fd)
    if lifeline_inherited:
        os.set_inheritable(lifeline, True)
    server = Server(pid, folder, socket_path, lifeline, environment_write)
    if wait:
        try:
            server.wait_ready(ready_read, READY_TIMEOUT)
        except WarmStartError:
            server.stop()
            raise
    return server


def _remove(folder: str, socket_path: str) -> None:
    for remove, path in ((os.unlink, socket_path), (os.rmdir, folder)):
        try:
            remove(path)
        except OSError:
            pass


# ------------------------------------------------------------------------------------- bin/cdktf, bin/cdktn

_REATTACH_FOR_SHIM = "CODAT_IAC_WARM_REATTACH"
_TERRAFORM_FOR_SHIM = "CODAT_IAC_TERRAFORM"
_SHIM = """#!/bin/sh
# Written by codat_iac.warm; do not edit. The terraform that bin/cdktf and bin/cdktn hand their CLI
# (TERRAFORM_BINARY_NAME): the commands that run providers attach to the run's warm Codat provider; init,
# providers and the rest run as they would without it.
for arg in "$@"; do
  case "$arg" in
    -*) ;;
    {commands}) export {reattach}="${reattach_for_shim}"; break ;;
    *) break ;;
  esac
done
exec "${terraform}" "$@"
"""


def shimmed(env: Mapping[str, str], server: Server, terraform: str, state_dir) -> dict[str, str]:
    """`env` for a CDK CLI: its terraform is a shim (in `state_dir`, the project's .codat-iac/) that attaches the
    commands of ATTACHED to `server` and runs `terraform`, the real one, for every command."""
    text = _SHIM.format(commands="|".join(ATTACHED), reattach=REATTACH_ENV, reattach_for_shim=_REATTACH_FOR_SHIM,
                        terraform=_TERRAFORM_FOR_SHIM)
    folder = os.path.join(str(state_dir), "warm")
    path = os.path.join(folder, "terraform")
    os.makedirs(folder, exist_ok=True)
    try:
        with open(path) as current:
            same = current.read() == text
    except OSError:
        same = False
    if not same:
        temporary = f"{path}.{os.getpid()}.tmp"
        with open(temporary, "w") as shim:
            shim.write(text)
        os.chmod(temporary, 0o755)
        os.replace(temporary, path)
    return dict(env, TERRAFORM_BINARY_NAME=path, **{_REATTACH_FOR_SHIM: server.reattach(env),
                                                     _TERRAFORM_FOR_SHIM: terraform})


# ------------------------------------------------------------------------------------------ codat-iac runs


def _key(env: Mapping[str, str]) -> tuple:
    """What decides which server a terraform may use: its whole environment, but the attachment itself."""
    return tuple(sorted((k, v) for k, v in env.items() if k != REATTACH_ENV))


class Run:
    """The warm servers of one codat-iac command: one per distinct terraform environment, each started by the
    first terraform that needs it and stopped when the command ends."""

    def __init__(self, say: Callable[[str], None]) -> None:
        self._say = say
        self._lock = threading.Lock()
        self._servers: dict[tuple, Server] = {}
        self._cold: set[tuple] = set()  # environments whose server could not start: cold for the rest of the run

    def environment(self, args: list[str], env: dict[str, str]) -> dict[str, str]:
        """`env` for `terraform args`: attached to this run's server for that environment when it should be."""
        if not attachable(args, env):
            return env
        from codat_iac import project

        if not mirror_intact(project.current().mirror):
            return env
        key = _key(env)
        with self._lock:
            if key in self._cold:
                return env
            server = self._servers.get(key)
            if server is not None and server.gone():
                self._say(f"codat-iac: the warm Codat provider (pid {server.pid}) has ended; starting another")
                server.stop()
                server = None
            if server is None:
                try:
                    server = start(env, wait=True, parent_death=threading.current_thread() is threading.main_thread())
                except WarmStartError as problem:
                    self._cold.add(key)
                    self._say(f"codat-iac: the warm Codat provider did not start ({problem}); terraform starts the "
                              f"provider itself for this run")
                    return env
                self._servers[key] = server
        return server.attach(env)

    def ended(self, env: Mapping[str, str]) -> Server | None:
        """The server `env` was attached to, when it is no longer running (a terraform that failed on it)."""
        for server in self._servers.values():
            if server.socket_path in env.get(REATTACH_ENV, "") and server.gone():
                return server
        return None

    def close(self) -> None:
        with self._lock:
            servers, self._servers = list(self._servers.values()), {}
        for server in servers:
            server.stop()


_run: Run | None = None


@contextmanager
def run(say: Callable[[str], None]) -> Iterator[Run]:
    """For one codat-iac command: the terraform processes it starts (pipeline.terraform) attach to its servers."""
    global _run
    current = _run = Run(say)
    try:
        yield current
    finally:
        _run = None
        current.close()


def environment(args: list[str], env: dict[str, str]) -> dict[str, str]:
    """`env` for `terraform args`, attached to the current command's server when there is a command running."""
    current = _run
    return env if current is None else current.environment(args, env)


def ended_note(env: Mapping[str, str]) -> str:
    """A line for the error of a terraform that ran attached to a server that is gone; "" otherwise."""
    current = _run
    server = current.ended(env) if current is not None else None
    if server is None:
        return ""
    return (f"The warm Codat provider (pid {server.pid}) ended while terraform used it (it was killed, or crashed): "
            f"that is the error above. The next terraform starts another; {WARM_ENV}=0 runs without one.")
