"""The installed codat-iac the package tests share: the wheel built from this checkout, installed into a fresh
virtualenv in a temp folder, and a user's environment to run it in (built once per session: about 10 s)."""

from __future__ import annotations

import os
import sys
import time

import pytest

from distribution_support import DROPPED, PIP_CACHE, REPO, ok, run, source_copy


@pytest.fixture(scope="session")
def installed(tmp_path_factory):
    """A fresh virtualenv with the wheel built from this checkout, and a user's environment to run it in."""
    work = tmp_path_factory.mktemp("installed")
    user_env = {name: value for name, value in os.environ.items()
                if not name.startswith(DROPPED) and name not in ("PWD", "OLDPWD")}
    path = [folder for folder in user_env.get("PATH", "").split(os.pathsep)
            if folder and not folder.startswith(str(REPO))]
    user_env.update(CI="true", PATH=os.pathsep.join(path), PIP_CACHE_DIR=str(PIP_CACHE),
                    PIP_DISABLE_PIP_VERSION_CHECK="1")
    source = source_copy(work / "source")
    started = time.monotonic()
    ok(run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(work / "dist"), str(source),
             cwd=work, env=user_env))
    [wheel] = (work / "dist").glob("codat_iac-*.whl")
    venv = work / "venv"
    ok(run(sys.executable, "-m", "venv", str(venv), cwd=work, env=user_env))
    ok(run(str(venv / "bin" / "python"), "-m", "pip", "install", str(wheel), cwd=work, env=user_env, timeout=600))
    print(f"wheel {wheel.stat().st_size // 1024} KiB; built and installed in {time.monotonic() - started:.1f} s")
    return wheel, venv, user_env, work
