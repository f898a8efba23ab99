"""The self-contained provider, the whole chain of issue #22: `codat-iac provider build` freezes and signs it once
for this module; then, for each layout it wrote, a plain Terraform project in an environment where no Python can be
found (PATH holds only a folder with `terraform`; no CODAT_IAC_PYTHON, no PYTHONPATH, an empty HOME, nothing else of
this machine's environment) runs `terraform init` from that layout, `terraform providers lock` against it, and plan,
apply, a Portal change, plan (exit 2), apply, plan (exit 0) and destroy against the emulator. The registry and the
network mirror are served over HTTPS on loopback with a test CA given through SSL_CERT_FILE; the registry install must
say it was signed by the test key. Every process those runs start is recorded: each executes the provider from the
zip, and none maps a Python library from outside it.

Slow (one freeze, ~30 s, then about 15 s a layout): nothing here is skipped.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from codat_iac import provider_package
from distribution_support import REPO, Started, gnupg_home, make_test_ca, run_watched, serve_folder

pytestmark = pytest.mark.e2e

VERSION = "0.1.0"
EXECUTABLE = f"terraform-provider-codat_v{VERSION}"
XERO_SECRET = "standalone-Xero-Secret-7Kq2"
RESOURCE = (REPO / "examples" / "resources" / "codat_integration" / "resource.tf").read_text()


@dataclass
class Build:
    out: Path
    key_id: str
    package: provider_package.Package
    report: str


def _build(out: Path, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "codat_iac", "provider", "build", "--out", str(out), *extra],
                          cwd=REPO, env=dict(env, PYTHONPATH=str(REPO)), capture_output=True, text=True, timeout=1800,
                          stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def gnupg(tmp_path_factory):
    yield from gnupg_home(tmp_path_factory.mktemp("gpg") / "home")


@pytest.fixture(scope="module")
def built(tmp_path_factory, gnupg) -> Build:
    key_id = gnupg.new_key("release@codat-iac.test")
    out = tmp_path_factory.mktemp("build") / "provider"
    done = _build(out, gnupg.env(), "--gpg-key", "release@codat-iac.test")
    assert done.returncode == 0, done.stdout + done.stderr
    [zipped] = out.glob("*.zip")
    return Build(out, key_id, provider_package.package_of(zipped), done.stdout)


@pytest.fixture(scope="module")
def test_ca(tmp_path_factory):
    return make_test_ca(tmp_path_factory.mktemp("ca"))


# ------------------------------------------------------------------------------------------- the build


def test_the_build_writes_the_zip_its_sums_signature_manifest_and_every_layout(built, gnupg):
    names = {path.name for path in built.out.iterdir()}
    prefix = f"terraform-provider-codat_{VERSION}"
    assert names == {f"{prefix}_linux_amd64.zip", f"{prefix}_SHA256SUMS", f"{prefix}_SHA256SUMS.sig",
                     f"{prefix}_manifest.json", "signing-key.asc", "registry", "network-mirror", "filesystem-mirror",
                     "terraform.d"}
    sums = (built.out / f"{prefix}_SHA256SUMS").read_text()
    assert f"{built.package.sha256}  {prefix}_linux_amd64.zip\n" in sums and f"  {prefix}_manifest.json\n" in sums
    verified = gnupg.run("--verify", str(built.out / f"{prefix}_SHA256SUMS.sig"),
                         str(built.out / f"{prefix}_SHA256SUMS"))
    assert verified.returncode == 0 and built.key_id in verified.stderr.replace(" ", ""), verified.stderr
    # The build prints what a lock file records, and the zip holds the executable and its folder only.
    assert f"sha256 {built.package.sha256}" in built.report
    assert built.package.h1 in built.report and built.package.zh in built.report
    entries = zipfile.ZipFile(built.package.path).infolist()
    assert {entry.filename.split("/")[0] for entry in entries} == {EXECUTABLE, "_internal"}
    assert [entry.filename for entry in entries] == sorted(entry.filename for entry in entries)
    assert {entry.date_time for entry in entries} == {(1980, 1, 1, 0, 0, 0)}
    modes = {entry.filename: (entry.external_attr >> 16) & 0o777 for entry in entries}
    assert modes[EXECUTABLE] == 0o755 and set(modes.values()) == {0o755, 0o644}
    assert not any(entry.is_dir() for entry in entries)
    assert not any(re.search(r"(^|/)(python3?(\.\d+)?|pip)$", entry.filename) for entry in entries)  # no interpreter
    # Nothing of this repository's development tools, which the venv it was built from holds (mypy reaches a
    # freeze through pydantic's mypy plugin).
    tools = ("mypy", "mypyc", "mypy_extensions", "ast_serialize", "librt", "coverage", "ruff", "pytest", "grpc")
    assert not [entry.filename for entry in entries if _top(entry.filename) in tools]


def _top(member: str) -> str:
    """The module or library a member of `_internal/` belongs to: `_internal/mypy/nodes.so` -> `mypy`."""
    return member.partition("/")[2].split("/")[0].split(".")[0]


def test_the_same_inputs_build_a_byte_identical_zip(built, tmp_path):
    again = _build(tmp_path / "again", dict(os.environ))
    assert again.returncode == 0, again.stdout + again.stderr
    [zipped] = (tmp_path / "again").glob("*.zip")
    assert zipped.read_bytes() == built.package.path.read_bytes()
    assert f"sha256 {built.package.sha256}" in again.stdout
    assert "not signed (no --gpg-key), so no registry/" in again.stdout
    assert not (tmp_path / "again" / "registry").exists()


# ------------------------------------------------------------------------------------ each layout, no Python


@dataclass
class Layout:
    """A Terraform project wired to one layout: the source address, the CLI config, the lock flags."""

    source: str
    cli_config: str
    lock_args: list[str]
    copy_into_project: Path | None = None


def _no_python_env(tmp_path: Path, emulator, cli_config: str, ca_file: Path) -> dict[str, str]:
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "terraform").symlink_to(shutil.which("terraform"))
    home = tmp_path / "home"
    home.mkdir()
    config = tmp_path / "terraform.rc"
    config.write_text(cli_config)
    env = {"PATH": str(tools), "HOME": str(home), "TF_CLI_CONFIG_FILE": str(config), "SSL_CERT_FILE": str(ca_file),
           "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1", "CODAT_BASE_URL": emulator.url,
           "CODAT_API_KEY": emulator.api_key, "TF_VAR_xero_client_secret": XERO_SECRET}
    for python in ("python", "python3", "python3.11", "pip"):
        assert shutil.which(python, path=env["PATH"]) is None
    return env


def _check_processes(started: list[Started], project: Path, zipped: Path) -> int:
    """Every process the runs started is the provider from the zip (terraform starts nothing else here), and no
    process mapped a Python library from outside its own unpacked folder. Returns how many providers ran."""
    executable = zipfile.ZipFile(zipped).read(EXECUTABLE)
    terraform = Path(shutil.which("terraform")).resolve()
    # A child seen only as terraform is one caught between fork and exec that ended there (Terraform stopping a
    # provider it no longer needed): it ran nothing. Anything it executes lives long enough to be seen as itself.
    started = [process for process in started if Path(process.exe) != terraform]
    for process in started:
        exe = Path(process.exe)
        assert exe.name == EXECUTABLE, f"terraform started {exe} (pid {process.pid}), not the frozen provider"
        assert exe.is_relative_to(project.resolve()), f"{exe} is not the provider installed in {project}"
        assert exe.read_bytes() == executable, f"{exe} differs from the zip's executable"
        pythons = [path for path in process.mapped if "python" in Path(path).name.lower()]
        assert pythons, f"pid {process.pid} mapped no libpython: the watcher saw too little to judge"
        for path in pythons:
            assert Path(path).is_relative_to(exe.parent), f"pid {process.pid} mapped {path}, from outside the zip"
    return len(started)


def _hashes(lock_file: Path) -> set[str]:
    return set(re.findall(r'"((?:h1|zh):[^"]+)"', lock_file.read_text()))


def _main_tf(source: str) -> str:
    return (f'terraform {{\n  required_providers {{\n    codat = {{ source = "{source}", version = "{VERSION}" }}\n'
            f"  }}\n}}\n\nprovider \"codat\" {{}}\n\n{RESOURCE}")


def _mirror_config(kind: str, where: str) -> str:
    return (f'provider_installation {{\n  {kind} {{\n    {"url" if kind == "network_mirror" else "path"} = "{where}"\n'
            '    include = ["codat.local/*/*"]\n  }\n  direct {\n    exclude = ["codat.local/*/*"]\n  }\n}\n')


@pytest.fixture
def layout(request, built, test_ca):
    """(kind, Layout, the HTTPS server or None) for the layout named by the test's parameter."""
    kind = request.param
    with contextlib.ExitStack() as stack:
        if kind == "registry":
            served = stack.enter_context(serve_folder(built.out / "registry", test_ca))
            yield kind, Layout(f"localhost:{served.port}/codat/codat", "", []), served
        elif kind == "network-mirror":
            served = stack.enter_context(serve_folder(built.out / "network-mirror", test_ca))
            yield kind, Layout("codat.local/codat/codat", _mirror_config("network_mirror", served.url),
                               [f"-net-mirror={served.url}"]), served
        elif kind == "filesystem-mirror":
            mirror = built.out / "filesystem-mirror"
            yield kind, Layout("codat.local/codat/codat", _mirror_config("filesystem_mirror", str(mirror)),
                               [f"-fs-mirror={mirror}"]), None
        else:  # terraform.d/plugins in the working folder, found with no CLI config at all
            yield kind, Layout("codat.local/codat/codat", "", ["-fs-mirror=terraform.d/plugins"],
                               built.out / "terraform.d"), None


@pytest.mark.parametrize("layout", ["registry", "network-mirror", "filesystem-mirror", "terraform.d"], indirect=True)
def test_terraform_installs_and_runs_the_provider_from_each_layout_with_no_python(layout, built, emulator, test_ca,
                                                                                   tmp_path):
    kind, wiring, served = layout
    project = tmp_path / "project"
    project.mkdir()
    (project / "main.tf").write_text(_main_tf(wiring.source))
    if wiring.copy_into_project is not None:
        shutil.copytree(wiring.copy_into_project, project / "terraform.d", symlinks=False)
    env = _no_python_env(tmp_path, emulator, wiring.cli_config, test_ca.ca_file)
    started: list[Started] = []

    def terraform(*args: str) -> subprocess.CompletedProcess:
        done, processes = run_watched(["terraform", *args, "-no-color"], project, env)
        started.extend(processes)
        return done

    init = terraform("init", "-input=false")
    assert init.returncode == 0, init.stdout + init.stderr
    recorded = _hashes(project / ".terraform.lock.hcl")
    assert built.package.h1 in recorded
    if kind == "registry":
        assert f"(self-signed, key ID {built.key_id})" in init.stdout, init.stdout
        # From a registry Terraform records a zh: for every file SHA256SUMS lists (the manifest too, as for
        # HashiCorp's own providers).
        manifest = provider_package.sha256_of(built.out / provider_package.manifest_name(VERSION))
        assert recorded == {built.package.h1, built.package.zh, f"zh:{manifest}"}
        assert any(path.endswith(".sig") for path in served.requested)  # the signature was fetched
    else:
        assert recorded == {built.package.h1}  # a mirror install records the unpacked folder's hash only

    # `terraform providers lock` against the same layout records the same hashes (another machine would too).
    relocked = tmp_path / "relock"
    relocked.mkdir()
    (relocked / "main.tf").write_text(_main_tf(wiring.source))
    if wiring.copy_into_project is not None:
        shutil.copytree(wiring.copy_into_project, relocked / "terraform.d")
    locked = subprocess.run(["terraform", "providers", "lock", "-no-color", *wiring.lock_args, "-platform=linux_amd64"],
                            cwd=relocked, env=env, capture_output=True, text=True, timeout=120)
    assert locked.returncode == 0, locked.stdout + locked.stderr
    relocked_hashes = _hashes(relocked / ".terraform.lock.hcl")
    assert built.package.h1 in relocked_hashes and relocked_hashes <= recorded | {built.package.zh}, relocked_hashes
    if kind == "registry":  # only a signed registry's zh: hashes are recorded; a mirror's are checked, not kept
        assert built.package.zh in relocked_hashes

    first = terraform("plan", "-detailed-exitcode", "-input=false")
    assert first.returncode == 2, first.stdout + first.stderr
    applied = terraform("apply", "-auto-approve", "-input=false")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    emulator.portal("disable", "gbol")  # someone switches the integration off in the Portal
    drifted = terraform("plan", "-detailed-exitcode", "-input=false")
    assert drifted.returncode == 2, drifted.stdout + drifted.stderr
    assert re.search(r"~ enabled\s+= false -> true", drifted.stdout), drifted.stdout
    repaired = terraform("apply", "-auto-approve", "-input=false")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    clean = terraform("plan", "-detailed-exitcode", "-input=false")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    removed = terraform("destroy", "-auto-approve", "-input=false")
    assert removed.returncode == 0, removed.stdout + removed.stderr

    assert _check_processes(started, project, built.package.path) >= 6  # a provider for each plan/apply/destroy
    assert list(Path(env["HOME"]).iterdir()) == []  # nothing written to HOME either


def test_the_process_check_fails_on_a_provider_that_runs_a_python(built, tmp_path):
    """The check above can fail: the launcher this repository uses for development (a shell script running
    `python -m codat_provider`) started the way Terraform starts a provider is seen as a Python and refused."""
    launcher = REPO / "terraform-mirror" / "codat.local" / "codat" / "codat" / VERSION / "linux_amd64" / EXECUTABLE
    project = tmp_path / "project"
    shutil.copytree(launcher.parent, project / "plugin")
    env = {"PATH": "/usr/bin:/bin", "CODAT_IAC_PYTHON": sys.executable, "PYTHONPATH": str(REPO),
           "TF_PLUGIN_MAGIC_COOKIE": "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
           "PLUGIN_PROTOCOL_VERSIONS": "6"}
    # `timeout` plays Terraform here: it starts the provider as its child and stops it after a while.
    _, started = run_watched(["timeout", "1", str(project / "plugin" / EXECUTABLE)], project, env)
    assert any("python" in Path(process.exe).name for process in started), [p.exe for p in started]
    with pytest.raises(AssertionError, match="not the frozen provider"):
        _check_processes(started, project, built.package.path)
