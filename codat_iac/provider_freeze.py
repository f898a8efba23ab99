"""Freeze the Codat provider into a folder that runs on a machine with no Python (PyInstaller, one-folder mode).

The folder holds the executable Terraform starts (`terraform-provider-codat_v<V>`, PyInstaller's bootloader) and
`_internal/` (the interpreter's shared library, the standard library's extension modules, the provider's packages
and httpx and pydantic in one archive). Why PyInstaller and why these settings, measured (docs/distribution.md):

- one-folder, not one-file: a one-file build unpacks itself into a temp folder at every start, and Terraform
  starts the provider about three times a plan;
- PyInstaller's runtime hooks for `inspect`, `pkgutil` and `multiprocessing` are left out: they run before our
  code at every start and import those modules (and what they import), about 40 ms of a 58 ms start here. They
  serve source look-ups, package listing and multiprocessing children in a frozen app; the provider does none;
- modules only a developer's machine has (pytest, hypothesis, grpc, setuptools) or only CLIs import (httpx's
  `pygments`/`rich` command line, h2 for HTTP/2, which the client does not use) are excluded;
- shared libraries are stripped (`strip`), which halves the zip;
- SOURCE_DATE_EPOCH and PYTHONHASHSEED=0 make the folder byte-identical for the same inputs.

The tools come from requirements-build.txt (exact pins, hashes required), installed with pip --target into a
folder of their own: this repository's `.codat-iac/build-tools/` when run from source, else a temp folder.
Nothing is installed into the interpreter that runs codat-iac, and its runtime dependencies do not grow.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
import threading
from importlib import resources
from pathlib import Path

EXECUTABLE = "terraform-provider-codat_v{version}"
SUPPORTED = ("linux_amd64", "linux_arm64", "darwin_amd64", "darwin_arm64")
_OS = {"linux": "linux", "darwin": "darwin"}
_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
# Runtime hooks the provider does without (see the module's doc); any other hook PyInstaller adds is kept.
DROPPED_RUNTIME_HOOKS = ("pyi_rth_inspect", "pyi_rth_pkgutil", "pyi_rth_multiprocessing")
# mypy and what it loads come in through pydantic's mypy plugin (pydantic.mypy), which PyInstaller's pydantic hook
# collects and the provider never imports; the checker and coverage are development tools of this repository.
EXCLUDED_MODULES = ("grpc", "google", "grpc_tools", "setuptools", "pkg_resources", "_distutils_hack", "hypothesis",
                    "pytest", "_pytest", "pygments", "rich", "click", "h2", "hpack", "hyperframe", "tkinter",
                    "pydantic.mypy", "mypy", "mypyc", "mypy_extensions", "ast_serialize", "librt", "coverage")
PACKAGES = ("tfplugin", "codat_provider", "codat_client", "codat_settings")
# Modules of those packages that are for developers only: the protobuf/grpc stubs and their generator.
DEVELOPER_MODULES = ("tfplugin._proto.generate",)
DEVELOPER_SUFFIXES = ("_pb2", "_pb2_grpc")
# What a build with no SOURCE_DATE_EPOCH stamps into its files: zip's earliest date, the same on every machine.
DEFAULT_EPOCH = 315532800


class BuildError(RuntimeError):
    """The provider cannot be built here; the message names what and the fix."""


def target_platform(system: str | None = None, machine: str | None = None) -> str:
    """`<os>_<arch>` of this machine as Terraform names it; BuildError when it is not one the build targets."""
    system = system if system is not None else sys.platform
    machine = machine if machine is not None else platform.machine()
    found = f"{_OS.get(system, system)}_{_ARCH.get(machine.lower(), machine.lower())}"
    if found not in SUPPORTED:
        raise BuildError(
            f"this machine is {system}/{machine}, and the provider is built only for {', '.join(SUPPORTED)} "
            "(PyInstaller freezes for the machine it runs on): run `codat-iac provider build` on one of those, e.g. "
            "in the CI matrix of docs/distribution.md.")
    return found


def build_epoch(env: dict[str, str]) -> int:
    """SOURCE_DATE_EPOCH when set (reproducible-builds.org), else DEFAULT_EPOCH."""
    value = env.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return DEFAULT_EPOCH
    if not value.isdigit():
        raise BuildError(f"SOURCE_DATE_EPOCH is {value!r}: set it to a number of seconds since 1970, or unset it.")
    return max(int(value), DEFAULT_EPOCH)


def requirements_file() -> Path:
    return Path(str(resources.files("codat_iac").joinpath("requirements-build.txt")))


def tools_folder(package_root: Path, from_source: bool, scratch: Path) -> Path:
    """Where the build tools go: this repository's .codat-iac/build-tools/<pins' digest> when run from source
    (kept, so the next build reuses them), else `scratch` (a temp folder removed after the build)."""
    if not from_source:
        return scratch / "build-tools"
    digest = hashlib.sha256(requirements_file().read_bytes()).hexdigest()[:12]
    return package_root / ".codat-iac" / "build-tools" / digest


def install_tools(folder: Path, env: dict[str, str], cache: Path | None) -> Path:
    """pip install --require-hashes the pinned build tools into `folder` once; returns it."""
    done_marker = folder / ".installed"
    if done_marker.is_file():
        return folder
    command = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--quiet", "--no-deps",
               "--require-hashes", "--only-binary=:all:", "--target", str(folder), "-r", str(requirements_file())]
    run_env = dict(env)
    if cache is not None:
        run_env["PIP_CACHE_DIR"] = str(cache)
    elif "PIP_CACHE_DIR" not in env:
        run_env["PIP_NO_CACHE_DIR"] = "1"  # pip's default cache is in HOME; a cache the user named is used
    done = subprocess.run(command, env=run_env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BuildError(f"installing the build tools ({requirements_file().name}) failed: "
                         f"{detail[-1] if detail else 'pip exited ' + str(done.returncode)}; check that pip can reach "
                         "the package index (PIP_INDEX_URL) and run the build again.")
    done_marker.write_text("")
    return folder


def _spec(entry: Path, name: str) -> str:
    """The PyInstaller spec for one build (a Python file PyInstaller executes)."""
    return f'''# Written by codat_iac.provider_freeze for one build.
from PyInstaller.utils.hooks import collect_submodules

def _ours(name):
    return name not in {DEVELOPER_MODULES!r} and not name.endswith({DEVELOPER_SUFFIXES!r})

hidden = [module for package in {PACKAGES!r} for module in collect_submodules(package, filter=_ours)]
analysis = Analysis([{str(entry)!r}], hiddenimports=hidden, excludes={list(EXCLUDED_MODULES)!r})
analysis.scripts = [script for script in analysis.scripts if script[0] not in {DROPPED_RUNTIME_HOOKS!r}]
executable = EXE(PYZ(analysis.pure), analysis.scripts, [], exclude_binaries=True, name={name!r}, strip=True,
                 upx=False, console=True)
COLLECT(executable, analysis.binaries, analysis.datas, strip=True, upx=False, name="provider")
'''


def freeze(version: str, work: Path, tools: Path, package_root: Path, from_source: bool, env: dict[str, str]) -> Path:
    """Freeze the provider in `work` (a temp folder) and return the one-folder build: the executable and
    `_internal/`. BuildError, with PyInstaller's last words, when it fails."""
    if shutil.which("strip", path=env.get("PATH")) is None:
        raise BuildError("`strip` is not on PATH (the build strips the shared libraries it bundles): install "
                         "binutils (Debian: apt-get install binutils; macOS: xcode-select --install).")
    import codat_provider

    entry = Path(codat_provider.__file__).resolve().parent / "__main__.py"
    name = EXECUTABLE.format(version=version)
    spec = work / "provider.spec"
    spec.write_text(_spec(entry, name))
    paths = [str(tools), *([str(package_root)] if from_source else [])]
    run_env = {key: value for key, value in env.items() if not key.startswith("PYTHON")}
    run_env.update(PYTHONPATH=os.pathsep.join(paths), PYTHONHASHSEED="0", SOURCE_DATE_EPOCH=str(build_epoch(env)),
                   PYINSTALLER_CONFIG_DIR=str(work / "config"), PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN", "--distpath", str(work / "dist"),
         "--workpath", str(work / "build"), str(spec)],
        cwd=work, env=run_env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=1800)
    folder = work / "dist" / "provider"
    if done.returncode != 0 or not (folder / name).is_file():
        last = [line for line in (done.stderr or done.stdout).splitlines() if line.strip()][-3:]
        raise BuildError("PyInstaller could not freeze the provider: " + " | ".join(last))
    return folder


def smoke_test(folder: Path, version: str) -> None:
    """Start the frozen provider as Terraform does, with an empty environment (no PATH, no Python anywhere it
    could look), and wait for its handshake line: a freeze that lacks a module fails here, not in a user's plan."""
    from tfplugin.server import MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE

    executable = folder / EXECUTABLE.format(version=version)
    process = subprocess.Popen([str(executable)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL,
                               env={MAGIC_COOKIE_KEY: MAGIC_COOKIE_VALUE, "PLUGIN_PROTOCOL_VERSIONS": "6"})
    deadline = threading.Timer(60, process.kill)  # a provider that hangs is killed, and fails below
    deadline.start()
    assert process.stdout is not None  # stdout=PIPE
    try:
        line = process.stdout.readline().decode(errors="replace")
    finally:
        deadline.cancel()
        process.kill()
        _, errors = process.communicate(timeout=30)
    if not line.startswith("1|6|unix|"):
        said = errors.decode(errors="replace").strip().splitlines()
        raise BuildError(f"the frozen provider did not start: {said[-1] if said else 'no handshake line'}")
