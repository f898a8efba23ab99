"""`codat_webhook`: create, read, import and delete a Codat webhook consumer.

Codat has no update and no get-by-id for consumers: every configurable attribute requires replacement,
and read finds the consumer by id in GET /webhooks. `codat_client` is imported inside the methods that
call Codat, so Terraform's schema and validate starts of the provider skip loading httpx and pydantic.
"""

from __future__ import annotations


from tfplugin import Diagnostics, ProviderError, Resource

from codat_provider.reporting import reported
from codat_provider.validation import bad_request_paths
from codat_provider.webhook.expand import API_FIELDS, create_args
from codat_provider.webhook.flatten import flatten_webhook
from codat_provider.webhook.schema import MAX_CONSUMERS, SCHEMA
from codat_provider.webhook.validate import validate_config

class WebhookResource(Resource):
    type_name = "codat_webhook"
    schema = SCHEMA

    def validate(self, config: dict, diags: Diagnostics) -> None:
        validate_config(config, diags)

    def create(self, planned: dict, config: dict, diags: Diagnostics) -> dict | None:
        with reported("create the Codat webhook consumer"):
            return self._create(planned, diags)

    def _create(self, planned: dict, diags: Diagnostics) -> dict | None:
        from codat_client import BadRequestError

        try:
            consumer = self.provider.client.create_webhook(**create_args(planned))
        except BadRequestError as exc:
            pathed = bad_request_paths(exc.validation_errors, API_FIELDS)
            for path, message in pathed:
                diags.error("Codat rejected the webhook consumer", f"{message} ({exc})", path=path)
            if not pathed:
                held = sum(1 for _ in self.provider.client.list_webhooks())
                if held >= MAX_CONSUMERS:
                    diags.error(
                        f"Codat's limit of {MAX_CONSUMERS} webhook consumers is reached",
                        f"The account already has {held} webhook consumers, and Codat allows at most "
                        f"{MAX_CONSUMERS}. Delete unused ones (in the Codat Portal's webhook settings, or by "
                        f"removing them from Terraform) and apply again. Codat said: {exc.error} "
                        f"(correlationId {exc.correlation_id})",
                        path=("url",),
                    )
                else:
                    diags.error("Codat rejected the webhook consumer", str(exc), path=("url",))
            return None
        return flatten_webhook(consumer, planned)

    def read(self, state: dict, diags: Diagnostics) -> dict | None:
        with reported("read the Codat webhook consumer"):
            consumer = self._find(state["id"])
        return None if consumer is None else flatten_webhook(consumer, state)

    def update(self, prior: dict, planned: dict, config: dict, diags: Diagnostics) -> dict:
        # Unreachable: every configurable attribute requires replacement. Say so rather than pretend.
        raise ProviderError(
            "Codat cannot update a webhook consumer",
            "Codat has no update for webhook consumers; this change should have planned a replacement. "
            "Run `terraform apply -replace=<address>` to recreate it.",
        )

    def delete(self, prior: dict, diags: Diagnostics) -> None:
        from codat_client import NotFoundError

        with reported("delete the Codat webhook consumer"):
            try:
                self.provider.client.delete_webhook(prior["id"])
            except NotFoundError:
                return  # already gone: that is what destroy wanted

    def import_state(self, id: str, diags: Diagnostics) -> dict:
        id = id.strip()
        with reported("import the Codat webhook consumer"):
            found = self._find(id)
        if found is None:
            raise ProviderError(
                "No such webhook consumer",
                f"Codat has no webhook consumer with id {id!r}. Import with an id from GET /webhooks "
                "(Portal: Settings > Webhooks).",
            )
        return {"id": id}

    def _find(self, id: str):
        return next((c for c in self.provider.client.list_webhooks() if c.id == id), None)
