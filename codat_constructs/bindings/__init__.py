"""L1 bindings: one class per block of the `codat` provider's schema, attribute for attribute."""

from codat_constructs.bindings.integration import CodatIntegration
from codat_constructs.bindings.provider import CodatProvider

__all__ = ["CodatIntegration", "CodatProvider"]
