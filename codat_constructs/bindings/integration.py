"""The `codat_integration` resource."""

from __future__ import annotations

from typing import Optional, Sequence, Union

import cdktf
from constructs import Construct

from codat_constructs.bindings._base import AttributeTable, synthesized_by_table

ATTRIBUTES = {
    "platform_key": "string",
    "client_id": "string",
    "client_secret_wo": "string",
    "client_secret_wo_version": "number",
    "enabled": "boolean",
    "on_destroy": "string",
    "force": "boolean",
}


@synthesized_by_table
class CodatIntegration(cdktf.TerraformResource):
    """`codat_integration`: credentials and the enabled switch of one Codat integration."""

    TF_RESOURCE_TYPE = "codat_integration"

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        platform_key: str,
        client_id: Optional[str] = None,
        client_secret_wo: Optional[str] = None,
        client_secret_wo_version: Optional[Union[int, float]] = None,
        enabled: Optional[Union[bool, cdktf.IResolvable]] = None,
        on_destroy: Optional[str] = None,
        force: Optional[Union[bool, cdktf.IResolvable]] = None,
        provider: Optional[cdktf.TerraformProvider] = None,
        depends_on: Optional[Sequence[cdktf.ITerraformDependable]] = None,
        lifecycle: Optional[cdktf.TerraformResourceLifecycle] = None,
    ) -> None:
        super().__init__(
            scope,
            id,
            terraform_resource_type=self.TF_RESOURCE_TYPE,
            terraform_generator_metadata=cdktf.TerraformProviderGeneratorMetadata(provider_name="codat"),
            provider=provider,
            depends_on=depends_on,
            lifecycle=lifecycle,
        )
        self._table = AttributeTable(
            ATTRIBUTES,
            {
                "platform_key": platform_key,
                "client_id": client_id,
                "client_secret_wo": client_secret_wo,
                "client_secret_wo_version": client_secret_wo_version,
                "enabled": enabled,
                "on_destroy": on_destroy,
                "force": force,
            },
        )

    @property
    def enabled(self) -> cdktf.IResolvable:
        return self.get_boolean_attribute("enabled")

    @property
    def name(self) -> str:
        return self.get_string_attribute("name")
