"""A project of one's own: how codat-iac finds the project, `codat-iac init` (and what it refuses), the
provider launcher's choice of interpreter, and the lock entry every synthesized stack gets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from codat_iac import project as projects, provider_mirror, scaffold

REPO = Path(__file__).resolve().parents[2]
PROJECT_FILES = {"cdktf.json", "main.py", "requirements.txt", ".gitignore", "README.md", "package.json",
                 "package-lock.json", ".github/workflows/codat-iac.yml", "terraform-mirror/.terraform.lock.hcl",
                 *(str(path.relative_to(Path("/p")))
                   for path in provider_mirror.launcher_paths(Path("/p/terraform-mirror")))}


def _codat_iac(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    run_env = {k: v for k, v in os.environ.items() if not k.startswith("CODAT_IAC_")}
    run_env.update(PYTHONPATH=str(REPO), **env)
    return subprocess.run([sys.executable, "-m", "codat_iac", *args], cwd=cwd, env=run_env, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and ".codat-iac" not in p.parts}


# ----------------------------------------------------------------------------------------- the project root


def test_the_project_is_the_nearest_folder_with_cdktf_json_unless_named(tmp_path, monkeypatch):
    monkeypatch.delenv(projects.APP_DIR_ENV, raising=False)
    (tmp_path / "cdktf.json").write_text("{}")
    inside = tmp_path / "cdktf.out" / "stacks" / "codat"
    inside.mkdir(parents=True)
    assert projects.find(cwd=inside).root == tmp_path  # e.g. `codat-iac exec terraform plan` in a stack folder
    other = tmp_path / "other"
    other.mkdir()
    (other / "cdktf.json").write_text("{}")
    monkeypatch.setenv(projects.APP_DIR_ENV, str(other))
    assert projects.find(cwd=inside).root == other
    assert projects.find(str(tmp_path), cwd=inside).root == tmp_path  # --app-dir wins


def test_no_project_is_an_error_that_says_how_to_make_one(tmp_path):
    done = _codat_iac("deploy", cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"no cdktf.json in {tmp_path.resolve()} or any folder above it" in done.stderr
    assert "codat-iac init DIR" in done.stderr
    named = _codat_iac("drift", "--app-dir", str(tmp_path), cwd=REPO)
    assert named.returncode == 1 and "(from --app-dir) has no cdktf.json" in named.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written where there is no project


# ------------------------------------------------------------------------------------------------------- init


# Run from this source tree there is no installed wheel to vendor: these tests name the requirement with --from
# (tests/package/test_installed_package.py inits from an installed codat-iac, which vendors its wheel).
FROM = ("--from", "codat-iac==0.1.0")


def test_init_writes_a_project_into_an_empty_folder(tmp_path):
    target = tmp_path / "infra" / "codat"
    done = _codat_iac("init", *FROM, str(target), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert _files(target) == PROJECT_FILES
    config = json.loads((target / "cdktf.json").read_text())
    assert config["app"] == "${CODAT_IAC_PYTHON:-python3} main.py" and config["sendCrashReports"] == "false"
    assert (target / "main.py").read_text() == scaffold.template("project/main.py")
    assert "codat-iac==0.1.0" in (target / "requirements.txt").read_text().splitlines()
    assert "/.codat-iac/" in (target / ".gitignore").read_text()
    pipeline = (target / ".github" / "workflows" / "codat-iac.yml").read_text()
    assert "codat-iac plan --out codat-plan" in pipeline and "bin/codat-iac" not in pipeline and "make " not in pipeline
    assert 'node-version: "22"' in pipeline and 'node-version: "20"' not in pipeline
    for path in provider_mirror.launcher_paths(target / "terraform-mirror"):
        assert path.read_text() == provider_mirror.LAUNCHER and os.access(path, os.X_OK)
    lock = (target / "terraform-mirror" / ".terraform.lock.hcl").read_text()
    assert lock == (REPO / "terraform-mirror" / ".terraform.lock.hcl").read_text()  # the same on every machine
    for name in ("cdktf.json", "main.py", "terraform-mirror"):
        assert f"  {name}\n" in done.stdout


def test_init_refuses_a_folder_that_is_not_empty_and_writes_nothing(tmp_path):
    (tmp_path / "infra.tf").write_text("# the team's own\n")
    done = _codat_iac("init", *FROM, str(tmp_path), cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "is not empty (infra.tf): nothing was written" in done.stderr and "--force" in done.stderr
    assert _files(tmp_path) == {"infra.tf"} and not (tmp_path / ".codat-iac").exists()


def test_init_with_force_keeps_every_file_of_the_users(tmp_path):
    (tmp_path / "README.md").write_text("# Our infrastructure\n")
    (tmp_path / ".gitignore").write_text("*.log\n/.venv/")
    (tmp_path / "infra.tf").write_text("# the team's own\n")
    done = _codat_iac("init", *FROM, "--force", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "README.md").read_text() == "# Our infrastructure\n"
    assert (tmp_path / "infra.tf").read_text() == "# the team's own\n"
    ignored = (tmp_path / ".gitignore").read_text()
    assert ignored.startswith("*.log\n/.venv/\n# codat-iac\n") and "/cdktf.out/" in ignored
    assert ignored.count("/.venv/") == 1
    assert "README.md: yours, kept as it was" in done.stdout
    assert _files(tmp_path) == PROJECT_FILES | {"infra.tf"}


def test_init_refuses_an_existing_project_even_with_force(tmp_path):
    assert _codat_iac("init", *FROM, str(tmp_path), cwd=tmp_path).returncode == 0
    main = (tmp_path / "main.py").read_text() + "# edited\n"
    (tmp_path / "main.py").write_text(main)
    again = _codat_iac("init", *FROM, "--force", str(tmp_path), cwd=tmp_path)
    assert again.returncode == 1 and "already holds a project (cdktf.json)" in again.stderr
    assert (tmp_path / "main.py").read_text() == main


def test_init_from_a_source_tree_names_the_two_ways_to_get_codat_iac_and_writes_nothing(tmp_path):
    done = _codat_iac("init", str(tmp_path / "project"), cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"codat-iac runs from a source tree here ({REPO})" in done.stderr and "--from SPEC" in done.stderr
    assert not (tmp_path / "project").exists()
    for spec in ("", "codat-iac\n--index-url http://evil.example"):
        refused = _codat_iac("init", "--from", spec, str(tmp_path / "project"), cwd=tmp_path)
        assert refused.returncode == 1 and "--from needs one pip requirement on one line" in refused.stderr
    assert not (tmp_path / "project").exists()


def test_from_writes_the_requirement_as_given():
    text = scaffold.requirements_txt("codat-iac @ git+https://git.example.com/acme/codat-iac@" + "ab12" * 10)
    assert text.splitlines()[-1] == "codat-iac @ git+https://git.example.com/acme/codat-iac@" + "ab12" * 10
    vendored = scaffold.requirements_txt("./vendor/codat_iac-0.1.0-py3-none-any.whl")
    assert vendored.splitlines()[-1] == "./vendor/codat_iac-0.1.0-py3-none-any.whl" and "run pip here" in vendored


def test_the_example_pipeline_is_the_one_init_writes():
    example = REPO / "examples" / "pipelines" / "github-actions.yml"
    assert example.read_text() == scaffold.template("project/github-actions.yml")


# --------------------------------------------------------------------------------------- the provider launcher


def _launcher_runs(project: Path, env: dict[str, str]) -> str:
    provider_mirror.ensure(project / "terraform-mirror")
    launcher = provider_mirror.launcher_paths(project / "terraform-mirror")[0]
    done = subprocess.run([str(launcher), "--serve"], env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _fake_python(path: Path, name: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\necho "{name} $* bytecode=${{PYTHONDONTWRITEBYTECODE:-written}}"\n')
    path.chmod(0o755)
    return path


def test_the_launcher_runs_codat_iac_python_else_the_projects_venv_else_python3(tmp_path):
    project = tmp_path / "project"
    chosen = _fake_python(tmp_path / "installed" / "python", "installed")
    on_path = _fake_python(tmp_path / "path" / "python3", "path")
    base = {"PATH": f"{on_path.parent}:/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"}
    assert _launcher_runs(project, {**base, "CODAT_IAC_PYTHON": str(chosen)}) == \
        "installed -m codat_provider --serve bytecode=written"
    assert _launcher_runs(project, base) == "path -m codat_provider --serve bytecode=written"
    _fake_python(project / ".venv" / "bin" / "python", "venv")
    assert _launcher_runs(project, base) == "venv -m codat_provider --serve bytecode=written"


# ------------------------------------------------------------------------------------------- lock entries


def test_each_stack_gets_the_projects_lock_entry_and_keeps_its_other_providers(tmp_path):
    mirror = tmp_path / "terraform-mirror"
    mirror.mkdir()
    ours = (REPO / "terraform-mirror" / ".terraform.lock.hcl").read_text()
    (mirror / ".terraform.lock.hcl").write_text(ours)
    uses = {"terraform": {"required_providers": {"codat": {"source": provider_mirror.PROVIDER_SOURCE}}}}
    fresh, other, stale, unrelated = (tmp_path / name for name in ("fresh", "other", "stale", "unrelated"))
    for folder in (fresh, other, stale, unrelated):
        folder.mkdir()
    aws = 'provider "registry.terraform.io/hashicorp/aws" {\n  version = "6.0.0"\n  hashes = [\n    "h1:x=",\n  ]\n}\n'
    (other / ".terraform.lock.hcl").write_text(aws)
    (stale / ".terraform.lock.hcl").write_text(aws + "\n" + ours.replace("h1:", "h1:OLD"))
    for folder in (fresh, other, stale):
        provider_mirror.seed_lock(mirror, folder, uses)
    provider_mirror.seed_lock(mirror, unrelated, {"terraform": {"required_providers": {"aws": {"source": "x"}}}})
    block = provider_mirror._provider_block(ours)
    assert (fresh / ".terraform.lock.hcl").read_text() == ours
    for folder in (other, stale):
        text = (folder / ".terraform.lock.hcl").read_text()
        assert text.startswith(aws) and text.count(block) == 1 and "h1:OLD" not in text
    assert not (unrelated / ".terraform.lock.hcl").exists()
