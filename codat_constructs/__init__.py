"""CDKTF constructs for Codat integrations: validated at synth, secrets only as sensitive variables.

The package is not called `constructs` because that name would shadow the `constructs` library that
cdktf itself imports.
"""

from codat_constructs.accounting import ACCOUNTING_PLATFORMS, CodatAccountingIntegration, CodatIntegrationConfigError
from codat_constructs.bindings import CodatIntegration, CodatProvider
from codat_constructs.runbook import RUNBOOK_FILE
from codat_constructs.secret import Secret
from codat_constructs.xero import XERO_PLATFORM_KEY, CodatXeroIntegration
from codat_constructs.xero_app import (
    CODAT_XERO_REDIRECT_URI,
    XeroApp,
    XeroAppConfigError,
    XeroIntegrationType,
    XeroTier,
)

__all__ = [
    "ACCOUNTING_PLATFORMS",
    "CODAT_XERO_REDIRECT_URI",
    "CodatAccountingIntegration",
    "CodatIntegration",
    "CodatIntegrationConfigError",
    "CodatProvider",
    "CodatXeroIntegration",
    "RUNBOOK_FILE",
    "Secret",
    "XERO_PLATFORM_KEY",
    "XeroApp",
    "XeroAppConfigError",
    "XeroIntegrationType",
    "XeroTier",
]
