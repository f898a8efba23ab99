"""Schema of `codat_custom_data_type` (kept apart from the CRUD code so the schema start stays light)."""

from tfplugin import Attribute, Schema, types

DESCRIPTION = """\
A custom data type: records Codat reads from a platform endpoint that its standard data model does not cover \
(e.g. Xero's purchase orders with your own fields), keyed by the properties you name. One resource per \
platform key and identifier; Codat's PUT creates or replaces the whole configuration, which this resource \
owns: a change made in the Portal shows as drift on the attribute. Creating it over an existing one adopts it \
(a warning says so).

Codat's API cannot delete a custom data type: destroy only removes it from Terraform state, with a warning, \
and Codat keeps reading it until it is removed in the Portal. Codat does not check endpoints and property \
paths against the platform; neither does this.

Import with `<platform_key>/<identifier>`, e.g. `terraform import codat_custom_data_type.xero_po \
gbol/purchaseOrders`.
"""

SCHEMA = Schema(
    version=0,
    description=DESCRIPTION,
    attributes=[
        Attribute("id", types.String, computed=True,
                  description="`<platform_key>/<identifier>`, e.g. `gbol/purchaseOrders`."),
        Attribute(
            "platform_key",
            types.String,
            required=True,
            requires_replace=True,
            description="Codat's four-letter platform key, e.g. `gbol` for Xero.",
        ),
        Attribute(
            "identifier",
            types.String,
            required=True,
            requires_replace=True,
            description="The custom data type's name in Codat (`customDataIdentifier`): 1 to 64 letters, digits, "
            "`-` or `_`, case-sensitive, e.g. `purchaseOrders`.",
        ),
        Attribute(
            "data_source",
            types.String,
            required=True,
            description="The platform endpoint to read, e.g. `/api.xro/2.0/PurchaseOrders` (Xero).",
        ),
        Attribute(
            "key_by",
            types.List(types.String),
            required=True,
            description="Property paths that identify a record uniquely, e.g. `[\"$.PurchaseOrderID\"]`.",
        ),
        Attribute(
            "required_data",
            types.Map(types.String),
            optional=True,
            description="Properties to fetch: your name -> the platform's property path, e.g. "
            "`{ number = \"$.PurchaseOrderNumber\" }` (no nested objects or lists).",
        ),
        Attribute(
            "source_modified_date",
            types.List(types.String),
            optional=True,
            description="Property paths holding when a record was last modified on the platform, e.g. "
            "`[\"$.UpdatedDateUTC\"]`.",
        ),
    ],
)
