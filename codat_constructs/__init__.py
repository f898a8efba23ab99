"""CDKTF constructs for Codat integrations: validated at synth, secrets only as sensitive variables.

The package is not called `constructs` because that name would shadow the `constructs` library that
cdktf itself imports.

They run on CDKTF or, with `CODAT_IAC_CDK=cdktn`, on CDK Terrain (`codat_constructs/_cdk.py`). An app takes
`App` and `TerraformStack` from here rather than from `cdktf`, so it moves between the two unchanged.

- L2 constructs: `XeroApp`, `CodatXeroIntegration`, `CodatAccountingIntegration`, `ConnectionCapGuard`.
- Instance configuration: `SyncSettings` (with `SyncSetting` per data type) and `CorsOrigins`, one each per
  Codat instance; `SupplementalDataSource` and `CustomDataType` for the integration constructs'
  `supplemental_data` and `custom_data_types` props.
- L1 bindings generated from the provider's schema (`codat_constructs.bindings`, regenerate with
  `scripts/generate_bindings.py`): `CodatProvider`, `CodatIntegration`, `CodatWebhook`, `CodatProfile`,
  `CodatSyncSettings`, `CodatCorsOrigins`, `CodatSupplementalData`, `CodatCustomDataType`,
  `DataCodatIntegration`, `DataCodatIntegrations`, `DataCodatConnectionUsage`, `DataCodatIntegrationBranding`.
- Environments: `load_environments` and `CodatEnvironmentStack`, one stack per Codat instance.

Every string given to them is text, written so that Terraform reads it back exactly (never as `${...}`);
Terraform syntax is a `TerraformExpression` (`Secret.token`, a binding's attributes, `template(...)`).
See docs/configuration.md, "Text stays text".
"""

from codat_constructs._cdk import CDK_NAME, cdk
from codat_constructs.accounting import ACCOUNTING_PLATFORMS, CodatAccountingIntegration, CodatIntegrationConfigError
from codat_constructs.bindings import (
    CodatCorsOrigins,
    CodatCustomDataType,
    CodatIntegration,
    CodatProfile,
    CodatProvider,
    CodatSupplementalData,
    CodatSyncSettings,
    CodatWebhook,
    DataCodatConnectionUsage,
    DataCodatIntegration,
    DataCodatIntegrationBranding,
    DataCodatIntegrations,
)
from codat_constructs.bindings._base import LiteralValueError, TerraformExpression, template
from codat_constructs.check import CheckAssertion, TerraformCheck
from codat_constructs.configuration import (
    CodatConfigurationError,
    CorsOrigins,
    CustomDataType,
    SupplementalDataSource,
    SyncSetting,
    SyncSettings,
)
from codat_constructs.environments import (
    ENVIRONMENTS_ENV,
    CodatEnvironmentStack,
    Environment,
    EnvironmentConfigError,
    load_environments,
)
from codat_constructs.guard import CapWording, ConnectionCapGuard
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

#: The chosen CDK's app and stack classes (cdktf.App or cdktn.App, ...): what a user's main.py subclasses.
App = cdk.App
TerraformStack = cdk.TerraformStack

__all__ = [
    "ACCOUNTING_PLATFORMS",
    "App",
    "CDK_NAME",
    "CODAT_XERO_REDIRECT_URI",
    "ENVIRONMENTS_ENV",
    "CapWording",
    "CheckAssertion",
    "CodatAccountingIntegration",
    "CodatConfigurationError",
    "CodatCorsOrigins",
    "CodatCustomDataType",
    "CodatEnvironmentStack",
    "CodatIntegration",
    "CodatIntegrationConfigError",
    "CodatProfile",
    "CodatProvider",
    "CodatSupplementalData",
    "CodatSyncSettings",
    "CodatWebhook",
    "CodatXeroIntegration",
    "ConnectionCapGuard",
    "CorsOrigins",
    "CustomDataType",
    "DataCodatConnectionUsage",
    "DataCodatIntegration",
    "DataCodatIntegrationBranding",
    "DataCodatIntegrations",
    "Environment",
    "EnvironmentConfigError",
    "LiteralValueError",
    "RUNBOOK_FILE",
    "Secret",
    "SupplementalDataSource",
    "SyncSetting",
    "SyncSettings",
    "TerraformCheck",
    "TerraformExpression",
    "TerraformStack",
    "XERO_PLATFORM_KEY",
    "XeroApp",
    "XeroAppConfigError",
    "XeroIntegrationType",
    "XeroTier",
    "load_environments",
    "template",
]
