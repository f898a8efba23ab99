"""The data sources: read Codat, never write it.

`codat_client` is imported inside `read`, so Terraform's schema and validate starts of the provider
skip loading httpx and pydantic.
"""

from __future__ import annotations

from codat_provider.data_sources.expand import integrations_query
from codat_provider.data_sources.flatten import (
    flatten_branding,
    flatten_integration,
    flatten_integration_list,
    flatten_usage,
)
from codat_provider.data_sources.schema import CONNECTION_USAGE, INTEGRATION, INTEGRATION_BRANDING, INTEGRATIONS
from codat_provider.data_sources.validate import validate_filters
from codat_provider.platforms import check_platform_key, get_integration
from codat_provider.reporting import reported
from tfplugin import DataSource, Diagnostics, ProviderError

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing on every provider start
if TYPE_CHECKING:
    from codat_provider.provider import CodatProvider


class IntegrationDataSource(DataSource):
    provider: CodatProvider  # the instance for this connection: its client, caches and stop state
    type_name = "codat_integration"
    schema = INTEGRATION

    def validate(self, config: dict, diags: Diagnostics) -> None:
        check_platform_key(config.get("platform_key"), diags)

    def read(self, config: dict, diags: Diagnostics) -> dict:
        with reported("read the Codat integration"):
            return flatten_integration(get_integration(self.provider.client, config["platform_key"]))


class IntegrationsDataSource(DataSource):
    provider: CodatProvider  # the instance for this connection: its client, caches and stop state
    type_name = "codat_integrations"
    schema = INTEGRATIONS

    def validate(self, config: dict, diags: Diagnostics) -> None:
        validate_filters(config, diags)

    def read(self, config: dict, diags: Diagnostics) -> dict:
        # Filtered by Codat (its `query` language), not here: the answer is only what matches.
        from codat_client import BadRequestError

        query = integrations_query(config.get("source_type"), config.get("enabled"))
        with reported("list the Codat integrations"):
            try:
                found = list(self.provider.client.list_integrations(query=query))
            except BadRequestError as exc:
                raise ProviderError(
                    "Codat rejected the integrations filter",
                    f"{exc} Check source_type (one word, e.g. Accounting).",
                    path=("source_type",) if config.get("source_type") is not None else ("enabled",),
                ) from exc
        return {"integrations": flatten_integration_list(found)}


class ConnectionUsageDataSource(DataSource):
    provider: CodatProvider  # the instance for this connection: its client, caches and stop state
    type_name = "codat_connection_usage"
    schema = CONNECTION_USAGE

    def validate(self, config: dict, diags: Diagnostics) -> None:
        check_platform_key(config.get("platform_key"), diags)

    def read(self, config: dict, diags: Diagnostics) -> dict:
        key = config["platform_key"]
        client = self.provider.client
        with reported("count the Codat connections"):
            # A misspelt key would count zero and let a connection-cap check pass: make it an error instead.
            get_integration(client, key)
            return flatten_usage(client.connection_usage().get(key))


class IntegrationBrandingDataSource(DataSource):
    provider: CodatProvider  # the instance for this connection: its client, caches and stop state
    type_name = "codat_integration_branding"
    schema = INTEGRATION_BRANDING

    def validate(self, config: dict, diags: Diagnostics) -> None:
        check_platform_key(config.get("platform_key"), diags)

    def read(self, config: dict, diags: Diagnostics) -> dict:
        key = config["platform_key"]
        with reported("read the Codat integration's branding"):
            get_integration(self.provider.client, key)  # an unknown key: a clean error on platform_key
            return flatten_branding(self.provider.client.get_branding(key))
