"""Schema of `codat_integration` (kept apart from the CRUD code so the schema start stays light)."""

from tfplugin import Attribute, Schema, types

ON_DESTROY_CHOICES = ("disable", "delete_credentials", "forget")

SCHEMA = Schema(
    version=0,
    description="An integration in Codat (e.g. Xero, key `gbol`): its OAuth app credentials and whether "
    "it is switched on. The secret is write-only: Terraform never stores it in state or plan files.",
    attributes=[
        Attribute(
            "platform_key",
            types.String,
            required=True,
            requires_replace=True,
            description="Codat's four-letter platform key, e.g. `gbol` for Xero, `qhyg` for QuickBooks Online.",
        ),
        Attribute(
            "client_id",
            types.String,
            optional=True,
            description="Client ID of the platform app (for Xero: developer.xero.com > My Apps > Configuration). "
            "Set together with `client_secret_wo`. After someone changes it in the Portal, state shows the "
            "masked value Codat reports, so the plan reveals the drift without revealing more.",
        ),
        Attribute(
            "client_secret_wo",
            types.String,
            optional=True,
            sensitive=True,
            write_only=True,
            description="Client secret of the platform app. Write-only (Terraform 1.11+): never stored. "
            "Feed it from an ephemeral or sensitive variable. Bump `client_secret_wo_version` to send a new one.",
        ),
        Attribute(
            "client_secret_wo_version",
            types.Number,
            optional=True,
            description="Any number; change it to send `client_secret_wo` again (e.g. after rotating the secret).",
        ),
        Attribute(
            "enabled",
            types.Bool,
            optional=True,
            computed=True,
            default=True,
            description="Whether the integration is switched on in Codat. Defaults to `true`.",
        ),
        Attribute(
            "on_destroy",
            types.String,
            optional=True,
            computed=True,
            default="disable",
            description="What destroy does: `disable` (default: switch off, keep the credentials so existing "
            "company connections keep refreshing), `delete_credentials` (switch off and delete them), or "
            "`forget` (only drop it from state).",
        ),
        Attribute(
            "force",
            types.Bool,
            optional=True,
            computed=True,
            default=False,
            description="With `on_destroy = \"delete_credentials\"`: delete even while companies have linked "
            "connections to this platform (they will stop refreshing). Defaults to `false`.",
        ),
        Attribute("name", types.String, computed=True, description="The platform's name in Codat, e.g. `Xero`."),
        Attribute("source_type", types.String, computed=True, description="Codat's source type, e.g. `Accounting`."),
        Attribute(
            "client_secret_masked",
            types.String,
            computed=True,
            description="The secret as Codat shows it: `X`s then its last 4 characters. Used to spot a secret "
            "replaced in the Portal; Terraform holds nothing more of the secret.",
        ),
    ],
)
