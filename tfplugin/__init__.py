"""tfplugin: a small Terraform plugin protocol 6 layer (knows nothing of any one provider).

    from tfplugin import (Provider, Resource, DataSource, Schema, Attribute, Block,
                          NestedAttributes, types, Diagnostics, ProviderError, UNKNOWN,
                          PlanRequest, serve)

Start-up time matters (Terraform starts a provider ~3 times per plan), so names are
loaded on first use (PEP 562): ``serve`` can print the handshake line before the
rest of the layer, or the provider's own modules, are imported.
"""
from __future__ import annotations

__all__ = ["Provider", "Resource", "DataSource", "Schema", "Attribute", "Block", "NestedAttributes",
           "types", "Diagnostic", "Diagnostics", "ProviderError", "UNKNOWN", "PlanRequest", "Imported", "serve",
           "is_known", "is_fully_known", "set_scrubber", "differences_from_plan"]

__version__ = "0.1.0"

TYPE_CHECKING = False
if TYPE_CHECKING:  # what a type checker sees of the names loaded on first use
    from collections.abc import Callable
    from typing import Any

    from . import types
    from ._conform import differences_from_plan
    from ._scrub import set_scrubber
    from .diagnostics import Diagnostic, Diagnostics, ProviderError
    from .provider import DataSource, Imported, PlanRequest, Provider, Resource
    from .schema import Attribute, Block, NestedAttributes, Schema
    from .values import UNKNOWN, is_fully_known, is_known

_LAZY = {
    "Provider": "provider", "Resource": "provider", "DataSource": "provider", "PlanRequest": "provider",
    "Imported": "provider",
    "Schema": "schema", "Attribute": "schema", "Block": "schema", "NestedAttributes": "schema",
    "Diagnostic": "diagnostics", "Diagnostics": "diagnostics", "ProviderError": "diagnostics",
    "UNKNOWN": "values", "is_known": "values", "is_fully_known": "values", "set_scrubber": "_scrub",
    "differences_from_plan": "_conform",
}


def __getattr__(name: str) -> Any:
    import sys
    if name == "types":
        __import__(f"{__name__}.types")
        return sys.modules[f"{__name__}.types"]
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'tfplugin' has no attribute {name!r}")
    __import__(f"{__name__}.{mod}")
    value = getattr(sys.modules[f"{__name__}.{mod}"], name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)


def serve(provider_factory: Callable[[], Provider], *, name: str = "codat", address: str | None = None) -> None:
    """Run the provider executable: go-plugin handshake, gRPC server, shutdown, --debug.

    ``provider_factory`` builds the Provider; it is called once, right after the
    handshake line is printed, so a factory that imports the provider's modules
    inside itself keeps them off the start path. ``name`` is used in messages and
    logs. ``address`` is the provider source address printed by ``--debug``
    (default: $TF_PROVIDER_ADDRESS, else ``registry.terraform.io/hashicorp/<name>``).
    Never returns.
    """
    from .server import serve as _serve
    _serve(provider_factory, name=name, address=address)
