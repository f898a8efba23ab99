"""What the package declares and ships matches what this repository tests and runs: pyproject's ranges admit
requirements.txt's exact pins, its runtime dependencies are what the packages import, the cdktf CLI pins an
init project gets are this repository's, and the committed provider mirror is what `provider install` writes."""

from __future__ import annotations

import ast
import filecmp
import os
import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from codat_iac import provider_mirror
from codat_iac.project import Project
from codat_iac.toolenv import tool_environment

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
PACKAGES = ["codat_constructs", "codat_provider", "tfplugin", "codat_client", "codat_iac", "codat_emulator",
            "codat_settings"]
# Imported by package modules only for the tests or the developers of this repository, never on a user's path:
# the grpcio stubs (tfplugin/_proto/*_grpc.py, tests' independent client), protobuf (the stubs and the generator)
# and psycopg (codat_iac.postgres.create_database, which only the tests call).
DEVELOPMENT_ONLY = {"grpc", "google", "grpc_tools", "psycopg"}
# Import name -> distribution, where they differ.
DISTRIBUTIONS = {"cdktf": "cdktf", "cdktn": "cdktn", "constructs": "constructs", "jsii": "jsii", "httpx": "httpx",
                 "httpcore": "httpcore", "pydantic": "pydantic"}


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version.strip()
    return pins


def _declared() -> list[Requirement]:
    project = PYPROJECT["project"]
    extras = project.get("optional-dependencies", {})
    return [Requirement(text) for text in [*project["dependencies"], *(t for group in extras.values() for t in group)]]


def test_pyproject_ranges_admit_the_exact_pins_make_test_uses():
    pins = {**_pins(REPO / "requirements.txt"), **_pins(REPO / "toolchains" / "cdktn" / "requirements.txt")}
    for requirement in _declared():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is declared in pyproject.toml but not pinned for `make test`"
        assert requirement.specifier.contains(pins[name]), f"{requirement} does not admit the pin {pins[name]}"


def _third_party_imports() -> dict[str, set[Path]]:
    local = set(PACKAGES) | {"__future__"}
    found: dict[str, set[Path]] = {}
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            if "templates" in path.parts:
                continue  # a project's main.py, run in the user's project, not part of the package's code
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top not in local and top not in sys.stdlib_module_names:
                        found.setdefault(top, set()).add(path.relative_to(REPO))
    return found


def test_runtime_dependencies_are_what_the_packages_import():
    imported = set(_third_party_imports()) - DEVELOPMENT_ONLY
    runtime = {canonicalize_name(Requirement(text).name) for text in PYPROJECT["project"]["dependencies"]}
    cdktn = {canonicalize_name(Requirement(text).name)
             for text in PYPROJECT["project"]["optional-dependencies"]["cdktn"]}
    unknown = imported - set(DISTRIBUTIONS)
    assert not unknown, f"imported by the packages but not declared: {sorted(unknown)}"
    needed = {canonicalize_name(DISTRIBUTIONS[name]) for name in imported}
    assert needed - {"cdktn"} == runtime, "pyproject's dependencies should be exactly what the packages import"
    assert "cdktn" in cdktn and not (runtime & {"pytest", "grpcio", "psycopg", "hypothesis"})


def test_package_data_covers_every_non_python_file_of_the_packages():
    data = PYPROJECT["tool"]["setuptools"]["package-data"]
    tracked = [path for package in PACKAGES for path in (REPO / package).rglob("*")
               if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts]
    for path in tracked:
        package = path.relative_to(REPO).parts[0]
        inside = path.relative_to(REPO / package).as_posix()
        patterns = data.get(package, [])
        assert any(re.fullmatch(pattern.replace(".", r"\.").replace("*", "[^/]*"), inside) for pattern in patterns), \
            f"{path.relative_to(REPO)} is not package data: an installed codat-iac would lack it"


def test_init_projects_get_this_repositorys_cdktf_cli_pins():
    for name in ("package.json", "package-lock.json"):
        assert filecmp.cmp(REPO / name, REPO / "codat_iac" / "templates" / "cdktf-cli" / name, shallow=False), name


def test_the_committed_mirror_is_what_provider_install_writes():
    project = Project(REPO)
    for path in provider_mirror.launcher_paths(project.mirror):
        assert path.read_text() == provider_mirror.LAUNCHER, f"{path} is stale: run `bin/codat-iac provider install`"
        assert os.access(path, os.X_OK)
    env = tool_environment(dict(os.environ), project=project)
    committed = (project.mirror / provider_mirror.LOCK_FILE).read_text()
    assert committed == provider_mirror._locked(project.mirror, env)
    assert str(REPO) not in provider_mirror.LAUNCHER and "/home/" not in provider_mirror.LAUNCHER
