"""`codat_profile`: adopt, update, read, import and forget the account's profile.

Codat's PUT /profile replaces the whole object, so create and update are read-modify-write: GET, overlay
the configured attributes, PUT. There is no ETag, so a Portal edit landing between the GET and the PUT
is lost; the window is one round trip. The profile cannot be deleted: destroy forgets it and warns.
`codat_client` is imported inside the methods that call Codat, so schema and validate starts stay light.
"""

from __future__ import annotations

from codat_provider.confirm import confirmed, unacknowledged
from codat_provider.profile.expand import API_FIELDS, overlay
from codat_provider.profile.flatten import flatten_profile
from codat_provider.profile.schema import PROFILE_ID, SCHEMA
from codat_provider.profile.validate import validate_config
from codat_provider.reporting import reported
from codat_provider.validation import bad_request_paths
from tfplugin import Diagnostics, ProviderError, Resource

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing on every provider start
if TYPE_CHECKING:
    from codat_provider.provider import CodatProvider


class ProfileResource(Resource):
    provider: CodatProvider  # the instance for this connection: its client, caches and stop state
    type_name = "codat_profile"
    schema = SCHEMA

    def validate(self, config: dict, diags: Diagnostics) -> None:
        validate_config(config, diags)

    def create(self, planned: dict, config: dict, diags: Diagnostics) -> dict | None:
        with reported("write the Codat profile"):
            return self._write(planned, config, diags)

    def update(self, prior: dict, planned: dict, config: dict, diags: Diagnostics) -> dict | None:
        with reported("write the Codat profile"):
            return self._write(planned, config, diags)

    def read(self, state: dict, diags: Diagnostics) -> dict:
        # A singleton never disappears: read never answers None.
        with reported("read the Codat profile"):
            return flatten_profile(self.provider.client.get_profile(), state)

    def delete(self, prior: dict, diags: Diagnostics) -> None:
        diags.warning(
            "The Codat profile was not deleted",
            "Codat's profile cannot be deleted: it was removed from Terraform state only and keeps its "
            "current values in Codat. Change it in the Codat Portal or "
            "declare codat_profile again.",
        )

    def import_state(self, id: str, diags: Diagnostics) -> dict:
        # One profile per account: any import id (e.g. "profile") names it.
        return {"id": PROFILE_ID}

    def _write(self, planned: dict, config: dict, diags: Diagnostics) -> dict | None:
        """Read-modify-write: Codat's current profile with the configured attributes on top."""
        from codat_client import BadRequestError, Profile

        client = self.provider.client
        current = client.get_profile()
        try:
            saved = client.put_profile(Profile(**overlay(current.model_dump(), config)))
        except unacknowledged() as exc:
            return confirmed("write the Codat profile", SCHEMA, planned, flatten_profile(client.get_profile(), planned),
                             diags, exc)
        except BadRequestError as exc:
            pathed = bad_request_paths(exc.validation_errors, API_FIELDS)
            for path, message in pathed:
                diags.error("Codat rejected the profile", f"{message} ({exc})", path=path)
            if not pathed:
                raise ProviderError("Codat rejected the profile", str(exc)) from exc
            return None
        return flatten_profile(saved, planned)
