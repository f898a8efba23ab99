"""Schema of `codat_profile` (kept apart from the CRUD code so the schema start stays light)."""

from tfplugin import Attribute, Schema, types

PROFILE_ID = "profile"

SCHEMA = Schema(
    version=0,
    description="The Codat account's profile. There is exactly one per account: this resource adopts it "
    "and manages the attributes you set; optional attributes you leave out keep their value in Codat. "
    "Destroy only forgets it (Codat cannot delete a profile). Declare it once per account. Import with "
    "any id, e.g. `terraform import codat_profile.this profile`.",
    attributes=[
        Attribute("id", types.String, computed=True, description=f"Always `{PROFILE_ID}`."),
        Attribute("name", types.String, required=True, description="The name of your Codat instance."),
        Attribute(
            "redirect_url",
            types.String,
            required=True,
            description="Where Hosted Link sends a company once it has connected; may hold Codat's "
            "placeholders, e.g. `https://example.com/codat/{companyId}`.",
        ),
        Attribute(
            "logo_url",
            types.String,
            optional=True,
            computed=True,
            description="Static URL of your logo. Left out: Codat's current value is kept. `\"\"` clears it.",
        ),
        Attribute(
            "icon_url",
            types.String,
            optional=True,
            computed=True,
            description="Static URL of your icon. Left out: Codat's current value is kept. `\"\"` clears it.",
        ),
        Attribute(
            "white_list_urls",
            types.List(types.String),
            optional=True,
            computed=True,
            description="Codat's `whiteListUrls`: URLs allowed to communicate with Codat (empty: any URL). "
            "Left out: Codat's current list is kept. `[]` clears it.",
        ),
    ],
)
