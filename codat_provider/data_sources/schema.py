"""Schemas of the data sources (kept apart from the read code so schema and validate starts stay light)."""

from tfplugin import Attribute, NestedAttributes, Schema, types

# Codat's sourceType values known when this was written; Codat may add more (they only warn).
SOURCE_TYPES = ("Accounting", "Banking", "BankFeed", "Commerce", "Expense", "Other", "Unknown")

_PLATFORM_KEY = "Codat's four-letter platform key, e.g. `gbol` for Xero."

INTEGRATION = Schema(
    description="One Codat integration (platform), read by its platform key.",
    attributes=[
        Attribute("platform_key", types.String, required=True, description=_PLATFORM_KEY),
        Attribute("name", types.String, computed=True, description="The platform's name, e.g. `Xero`."),
        Attribute("enabled", types.Bool, computed=True, description="Whether the integration is switched on."),
        Attribute("source_type", types.String, computed=True, description="Codat's source type, e.g. `Accounting`."),
        Attribute("logo_url", types.String, computed=True, description="URL of the platform's logo."),
        Attribute("integration_id", types.String, computed=True, description="Codat's id of the integration."),
        Attribute("source_id", types.String, computed=True, description="Codat's id of the data source."),
        Attribute("is_beta", types.Bool, computed=True, description="Whether Codat marks the integration beta."),
        Attribute(
            "is_offline_connector",
            types.Bool,
            computed=True,
            description="Whether the platform connects through Codat's desktop connector (e.g. QuickBooks Desktop).",
        ),
    ],
)

INTEGRATIONS = Schema(
    description="Codat's integrations (platforms), optionally filtered, ordered by platform key.",
    attributes=[
        Attribute(
            "source_type",
            types.String,
            optional=True,
            description=f"Only integrations of this source type: one of {', '.join(SOURCE_TYPES)}.",
        ),
        Attribute(
            "enabled", types.Bool, optional=True, description="Only integrations switched on (`true`) or off (`false`)."
        ),
        Attribute(
            "integrations",
            NestedAttributes(
                [
                    Attribute("platform_key", types.String, computed=True, description=_PLATFORM_KEY),
                    Attribute("name", types.String, computed=True, description="The platform's name."),
                    Attribute("enabled", types.Bool, computed=True, description="Whether it is switched on."),
                    Attribute("source_type", types.String, computed=True, description="Codat's source type."),
                ],
                nesting="list",
            ),
            computed=True,
            description="The matching integrations, ordered by platform key.",
        ),
    ],
)

CONNECTION_USAGE = Schema(
    description="How many company connections use one platform, over all companies (e.g. to stay under "
    "Xero's connection cap for apps that are not certified).",
    attributes=[
        Attribute("platform_key", types.String, required=True, description=_PLATFORM_KEY),
        Attribute("linked", types.Number, computed=True, description="Connections with status `Linked`."),
        Attribute("pending", types.Number, computed=True, description="Connections with status `PendingAuth`."),
        Attribute(
            "total",
            types.Number,
            computed=True,
            description="All connections to the platform, whatever their status (Unlinked and Deauthorized too).",
        ),
    ],
)

# (attribute prefix, Codat's group, Codat's image, what it is)
BRANDING_IMAGES = (
    ("logo_full", "logo", "full", "the platform's full logo"),
    ("logo_square", "logo", "square", "the platform's square logo"),
    ("button_default", "button", "default", "the connect button"),
    ("button_hover", "button", "hover", "the connect button under the pointer"),
)

INTEGRATION_BRANDING = Schema(
    description="The logos and button images Codat's Link shows for one platform, read by its platform key "
    "(e.g. to show the same images in your own connection page).",
    attributes=[
        Attribute("platform_key", types.String, required=True, description=_PLATFORM_KEY),
        Attribute("source_id", types.String, computed=True, description="Codat's id of the data source."),
        *(
            attribute
            for prefix, _, _, what in BRANDING_IMAGES
            for attribute in (
                Attribute(f"{prefix}_src", types.String, computed=True, description=f"URL of {what}."),
                Attribute(f"{prefix}_alt", types.String, computed=True, description=f"Alternative text of {what}."),
            )
        ),
    ],
)
