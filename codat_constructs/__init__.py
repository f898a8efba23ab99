"""CDKTF constructs for Codat integrations: validated at synth, secrets only as sensitive variables.

The package is not called `constructs` because that name would shadow the `constructs` library that
cdktf itself imports.
"""

from codat_constructs.bindings import CodatIntegration, CodatProvider
from codat_constructs.secret import Secret
from codat_constructs.xero import CodatXeroIntegration

__all__ = ["CodatIntegration", "CodatProvider", "CodatXeroIntegration", "Secret"]
