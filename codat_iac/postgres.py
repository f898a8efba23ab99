"""A throwaway local PostgreSQL server for team-state tests and demos (`bin/codat-iac postgres ...`).

Terraform's `pg` backend keeps each stack's state in a real PostgreSQL server and locks it with an
advisory lock, so two deploys of one stack never interleave. Tests and the benchmark start their own
server here: `initdb` into a fresh `mkdtemp` folder, then `pg_ctl start` listening on 127.0.0.1 (a free
port) and on a unix socket in that folder. PostgreSQL refuses to run as root, so as root the server
runs as the `postgres` system user (`runuser -u postgres`) and the folder is handed to it.

The superuser gets a generated password (scram over TCP), so the connection URL holds a secret just
as a team's real one does: a test can check it never lands in a synthesized file.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PREFIX = "codat-iac-pg-"
SYSTEM_USER = "postgres"
START_TIMEOUT_S = 30


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server programs (initdb, pg_ctl) are not installed here."""


def server_bindir() -> Path:
    """The folder holding initdb and pg_ctl: PG_BINDIR, else Debian's newest /usr/lib/postgresql/N/bin,
    else whatever `initdb` is on PATH."""
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise PostgresUnavailable(
        "PostgreSQL server programs (initdb, pg_ctl) not found; install them "
        "(Debian/Ubuntu: apt-get install -y postgresql) or set PG_BINDIR."
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LocalPostgres:
    """A running server; `url` is what CODAT_IAC_STATE takes (`?sslmode=disable`: loopback only)."""

    home: Path
    port: int
    password: str
    bindir: Path

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def url(self) -> str:
        return self.url_for("postgres")

    def url_for(self, database: str) -> str:
        return f"postgres://{SYSTEM_USER}:{self.password}@127.0.0.1:{self.port}/{database}?sslmode=disable"

    def create_database(self, name: str) -> str:
        """A new empty database (e.g. one per test); returns its URL."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url_for(name)

    def _as_owner(self, *command: str) -> list[str]:
        return ["runuser", "-u", SYSTEM_USER, "--", *command] if os.geteuid() == 0 else list(command)

    def _run(self, *command: str, timeout: float = 60) -> None:
        done = subprocess.run(
            self._as_owner(*command), capture_output=True, text=True, timeout=timeout, cwd=self.home,
            stdin=subprocess.DEVNULL,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{Path(command[0]).name} failed ({done.returncode}): {done.stderr or done.stdout}")

    def alive(self) -> bool:
        if not (self.data / "postmaster.pid").exists():
            return False
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def stop(self, *, remove: bool = True) -> None:
        """Stop the server (fast shutdown) and, by default, delete the folder `start` created."""
        if (self.data / "postmaster.pid").exists():
            try:
                self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
            except RuntimeError:
                if self.alive():
                    raise
        if remove and self.home.name.startswith(PREFIX) and self.home.parent == Path(tempfile.gettempdir()):
            shutil.rmtree(self.home, ignore_errors=True)


def start(*, port: int | None = None) -> LocalPostgres:
    """initdb and start a new server in a fresh temp folder; returns once it accepts connections."""
    bindir = server_bindir()
    home = Path(tempfile.mkdtemp(prefix=PREFIX, dir=tempfile.gettempdir()))
    server = LocalPostgres(home, port or _free_port(), secrets.token_urlsafe(18), bindir)
    try:
        if os.geteuid() == 0:
            owner = pwd.getpwnam(SYSTEM_USER)
            os.chown(home, owner.pw_uid, owner.pw_gid)
        os.chmod(home, 0o700)
        pwfile = home / "pwfile"
        fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(server.password + "\n")
        if os.geteuid() == 0:
            os.chown(pwfile, owner.pw_uid, owner.pw_gid)
        server._run(
            str(bindir / "initdb"), "-D", str(server.data), "-U", SYSTEM_USER, "-E", "UTF8", "--no-sync",
            "--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={pwfile}", timeout=120,
        )
        pwfile.unlink()
        options = (
            f"-c listen_addresses=127.0.0.1 -p {server.port} -k {home} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        server._run(
            str(bindir / "pg_ctl"), "-D", str(server.data), "-l", str(home / "server.log"), "-o", options,
            "-w", "-t", str(START_TIMEOUT_S), "start", timeout=START_TIMEOUT_S + 10,
        )
    except BaseException:
        server.stop()
        raise
    _wait_accepting(server)
    return server


def _wait_accepting(server: LocalPostgres) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL did not accept connections; see {server.home / 'server.log'}") from None
            time.sleep(0.05)


def found(home: Path) -> LocalPostgres | None:
    """A server `start` left running in `home` (used by `codat-iac postgres stop`)."""
    info = home / "codat-iac.json"
    if not info.exists():
        return None
    import json

    saved = json.loads(info.read_text())
    return LocalPostgres(home, saved["port"], saved["password"], Path(saved["bindir"]))


def remember(server: LocalPostgres) -> Path:
    """Write what `found` needs (mode 0600) so another process can stop the server."""
    import json

    path = server.home / "codat-iac.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({"port": server.port, "password": server.password, "bindir": str(server.bindir)}, handle)
    return path
