"""Schema of `codat_sync_settings` (kept apart from the CRUD code so the schema start stays light)."""

from tfplugin import Attribute, NestedAttributes, Schema, types

SYNC_SETTINGS_ID = "sync_settings"
IMPORT_ALL = "all"

DESCRIPTION = """\
The Codat instance's sync settings: for each data type, how often Codat fetches it, whether it is fetched when \
a company first links, its place in the queue and how much history is fetched. There is exactly one sync \
settings object per Codat instance: creating this resource adopts it (a warning says so). Declare it once per \
instance.

**Merge, not ownership.** Codat's POST replaces the whole object, and it holds a setting for every one of its \
43 data types. This resource manages only the data types listed in `data_types`: apply reads Codat's settings, \
changes the declared data types and writes everything else back as Codat had it. Data types you do not list \
keep their settings and are not checked for drift; a listed data type changed in the Portal shows as drift on \
the attribute that changed (e.g. `data_types["invoices"].sync_schedule`). Removing a data type from \
`data_types` stops managing it and leaves its setting in Codat as it is. Codat has no ETag: a Portal edit \
landing between apply's read and its write is lost (one round trip).

Within a declared data type, `fetch_on_first_link`, `sync_schedule`, `sync_order`, `months_to_sync` and \
`is_locked` keep Codat's value when left out. How far back to fetch is yours: `sync_from_utc` or \
`sync_from_window` (at most one), and neither means all history.

Destroy follows `on_destroy`: `keep` (default) leaves Codat's settings as they are; `reset` puts the declared \
data types back to Codat's defaults (no scheduled sync; fetched on first link except banking and commerce \
data types; 24 months of the financial statements, all history of the rest). Other data types and \
`overrides_defaults` stay as they are either way.

Import: the ID is `all` (manage every data type Codat holds) or a comma-separated list of data types, e.g. \
`invoices,bills`. State then holds Codat's values; write `sync_from_utc` as Codat answers it \
(`2024-01-01T00:00:00Z`), and `overrides_defaults = false` if Codat holds `false` and it should stay so, to \
make the first plan empty.
"""

SETTING = NestedAttributes(
    [
        Attribute(
            "sync_schedule",
            types.Number,
            optional=True,
            computed=True,
            description="How often Codat fetches the data type, in hours: `0` (none, Codat's default), `1` "
            "(hourly), `24` (daily), `168` (weekly) or `720` (monthly), the Portal's choices. Left out: "
            "Codat's value is kept.",
        ),
        Attribute(
            "fetch_on_first_link",
            types.Bool,
            optional=True,
            computed=True,
            description="Whether Codat fetches the data type when a company first links. Left out: Codat's "
            "value is kept.",
        ),
        Attribute(
            "sync_order",
            types.Number,
            optional=True,
            computed=True,
            description="The data type's place in the fetch queue (0 first). Left out: Codat's value is kept; "
            "a data type Codat does not list yet goes last.",
        ),
        Attribute(
            "sync_from_utc",
            types.String,
            optional=True,
            description="Fetch records from this date: ISO 8601, e.g. `2024-01-01` or `2024-01-01T00:00:00Z` "
            "(no offset means UTC). Codat answers it in UTC; the same moment written another way is not "
            "drift. Not with `sync_from_window`, and not for the financial statements.",
        ),
        Attribute(
            "sync_from_window",
            types.Number,
            optional=True,
            description="Fetch this many months back (1 or more). Not with `sync_from_utc`, and not for the "
            "financial statements. Neither set: all history.",
        ),
        Attribute(
            "months_to_sync",
            types.Number,
            optional=True,
            computed=True,
            description="Months of a financial statement (`balanceSheet`, `profitAndLoss`, "
            "`cashFlowStatement`) to fetch; Codat's default is 24. Only for those. Left out: Codat's value is "
            "kept.",
        ),
        Attribute(
            "is_locked",
            types.Bool,
            optional=True,
            computed=True,
            description="Codat's `isLocked` flag for the setting. Left out: Codat's value is kept.",
        ),
    ],
    nesting="map",
)

SCHEMA = Schema(
    version=0,
    description=DESCRIPTION,
    attributes=[
        Attribute("id", types.String, computed=True, description=f"Always `{SYNC_SETTINGS_ID}`."),
        Attribute(
            "data_types",
            SETTING,
            required=True,
            description="The data types this resource manages, keyed by Codat's data type name (case-sensitive, "
            "e.g. `invoices`, `balanceSheet`, `\"banking-accounts\"`). An unknown name is an error that "
            "suggests the closest one. `{}` manages none (only `overrides_defaults`).",
        ),
        Attribute(
            "overrides_defaults",
            types.Bool,
            optional=True,
            computed=True,
            default=True,
            description="Codat's `overridesDefaults`: whether these settings override Codat's defaults; `true` "
            "makes the declared settings take effect.",
        ),
        Attribute(
            "on_destroy",
            types.String,
            optional=True,
            computed=True,
            default="keep",
            description="What destroy does: `keep` (default: leave Codat's settings as they are) or `reset` "
            "(put the declared data types back to Codat's defaults). Destroy uses the value in state: apply a "
            "change before destroying.",
        ),
    ],
)
