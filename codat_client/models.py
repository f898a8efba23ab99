"""Typed views of Codat's JSON. snake_case attributes, camelCase aliases, unknown fields ignored
(the live API sends fields its spec lacks), enum-like fields that keep values they do not know."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel


class CodatModel(BaseModel):
    # defer_build: schemas are built on first use, not at import (the provider starts ~3 times per plan).
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", defer_build=True
    )


def _null_as(empty: Callable[[], Any]) -> BeforeValidator:
    """Codat marks several fields nullable; to a caller an absent value and a null one mean the same."""
    return BeforeValidator(lambda value: empty() if value is None else value)


StrList = Annotated[list[str], _null_as(list)]


class SourceType(StrEnum):
    ACCOUNTING = "Accounting"
    BANKING = "Banking"
    BANK_FEED = "BankFeed"
    COMMERCE = "Commerce"
    EXPENSE = "Expense"
    OTHER = "Other"
    UNKNOWN = "Unknown"


class ConnectionStatus(StrEnum):
    PENDING_AUTH = "PendingAuth"
    LINKED = "Linked"
    UNLINKED = "Unlinked"
    DEAUTHORIZED = "Deauthorized"


# A value Codat adds later stays a plain str instead of failing the whole answer.
OpenSourceType = Annotated[SourceType | str, Field(union_mode="left_to_right")]
OpenConnectionStatus = Annotated[ConnectionStatus | str, Field(union_mode="left_to_right")]


class SupportedFeature(CodatModel):
    feature_type: str
    feature_state: str


class DatatypeFeature(CodatModel):
    # Every real sample says "datatype"; one spec line says "dataType".
    datatype: str = Field(alias="datatype", validation_alias=AliasChoices("datatype", "dataType"))
    supported_features: Annotated[list[SupportedFeature], _null_as(list)] = []


class Integration(CodatModel):
    key: str
    name: str
    enabled: bool
    logo_url: str | None = None
    source_id: str | None = None
    source_type: OpenSourceType | None = None
    integration_id: str | None = None
    is_offline_connector: bool | None = None
    is_beta: bool | None = None
    data_provided_by: str | None = None
    datatype_features: Annotated[list[DatatypeFeature], _null_as(list)] = []
    # Live-only fields, absent from the spec: shape not documented, so both shapes seen in the wild are kept.
    supported_environments: str | list[str] | None = None
    linked_connections_count: int | None = None
    total_connections_count: int | None = None


class ImageReference(CodatModel):
    src: str | None = None
    alt: str | None = None


class BrandingImage(CodatModel):
    image: ImageReference | None = None


class BrandingLogo(CodatModel):
    full: BrandingImage | None = None
    square: BrandingImage | None = None


class BrandingButton(CodatModel):
    default: BrandingImage | None = None
    hover: BrandingImage | None = None


class Branding(CodatModel):
    logo: BrandingLogo | None = None
    button: BrandingButton | None = None
    source_id: str | None = None


class Profile(CodatModel):
    """The account's profile.

    PUT /profile replaces the whole object, so fields this model does not name (Codat's deprecated
    ``confirmCompanyName``, or any it adds later) are kept and sent back unchanged. The one exception is
    the deprecated ``apiKey`` Codat still sends here: it is dropped, so the key never sits in a model,
    its repr, or a PUT body."""

    model_config = ConfigDict(**{**CodatModel.model_config, "extra": "allow"})

    @model_validator(mode="before")
    @classmethod
    def _drop_api_key(cls, data: Any) -> Any:
        return {k: v for k, v in data.items() if k != "apiKey"} if isinstance(data, dict) else data

    name: str
    redirect_url: str
    logo_url: str | None = None
    icon_url: str | None = None
    white_list_urls: StrList = []


class _KeepsUnknownFields(CodatModel):
    """A part of an object Codat replaces whole on write: fields this model does not name (ones Codat adds
    later) are kept and sent back unchanged, as `Profile` does."""

    model_config = ConfigDict(**{**CodatModel.model_config, "extra": "allow"})


class SyncSetting(_KeepsUnknownFields):
    """How often, and how much history, Codat fetches for one data type."""

    data_type: str
    fetch_on_first_link: bool
    sync_schedule: int  # hours: 0 none, 1 hourly, 24 daily, 168 weekly, 720 monthly (the Portal's choices)
    sync_order: int
    # Codat answers it in UTC (`2024-01-01` comes back as `2024-01-01T00:00:00Z`): compare moments, not text.
    sync_from_utc: datetime | None = None
    sync_from_window: int | None = None  # months
    months_to_sync: int | None = None  # months; financial statements only
    is_locked: bool | None = None


class SyncSettings(_KeepsUnknownFields):
    """The instance's sync settings. POST /profile/syncSettings replaces the whole object: data types left
    out of `settings` are gone, so change it read-modify-write. `client_id` is the instance's own (the POST
    must carry the one GET answers); it is not a secret."""

    client_id: str
    settings: Annotated[list[SyncSetting], _null_as(list)] = []
    overrides_defaults: bool = False


class AllowedOrigins(CodatModel):
    allowed_origins: StrList = []


class SupplementalDataSource(CodatModel):
    """One named source configuration: the platform endpoint and the extra properties to pull and push
    (your name -> the platform's property name)."""

    data_source: str | None = None
    pull_data: dict[str, str] | None = None
    push_data: dict[str, str] | None = None


class SupplementalDataConfiguration(CodatModel):
    supplemental_data_config: Annotated[dict[str, SupplementalDataSource], _null_as(dict)] = {}


class CustomDataTypeConfiguration(CodatModel):
    """A custom data type of one platform: where its records come from and how they are keyed. Codat does
    not check the values against the platform."""

    data_source: str | None = None
    required_data: Annotated[dict[str, str], _null_as(dict)] = {}
    key_by: StrList = []
    source_modified_date: list[str] | None = None


class WebhookConsumer(CodatModel):
    id: str
    url: str
    disabled: Annotated[bool, _null_as(bool)] = False
    event_types: StrList = []
    company_tags: StrList = []


class Connection(CodatModel):
    id: str
    integration_key: str | None = None
    integration_id: str | None = None
    source_id: str | None = None
    source_type: OpenSourceType | None = None
    platform_name: str | None = None
    link_url: str | None = None
    status: OpenConnectionStatus | None = None
    last_sync: datetime | None = None
    created: datetime | None = None


class Company(CodatModel):
    id: str
    name: str | None = None
    description: str | None = None
    redirect: str | None = None
    last_sync: datetime | None = None
    created: datetime | None = None
    created_by_user_name: str | None = None
    products: StrList = []
    tags: Annotated[dict[str, str], _null_as(dict)] = {}
    data_connections: Annotated[list[Connection], _null_as(list)] = []


class ConnectionUsage(CodatModel):
    """Connections to one platform over all companies, by status (Xero caps uncertified apps by count)."""

    linked: int = 0
    pending: int = 0  # PendingAuth
    unlinked: int = 0
    deauthorized: int = 0
    other: int = 0

    @property
    def total(self) -> int:
        return self.linked + self.pending + self.unlinked + self.deauthorized + self.other


class HalRef(CodatModel):
    href: str | None = None


class PageLinks(CodatModel):
    next: HalRef | None = None


T = TypeVar("T")


class Page(CodatModel, Generic[T]):
    """One page of a paged list; the paging fields are optional so a bare ``{results}`` reads too."""

    results: Annotated[list[T], _null_as(list)] = []
    page_number: int | None = None
    page_size: int | None = None
    total_results: int | None = None
    links: PageLinks | None = Field(default=None, alias="_links")
