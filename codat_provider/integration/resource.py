"""`codat_integration`: plan, apply, read, import and destroy against Codat.

Apply order is credentials, then the switch: Codat must hold working credentials before companies can
connect. `codat_client` is imported inside the methods that call Codat, so Terraform's schema and
validate starts of the provider skip loading httpx and pydantic.
"""

from __future__ import annotations

from tfplugin import UNKNOWN, Diagnostics, PlanRequest, ProviderError, Resource

from codat_provider.integration.expand import credentials_body
from codat_provider.integration.flatten import flatten_credentials, flatten_integration, is_masked, last4
from codat_provider.integration.schema import SCHEMA
from codat_provider.integration.validate import validate_config, validate_platform_key

PORTAL_HINT = "Set them in the Codat Portal: Settings > Integrations > the platform > Set up."


def credentials_to_send(prior: dict, planned: dict, config: dict) -> dict[str, str]:
    """Why this plan must send the configured credentials, by attribute; empty when Codat holds them.

    Codat shows only the last 4 characters of what it holds, so that is what is compared. A version
    that changes from one number to another always re-sends; one first set (after import) does not.
    """
    client_id, secret = config.get("client_id"), config.get("client_secret_wo")
    if client_id is None and secret is None:
        return {}
    reasons = {}
    held_id = prior.get("client_id")
    if client_id is UNKNOWN or held_id is None:
        reasons["client_id"] = "Codat holds no client id" if held_id is None else "client_id is known only at apply"
    elif (is_masked(held_id) and last4(held_id) != last4(client_id)) or (not is_masked(held_id) and held_id != client_id):
        reasons["client_id"] = f"client_id differs from the one Codat holds (ends ...{last4(held_id)})"
    held_secret = prior.get("client_secret_masked")
    old_version = prior.get("client_secret_wo_version")
    if old_version is not None and planned.get("client_secret_wo_version") != old_version:
        reasons["client_secret_wo"] = "client_secret_wo_version changed, so the secret is sent again"
    elif secret is UNKNOWN or held_secret is None:
        reasons["client_secret_wo"] = (
            "Codat holds no client secret" if held_secret is None else "client_secret_wo is known only at apply"
        )
    elif last4(secret) != last4(held_secret):
        reasons["client_secret_wo"] = f"client_secret_wo differs from the secret Codat holds (ends ...{last4(held_secret)})"
    return reasons


class IntegrationResource(Resource):
    type_name = "codat_integration"
    schema = SCHEMA

    def validate(self, config: dict, diags: Diagnostics) -> None:
        validate_config(config, diags)

    def modify_plan(self, req: PlanRequest, diags: Diagnostics) -> None:
        if req.prior is None or req.planned is None:
            return
        reasons = credentials_to_send(req.prior, req.planned, req.config)
        if reasons:
            req.set_unknown("client_secret_masked")
        for attribute, reason in reasons.items():
            diags.warning("Credentials will be sent to Codat", f"{reason}.", path=(attribute,))

    def create(self, planned: dict, config: dict, diags: Diagnostics) -> dict:
        key = planned["platform_key"]
        integration = self._get_integration(key)
        state = {**planned, **flatten_integration(integration), "client_secret_masked": None}
        state["enabled"] = planned["enabled"]
        held = self._held_credentials(key, diags)
        if held:
            diags.warning(
                f"Adopted the existing {integration.name} integration",
                f"Codat already held credentials for {key} (client id ends ...{last4(held.get('clientId', '????'))}). "
                + ("They are replaced by the configured ones." if config.get("client_id") else "They are kept."),
            )
            state["client_secret_masked"] = held.get("clientSecret")
        return self._apply(key, integration, state, config, config.get("client_id") is not None, diags)

    def update(self, prior: dict, planned: dict, config: dict, diags: Diagnostics) -> dict:
        key = planned["platform_key"]
        integration = self._get_integration(key)
        state = {**planned, **flatten_integration(integration)}
        state["enabled"] = planned["enabled"]
        send = planned.get("client_secret_masked") is UNKNOWN
        if not send:
            state["client_secret_masked"] = prior.get("client_secret_masked")
        return self._apply(key, integration, state, config, send, diags)

    def read(self, state: dict, diags: Diagnostics) -> dict | None:
        from codat_client import NotFoundError

        key = state["platform_key"]
        try:
            integration = self.provider.client.get_integration(key)
        except NotFoundError:
            return None
        fresh = {**state, **flatten_integration(integration)}
        held = self._held_credentials(key, diags)
        if held is not None:
            fresh.update(flatten_credentials(held, state))
        return fresh

    def delete(self, prior: dict, diags: Diagnostics) -> None:
        from codat_client import NotFoundError

        key, mode = prior["platform_key"], prior.get("on_destroy") or "disable"
        if mode == "forget":
            return
        client = self.provider.client
        if mode == "delete_credentials" and not prior.get("force"):
            usage = client.connection_usage().get(key)
            if usage is not None and usage.linked:
                raise ProviderError(
                    "Refusing to delete credentials in use",
                    f"{usage.linked} companies have linked {key} connections, which stop refreshing without "
                    "these credentials. Set force = true to delete anyway, or on_destroy = \"disable\".",
                    path=("force",),
                )
        try:
            client.set_enabled(key, False)
            if mode == "delete_credentials":
                client.delete_credentials(key)
        except NotFoundError:
            return

    def import_state(self, id: str, diags: Diagnostics) -> dict:
        validate_platform_key(id, diags)
        if diags.has_errors:
            return None
        state = {"platform_key": id, "on_destroy": "disable", "force": False}
        held = self._held_credentials(id, diags)
        if held:
            state["client_id"] = held.get("clientId")
        return state

    def _get_integration(self, key: str):
        from codat_client import NotFoundError

        try:
            return self.provider.client.get_integration(key)
        except NotFoundError as exc:
            raise ProviderError(
                "No such Codat integration",
                f"Codat has no integration with key {key!r} ({exc.error or 'not found'}). "
                "Check platform_key against GET /integrations.",
                path=("platform_key",),
            ) from exc

    def _held_credentials(self, key: str, diags: Diagnostics) -> dict[str, str] | None:
        """Codat's masked credentials, or None (with a warning) where the legacy endpoint is unavailable."""
        from codat_client import LegacyEndpointUnavailableError

        try:
            return self.provider.client.get_credentials(key)
        except LegacyEndpointUnavailableError as exc:
            diags.warning("Credentials cannot be read from Codat", str(exc))
            return None

    def _apply(self, key: str, integration, state: dict, config: dict, send: bool, diags: Diagnostics) -> dict:
        """Send credentials (when asked), then set the switch; state records exactly what was applied."""
        from codat_client import CodatError, LegacyEndpointUnavailableError

        client = self.provider.client
        sent = False
        if send:
            try:
                held = client.put_credentials(key, credentials_body(config))
            except LegacyEndpointUnavailableError as exc:
                diags.warning("Credentials not sent", f"{exc} {PORTAL_HINT}", path=("client_id",))
                state["client_secret_masked"] = None
            else:
                state["client_id"] = config["client_id"]
                state["client_secret_masked"] = held.get("clientSecret")
                sent = True
        wanted = state["enabled"]
        if integration.enabled != wanted:
            try:
                integration = client.set_enabled(key, wanted)
            except CodatError as exc:
                state["enabled"] = integration.enabled
                done = "The credentials were applied and are recorded in state; " if sent else ""
                diags.error(
                    f"Could not switch the integration {'on' if wanted else 'off'}",
                    f"{done}{exc} Run apply again to retry the switch.",
                    path=("enabled",),
                )
                return state
        state["enabled"] = integration.enabled
        return state
