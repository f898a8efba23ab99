"""Helpers for the pipeline tests: a checkout of the app driven through `python -m codat_iac`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SECRET = "pipeline-Xero-Secret-5be1-DO-NOT-LEAK"
CLIENT_A = "0A1B2C3D4E5F60718293A4B5C6D7E8F9"
CLIENT_B = "FEDCBA98765432100123456789ABC0DE"
STACK = "codat"
RESOURCE_TYPE = "codat_integration"


@dataclass
class Pipeline:
    """One checkout of the app, driven through `python -m codat_iac` with its own environment."""

    dir: Path
    env: dict[str, str]
    emulator: object
    outputs: list[str] = field(default_factory=list)

    def run(self, *args: str, timeout: int = 240, **env: str) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [sys.executable, "-m", "codat_iac", *args], cwd=self.dir, env=dict(self.env, **env),
            capture_output=True, text=True, timeout=timeout,
        )
        self.outputs += [done.stdout, done.stderr]
        return done

    def start(self, *args: str, **env: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "codat_iac", *args], cwd=self.dir, env=dict(self.env, **env),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )

    def drift(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        return self.run("drift", "--app-dir", str(self.dir), *args, **env)

    def drift_json(self, **env: str) -> tuple[int, dict]:
        done = self.drift("--json", **env)
        return done.returncode, json.loads(done.stdout)

    def plan(self, out: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
        return self.run("plan", "--app-dir", str(self.dir), "--out", str(out), *args, **env)

    def apply(self, out: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
        return self.run("apply", str(out), *args, **env)

    def terraform(self, *args: str) -> subprocess.CompletedProcess:
        from codat_iac.toolenv import tool_environment

        return subprocess.run(
            ["terraform", *args], cwd=self.dir / "cdktf.out" / "stacks" / STACK,
            env=tool_environment(self.env), capture_output=True, text=True, timeout=120,
        )


def make_checkout(work: Path, emulator, base_env: dict[str, str], **env: str) -> Pipeline:
    """A copy of main.py and cdktf.json (app run with this interpreter) in `work`."""
    work.mkdir(parents=True)
    shutil.copy(REPO / "main.py", work / "main.py")
    config = json.loads((REPO / "cdktf.json").read_text())
    config["app"] = f"{sys.executable} main.py"
    (work / "cdktf.json").write_text(json.dumps(config))
    run_env = dict(base_env)
    for name in ("CODAT_IAC_STATE", "PG_CONN_STR", "CODAT_IAC_LOCK_TIMEOUT", "CODAT_IAC_APP_DIR", "TF_CLI_ARGS",
                 "TF_CLI_ARGS_plan", "TF_CLI_ARGS_apply"):
        run_env.pop(name, None)
    run_env.update(
        {"CODAT_BASE_URL": emulator.url, "CODAT_API_KEY": emulator.api_key, "XERO_CLIENT_ID": CLIENT_A,
         "TF_VAR_xero_client_secret": SECRET, **env}
    )
    return Pipeline(work, run_env, emulator)


def assert_secret_free(texts: list[str], *folders: Path, secret: str = SECRET) -> None:
    """`secret` is in no output and in no file under `folders` (saved plans are zips: read their members)."""
    for text in texts:
        assert secret not in (text or "")
    for folder in folders:
        for path in folder.rglob("*"):
            if not path.is_file() or ".terraform/providers" in str(path):
                continue
            if zipfile.is_zipfile(path):
                with zipfile.ZipFile(path) as archive:
                    for member in archive.namelist():
                        assert secret.encode() not in archive.read(member), f"secret in {path}:{member}"
            else:
                assert secret.encode() not in path.read_bytes(), f"secret leaked into {path}"
