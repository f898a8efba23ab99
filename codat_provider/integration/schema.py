"""Schema of `codat_integration` (kept apart from the CRUD code so the schema start stays light)."""

from tfplugin import Attribute, Schema, types

ON_DESTROY_CHOICES = ("disable", "delete_credentials", "forget")

DESCRIPTION = """\
An integration in Codat (e.g. Xero, key `gbol`): its OAuth app credentials and whether it is switched on.
The secret is write-only: Terraform never stores it in state or plan files.

Codat never shows credentials in clear: it shows `X`s and the real last 4 characters. Every plan compares the \
last 4 characters of the configured `client_id` and `client_secret_wo` with Codat's and plans to send the \
credentials again when someone replaced them in the Portal; a warning names the attribute that differs and \
shows only what Codat shows. A secret replaced by one with the same last 4 characters cannot be noticed: bump \
`client_secret_wo_version` after rotating a secret.

Apply sends the credentials first, then switches the integration on or off. When the switch fails after the \
credentials were sent, state records the credentials and the error says so; the next apply only retries the \
switch. Creating over an integration that already has credentials adopts it (a warning says so) and sends the \
configured credentials only when their last 4 characters differ from Codat's.

Where Codat's legacy credentials endpoints answer 404/405 (`credentials_api_available = false`), credentials \
cannot be read or written through the API: set them in the Codat Portal. Terraform then records the \
configured `client_id` and `client_secret_wo_version` as declared, warns, and tries to send them again only \
when you change them; drift of `enabled` keeps working.

Import: the import ID is the platform key, optionally followed by `:` and the `client_id` and \
`client_secret_wo_version` of your configuration (comma-separated, either or both). Plain `gbol` adopts the \
integration without claiming its credentials: state holds Codat's masked client id, which is all Codat \
shows, so a configuration that sets `client_id` and `client_secret_wo_version` plans one in-place update \
that records them (nothing is sent when the last 4 characters match Codat's). With `client_id=...` the import \
checks its last 4 characters against Codat's (a mismatch is a warning) and records it, and \
`client_secret_wo_version=...` is recorded as given, so the first plan is empty when Codat holds the configured \
credentials. The secret never goes in an import ID: the plan compares its last 4 characters with Codat's. An \
integration imported with `client_id=...` over credentials Codat holds is *adopted*: the credentials in Codat \
are the ones in use, so until a plan sends credentials on purpose (a new `client_secret_wo_version`), a \
configured client id or secret whose last 4 characters differ from Codat's is an error at plan, before \
anything is sent, instead of a planned update. In an `import` block, build the ID from the same values as the \
resource, e.g. `id = "gbol:client_id=${var.xero_client_id},client_secret_wo_version=1"`.
"""

SCHEMA = Schema(
    version=0,
    description=DESCRIPTION,
    attributes=[
        Attribute(
            "platform_key",
            types.String,
            required=True,
            requires_replace=True,
            description="Codat's four-letter platform key, e.g. `gbol` for Xero, `qhyg` for QuickBooks Online. "
            "A well-formed key this provider does not know is a warning (Codat adds platforms).",
        ),
        Attribute(
            "client_id",
            types.String,
            optional=True,
            computed=True,
            description="Client ID of the platform app (for Xero: developer.xero.com > My Apps > Configuration; "
            "32 hexadecimal characters). Set together with `client_secret_wo`. When it is not set, Terraform "
            "leaves the credentials alone and this shows Codat's masked client id. After someone changes it in "
            "the Portal, state shows the masked value Codat reports, so the plan reveals the drift without "
            "revealing more.",
        ),
        Attribute(
            "client_secret_wo",
            types.String,
            optional=True,
            sensitive=True,
            write_only=True,
            description="Client secret of the platform app. Write-only (Terraform 1.11+): never stored. "
            "Feed it from an ephemeral or sensitive variable. Sent on create, when its last 4 characters differ "
            "from those Codat shows, and when `client_secret_wo_version` changes.",
        ),
        Attribute(
            "client_secret_wo_version",
            types.Number,
            optional=True,
            description="Any number; change it to send `client_secret_wo` again (e.g. after rotating the secret). "
            "Setting it for the first time (e.g. after a plain import) sends nothing by itself.",
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
            "company connections keep refreshing), `delete_credentials` (switch off and delete them; refused "
            "while Codat reports linked connections unless `force = true`), or `forget` (only drop it from "
            "state, leave Codat untouched). Destroy uses the value in state: apply a change before destroying.",
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
        Attribute(
            "credentials_api_available",
            types.Bool,
            computed=True,
            description="Whether Codat's (legacy) credentials endpoints answered at the last refresh or apply. "
            "`false` when they answer 404/405: credentials can then be neither checked nor sent, so set them "
            "in the Codat Portal; Terraform records the configured ones as declared and sends them again only "
            "when the configuration changes them. Back to `true`, with the usual checks, once they answer.",
        ),
    ],
)
