"""The wheel `codat-iac init --vendor` puts into a project's vendor/, so `pip install -r requirements.txt` works
wherever the project is pushed, until codat-iac is on a package index.

The wheel codat-iac was installed from, when pip recorded it (direct_url.json names a local .whl file) and that
file is still there with the hash pip recorded; else one rebuilt from the installed distribution itself: every
file its RECORD lists inside site-packages (no bytecode pip compiled, no console script pip wrote, none of the
files an installer adds: INSTALLER, REQUESTED, direct_url.json), each checked against RECORD's hash, in a zip with
sorted entries and fixed timestamps and a fresh RECORD, so the same installation always gives the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

DISTRIBUTION = "codat-iac"
INSTALLER_FILES = {"INSTALLER", "REQUESTED", "direct_url.json", "RECORD"}
EPOCH = (1980, 1, 1, 0, 0, 0)


class VendorError(RuntimeError):
    """There is no wheel to vendor; the message says why and what to pass instead."""


@dataclass(frozen=True)
class Wheel:
    name: str
    content: bytes
    rebuilt: bool


def _installed() -> metadata.Distribution:
    try:
        found = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        found = None
    here = Path(__file__).resolve().parent.parent
    if found is None or Path(str(found.locate_file(""))).resolve() != here:
        raise VendorError(
            f"codat-iac runs from a source tree here ({here}), not from an installed wheel, so there is no wheel to "
            "put in vendor/: run init with a codat-iac installed by pip (`pip install <wheel or git URL>`), or pass "
            "--from SPEC, e.g. --from 'codat-iac @ git+https://<host>/<org>/codat-iac@<commit>'.")
    return found


def _record_digest(content: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=").decode()


def _original(found: metadata.Distribution) -> Wheel | None:
    """The .whl file pip installed from, when it is still there unchanged."""
    direct = json.loads(found.read_text("direct_url.json") or "{}")
    url = urlparse(direct.get("url", ""))
    path = Path(unquote(url.path))
    if url.scheme != "file" or path.suffix != ".whl" or not path.is_file():
        return None
    content = path.read_bytes()
    recorded = (direct.get("archive_info") or {}).get("hashes", {}).get("sha256")
    if recorded and hashlib.sha256(content).hexdigest() != recorded:
        return None
    return Wheel(path.name, content, rebuilt=False)


def _tag(found: metadata.Distribution) -> str:
    for line in (found.read_text("WHEEL") or "").splitlines():
        if line.startswith("Tag:"):
            return line.split(":", 1)[1].strip()
    return "py3-none-any"


def _rebuilt(found: metadata.Distribution) -> Wheel:
    """A wheel of the installed files (see the module's doc)."""
    files: dict[str, bytes] = {}
    dist_info = ""
    for entry in found.files or []:
        name = entry.as_posix()
        parts = name.split("/")
        if name.startswith("..") or "__pycache__" in parts or name.endswith(".pyc"):
            continue
        if parts[0].endswith(".dist-info"):
            dist_info = parts[0]
            if parts[-1] in INSTALLER_FILES and len(parts) == 2:
                continue
        content = Path(str(found.locate_file(entry))).read_bytes()
        if entry.hash is not None and _record_digest(content) != f"{entry.hash.mode}={entry.hash.value}":
            raise VendorError(f"the installed file {found.locate_file(entry)} differs from what pip installed (its "
                              "RECORD): reinstall codat-iac (`pip install --force-reinstall ...`), or pass --from "
                              "SPEC.")
        files[name] = content
    if not dist_info:
        raise VendorError("the installed codat-iac has no RECORD to rebuild its wheel from: reinstall it with pip, or "
                          "pass --from SPEC.")
    ordered = sorted(files, key=lambda name: (name.startswith(dist_info + "/"), name))  # dist-info last
    record = "".join(f"{name},{_record_digest(files[name])},{len(files[name])}\n" for name in ordered)
    record += f"{dist_info}/RECORD,,\n"
    stem = dist_info[: -len(".dist-info")]
    name = f"{stem}-{_tag(found)}.whl"
    target = _zip({**{n: files[n] for n in ordered}, f"{dist_info}/RECORD": record.encode()})
    return Wheel(name, target, rebuilt=True)


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            entry = zipfile.ZipInfo(name, date_time=EPOCH)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, content)
    return buffer.getvalue()


def installed_wheel() -> Wheel:
    """The wheel to vendor: the original file when it is at hand, else a reproducible rebuild."""
    found = _installed()
    return _original(found) or _rebuilt(found)
