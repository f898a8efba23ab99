"""`codat_integration`: plan, apply, read, import and destroy against Codat.

Apply order is credentials, then the switch: Codat must hold working credentials before companies can
connect. When the switch fails (or Terraform is interrupted) after the credentials were sent, the returned
state records the sent credentials (and the switch as Codat has it) next to the error, so the next apply
only retries the switch; interrupted before they were sent, nothing is recorded as applied.
`codat_client` is imported inside the methods that call Codat, so Terraform's schema and validate starts
of the provider skip loading httpx and pydantic.
"""

from __future__ import annotations

from codat_provider.confirm import unacknowledged
from codat_provider.integration.expand import credentials_body
from codat_provider.integration.flatten import (
    flatten_credentials,
    flatten_integration,
    is_masked,
    last4,
    matches_masked,
)
from codat_provider.integration.plan import credentials_to_send, differ_from_codat, records_only
from codat_provider.integration.schema import SCHEMA
from codat_provider.integration.validate import parse_import_id, validate_config
from codat_provider.platforms import get_integration
from codat_provider.reporting import NOTHING_CHANGED, reported
from tfplugin import UNKNOWN, Diagnostics, Imported, PlanRequest, ProviderError, Resource

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing on every provider start
if TYPE_CHECKING:
    from codat_client import Integration, MaskedCredentials
    from codat_provider.provider import CodatProvider

__all__ = ["IntegrationResource", "credentials_to_send"]

PORTAL_HINT = "Set them in the Codat Portal: Settings > Integrations > the platform > Set up."
# Private data of an integration imported with its credentials (an import ID naming client_id): Terraform has not
# sent them since, so the credentials in Codat are the ones in use. Cleared by the first plan that sends.
ADOPTED = "adopted"


def _shown(masked: str | None) -> str:
    """What Codat shows of a value, for messages: only its last 4 characters (never more than Codat shows)."""
    if not masked:
        return "none"
    return f"...{last4(masked)}" if is_masked(masked) and len(masked) > 4 else "(fully masked)"


def _warn_unmasked(held: MaskedCredentials, key: str, diags: Diagnostics) -> None:
    """One warning per operation when Codat sent credentials in clear (the client kept only masks)."""
    summary = "Codat returned credentials unmasked"
    if held.unmasked and not any(d.summary == summary for d in diags):
        diags.warning(
            summary,
            f"Codat's answer for {key} held {' and '.join(held.unmasked)} in clear. Only X's and the last 4 characters "
            "were kept: state, plan, diagnostics and logs hold nothing more. Codat normally masks them; tell "
            "Codat support if this persists.",
        )


def _refuse_over_adopted(attribute: str, prior: dict, diags: Diagnostics) -> None:
    """An error, before anything is sent: the configured credential differs from the one an adopted integration
    holds in Codat, which is the one in use. Names only Codat's own last 4 characters."""
    key = prior["platform_key"]
    if attribute == "client_secret_wo":
        what, held, fix = "client secret", prior.get("client_secret_masked"), "the app's current client secret"
    else:
        what, held, fix = "client id", prior.get("client_id"), "the app's client id"
    diags.error(
        f"{attribute} is not the {what} Codat holds",
        f"The configured {what} ends differently from the one Codat holds for {key} (Codat shows {_shown(held)}). "
        f"This integration was adopted from Codat and Terraform has not sent its credentials since, so the ones in "
        f"Codat are in use: nothing was sent. Set what feeds {attribute} to {fix}, or, to replace Codat's credentials "
        "with the configured ones on purpose, add 1 to client_secret_wo_version.",
        path=(attribute,),
    )


class _Change:
    """One create or update, as `_apply` carries it out: the platform `key`, Codat's `integration` as it was read
    before, the `state` being built (updated in place with what was applied), the `config`, the switch `enabled`
    as planned, whether to `send_credentials`, and whether this is `creating` the resource (a failed create
    taints it, which the error explains). A class with slots, not a dataclass: the provider starts without
    importing dataclasses."""

    __slots__ = ("config", "creating", "enabled", "integration", "key", "send_credentials", "state")

    def __init__(
        self,
        *,
        key: str,
        integration: Integration,
        state: dict,
        config: dict,
        enabled: bool,
        send_credentials: bool,
        creating: bool,
    ) -> None:
        self.key = key
        self.integration = integration
        self.state = state
        self.config = config
        self.enabled = enabled
        self.send_credentials = send_credentials
        self.creating = creating


class IntegrationResource(Resource):
    provider: CodatProvider  # the instance for this connection: its client, caches and stop state
    type_name = "codat_integration"
    schema = SCHEMA

    def validate(self, config: dict, diags: Diagnostics) -> None:
        validate_config(config, diags)

    # ------------------------------------------------------------------ plan

    def modify_plan(self, req: PlanRequest, diags: Diagnostics) -> None:
        if req.prior is None or req.planned is None or req.config is None or req.requires_replace:
            return  # create, replace or destroy: every computed attribute is already unknown or defaulted
        reasons = credentials_to_send(req.prior, req.planned, req.config)
        if req.private.get(ADOPTED) and reasons:
            conflicts = differ_from_codat(reasons)
            for attribute in conflicts:
                _refuse_over_adopted(attribute, req.prior, diags)
            if conflicts:
                return
            del req.private[ADOPTED]  # this plan sends on purpose: from now on Terraform's own credentials
        if reasons:
            req.set_unknown("client_secret_masked")
            req.set_unknown("credentials_api_available")
        for attribute, reason in reasons.items():
            diags.warning(f"Credentials will be sent to Codat: {attribute}", f"{reason}.", path=(attribute,))
        if not reasons:
            recorded = records_only(req.prior, req.planned, req.config)
            if recorded:
                diags.warning(
                    "Credentials recorded, not sent",
                    f"This plan only records {' and '.join(recorded)} in state: Codat already holds credentials "
                    "whose last 4 characters match the configured ones (e.g. after a plain import). Import with "
                    f"an ID such as {req.planned['platform_key']}:client_id=<id>,client_secret_wo_version=1 to "
                    "start with them recorded.",
                    path=(recorded[0],),
                )

    # ------------------------------------------------------------------ apply

    def create(self, planned: dict, config: dict, diags: Diagnostics) -> dict:
        with reported("create the Codat integration", stopped_detail=NOTHING_CHANGED):
            return self._create(planned, config, diags)

    def _create(self, planned: dict, config: dict, diags: Diagnostics) -> dict:
        key = planned["platform_key"]
        integration = get_integration(self.provider.client, key)
        state = {**planned, **flatten_integration(integration)}
        held, available = self._held_credentials(key, diags)
        state["credentials_api_available"] = available
        managed = config.get("client_id") is not None
        state.update(flatten_credentials(held or {}, {"client_id": config.get("client_id") if managed else None}))
        send = managed
        if held:
            if managed and not credentials_to_send(state, planned, config):
                send = False
                outcome = ("They match the configured ones (same last 4 characters of client id and secret), so "
                           "they were not sent again.")
            elif managed:
                outcome = "They are replaced by the configured ones."
            else:
                outcome = "They are kept: this configuration sets no client_id and client_secret_wo."
            diags.warning(
                f"Adopted the existing {integration.name} integration",
                f"Codat already held credentials for {key} (client id {_shown(held.get('clientId'))}, secret "
                f"{_shown(held.get('clientSecret'))}). {outcome}",
            )
        change = _Change(key=key, integration=integration, state=state, config=config, enabled=planned["enabled"],
                         send_credentials=send, creating=True)
        return self._apply(change, diags)

    def update(self, prior: dict, planned: dict, config: dict, diags: Diagnostics) -> dict:
        with reported("update the Codat integration", stopped_detail=NOTHING_CHANGED):
            return self._update(prior, planned, config, diags)

    def _update(self, prior: dict, planned: dict, config: dict, diags: Diagnostics) -> dict:
        key = planned["platform_key"]
        integration = get_integration(self.provider.client, key)
        state = {**planned, **flatten_integration(integration)}
        send = planned.get("client_secret_masked") is UNKNOWN
        if not send:
            state["client_secret_masked"] = prior.get("client_secret_masked")
            state["credentials_api_available"] = prior.get("credentials_api_available")
        change = _Change(key=key, integration=integration, state=state, config=config, enabled=planned["enabled"],
                         send_credentials=send, creating=False)
        return self._apply(change, diags)

    def _apply(self, change: _Change, diags: Diagnostics) -> dict:
        """Send the credentials (when asked), then set the switch; state records exactly what was applied."""
        from codat_client import CodatError, LegacyEndpointUnavailableError, StoppedError

        client = self.provider.client
        key, state, config, wanted = change.key, change.state, change.config, change.enabled
        integration = change.integration
        switch = "on" if wanted else "off"
        sent = False
        if change.send_credentials:
            held = None
            try:
                held = client.put_credentials(key, credentials_body(config))
            except unacknowledged() as exc:
                held = self._credentials_after(key, config, exc, diags)
            except StoppedError as exc:
                stored = ("the credentials were not sent" if exc.took_effect is False else
                          "Codat may or may not have stored the credentials (its last answer does not say; the "
                          "next plan compares what it holds with the configuration)")
                raise ProviderError(
                    f"Stopped: the integration was not switched {switch}",
                    f"Terraform was interrupted while sending the credentials: {stored}, and the integration "
                    f"was not switched {switch}. {exc}",
                    path=("client_id",),
                ) from exc
            except LegacyEndpointUnavailableError as exc:
                diags.warning(
                    "Credentials not sent",
                    f"{exc} Terraform records the configured client_id and client_secret_wo_version as declared "
                    "and sends them again only when you change them.",
                    path=("client_id",),
                )
                state.update(client_id=config["client_id"], client_secret_masked=None, credentials_api_available=False)
            except CodatError as exc:
                raise ProviderError("Could not send the credentials to Codat", str(exc), path=("client_id",)) from exc
            if held is not None:
                _warn_unmasked(held, key, diags)
                state.update(
                    client_id=config["client_id"],
                    client_secret_masked=held.get("clientSecret"),
                    credentials_api_available=True,
                )
                sent = True
        if integration.enabled != wanted:
            try:
                try:
                    integration = client.set_enabled(key, wanted)
                except unacknowledged() as exc:
                    integration = self._switched_after(key, wanted, exc, diags)
            except CodatError as exc:
                stopped = isinstance(exc, StoppedError)
                state["enabled"] = integration.enabled
                done = "Terraform was interrupted. " if stopped else ""
                if sent:
                    done += (f"The credentials were applied: Codat holds the configured client_id and the secret "
                             f"(shown as {_shown(state['client_secret_masked'])}), and state records them. ")
                elif stopped:
                    done += "No credentials were sent: this change needed none. "
                retry = "Run apply again to retry the switch."
                if change.creating:
                    retry = ("Terraform marks a resource whose creation failed as tainted, so the next apply "
                             'replaces it: unless on_destroy = "delete_credentials", that replacement only retries '
                             "the switch (credentials Codat already holds are not sent again). `terraform untaint` "
                             "makes the next apply an in-place update instead.")
                summary = "Stopped: the integration was not switched" if stopped else "Could not switch the integration"
                diags.error(f"{summary} {switch}", f"{done}{exc} {retry}", path=("enabled",))
                return state
        state["enabled"] = integration.enabled
        return state

    def _credentials_after(self, key: str, config: dict, answer: Exception, diags: Diagnostics) -> MaskedCredentials:
        """After a credentials write Codat did not acknowledge: Codat's masked copy when it ends like the configured
        credentials (the write arrived), else an error saying they were not sent."""
        from codat_client import CodatError

        try:
            held = self.provider.client.get_credentials(key)
        except CodatError as exc:
            raise ProviderError(
                "Could not send the credentials to Codat",
                f"Codat's answer to the credentials was not an acknowledgement ({answer}), and reading them back "
                f"failed: {exc}",
                path=("client_id",),
            ) from exc
        wanted = credentials_body(config)
        if all(matches_masked(held.get(field) or "", value) for field, value in wanted.items()):
            diags.warning(
                "Codat did not acknowledge the credentials, but holds them",
                f"{answer} Read back, Codat's client id and secret end like the configured ones, so they were "
                "stored and state records them.",
            )
            return held
        raise ProviderError(
            "Codat did not acknowledge the credentials: they were not stored",
            f"Codat's answer to the credentials was not an acknowledgement ({answer}). Read back, Codat shows client "
            f"id {_shown(held.get('clientId'))} and secret {_shown(held.get('clientSecret'))}, which do not end like "
            "the configured ones: the credentials were not stored and the integration was not switched. Run apply "
            "again.",
            path=("client_id",),
        )

    def _switched_after(self, key: str, wanted: bool, answer: Exception, diags: Diagnostics):
        """After a switch Codat did not acknowledge: the integration read back when it is switched as wanted,
        else the answer again (a CodatError, reported as a failed switch)."""
        integration = self.provider.client.get_integration(key)
        if integration.enabled != wanted:
            raise answer
        diags.warning(
            "Codat did not acknowledge the switch, but made it",
            f"{answer} Read back, the integration is switched {'on' if wanted else 'off'}, so state records it.",
        )
        return integration

    # ------------------------------------------------------------------ read, import

    def read(self, state: dict, diags: Diagnostics) -> dict | None:
        with reported("read the Codat integration", stopped_detail=NOTHING_CHANGED):
            return self._read(state, diags)

    def _read(self, state: dict, diags: Diagnostics) -> dict | None:
        from codat_client import NotFoundError

        key = state["platform_key"]
        try:
            integration = self.provider.client.get_integration(key)
        except NotFoundError:
            return None
        fresh = {**state, **flatten_integration(integration)}
        held, available = self._held_credentials(key, diags)
        fresh["credentials_api_available"] = available
        if held is not None:  # the credentials endpoint answered
            fresh.update(flatten_credentials(held, state))
        return fresh

    def import_state(self, id: str, diags: Diagnostics) -> dict | Imported | None:
        with reported("import the Codat integration", stopped_detail=NOTHING_CHANGED):
            return self._import_state(id, diags)

    def _import_state(self, id: str, diags: Diagnostics) -> dict | Imported | None:
        from codat_client import NotFoundError

        parsed = parse_import_id(id, diags)
        if parsed is None:
            return None
        key, claimed_id, version = parsed
        try:
            self.provider.client.get_integration(key)
        except NotFoundError:
            return None
        state = {"platform_key": key, "on_destroy": "disable", "force": False, "client_secret_wo_version": version}
        held, available = self._held_credentials(key, diags)
        if claimed_id is None:
            return state  # read() fills in Codat's masked client id
        held_id = (held or {}).get("clientId")
        if not available:
            diags.warning(
                "client_id not verified",
                f"Codat's credentials endpoints are unavailable, so the imported client_id could not be checked "
                f"against the one Codat holds; it is recorded as given. {PORTAL_HINT}",
            )
            state["client_id"] = claimed_id
            return state
        if held_id is None:
            diags.warning(
                "Codat holds no credentials",
                f"The import ID names a client_id, but Codat holds no credentials for {key}: the next plan sends "
                "the configured ones.",
            )
            return state
        if matches_masked(held_id, claimed_id):
            state["client_id"] = claimed_id
        else:
            diags.warning(
                "client_id differs from Codat's",
                f"Codat's client id for {key} ends {_shown(held_id)}, which is not the end of the client_id in the "
                "import ID: state records Codat's masked client id, and plans refuse to send the configured "
                "credentials over Codat's until they match or client_secret_wo_version changes.",
            )
        # Credentials Terraform did not send: until a plan sends on purpose, one that differs from Codat's is an
        # error, not a repair (the credentials in Codat are the ones in use).
        return Imported(state, {ADOPTED: True})

    # ------------------------------------------------------------------ destroy

    def delete(self, prior: dict, diags: Diagnostics) -> None:
        with reported("destroy the Codat integration"):
            self._delete(prior, diags)

    def _delete(self, prior: dict, diags: Diagnostics) -> None:
        from codat_client import LegacyEndpointUnavailableError, NotFoundError, StoppedError

        key, mode = prior["platform_key"], prior.get("on_destroy") or "disable"
        if mode == "forget":
            return
        client = self.provider.client
        try:
            integration = client.get_integration(key)
        except NotFoundError:
            return
        if mode == "delete_credentials" and not prior.get("force"):
            linked = integration.linked_connections_count
            if linked is None:  # a live-only field: count from the companies when Codat leaves it out
                usage = client.connection_usage().get(key)
                linked = usage.linked if usage is not None else 0
            if linked:
                raise ProviderError(
                    "Refusing to delete credentials in use",
                    f"Codat reports {linked} linked {integration.name} connection(s) ({key}), which stop refreshing "
                    'without these credentials. Set force = true (and apply) to delete anyway, or on_destroy = '
                    '"disable" to keep them; nothing was changed.',
                    path=("force",),
                )
        if integration.enabled:
            client.set_enabled(key, False)
        if mode == "delete_credentials":
            try:
                client.delete_credentials(key)
            except StoppedError as exc:
                switched = "The integration was switched off, but" if integration.enabled else "Nothing was changed:"
                raise ProviderError(
                    "Stopped: could not destroy the Codat integration",
                    f"Terraform was interrupted. {switched} the credentials were not confirmed deleted; state keeps "
                    f"the integration, and the next plan reads what Codat holds. {exc}",
                ) from exc
            except NotFoundError:
                return  # none held
            except LegacyEndpointUnavailableError as exc:
                raise ProviderError(
                    "Credentials not deleted",
                    f"The integration was switched off, but {exc} Delete the credentials in the Codat Portal, or "
                    'set on_destroy = "disable" (and apply) to keep them.',
                    path=("on_destroy",),
                ) from exc

    # ------------------------------------------------------------------ helpers

    def _held_credentials(self, key: str, diags: Diagnostics) -> tuple[dict[str, str] | None, bool]:
        """Codat's masked credentials ({} when none) and whether the legacy endpoint answered.

        Callers have read the integration first, so a 404 saying no credentials exist means just that.
        """
        from codat_client import LegacyEndpointUnavailableError, NotFoundError

        try:
            held = self.provider.client.get_credentials(key)
        except NotFoundError:
            return {}, True
        except LegacyEndpointUnavailableError as exc:
            diags.warning(
                "Credentials cannot be read from Codat",
                f"{exc} Drift of client_id and client_secret_wo cannot be detected, so configured credentials are "
                "sent again only when the configuration changes them; drift of enabled is still detected.",
            )
            return None, False
        _warn_unmasked(held, key, diags)
        return held, True
