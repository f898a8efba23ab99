"""Lay out the provider's zips every way Terraform installs a provider without our Python.

From the zips of one version (one per platform) and, for the registry, the signed SHA256SUMS:

- `registry/`: a static Provider Registry (Provider Registry Protocol): `/.well-known/terraform.json`, the
  `versions` document and one `download/<os>/<arch>` document per platform, naming the zip, SHA256SUMS and its
  signature by relative URLs and carrying the public key, so any static HTTPS host serves it and `terraform init`
  verifies the signature. The source address is `<that host>/<namespace>/codat`.
- `network-mirror/`: the Provider Network Mirror Protocol: `<host>/<namespace>/codat/index.json` and
  `<version>.json` (each archive's relative URL and `zh:` hash) beside the zips.
- `filesystem-mirror/`: a packed filesystem mirror (`<host>/<namespace>/codat/<zip>`).
- `terraform.d/plugins/`: the unpacked layout Terraform searches in the working directory (an implicit local
  mirror), which HCP Terraform uploads with the configuration.

Every document is JSON with sorted keys, so the same zips lay out byte-identically.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from codat_iac.provider_package import Package, unpack, zip_name
from codat_iac.provider_signing import SigningKey

TYPE = "codat"
PROTOCOLS = ["6.0"]


def _write_json(path: Path, document: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")


def static_registry(out: Path, packages: list[Package], namespace: str, sums: Path, signature: Path,
                    key: SigningKey) -> Path:
    """The static registry tree in `out` (see the module's doc); returns `out`."""
    version = packages[0].version
    provider = out / "v1" / "providers" / namespace / TYPE
    files = provider / version / "files"
    files.mkdir(parents=True)
    for path in (sums, signature, *(package.path for package in packages)):
        shutil.copyfile(path, files / path.name)
    _write_json(out / ".well-known" / "terraform.json", {"providers.v1": "/v1/providers/"})
    _write_json(provider / "versions", {"versions": [{
        "version": version, "protocols": PROTOCOLS,
        "platforms": [{"os": package.os, "arch": package.arch} for package in packages]}]})
    for package in packages:
        # Relative to .../<version>/download/<os>/<arch>: two folders up is .../<version>/.
        _write_json(provider / version / "download" / package.os / package.arch, {
            "protocols": PROTOCOLS, "os": package.os, "arch": package.arch, "filename": package.path.name,
            "download_url": f"../../files/{package.path.name}", "shasums_url": f"../../files/{sums.name}",
            "shasums_signature_url": f"../../files/{signature.name}", "shasum": package.sha256,
            "signing_keys": {"gpg_public_keys": [{"key_id": key.key_id, "ascii_armor": key.public_armor}]},
        })
    return out


def network_mirror(out: Path, packages: list[Package], host: str, namespace: str) -> Path:
    """The network mirror tree in `out`; its URL is what `network_mirror { url = ... }` names."""
    version = packages[0].version
    provider = out / host / namespace / TYPE
    provider.mkdir(parents=True)
    for package in packages:
        shutil.copyfile(package.path, provider / package.path.name)
    _write_json(provider / "index.json", {"versions": {version: {}}})
    _write_json(provider / f"{version}.json", {"archives": {
        package.platform: {"url": package.path.name, "hashes": [package.zh]} for package in packages}})
    return out


def packed_mirror(out: Path, packages: list[Package], host: str, namespace: str) -> Path:
    """A packed filesystem mirror in `out` (`filesystem_mirror { path = ... }`, or `terraform providers lock
    -fs-mirror`)."""
    provider = out / host / namespace / TYPE
    provider.mkdir(parents=True)
    for package in packages:
        shutil.copyfile(package.path, provider / zip_name(package.version, package.platform))
    return out


def plugins_folder(out: Path, packages: list[Package], host: str, namespace: str) -> Path:
    """`terraform.d/plugins/<host>/<namespace>/codat/<version>/<os>_<arch>/`, unpacked, in `out`."""
    for package in packages:
        unpack(package, out / "plugins" / host / namespace / TYPE / package.version / package.platform)
    return out
