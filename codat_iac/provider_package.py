"""The provider's release files, as Terraform's registries and mirrors expect them, made reproducibly.

- `terraform-provider-codat_<V>_<os>_<arch>.zip`: the frozen folder, entries sorted, every timestamp the build
  epoch, modes 0755 (executables and shared libraries) or 0644, no directory entries (Terraform's `h1:` hash of
  an unpacked folder lists files only, so a zip without them hashes the same packed or unpacked);
- `terraform-provider-codat_<V>_manifest.json`: protocol 6;
- `terraform-provider-codat_<V>_SHA256SUMS`: `<sha256>  <file>` per zip and the manifest, sorted by file.

Hashes, as `.terraform.lock.hcl` records them: `zh:` is the zip's SHA-256; `h1:` is Go's dirhash "Hash1" of the
zip's files (SHA-256 over the lines `<sha256 of file>  <path>` sorted by path, base64), the same for the unpacked
folder.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import stat
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

PREFIX = "terraform-provider-codat"
MANIFEST = {"version": 1, "metadata": {"protocol_versions": ["6.0"]}}
VERSION_PATTERN = re.compile(r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?")
_ZIP_NAME = re.compile(rf"{PREFIX}_(?P<version>[^_]+)_(?P<os>[a-z0-9]+)_(?P<arch>[a-z0-9]+)\.zip")


class PackageError(RuntimeError):
    """A release file is missing, altered or named wrongly; the message names the file and the fix."""


@dataclass(frozen=True)
class Package:
    """One platform's zip and what Terraform checks it against."""

    path: Path
    version: str
    os: str
    arch: str
    sha256: str

    @property
    def platform(self) -> str:
        return f"{self.os}_{self.arch}"

    @property
    def zh(self) -> str:
        return f"zh:{self.sha256}"

    @property
    def h1(self) -> str:
        return h1_of_zip(self.path)


def zip_name(version: str, platform: str) -> str:
    return f"{PREFIX}_{version}_{platform}.zip"


def sums_name(version: str) -> str:
    return f"{PREFIX}_{version}_SHA256SUMS"


def manifest_name(version: str) -> str:
    return f"{PREFIX}_{version}_manifest.json"


def check_version(version: str) -> str:
    if not VERSION_PATTERN.fullmatch(version):
        raise PackageError(f"--version {version!r} is not a version Terraform accepts: use MAJOR.MINOR.PATCH, "
                           "e.g. 0.1.0 (a pre-release suffix such as 0.2.0-rc1 is allowed).")
    return version


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _mode(path: Path) -> int:
    executable = path.stat().st_mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return 0o755 if executable or ".so" in path.name or path.suffix == ".dylib" else 0o644


def write_zip(folder: Path, target: Path, epoch: int) -> None:
    """Zip `folder`'s files reproducibly (see the module's doc); symlinks are stored as the files they name."""
    stamp = time.gmtime(epoch)[:6]
    files = sorted((path for path in folder.rglob("*") if path.is_file()),
                   key=lambda p: p.relative_to(folder).as_posix())
    with zipfile.ZipFile(target, "w") as archive:
        for path in files:
            entry = zipfile.ZipInfo(path.relative_to(folder).as_posix(), date_time=stamp)
            entry.create_system = 3  # unix: the mode below is read by unzip and by Terraform
            entry.external_attr = (stat.S_IFREG | _mode(path)) << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, path.read_bytes(), compresslevel=9)


def h1_of_zip(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        files = sorted((info for info in archive.infolist() if not info.is_dir()), key=lambda info: info.filename)
        lines = [f"{hashlib.sha256(archive.read(info)).hexdigest()}  {info.filename}\n" for info in files]
    return "h1:" + base64.b64encode(hashlib.sha256("".join(lines).encode()).digest()).decode()


def unpack(package: Package, target: Path) -> None:
    """Extract a zip keeping its files' modes (zipfile drops them), as Terraform does when it installs one."""
    with zipfile.ZipFile(package.path) as archive:
        for info in archive.infolist():
            destination = target / info.filename
            if not destination.resolve().is_relative_to(target.resolve()):
                raise PackageError(f"{package.path.name} holds a path outside its folder ({info.filename!r}): "
                                   "rebuild it with `codat-iac provider build`.")
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(archive.read(info))
            os.chmod(destination, (info.external_attr >> 16) & 0o777 or 0o644)


def write_manifest(folder: Path, version: str) -> Path:
    path = folder / manifest_name(version)
    path.write_text(json.dumps(MANIFEST, indent=2) + "\n")
    return path


def write_sums(folder: Path, version: str, files: list[Path]) -> Path:
    path = folder / sums_name(version)
    path.write_text("".join(f"{sha256_of(file)}  {file.name}\n" for file in sorted(files, key=lambda file: file.name)))
    return path


def read_sums(path: Path) -> dict[str, str]:
    """file name -> sha256 from a SHA256SUMS file."""
    sums = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        digest, _, name = line.partition("  ")
        if not re.fullmatch(r"[0-9a-f]{64}", digest) or not name:
            raise PackageError(f"{path}: line {number} is not `<sha256>  <file>`: rebuild the folder with "
                               "`codat-iac provider build`.")
        sums[name] = digest
    return sums


def package_of(path: Path, expected_sha256: str | None = None) -> Package:
    """The Package a zip is, checked against the SHA-256 its SHA256SUMS lists."""
    named = _ZIP_NAME.fullmatch(path.name)
    if not named:
        raise PackageError(f"{path.name} is not named terraform-provider-codat_<version>_<os>_<arch>.zip: keep the "
                           "names `codat-iac provider build` gave.")
    digest = sha256_of(path)
    if expected_sha256 is not None and digest != expected_sha256:
        raise PackageError(f"{path} no longer matches its SHA256SUMS (sha256 {digest[:12]}..., listed "
                           f"{expected_sha256[:12]}...): the file changed after the build; restore it or build it "
                           "again with `codat-iac provider build`.")
    return Package(path, named["version"], named["os"], named["arch"], digest)


def collect(folder: Path) -> list[Package]:
    """Every zip listed in the SHA256SUMS files under `folder` (one per platform build, e.g. the artifacts of a CI
    matrix), each checked against its SHA-256; PackageError when one is missing, altered or listed twice."""
    found: dict[str, Package] = {}
    sums_files = sorted(folder.rglob(f"{PREFIX}_*_SHA256SUMS"))
    if not sums_files:
        raise PackageError(f"{folder} holds no terraform-provider-codat_<version>_SHA256SUMS: point --from at the "
                           "folder(s) `codat-iac provider build` wrote on each platform.")
    for sums in sums_files:
        for name, digest in read_sums(sums).items():
            if not name.endswith(".zip"):
                continue
            path = sums.parent / name
            if not path.is_file():
                raise PackageError(f"{path} is listed in {sums} but missing: copy it beside that file, or build it "
                                   "again on its platform.")
            package = package_of(path, digest)
            other = found.get(package.platform)
            if other is not None and other.sha256 != package.sha256:
                raise PackageError(f"two different {package.platform} zips: {other.path} and {path}: keep one.")
            found[package.platform] = package
    versions = {package.version for package in found.values()}
    if len(versions) != 1:
        raise PackageError(f"the zips under {folder} are of versions {', '.join(sorted(versions)) or 'none'}: lay out "
                           "one version at a time.")
    return sorted(found.values(), key=lambda package: package.platform)


def lock_entry(source: str, version: str, packages: list[Package]) -> str:
    """The `.terraform.lock.hcl` block `terraform providers lock` writes for these packages."""
    hashes = sorted({package.h1 for package in packages} | {package.zh for package in packages})
    lines = "".join(f'    "{value}",\n' for value in hashes)
    return (f'provider "{source}" {{\n  version     = "{version}"\n  constraints = "{version}"\n'
            f"  hashes = [\n{lines}  ]\n}}\n")
