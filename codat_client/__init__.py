"""A thin, typed, resilient client for the Codat API (httpx + pydantic).

Of this project it imports only ``codat_settings`` (standard library only): the base URL rule, how a URL is
shown in messages, and the one scrubber. Nothing of the provider, the constructs, cdktf or the emulator.
See docs/client.md.
"""

from ._bounds import Bounds
from ._credentials import MaskedCredentials
from ._errors import (
    AuthenticationError,
    BadRequestError,
    CodatError,
    ConflictError,
    DeadlineExceededError,
    LegacyEndpointUnavailableError,
    NotFoundError,
    PagingError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    ResponseTooLargeError,
    ServerError,
    StoppedError,
    TransportError,
    UnexpectedResponseError,
    WriteNotAcknowledgedError,
)
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
    "Bounds",
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
    "DeadlineExceededError",
    "Integration",
    "LegacyEndpointUnavailableError",
    "MaskedCredentials",
    "NotFoundError",
    "PagingError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "Profile",
    "RateLimitError",
    "RateLimiter",
    "ResponseTooLargeError",
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
    "WriteNotAcknowledgedError",
    "__version__",
    "scrub",
]
