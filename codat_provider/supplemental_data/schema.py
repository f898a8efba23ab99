"""Schema of `codat_supplemental_data` (kept apart from the CRUD code so the schema start stays light)."""

from codat_settings.configuration import SUPPLEMENTAL_DATA_TYPES
from tfplugin import Attribute, NestedAttributes, Schema, types

DESCRIPTION = f"""\
Supplemental data for one platform and data type: extra fields Codat reads from (and writes to) the platform \
on top of its standard data model, each named source configuration saying which platform endpoint and which \
properties. One resource per platform key and data type.

**Ownership.** Codat's PUT replaces the data type's whole configuration, and this resource owns it: a named \
configuration added in the Portal shows as drift and apply removes it. Creating the resource over an existing \
configuration adopts it (a warning names what was there). Destroy clears the configuration (Codat's API has \
no DELETE: it is written back empty).

Data types: {', '.join(f'`{d}`' for d in SUPPLEMENTAL_DATA_TYPES)} (the `commerce-*` ones only for commerce \
platforms). Codat does not check endpoints and property names against the platform; neither does this.

Import with `<platform_key>/<data_type>`, e.g. `terraform import codat_supplemental_data.xero_invoices \
gbol/invoices`.
"""

SOURCE = NestedAttributes(
    [
        Attribute(
            "data_source",
            types.String,
            required=True,
            description="The platform endpoint the extra fields come from, e.g. `/Invoices` (Xero).",
        ),
        Attribute(
            "pull_data",
            types.Map(types.String),
            optional=True,
            description="Properties to read: your name -> the platform's property name, e.g. "
            "`{ reference = \"Reference\" }`.",
        ),
        Attribute(
            "push_data",
            types.Map(types.String),
            optional=True,
            description="Properties to write when creating or updating records: your name -> the platform's "
            "property name.",
        ),
    ],
    nesting="map",
)

SCHEMA = Schema(
    version=0,
    description=DESCRIPTION,
    attributes=[
        Attribute("id", types.String, computed=True, description="`<platform_key>/<data_type>`, e.g. `gbol/invoices`."),
        Attribute(
            "platform_key",
            types.String,
            required=True,
            requires_replace=True,
            description="Codat's four-letter platform key, e.g. `gbol` for Xero.",
        ),
        Attribute(
            "data_type",
            types.String,
            required=True,
            requires_replace=True,
            description="The data type the fields are added to, e.g. `invoices` (case-sensitive; an unknown name "
            "is an error that suggests the closest one).",
        ),
        Attribute(
            "configurations",
            SOURCE,
            required=True,
            description="The named source configurations, keyed by your name for each (e.g. "
            "`\"invoice-extras\"`): every one Codat holds for this platform and data type. `{}` holds none.",
        ),
    ],
)
