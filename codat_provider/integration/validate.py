"""Checks on a `codat_integration` configuration that need no network (run at validate and plan)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from codat_provider.integration.schema import ON_DESTROY_CHOICES
from codat_provider.platforms import XERO, check_platform_key
from codat_provider.validation import given
from codat_settings.fields import text_problem
from tfplugin import Diagnostics

#: client_secret_wo_version is any number Terraform, JSON and the CDK's JavaScript all carry exactly.
MAX_VERSION = 2**53

XERO_CLIENT_ID = re.compile(r"^[0-9A-Fa-f]{32}$")



def validate_config(config: dict, diags: Diagnostics) -> None:
    check_platform_key(config.get("platform_key"), diags)
    client_id, secret = config.get("client_id"), config.get("client_secret_wo")
    for name, value in (("client_id", client_id), ("client_secret_wo", secret)):
        if given(value) and (value == "" or re.search(r"\s", value)):
            diags.error(
                f"Invalid {name}",
                f"{name} is empty or contains whitespace; Codat rejects credentials with spaces. Copy the value "
                "again without leading, trailing or inner spaces or line breaks.",
                path=(name,),
            )
        elif given(value) and (problem := text_problem(value, name)):  # a control character (never shown)
            diags.error(f"Invalid {name}", problem, path=(name,))
    if (client_id is None) != (secret is None):
        missing = "client_secret_wo" if secret is None else "client_id"
        diags.error(
            f"{missing} is missing",
            "Codat stores an app's client id and secret together: set both client_id and client_secret_wo, "
            "or neither (to leave the credentials as they are in Codat).",
            path=(missing,),
        )
    if config.get("platform_key") == XERO and given(client_id) and not XERO_CLIENT_ID.match(client_id):
        diags.warning(
            "Unusual Xero client id",
            "Xero client ids are 32 hexadecimal characters; check that this is the Client id from "
            "developer.xero.com > My Apps > your app > Configuration.",
            path=("client_id",),
        )
    version = config.get("client_secret_wo_version")
    if given(version) and not _carried_exactly(version):
        diags.error("Invalid client_secret_wo_version",
                    f"client_secret_wo_version must be a number from -{MAX_VERSION:,} to {MAX_VERSION:,} (the "
                    "numbers Terraform and JSON carry exactly), e.g. 1; add 1 each time you rotate the secret.",
                    path=("client_secret_wo_version",))
    if config.get("client_secret_wo_version") is not None and secret is None:
        diags.warning(
            "client_secret_wo_version has no effect",
            "client_secret_wo_version only tells Terraform when to send client_secret_wo again; this "
            "configuration sets no client_secret_wo.",
            path=("client_secret_wo_version",),
        )
    on_destroy = config.get("on_destroy")
    if given(on_destroy) and on_destroy not in ON_DESTROY_CHOICES:
        diags.error(
            "Invalid on_destroy",
            f"{on_destroy!r} is not one of {', '.join(ON_DESTROY_CHOICES)}.",
            path=("on_destroy",),
        )
    if config.get("force") is True and given(on_destroy) and on_destroy != "delete_credentials":
        diags.warning(
            "force has no effect",
            'force only matters with on_destroy = "delete_credentials" (deleting credentials that linked '
            "connections still use).",
            path=("force",),
        )


def _carried_exactly(number: object) -> bool:
    try:
        return abs(number) <= MAX_VERSION  # type: ignore[arg-type]  # any value: a non-number raises below
    except (TypeError, ArithmeticError):  # not a number, or NaN
        return False


IMPORT_ID_HELP = (
    "Use the platform key, e.g. gbol, or the key followed by the configuration's client id and secret "
    "version: gbol:client_id=<client id>,client_secret_wo_version=1 (either or both; never the secret)."
)


def parse_import_id(import_id: str, diags: Diagnostics) -> tuple[str, str | None, int | Decimal | None] | None:
    """`KEY` or `KEY:client_id=ID,client_secret_wo_version=N` -> (key, client_id, version); None on errors."""
    key, _, options = import_id.partition(":")
    before = len(diags.errors)
    check_platform_key(key, diags)
    found: dict[str, str] = {}
    for option in options.split(",") if options else ():
        name, equals, value = option.partition("=")
        name = name.strip()
        if not equals or name not in ("client_id", "client_secret_wo_version"):
            # Never echo text without `=`: it could be a pasted value (even a secret), not an option name.
            what = f"Unknown option {name!r}" if equals else "An option without `=`"
            secret = " The secret is compared at plan time instead." if name.startswith("client_secret") else ""
            diags.error("Invalid import ID", f"{what} in the import ID. {IMPORT_ID_HELP}{secret}")
            continue
        if name in found:
            diags.error("Invalid import ID", f"{name} is given twice. {IMPORT_ID_HELP}")
            continue
        found[name] = value
    if import_id.endswith(":"):
        diags.error("Invalid import ID", f"Nothing follows the ':'. {IMPORT_ID_HELP}")
    client_id = found.get("client_id")
    if client_id is not None and (client_id == "" or re.search(r"\s", client_id)):
        diags.error("Invalid import ID", f"client_id is empty or contains whitespace. {IMPORT_ID_HELP}")
    version: int | Decimal | None = None
    if "client_secret_wo_version" in found:
        try:
            number = Decimal(found["client_secret_wo_version"].strip())
            if not number.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            diags.error(
                "Invalid import ID",
                f"client_secret_wo_version must be a number, got {found['client_secret_wo_version']!r}. "
                f"{IMPORT_ID_HELP}",
            )
        else:
            version = int(number) if number == number.to_integral_value() else number
    if len(diags.errors) > before:
        return None
    return key, client_id, version
