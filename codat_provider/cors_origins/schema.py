"""Schema of `codat_cors_origins` (kept apart from the CRUD code so the schema start stays light)."""

from tfplugin import Attribute, Schema, types

CORS_ORIGINS_ID = "cors_origins"

DESCRIPTION = """\
The origins (your domains) allowed to call Codat from a browser: Codat's embedded UIs (Link SDK, Connections \
SDK) only work from pages served on one of them. There is exactly one list per Codat instance: creating this \
resource adopts it (a warning says so). Declare it once per instance.

**Ownership.** This resource owns the whole list: Codat's POST replaces it, and an origin someone allowed in \
the Portal is exactly what a review should see. An origin in Codat that is not declared shows as drift, and \
apply removes it; when creating this resource would remove origins Codat allows now, the plan warns and names \
them. The API path is `/corsSettings` (the older `/connectionManagement/corsSettings` holds the same list and \
is deprecated).

Destroy follows `on_destroy`: `keep` (default) leaves the list as it is, so live embeds keep working; `reset` \
empties it, Codat's default (no browser origin allowed).

Import with any ID, e.g. `terraform import codat_cors_origins.this cors`.
"""

SCHEMA = Schema(
    version=0,
    description=DESCRIPTION,
    attributes=[
        Attribute("id", types.String, computed=True, description=f"Always `{CORS_ORIGINS_ID}`."),
        Attribute(
            "allowed_origins",
            types.Set(types.String),
            required=True,
            description="Every origin allowed, as a browser sends it: `https://host[:port]`, no path (not even a "
            "trailing `/`), query, user info or `*` wildcard. Plain `http://` only for `localhost`, "
            "`127.0.0.1` and `[::1]` (trying Link locally). Codat compares them without case, so list each "
            "once. `[]` allows none.",
        ),
        Attribute(
            "on_destroy",
            types.String,
            optional=True,
            computed=True,
            default="keep",
            description="What destroy does: `keep` (default: leave the list as it is) or `reset` (empty it, "
            "Codat's default). Destroy uses the value in state: apply a change before destroying.",
        ),
    ],
)
