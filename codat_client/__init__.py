"""A thin, typed, resilient client for the Codat API (httpx + pydantic).

It imports nothing else of this project. See docs/client.md.
"""

from ._errors import (
    AuthenticationError,
    BadRequestError,
    CodatError,
    ConflictError,
    LegacyEndpointUnavailableError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    StoppedError,
    TransportError,
    UnexpectedResponseError,
)
from ._credentials import MaskedCredentials
from ._limiter import RateLimiter
from ._retry import RetryPolicy
from ._secrets import scrub
from .client import DEFAULT_BASE_URL, CodatClient, __version__
from .models import (
    AllowedOrigins,
    Branding,
    Company,
    Connection,
    ConnectionStatus,
    ConnectionUsage,
    CustomDataTypeConfiguration,
    DatatypeFeature,
    Integration,
    Profile,
    SourceType,
    SupplementalDataConfiguration,
    SupplementalDataSource,
    SupportedFeature,
    SyncSetting,
    SyncSettings,
    WebhookConsumer,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "AllowedOrigins",
    "AuthenticationError",
    "BadRequestError",
    "Branding",
    "CodatClient",
    "CodatError",
    "Company",
    "ConflictError",
    "Connection",
    "ConnectionStatus",
    "ConnectionUsage",
    "CustomDataTypeConfiguration",
    "DatatypeFeature",
    "Integration",
    "LegacyEndpointUnavailableError",
    "MaskedCredentials",
    "NotFoundError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "Profile",
    "RateLimitError",
    "RateLimiter",
    "RetryPolicy",
    "ServerError",
    "SourceType",
    "StoppedError",
    "SupplementalDataConfiguration",
    "SupplementalDataSource",
    "SupportedFeature",
    "SyncSetting",
    "SyncSettings",
    "TransportError",
    "UnexpectedResponseError",
    "WebhookConsumer",
    "__version__",
    "scrub",
]
