"""Drive the real `terraform` CLI against the Python test provider ("tpt").

A temp folder holds: a filesystem mirror with a /bin/sh launcher that execs the
venv's Python on testprovider/main.py, a CLI config pointing at that mirror, a
pycache folder (so repeated starts are not recompiled and the repo stays clean),
and the working folders of the tests. Nothing is written outside that folder.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
HOST = "example.com"
NAMESPACE = "test"
VERSION = "0.1.0"
SOURCE = f"{HOST}/{NAMESPACE}/tpt"


def terraform_path():
    return shutil.which("terraform")


class Env:
    def __init__(self, root: str | None = None, python: str | None = None):
        self.root = root or tempfile.mkdtemp(prefix="tfplugin-e2e-")
        self.python = python or sys.executable
        self.mirror = os.path.join(self.root, "mirror")
        self.pycache = os.path.join(self.root, "pycache")
        self.cli_config = os.path.join(self.root, "terraformrc")
        plat = "linux_amd64"
        folder = os.path.join(self.mirror, HOST, NAMESPACE, "tpt", VERSION, plat)
        os.makedirs(folder, exist_ok=True)
        self.launcher = os.path.join(folder, f"terraform-provider-tpt_v{VERSION}")
        with open(self.launcher, "w") as f:
            f.write("#!/bin/sh\n"
                    "unset PYTHONDONTWRITEBYTECODE\n"
                    f"PYTHONPYCACHEPREFIX='{self.pycache}' exec '{self.python}' "
                    f"'{os.path.join(HERE, 'testprovider', 'main.py')}' \"$@\"\n")
        os.chmod(self.launcher, 0o755)
        with open(self.cli_config, "w") as f:
            f.write('provider_installation {\n'
                    f'  filesystem_mirror {{\n    path = "{self.mirror}"\n    include = ["{HOST}/*/*"]\n  }}\n'
                    f'  direct {{\n    exclude = ["{HOST}/*/*"]\n  }}\n}}\n')

    def env(self, **extra) -> dict:
        env = dict(os.environ)
        for k in ("TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_CORE", "TF_LOG_PATH", "TF_REATTACH_PROVIDERS",
                  "TF_PLUGIN_CACHE_DIR", "TF_DATA_DIR", "TF_WORKSPACE", "TF_CLI_ARGS"):
            env.pop(k, None)
        env.update({"TF_CLI_CONFIG_FILE": self.cli_config, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1",
                    "TF_INPUT": "0"})
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def workdir(self, name: str, main_tf: str, store: str | None = None) -> "Workdir":
        d = os.path.join(self.root, name)
        os.makedirs(d, exist_ok=True)
        wd = Workdir(self, d, store or os.path.join(d, "store"))
        wd.write(main_tf)
        return wd

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class Workdir:
    def __init__(self, env: Env, path: str, store: str):
        self.env = env
        self.path = path
        self.store = store
        os.makedirs(store, exist_ok=True)

    def write(self, main_tf: str) -> None:
        text = main_tf.replace("@STORE@", self.store).replace("@SOURCE@", SOURCE)
        with open(os.path.join(self.path, "main.tf"), "w") as f:
            f.write(text)

    def tf(self, *args, check: bool = True, timeout: float = 120, **extra_env) -> subprocess.CompletedProcess:
        cmd = [terraform_path(), *args]
        if args and args[0] in ("plan", "apply", "destroy", "import", "refresh", "init", "validate") \
                and "-no-color" not in args:
            cmd.insert(2, "-no-color")
        p = subprocess.run(cmd, cwd=self.path, env=self.env.env(TPT_STORE=self.store, **extra_env),
                           capture_output=True, text=True, timeout=timeout)
        if check and p.returncode != 0:
            raise AssertionError(f"terraform {' '.join(args)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
        return p

    def init(self) -> None:
        self.tf("init", "-input=false", "-backend=false" if False else "-input=false")

    def state(self) -> dict:
        with open(os.path.join(self.path, "terraform.tfstate")) as f:
            return json.load(f)

    def state_text(self) -> str:
        with open(os.path.join(self.path, "terraform.tfstate")) as f:
            return f.read()

    def resource(self, address: str) -> dict:
        for r in self.state()["resources"]:
            addr = (("data." if r["mode"] == "data" else "") + f"{r['type']}.{r['name']}")
            if addr == address:
                return r["instances"][0]
        raise KeyError(address)
