"""The `codat` provider block."""

from __future__ import annotations

from typing import Optional

import cdktf
from constructs import Construct

from codat_constructs.bindings._base import AttributeTable, synthesized_by_table

SOURCE = "codat.local/codat/codat"
VERSION = "0.1.0"


@synthesized_by_table
class CodatProvider(cdktf.TerraformProvider):
    """Configures the Codat provider. Leave `api_key` unset so it comes from CODAT_API_KEY at run time."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        base_url: Optional[str] = None,
        api_key: Optional[str] = None,
        alias: Optional[str] = None,
    ) -> None:
        super().__init__(
            scope,
            id,
            terraform_resource_type="codat",
            terraform_generator_metadata=cdktf.TerraformProviderGeneratorMetadata(
                provider_name="codat", provider_version=VERSION
            ),
            terraform_provider_source=SOURCE,
        )
        self._table = AttributeTable(
            {"base_url": "string", "api_key": "string"}, {"base_url": base_url, "api_key": api_key}
        )
        if alias is not None:
            self.alias = alias  # a meta-argument: cdktf renders it and resources refer to codat.<alias>
