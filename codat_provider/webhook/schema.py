"""Schema of `codat_webhook` (kept apart from the CRUD code so the schema start stays light)."""

from tfplugin import Attribute, Schema, types

MAX_COMPANY_TAGS = 10
MAX_TAG_LENGTH = 128
MAX_CONSUMERS = 50

SCHEMA = Schema(
    version=0,
    description="A Codat webhook consumer: an endpoint of yours that Codat sends events to. Codat has no "
    f"update for consumers, so any change replaces it (a new id). Codat allows at most {MAX_CONSUMERS} "
    "consumers per account. Import with the consumer's id. Creating adopts a consumer Codat already holds with "
    "the same url, event types, company tags and disabled flag (a warning names it) instead of creating a second "
    "one, e.g. after an apply was stopped just after Codat created it; declare each consumer once.",
    attributes=[
        Attribute("id", types.String, computed=True, description="The consumer's id in Codat (a UUID)."),
        Attribute(
            "url",
            types.String,
            required=True,
            requires_replace=True,
            description="Where Codat sends events: your endpoint, so it must be `https://`. Plain `http://` is "
            "accepted only for `localhost`, `127.0.0.1` and `[::1]` (local tests against an emulator).",
        ),
        Attribute(
            "event_types",
            types.List(types.String),
            optional=True,
            requires_replace=True,
            description="Event types the consumer subscribes to, e.g. `[\"DataSyncCompleted\"]`. Leave it out "
            "rather than writing `[]` when there are none.",
        ),
        Attribute(
            "company_tags",
            types.List(types.String),
            optional=True,
            requires_replace=True,
            description=f"Only events from companies with a matching tag (`tagKey:tagValue`, case-sensitive) "
            f"are sent; at most {MAX_COMPANY_TAGS} tags of up to {MAX_TAG_LENGTH} characters.",
        ),
        Attribute(
            "disabled",
            types.Bool,
            optional=True,
            computed=True,
            default=False,
            requires_replace=True,
            description="`true` creates the consumer switched off (no events sent).",
        ),
    ],
)
