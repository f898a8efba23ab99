"""The Codat each stack's state was applied to, checked before Terraform runs.

The provider records, in each managed resource's private state, the origin of the Codat it was applied to
(`codat_settings.base_url_origin`) and refuses to refresh, plan or apply it against another. That check runs
when Terraform refreshes the resource, which is after it has read the stack's data sources: with the provider
pointed at another Codat, the connection-usage data source asked that Codat first (five retries when it does
not answer). So codat-iac compares the recorded origins with the stack's configured Codat before it starts
Terraform at all: a mismatch stops with no request sent, whether or not the other Codat answers.
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import Callable, Optional

from codat_settings import SettingError, base_url_origin, check_base_url

DEFAULT_BASE_URL = "https://api.codat.io"
ORIGIN_KEY = "origin"  # the protocol layer's key in each resource's private state (tfplugin/_rpc.py)


class OriginMismatch(Exception):
    pass


def configured_origin(config: dict, env: dict[str, str]) -> Optional[str]:
    """The Codat the stack's provider points at: its base_url, else CODAT_BASE_URL, else Codat's. None when the
    configuration computes it (an expression Terraform resolves) or it is not a valid URL (the provider says so)."""
    blocks = (config.get("provider") or {}).get("codat") or [{}]
    base_url = (blocks[0] if isinstance(blocks, list) and blocks else {}).get("base_url")
    base_url = base_url or env.get("CODAT_BASE_URL", "").strip() or DEFAULT_BASE_URL
    if "${" in base_url:
        return None
    try:
        return base_url_origin(check_base_url(base_url, "base_url"))
    except SettingError:
        return None


def recorded_origins(state: dict) -> dict[str, str]:
    """Resource address -> the origin its private state records (resources without one are left out)."""
    found: dict[str, str] = {}
    for resource in state.get("resources") or []:
        if resource.get("mode") != "managed":
            continue
        for instance in resource.get("instances") or []:
            origin = _origin_of(instance.get("private"))
            if origin:
                found[f"{resource.get('type')}.{resource.get('name')}"] = origin
    return found


def _origin_of(private: Optional[str]) -> Optional[str]:
    try:
        value = json.loads(base64.b64decode(private or "", validate=True) or b"{}")
    except (binascii.Error, ValueError):
        return None
    origin = value.get(ORIGIN_KEY) if isinstance(value, dict) else None
    return origin if isinstance(origin, str) else None


def local_state_file(config: dict, stack_dir: Path) -> Optional[Path]:
    """Where a stack with a local backend keeps its state; None for another backend."""
    backend = (config.get("terraform") or {}).get("backend") or {"local": {}}
    if "local" not in backend:
        return None
    path = Path((backend["local"] or {}).get("path") or "terraform.tfstate")
    return path if path.is_absolute() else stack_dir / path


def local_state(config: dict, stack_dir: Path) -> Optional[dict]:
    """The state of a stack with a local backend ({} when it has none yet); None for another backend."""
    path = local_state_file(config, stack_dir)
    if path is None:
        return None
    return json.loads(path.read_text()) if path.exists() and path.stat().st_size else {}


def check(stack_name: str, config: dict, env: dict[str, str], state: Callable[[], Optional[dict]]) -> None:
    """OriginMismatch, naming both Codats and the way out, when `state()` records another Codat than the one the
    stack is configured for."""
    current = configured_origin(config, env)
    if current is None:
        return
    other = {address: origin for address, origin in recorded_origins(state() or {}).items() if origin != current}
    if not other:
        return
    recorded = sorted(set(other.values()))
    raise OriginMismatch(
        f"stack {stack_name!r}: its state belongs to {' and '.join(recorded)}, but the stack now points at {current} "
        f"({', '.join(sorted(other))}). Nothing was sent to either. To go on, point the stack back at "
        f"{recorded[0]} (CODAT_BASE_URL or the environment's base_url), or give {current} a state of its own (another "
        "stack name or CODAT_IAC_STATE). If the objects really moved, remove them from this state (`terraform state "
        "rm`) and import them again."
    )


def check_folder(folder: Path, env: dict[str, str], name: Optional[str] = None) -> None:
    """`check` for the synthesized stack in `folder` (nothing when it holds none): its state read from its local
    file, or with `terraform state pull` from another backend."""
    folder = folder.resolve()
    if not (folder / "cdk.tf.json").is_file():
        return
    config = json.loads((folder / "cdk.tf.json").read_text())

    def state() -> Optional[dict]:
        found = local_state(config, folder)
        if found is not None:
            return found
        from codat_iac import pipeline  # only for a remote backend: Terraform reads it

        done = pipeline.run_initialized(["state", "pull"], folder, env)
        return json.loads(done.stdout) if done.returncode == 0 and done.stdout.strip() else {}

    check(name or folder.name, config, env, state)
