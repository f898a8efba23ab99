"""`codat_supplemental_data`: create (adopt), update, read, import and clear one platform's supplemental data
configuration for one data type.

The resource owns the data type's whole configuration (Codat's PUT replaces it), so read puts every named
configuration in state and a foreign one shows as drift. Codat has no DELETE: destroy writes it back empty.
`codat_client` is imported inside the methods that call Codat, so schema and validate starts stay light.
"""

from __future__ import annotations

from codat_provider.confirm import confirmed, unacknowledged
from codat_provider.platforms import get_integration
from codat_provider.reporting import reported
from codat_provider.supplemental_data.expand import ATTRIBUTES, sources_args
from codat_provider.supplemental_data.flatten import flatten_sources, resource_id
from codat_provider.supplemental_data.schema import SCHEMA
from codat_provider.supplemental_data.validate import parse_import_id, validate_config
from codat_provider.validation import split_validation_error
from tfplugin import Diagnostics, ProviderError, Resource

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing on every provider start
if TYPE_CHECKING:
    from codat_provider.provider import CodatProvider


class SupplementalDataResource(Resource):
    provider: CodatProvider  # the instance for this connection: its client, caches and stop state
    type_name = "codat_supplemental_data"
    schema = SCHEMA

    def validate(self, config: dict, diags: Diagnostics) -> None:
        validate_config(config, diags)

    def create(self, planned: dict, config: dict, diags: Diagnostics) -> dict | None:
        key, data_type = planned["platform_key"], planned["data_type"]
        with reported("create the Codat supplemental data configuration"):
            get_integration(self.provider.client, key)
            held = self.provider.client.get_supplemental_data(key, data_type)
            state = self._write(planned, diags)
        if state is not None and held:
            gone = sorted(set(held) - set(planned["configurations"]))
            diags.warning(
                f"Adopted the supplemental data configuration of {key} {data_type}",
                f"Codat already held {', '.join(sorted(held))} for {key} {data_type}; it now holds exactly the "
                "declared configurations" + (f" ({', '.join(gone)} removed)." if gone else "."),
            )
        return state

    def update(self, prior: dict, planned: dict, config: dict, diags: Diagnostics) -> dict | None:
        with reported("update the Codat supplemental data configuration"):
            return self._write(planned, diags)

    def read(self, state: dict, diags: Diagnostics) -> dict | None:
        from codat_client import NotFoundError

        key, data_type = state["platform_key"], state["data_type"]
        with reported("read the Codat supplemental data configuration"):
            try:
                sources = self.provider.client.get_supplemental_data(key, data_type)
            except NotFoundError:
                return None  # the platform is gone
        return {"id": resource_id(key, data_type), "configurations": flatten_sources(sources)}

    def delete(self, prior: dict, diags: Diagnostics) -> None:
        from codat_client import NotFoundError

        with reported("clear the Codat supplemental data configuration"):
            try:
                self.provider.client.put_supplemental_data(prior["platform_key"], prior["data_type"], {})
            except NotFoundError:
                return  # the platform is gone, and its configuration with it

    def import_state(self, id: str, diags: Diagnostics) -> dict | None:
        parsed = parse_import_id(id, diags)
        if parsed is None:
            return None
        key, data_type = parsed
        return {"id": resource_id(key, data_type), "platform_key": key, "data_type": data_type}

    def _write(self, planned: dict, diags: Diagnostics) -> dict | None:
        from codat_client import BadRequestError, SupplementalDataSource

        key, data_type = planned["platform_key"], planned["data_type"]
        sources = {name: SupplementalDataSource(**args)
                   for name, args in sources_args(planned["configurations"]).items()}
        client = self.provider.client
        state = {"id": resource_id(key, data_type)}
        try:
            client.put_supplemental_data(key, data_type, sources)
        except unacknowledged() as exc:
            held = flatten_sources(client.get_supplemental_data(key, data_type))
            return confirmed("write the Codat supplemental data configuration", SCHEMA, planned,
                             {**state, "configurations": held}, diags, exc)
        except BadRequestError as exc:
            if not exc.validation_errors:
                raise ProviderError("Codat rejected the supplemental data configuration", str(exc)) from exc
            for text in exc.validation_errors:
                diags.error("Codat rejected the supplemental data configuration", f"{text} ({exc})",
                            path=_attribute_path(text))
            return None
        # Codat answers the PUT without a body: state is what was sent.
        return state


def _attribute_path(validation_error: str) -> tuple:
    """`supplementalDataConfig.{name}.dataSource` -> configurations[name].data_source; `dataType` -> data_type."""
    steps, _ = split_validation_error(validation_error)
    if steps[:1] == ("dataType",):
        return ("data_type",)
    path: tuple = ("configurations",)
    if len(steps) >= 2 and steps[0] == "supplementalDataConfig":
        path += (steps[1],)
        if len(steps) > 2 and steps[2] in ATTRIBUTES:
            path += (ATTRIBUTES[steps[2]],)
    return path
