"""`codat_custom_data_type`: create (adopt), update, read, import and forget a custom data type.

Codat's API has no DELETE for custom data types: destroy forgets it, with a warning. `codat_client` is
imported inside the methods that call Codat, so schema and validate starts stay light.
"""

from __future__ import annotations

from codat_provider.confirm import confirmed, unacknowledged
from codat_provider.custom_data_type.expand import ATTRIBUTES, configuration_args
from codat_provider.custom_data_type.flatten import flatten_custom_data_type, resource_id
from codat_provider.custom_data_type.schema import SCHEMA
from codat_provider.custom_data_type.validate import parse_import_id, validate_config
from codat_provider.platforms import get_integration
from codat_provider.reporting import reported
from codat_provider.validation import split_validation_error
from tfplugin import Diagnostics, ProviderError, Resource

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing on every provider start
if TYPE_CHECKING:
    from codat_provider.provider import CodatProvider


class CustomDataTypeResource(Resource):
    provider: CodatProvider  # the instance for this connection: its client, caches and stop state
    type_name = "codat_custom_data_type"
    schema = SCHEMA

    def validate(self, config: dict, diags: Diagnostics) -> None:
        validate_config(config, diags)

    def create(self, planned: dict, config: dict, diags: Diagnostics) -> dict | None:
        key, identifier = planned["platform_key"], planned["identifier"]
        with reported("create the Codat custom data type"):
            get_integration(self.provider.client, key)
            existed = self._find(key, identifier) is not None
            state = self._write(planned, diags)
        if state is not None and existed:
            diags.warning(
                f"Adopted the custom data type {identifier} of {key}",
                f"Codat already held a custom data type {identifier!r} for {key}; it now holds the declared "
                "configuration.",
            )
        return state

    def update(self, prior: dict, planned: dict, config: dict, diags: Diagnostics) -> dict | None:
        with reported("update the Codat custom data type"):
            return self._write(planned, diags)

    def read(self, state: dict, diags: Diagnostics) -> dict | None:
        with reported("read the Codat custom data type"):
            found = self._find(state["platform_key"], state["identifier"])
        return None if found is None else flatten_custom_data_type(found, state)

    def delete(self, prior: dict, diags: Diagnostics) -> None:
        diags.warning(
            "The Codat custom data type was not deleted",
            f"Codat's API cannot delete a custom data type: {prior['identifier']!r} of {prior['platform_key']} was "
            "removed from Terraform state only, and Codat keeps reading it. Remove it in the Codat Portal, or "
            "declare it again to manage it.",
        )

    def import_state(self, id: str, diags: Diagnostics) -> dict | None:
        parsed = parse_import_id(id, diags)
        if parsed is None:
            return None
        key, identifier = parsed
        return {"id": resource_id(key, identifier), "platform_key": key, "identifier": identifier}

    def _find(self, key: str, identifier: str):
        """Codat's configuration, or None when none is configured (or the platform is gone)."""
        from codat_client import NotFoundError

        try:
            return self.provider.client.get_custom_data_type(key, identifier)
        except NotFoundError:
            return None

    def _write(self, planned: dict, diags: Diagnostics) -> dict | None:
        from codat_client import BadRequestError, CustomDataTypeConfiguration

        key, identifier = planned["platform_key"], planned["identifier"]
        try:
            saved = self.provider.client.put_custom_data_type(
                key, identifier, CustomDataTypeConfiguration(**configuration_args(planned)))
        except unacknowledged() as exc:
            found = self._find(key, identifier)
            stored = None if found is None else flatten_custom_data_type(found, planned)
            return confirmed("write the Codat custom data type", SCHEMA, planned, stored, diags, exc)
        except BadRequestError as exc:
            if not exc.validation_errors:
                raise ProviderError("Codat rejected the custom data type", str(exc)) from exc
            for text in exc.validation_errors:
                steps, _ = split_validation_error(text)
                field = steps[0] if steps else None
                attribute = ATTRIBUTES.get(field, "data_source") if isinstance(field, str) else "data_source"
                path = ("identifier",) if field == "customDataIdentifier" else (attribute,)
                diags.error("Codat rejected the custom data type", f"{text} ({exc})", path=path)
            return None
        return flatten_custom_data_type(saved, planned)
