"""The provider block: where Codat is and which API key opens it."""

from __future__ import annotations

import os
import threading

from codat_provider import VERSION
from codat_provider.cors_origins.resource import CorsOriginsResource
from codat_provider.custom_data_type.resource import CustomDataTypeResource
from codat_provider.data_sources.sources import (
    ConnectionUsageDataSource,
    IntegrationBrandingDataSource,
    IntegrationDataSource,
    IntegrationsDataSource,
)
from codat_provider.integration.resource import IntegrationResource
from codat_provider.profile.resource import ProfileResource
from codat_provider.secrets import process_secrets
from codat_provider.supplemental_data.resource import SupplementalDataResource
from codat_provider.sync_settings.resource import SyncSettingsResource
from codat_provider.webhook.resource import WebhookResource
from codat_settings import SettingError, base_url_origin, check_base_url
from tfplugin import UNKNOWN, Attribute, Diagnostics, Provider, ProviderError, Schema, types

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing on every provider start
if TYPE_CHECKING:
    from collections.abc import Iterable

    from codat_client import CodatClient

DEFAULT_BASE_URL = "https://api.codat.io"

PROVIDER_SCHEMA = Schema(
    description="Manages Codat through its API: integrations (credentials and the enabled switch), webhook "
    "consumers, the account profile, sync settings, CORS origins, supplemental data and custom data types; "
    "reads integrations, their branding and connection usage.",
    attributes=[
        Attribute(
            "base_url",
            types.String,
            optional=True,
            description=f"Codat API base URL. Falls back to CODAT_BASE_URL, then {DEFAULT_BASE_URL}. Each resource's "
            "state records the Codat it was applied to (this URL's scheme, host, port and path); refresh, plan and "
            "apply stop, naming both URLs, when the provider points at another Codat.",
        ),
        Attribute(
            "api_key",
            types.String,
            optional=True,
            sensitive=True,
            description="Codat API key, or the whole `Basic ...` header value the Portal shows. "
            "Falls back to CODAT_API_KEY. Prefer the environment variable so the key stays out of files.",
        ),
    ],
)


class CodatProvider(Provider):
    type_name = "codat"
    schema = PROVIDER_SCHEMA
    resources = [
        IntegrationResource,
        WebhookResource,
        ProfileResource,
        SyncSettingsResource,
        CorsOriginsResource,
        SupplementalDataResource,
        CustomDataTypeResource,
    ]
    data_sources = [
        IntegrationDataSource,
        IntegrationsDataSource,
        ConnectionUsageDataSource,
        IntegrationBrandingDataSource,
    ]

    def __init__(self) -> None:
        self.base_url = DEFAULT_BASE_URL
        self._lock = threading.Lock()
        self._client: CodatClient | None = None
        self._stopped = False
        # Built right after the handshake, before the first RPC: from here on everything this process hands
        # Terraform is scrubbed and screened for every secret it can know (codat_provider/secrets.py).
        self._secrets = process_secrets()

    def learn_secrets(self, values: Iterable[str]) -> None:
        """The provider block's api_key and the write-only values of resource configurations (tfplugin hands
        them over at validate, configure, plan and apply), held for the life of the process."""
        self._secrets.learn(values)

    def configure(self, config: dict, diags: Diagnostics) -> None:
        setting = "base_url" if config.get("base_url") else "CODAT_BASE_URL"
        base_url = config.get("base_url") or os.environ.get("CODAT_BASE_URL") or DEFAULT_BASE_URL
        api_key = config.get("api_key") or os.environ.get("CODAT_API_KEY")
        if base_url is UNKNOWN or api_key is UNKNOWN:
            diags.error(
                "Provider settings are not known until apply",
                "base_url and api_key must be known at plan time; set them from variables or the "
                "environment, not from other resources.",
            )
            return
        if not api_key:
            diags.error(
                "No Codat API key",
                "Set CODAT_API_KEY in the environment (or api_key in the provider block). "
                "Keys are in the Codat Portal under Developers > API keys.",
                path=("api_key",),
            )
            return
        try:
            checked = check_base_url(base_url, setting)
        except SettingError as problem:
            # A path makes Terraform quote the configuration line, which would show a key written into the
            # URL (user info, query) or pasted in its place: point at the line only when it holds no such thing.
            quotable = setting == "base_url" and "://" in base_url and not any(c in base_url for c in "@?#")
            diags.error("Unusable Codat base URL", str(problem), path=("base_url",) if quotable else None)
            return
        self._build_client(checked, api_key)

    def _build_client(self, base_url: str, api_key: str) -> None:
        """One client (so one rate limiter) for every RPC of this instance (its connection), built here, under the lock.

        Only ConfigureProvider gets here, and Terraform sends it only to the process that will call Codat,
        so the schema and validate starts never load httpx and pydantic. The client holds the key in every form
        it sends (the scrubber set in ``__init__`` then finds those too). The client shares its reads
        (``cache_reads``): an instance serves one connection, so one plan or one apply (a warm server gives each
        connection an instance of its own), so every resource and data source reading the same Codat object or
        list costs one request, and each write makes the next read ask Codat again.
        """
        from codat_client import CodatClient
        from codat_client._auth import Credential

        self.learn_secrets(Credential(api_key).secrets)  # the raw key behind a `Basic ...` value, and the header
        self._secrets.load()  # before the first request, and before the client scrubs its own errors
        with self._lock:
            if self._client is not None:
                self._client.close()
            self.base_url = base_url
            self._client = CodatClient(
                base_url=base_url,
                api_key=api_key,
                user_agent=f"terraform-provider-codat/{VERSION}",
                cache_reads=True,
            )
            if self._stopped:
                self._client.stop()

    def preload(self) -> None:
        """A warm server loads the client (httpx, pydantic: ~100 ms) while Terraform reads its configuration."""
        import codat_client  # noqa: F401
        from codat_client import _auth  # noqa: F401

        self._secrets.load()

    def close(self) -> None:
        """This instance's connection ended (a warm server goes on serving others): close its client."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def origin(self) -> str:
        """The Codat these resources live in, recorded in their state (tfplugin stops on a mismatch)."""
        return base_url_origin(self.base_url)

    @property
    def client(self) -> CodatClient:
        client = self._client
        if client is None:
            raise ProviderError(
                "The Codat provider is not configured",
                "Terraform called the provider before configuring it, or the provider configuration failed "
                "(see the error above).",
            )
        return client

    def stop(self) -> None:
        """Terraform was interrupted: every wait of the client ends now, and its calls raise StoppedError,
        which each resource reports with what it had already applied."""
        with self._lock:
            self._stopped = True
            client = self._client
        if client is not None:
            client.stop()
