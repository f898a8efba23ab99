"""`codat_webhook`: create, read, import and delete a Codat webhook consumer.

Codat has no update and no get-by-id for consumers: every configurable attribute requires replacement,
and read finds the consumer by id in GET /webhooks. `codat_client` is imported inside the methods that
call Codat, so Terraform's schema and validate starts of the provider skip loading httpx and pydantic.

Created once. A create first lists the consumers and adopts one with the same url, event types, company tags and
disabled flag that this process has not created or adopted already; only when there is none does it POST. So
an apply that died after its POST reached Codat (state never learned the id) leaves one consumer, not two, once
applied again. Design choice: adopting rather than a deterministic Idempotency-Key. Codat keeps a key's first
answer for a while (the emulator 24 h): a consumer destroyed and declared again the same way within that time
would get the deleted consumer's answer back, and state an id Codat no longer holds, apply after apply. A
consumer that is listed is one Codat holds. The cost: two resources (or stacks) declaring the very same consumer
share one; within one apply each gets its own, as creates take turns and claim what they create or adopt.
"""

from __future__ import annotations

import threading

from codat_provider.confirm import unacknowledged
from codat_provider.reporting import reported
from codat_provider.validation import bad_request_paths
from codat_provider.webhook.expand import API_FIELDS, create_args, same_consumer
from codat_provider.webhook.flatten import flatten_webhook
from codat_provider.webhook.schema import MAX_CONSUMERS, SCHEMA
from codat_provider.webhook.validate import validate_config
from tfplugin import Diagnostics, ProviderError, Resource

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing on every provider start
if TYPE_CHECKING:
    from codat_client import WebhookConsumer
    from codat_provider.provider import CodatProvider
    from tfplugin import Provider

MATCHING = "url, event types, company tags and disabled flag"


class WebhookResource(Resource):
    provider: CodatProvider  # the instance for this connection: its client, caches and stop state
    type_name = "codat_webhook"
    schema = SCHEMA

    def __init__(self, provider: Provider) -> None:
        super().__init__(provider)
        # tfplugin keeps one instance per process: creates take turns, and none adopts what another claimed.
        self._creating = threading.Lock()
        self._claimed: set[str] = set()

    def validate(self, config: dict, diags: Diagnostics) -> None:
        validate_config(config, diags)

    def create(self, planned: dict, config: dict, diags: Diagnostics) -> dict | None:
        with reported("create the Codat webhook consumer"), self._creating:
            consumer = self._unclaimed(planned)
            if consumer is not None:
                diags.warning(
                    f"Adopted the existing webhook consumer {consumer.id}",
                    f"Codat already held a consumer with this {MATCHING} that this apply had not created (for "
                    "example one whose creation reached Codat just before an earlier apply was stopped), so it was "
                    "adopted instead of creating a second one that would receive every event twice. If another "
                    "Terraform configuration manages the same consumer, declare it in only one of them.",
                )
            else:
                consumer = self._create(planned, diags)
                if consumer is None:
                    return None
            self._claimed.add(consumer.id)
        return flatten_webhook(consumer, planned)

    def _unclaimed(self, planned: dict) -> WebhookConsumer | None:
        """The first consumer Codat holds that matches the plan and this process has not claimed."""
        wanted = create_args(planned)
        return next((c for c in self.provider.client.list_webhooks()
                     if c.id not in self._claimed and same_consumer(c, wanted)), None)

    def _create(self, planned: dict, diags: Diagnostics) -> WebhookConsumer | None:
        from codat_client import BadRequestError

        try:
            return self.provider.client.create_webhook(**create_args(planned))
        except unacknowledged() as exc:
            consumer = self._unclaimed(planned)  # the POST may have arrived: Codat's list says
            if consumer is None:
                raise ProviderError(
                    "Codat did not acknowledge the webhook consumer: none was created",
                    f"Codat's answer to the creation was not an acknowledgement ({exc}), and Codat holds no "
                    f"consumer with this {MATCHING}: nothing was created. Run apply again.",
                ) from exc
            diags.warning(
                "Codat did not acknowledge the webhook consumer, but holds it",
                f"{exc} Codat lists consumer {consumer.id} with this {MATCHING}, so state records it.",
            )
            return consumer
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
