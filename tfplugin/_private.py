"""A managed resource instance's private state, as the layer keeps it: the JSON object
``{"origin": ..., "resource": {...}}`` (docs/tfplugin.md: "Origin", "A resource's own private data").

Terraform keeps those bytes per instance and never shows them. Private state of another format is left alone."""
from __future__ import annotations

from . import values as V

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


ORIGIN_KEY = "origin"  # the key of the layer's entry in each managed resource's private state (JSON)
RESOURCE_KEY = "resource"  # the key under which the resource's own private data (PlanRequest.private) is kept


def private_object(private: bytes) -> dict[str, Any] | None:
    """The resource's private state as the JSON object the layer keeps there; None when it holds something else."""
    if not private:
        return {}
    try:
        obj = V.load_json(private, parse_float=float)  # bounded like every value Terraform sends
    except ValueError:
        return None
    return obj if isinstance(obj, dict) else None


def recorded_origin(private: bytes) -> str | None:
    obj = private_object(private)
    origin = obj.get(ORIGIN_KEY) if obj else None
    return origin if isinstance(origin, str) else None


def with_origin(private: bytes, origin: str | None) -> bytes:
    """``private`` recording ``origin``; other keys kept, and private state of another format left alone."""
    obj = private_object(private)
    if origin is None or obj is None or obj.get(ORIGIN_KEY) == origin:
        return private
    obj[ORIGIN_KEY] = origin
    import json
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()


def resource_private(private: bytes) -> dict[str, Any]:
    """The resource's own private data (PlanRequest.private): {} when none, or when the bytes are not the
    layer's JSON object."""
    obj = private_object(private)
    own = obj.get(RESOURCE_KEY) if obj else None
    return dict(own) if isinstance(own, dict) else {}


def with_resource_private(private: bytes, own: dict[str, Any]) -> bytes:
    """``private`` holding ``own`` as the resource's data (none when empty); the layer's keys kept, and private
    state of another format left alone."""
    obj = private_object(private)
    if obj is None or obj.get(RESOURCE_KEY, {}) == own:
        return private
    if own:
        obj[RESOURCE_KEY] = own
    else:
        obj.pop(RESOURCE_KEY, None)
    import json
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode() if obj else b""
