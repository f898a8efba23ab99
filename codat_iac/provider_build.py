"""`codat-iac provider build`: a self-contained, signed provider and every layout Terraform installs it from.

    codat-iac provider build [--out DIR] [--version V] [--gpg-key ID] [--force] [--host H] [--namespace NS]
    codat-iac provider build --from DIR [--out DIR] [--gpg-key ID] ...   (the zips of several platforms)

Without --from it freezes the provider for this machine (provider_freeze.py) into
`terraform-provider-codat_<V>_<os>_<arch>.zip`; with --from it takes the zips that builds on other platforms wrote
(e.g. a CI matrix's artifacts), each checked against its SHA256SUMS. Then, into one folder: the zips, the manifest,
SHA256SUMS, its signature and the public key (with --gpg-key), and the layouts of registry_layout.py (the
registry only with a key: Terraform refuses an unsigned registry package).

Faults stop before anything is written where the user looks: the output folder is made as a temp folder beside
it and renamed into place at the end, so a failed build leaves no half-written folder. An existing output folder
is replaced only with --force, and only when it is one this command wrote.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import tempfile
from pathlib import Path

from codat_iac import provider_freeze, provider_package, provider_signing, registry_layout
from codat_iac.provider_mirror import PROVIDER_HOST
from codat_iac.steps import Steps
from codat_iac.toolenv import FROM_SOURCE, PACKAGE_ROOT

DEFAULT_NAMESPACE = "codat"
_HOST = re.compile(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?")
_NAMESPACE = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")
PUBLIC_KEY = "signing-key.asc"
ERRORS = (provider_freeze.BuildError, provider_package.PackageError, provider_signing.SigningError)


class OutputRefused(RuntimeError):
    """The output folder exists and may not be replaced; nothing was written."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from codat_provider import VERSION

    parser.add_argument("--out", default=None, help="the folder to write (default: dist/terraform-provider-codat_<V>)")
    parser.add_argument("--version", default=None,
                        help=f"the provider version to publish (default {VERSION}; with --from, the zips' version)")
    parser.add_argument("--gpg-key", default=None, metavar="ID",
                        help="sign SHA256SUMS with this GnuPG secret key and lay out the registry")
    parser.add_argument("--force", action="store_true", help="replace --out when it is an earlier build's folder")
    parser.add_argument("--from", dest="from_dir", default=None, metavar="DIR",
                        help="lay out the zips (and their SHA256SUMS) found under DIR instead of building")
    parser.add_argument("--host", default=PROVIDER_HOST,
                        help=f"the source address host of the mirror layouts (default {PROVIDER_HOST})")
    parser.add_argument("--namespace", default=DEFAULT_NAMESPACE,
                        help=f"the provider namespace (default {DEFAULT_NAMESPACE})")


def _check_names(options) -> None:
    if not _HOST.fullmatch(options.host):
        raise provider_package.PackageError(f"--host {options.host!r} is not a host name: use e.g. codat.local or "
                                            "registry.example.com (lower case, an optional :port).")
    if not _NAMESPACE.fullmatch(options.namespace):
        raise provider_package.PackageError(f"--namespace {options.namespace!r} is not a namespace Terraform accepts: "
                                            "use lower-case letters, digits and dashes, e.g. codat or acme.")


def _check_output(out: Path, force: bool) -> None:
    if not out.exists():
        return
    if not force:
        raise OutputRefused(f"{out} exists: nothing was written. Add --force to replace it, or choose another --out.")
    ours = out.is_dir() and (not any(out.iterdir()) or any(out.glob(f"{provider_package.PREFIX}_*_SHA256SUMS")))
    if not ours:
        raise OutputRefused(f"{out} exists and is not a folder `codat-iac provider build` wrote (no SHA256SUMS): "
                            "nothing was written. Remove it yourself, or choose another --out.")


def _replace(out: Path, staging: Path) -> None:
    """Put the finished `staging` folder at `out` (an earlier build's folder there goes)."""
    if out.exists():
        previous = out.with_name(f".{out.name}.previous-{os.getpid()}")
        out.rename(previous)
        staging.rename(out)
        shutil.rmtree(previous)
    else:
        staging.rename(out)


def _frozen_package(version: str, staging: Path, steps: Steps) -> provider_package.Package:
    """Freeze this machine's provider and zip it into `staging`."""
    platform = provider_freeze.target_platform()
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="codat-iac-freeze-") as scratch:
        work = Path(scratch)
        with steps.step("build tools (requirements-build.txt)") as step:
            folder = provider_freeze.tools_folder(PACKAGE_ROOT, FROM_SOURCE, work)
            cache = PACKAGE_ROOT / ".codat-iac" / "cache" / "pip" if FROM_SOURCE else None
            step.note = "ready" if (folder / ".installed").is_file() else "installed"
            tools = provider_freeze.install_tools(folder, env, cache)
        with steps.step(f"freeze the provider for {platform} (PyInstaller, one folder)"):
            frozen = provider_freeze.freeze(version, work, tools, PACKAGE_ROOT, FROM_SOURCE, env)
            provider_freeze.smoke_test(frozen, version)
        with steps.step("zip") as step:
            target = staging / provider_package.zip_name(version, platform)
            provider_package.write_zip(frozen, target, provider_freeze.build_epoch(env))
            step.note = f"{target.stat().st_size / 2**20:.1f} MiB"
    return provider_package.package_of(target)


def _gathered(source: Path, version: str | None, steps: Steps) -> list[provider_package.Package]:
    """The zips under `source`, each checked against its SHA256SUMS (nothing is written)."""
    with steps.step(f"check the zips under {source}") as step:
        found = provider_package.collect(source)
        step.note = ", ".join(package.platform for package in found)
    if version is not None and found[0].version != version:
        raise provider_package.PackageError(f"the zips under {source} are version {found[0].version}, not --version "
                                            f"{version}: drop --version, or build that version.")
    return found


def _copied(packages: list[provider_package.Package], staging: Path) -> list[provider_package.Package]:
    copies = []
    for package in packages:
        shutil.copyfile(package.path, staging / package.path.name)
        copies.append(provider_package.package_of(staging / package.path.name, package.sha256))
    return copies


def _lay_out(staging: Path, packages: list[provider_package.Package], key, options, steps: Steps) -> None:
    """Manifest, SHA256SUMS (signed with a key) and every layout, in `staging`."""
    version = packages[0].version
    manifest = provider_package.write_manifest(staging, version)
    sums = provider_package.write_sums(staging, version, [*(package.path for package in packages), manifest])
    with steps.step("lay out") as step:
        laid = ["network-mirror/", "filesystem-mirror/", "terraform.d/plugins/"]
        if key is not None:
            signature = provider_signing.sign(key, sums)
            (staging / PUBLIC_KEY).write_text(key.public_armor)
            registry_layout.static_registry(staging / "registry", packages, options.namespace, sums, signature, key)
            laid.insert(0, "registry/")
        registry_layout.network_mirror(staging / "network-mirror", packages, options.host, options.namespace)
        registry_layout.packed_mirror(staging / "filesystem-mirror", packages, options.host, options.namespace)
        registry_layout.plugins_folder(staging / "terraform.d", packages, options.host, options.namespace)
        step.note = " ".join(laid)


def build(options, steps: Steps) -> tuple[Path, list[provider_package.Package], provider_signing.SigningKey | None]:
    """Do the whole build (see the module's doc); returns the output folder, its packages and the signing key.
    Every check that needs no build (names, output folder, platform or the --from zips, the key) comes first."""
    from codat_provider import VERSION

    _check_names(options)
    if options.version is not None:
        provider_package.check_version(options.version)
    source = Path(options.from_dir).expanduser().resolve() if options.from_dir else None
    gathered = _gathered(source, options.version, steps) if source is not None else None
    version = gathered[0].version if gathered else options.version or VERSION
    if gathered is None:
        provider_freeze.target_platform()
    out = Path(options.out or f"dist/{provider_package.PREFIX}_{version}").expanduser().resolve()
    _check_output(out, options.force)
    key = provider_signing.check_key(options.gpg_key) if options.gpg_key else None
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    staging.chmod(0o755)  # mkdtemp's 0700 would keep a web server or a CI upload step out
    try:
        packages = _copied(gathered, staging) if gathered else [_frozen_package(version, staging, steps)]
        _lay_out(staging, packages, key, options, steps)
        _replace(out, staging)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return out, [provider_package.package_of(out / package.path.name) for package in packages], key


def report(out: Path, packages: list[provider_package.Package], key, options) -> str:
    """What the build made, for stdout: each zip's size and hashes, the signature, the layouts, the lock entry."""
    version = packages[0].version
    lines = [f"Codat provider {version} in {out}:"]
    for package in packages:
        lines += [f"  {package.path.name}  {package.path.stat().st_size / 2**20:.1f} MiB",
                  f"    sha256 {package.sha256}", f"    {package.h1}", f"    {package.zh}"]
    sums = provider_package.sums_name(version)
    if key is not None:
        lines.append(f"  {sums} signed by key ID {key.key_id} ({sums}.sig, {PUBLIC_KEY}); registry/ serves "
                     f"`<its host>/{options.namespace}/codat`")
    else:
        lines.append(f"  {sums} not signed (no --gpg-key), so no registry/: Terraform verifies registry packages")
    lines.append(f"  network-mirror/, filesystem-mirror/ and terraform.d/plugins/ serve "
                 f"`{options.host}/{options.namespace}/codat` (docs/distribution.md says what to publish where)")
    lines.append("Lock entry (every layout records the h1: hash; a registry install also the zh: hashes "
                 "SHA256SUMS lists):")
    source = f"{options.host}/{options.namespace}/codat"
    lines.append(provider_package.lock_entry(source, version, packages).rstrip("\n"))
    return "\n".join(lines) + "\n"
