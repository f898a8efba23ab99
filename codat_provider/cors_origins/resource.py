"""`codat_cors_origins`: adopt, update, read, import and destroy the list of allowed origins.

The resource owns the whole list (Codat's POST replaces it): read puts Codat's whole list in state, so an
origin added in the Portal shows as drift and apply removes it. `codat_client` is imported inside the methods
that call Codat, so schema and validate starts stay light.
"""

from __future__ import annotations

from codat_provider.confirm import confirmed, unacknowledged
from codat_provider.cors_origins.flatten import flatten_origins, removed_by
from codat_provider.cors_origins.schema import CORS_ORIGINS_ID, SCHEMA
from codat_provider.cors_origins.validate import validate_config
from codat_provider.reporting import reported
from tfplugin import UNKNOWN, Diagnostics, PlanRequest, ProviderError, Resource

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing on every provider start
if TYPE_CHECKING:
    from codat_provider.provider import CodatProvider


class CorsOriginsResource(Resource):
    provider: CodatProvider  # the instance for this connection: its client, caches and stop state
    type_name = "codat_cors_origins"
    schema = SCHEMA

    def validate(self, config: dict, diags: Diagnostics) -> None:
        validate_config(config, diags)

    def modify_plan(self, req: PlanRequest, diags: Diagnostics) -> None:
        """On create, say which origins Codat allows now that the plan removes: a create plan shows only the
        configuration, and a removed origin breaks the embeds served from it."""
        if req.prior is not None or req.planned is None:
            return
        wanted = req.planned.get("allowed_origins")
        if wanted is UNKNOWN or wanted is None or any(o is UNKNOWN for o in wanted):
            return
        with reported("read the Codat CORS origins"):
            gone = removed_by(wanted, self.provider.client.get_cors_origins())
        if gone:
            diags.warning(
                "Creating codat_cors_origins removes allowed origins",
                f"Codat allows {', '.join(gone)} now, which allowed_origins does not list: this resource owns the "
                "whole list, so apply removes them and Codat's embedded Link stops working on those pages. Add them "
                "to allowed_origins to keep them.",
                path=("allowed_origins",),
            )

    def create(self, planned: dict, config: dict, diags: Diagnostics) -> dict | None:
        with reported("adopt the Codat CORS origins"):
            held = self.provider.client.get_cors_origins()
            state = self._write(planned, diags)
        if state is not None and held:
            gone = removed_by(planned["allowed_origins"], held)
            diags.warning(
                "Adopted the Codat CORS origins",
                f"Codat already allowed {len(held)} origin(s); the list is now exactly allowed_origins"
                + (f" ({', '.join(gone)} removed)." if gone else "."),
            )
        return state

    def update(self, prior: dict, planned: dict, config: dict, diags: Diagnostics) -> dict | None:
        with reported("update the Codat CORS origins"):
            return self._write(planned, diags)

    def read(self, state: dict, diags: Diagnostics) -> dict:
        # A singleton never disappears: read never answers None.
        with reported("read the Codat CORS origins"):
            return flatten_origins(self.provider.client.get_cors_origins())

    def delete(self, prior: dict, diags: Diagnostics) -> None:
        if prior.get("on_destroy") != "reset":
            diags.warning(
                "The Codat CORS origins were left as they are",
                "Terraform forgot the allowed origins (on_destroy = \"keep\"); Codat keeps allowing them. Set "
                "on_destroy = \"reset\" (and apply) before destroying to empty the list instead.",
            )
            return
        with reported("empty the Codat CORS origins"):
            self.provider.client.set_cors_origins([])

    def import_state(self, id: str, diags: Diagnostics) -> dict:
        # One list per instance: any import id (e.g. "cors") names it.
        return {"id": CORS_ORIGINS_ID, "on_destroy": "keep"}

    def _write(self, planned: dict, diags: Diagnostics) -> dict | None:
        from codat_client import BadRequestError

        client = self.provider.client
        try:
            saved = client.set_cors_origins(planned["allowed_origins"])
        except unacknowledged() as exc:
            return confirmed("write the Codat CORS origins", SCHEMA, planned,
                             flatten_origins(client.get_cors_origins()), diags, exc)
        except BadRequestError as exc:
            if not exc.validation_errors:
                raise ProviderError("Codat rejected the allowed origins", str(exc)) from exc
            for text in exc.validation_errors:
                diags.error("Codat rejected the allowed origins", f"{text} ({exc})", path=("allowed_origins",))
            return None
        return flatten_origins(saved)
