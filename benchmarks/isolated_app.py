"""The set-up deploy_bench and drift_bench share: a copy of the app in a temp folder, with its own emulator,
state and tool environment, so a benchmark neither reads nor changes this checkout's local deploy."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from codat_iac.toolenv import tool_environment  # noqa: E402

API_KEY = "bench-key"
# Settings of the user's shell that would point the copy at other state, stacks or logging.
NOT_INHERITED = ("CODAT_IAC_STATE", "PG_CONN_STR", "CODAT_IAC_ENVIRONMENTS", "TF_LOG", "TF_LOG_PROVIDER", "TF_CLI_ARGS")


@dataclass
class IsolatedApp:
    work: Path  # the temp folder holding everything below
    app: Path  # the app folder: main.py (or `script`) and cdktf.json
    env: dict[str, str]  # the tool environment, pointed at the copy's emulator


@contextmanager
def isolated_app(prefix: str, script: tuple[str, str] | None = None) -> Iterator[IsolatedApp]:
    """Yield the copy; `script` = (file name, text) replaces main.py as the app. Removes the temp folder after."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    emulator = subprocess.Popen(
        [sys.executable, "-m", "codat_emulator", "serve", "--host", "127.0.0.1", "--port", "0",
         "--data", str(work / "emulator"), "--api-key", API_KEY],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        url = emulator.stdout.readline().strip()
        app = work / "app"
        app.mkdir()
        config = json.loads((REPO / "cdktf.json").read_text())
        if script:
            (app / script[0]).write_text(script[1])
            config["app"] = f"{sys.executable} {script[0]}"
        else:
            shutil.copy(REPO / "main.py", app / "main.py")
            config["app"] = f"{sys.executable} main.py"
        (app / "cdktf.json").write_text(json.dumps(config))
        env = tool_environment(state_dir=work / "tool-state")
        for name in NOT_INHERITED:
            env.pop(name, None)
        env.update(
            PYTHONPATH=str(REPO), CODAT_BASE_URL=url, CODAT_API_KEY=API_KEY, CI="true",
            XERO_CLIENT_ID="0A1B2C3D4E5F60718293A4B5C6D7E8F9", TF_VAR_xero_client_secret="bench-secret-0000",
        )
        yield IsolatedApp(work, app, env)
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)  # the folder mkdtemp made above, by its exact name
