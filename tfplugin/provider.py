"""The classes a provider author subclasses: Provider, Resource, DataSource."""
from __future__ import annotations

from .schema import Schema
from .values import UNKNOWN

__all__ = ["Provider", "Resource", "DataSource", "PlanRequest", "Imported"]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, ClassVar

    from .diagnostics import Diagnostics, Path


class Provider:
    """A Terraform provider.

    Class attributes: ``type_name`` (e.g. ``"codat"``), ``schema`` (the provider block),
    ``resources`` and ``data_sources`` (lists of Resource / DataSource subclasses).

    RPCs may run concurrently (Terraform's -parallelism): resource methods must be
    thread-safe.
    """

    type_name: str = ""
    schema: Schema = Schema()
    resources: ClassVar[list[type[Resource]]] = []
    data_sources: ClassVar[list[type[DataSource]]] = []
    terraform_version: str = ""  # the version of the Terraform that configured this instance

    def validate_config(self, config: dict[str, Any], diags: Diagnostics) -> None:
        """Check the provider block. Values may be UNKNOWN."""

    def configure(self, config: dict[str, Any], diags: Diagnostics) -> None:
        """Called once before any resource operation. Values may be UNKNOWN."""

    def learn_secrets(self, values: list[str]) -> None:
        """The string values of write-only and sensitive attributes in a configuration Terraform sent (the
        provider block's or a resource's, at validate, configure, plan and apply), handed over before any of the
        provider's own code sees that configuration: a provider that scrubs (``set_scrubber``) adds them to what
        it scrubs, so no message, log line or value shows them. Default: no-op."""

    def stop(self) -> None:
        """Terraform was interrupted (StopProvider: Ctrl-C, SIGTERM). Called from another thread while
        RPCs may be running: end their waits promptly so they can report what was applied. It concerns this
        instance (this connection) only. Default: no-op."""

    def close(self) -> None:
        """The gRPC connection this instance served has ended (each connection has an instance of its own): let
        go of what it holds (an HTTP client's connections). Default: no-op."""

    def preload(self) -> None:
        """Import now what ``configure`` and the CRUD methods will need. A warm server (one process serving many
        terraform runs, see docs/tfplugin.md) calls it once, right after it starts, while Terraform reads its
        configuration; a process Terraform starts itself never calls it. Default: no-op."""

    def origin(self) -> str | None:
        """The identity of the remote system this configured provider manages (e.g. its API URL), or None.

        The layer records it in each managed resource's private state and, before any of the
        resource's own code runs, stops read, plan and apply with an error when the state records
        another origin: a state applied to one system is never applied to another. None (the
        default) records and checks nothing. Called after configure(), on every resource RPC: keep
        it cheap, and free of secrets (it is stored in state and shown in errors).
        """
        return None


class Resource:
    """A managed resource type.

    Methods return plain dicts (see tfplugin.values for the value conventions). A
    returned dict may be partial: keys it leaves out keep the input's values (the
    planned state for create/update, the state for read). Raise ProviderError for a
    clean error; any other exception becomes an error diagnostic naming the resource
    type and operation, with the traceback in the debug log.
    """

    type_name: str = ""
    schema: Schema = Schema()
    # {N: fn(raw state dict) -> dict} upgrades version N to N+1 (None: the state as it was, changed in place)
    state_upgraders: ClassVar[dict[int, Callable[[dict[str, Any]], dict[str, Any] | None]]] = {}

    def __init__(self, provider: Provider) -> None:
        self.provider = provider

    def validate(self, config: dict[str, Any], diags: Diagnostics) -> None:
        """Check a resource block. Values may be UNKNOWN."""

    def modify_plan(self, req: PlanRequest, diags: Diagnostics) -> None:
        """Adjust the layer's default plan in place (req.planned, req.requires_replace)."""

    def create(self, planned: dict[str, Any], config: dict[str, Any], diags: Diagnostics) -> dict[str, Any] | None:
        raise NotImplementedError(f"{self.type_name}: create is not implemented")

    def read(self, state: dict[str, Any], diags: Diagnostics) -> dict[str, Any] | None:
        """Return the current remote state, or None when the object is gone."""
        return state

    def update(self, prior: dict[str, Any], planned: dict[str, Any], config: dict[str, Any],
               diags: Diagnostics) -> dict[str, Any] | None:
        raise NotImplementedError(f"{self.type_name}: update is not implemented")

    def delete(self, prior: dict[str, Any], diags: Diagnostics) -> None:
        raise NotImplementedError(f"{self.type_name}: delete is not implemented")

    def import_state(self, id: str, diags: Diagnostics) -> dict[str, Any] | Imported | None:
        """Return a partial state for ``terraform import`` (the layer then calls read()), or an
        ``Imported`` to give the instance private data as well."""
        diags.error("Import not supported", f"The resource type {self.type_name} does not support import.")
        return None


class DataSource:
    type_name: str = ""
    schema: Schema = Schema()

    def __init__(self, provider: Provider) -> None:
        self.provider = provider

    def validate(self, config: dict[str, Any], diags: Diagnostics) -> None:
        """Check a data block. Values may be UNKNOWN."""

    def read(self, config: dict[str, Any], diags: Diagnostics) -> dict[str, Any]:
        raise NotImplementedError(f"{self.type_name}: read is not implemented")


class Imported:
    """What import_state() returns to give the imported instance private data besides its partial state.

    Private data (a JSON object) is kept by Terraform with the instance and never shown: it is how an
    import tells later plans something the state does not hold (e.g. "adopted, never written by us").
    Plans see and edit it as ``PlanRequest.private``; apply keeps what the plan left there.
    """

    __slots__ = ("state", "private")

    def __init__(self, state: dict[str, Any], private: dict[str, Any]) -> None:
        self.state = state
        self.private = private


class PlanRequest:
    """What modify_plan() sees and edits.

    prior: the prior state, None on create. config: the configuration, write-only
    values present. planned: the layer's default plan, edit in place.
    requires_replace: attribute paths (tuples) that force replacement; append to it.
    private: the instance's private data (a JSON object; {} when none): edit it in place to change
    what the planned (and, after apply, the new) state carries.
    """

    __slots__ = ("prior", "config", "planned", "requires_replace", "type_name", "private")

    def __init__(self, prior: dict[str, Any] | None, config: dict[str, Any] | None, planned: Any,
                 requires_replace: list[Path] | None = None, type_name: str = "",
                 private: dict[str, Any] | None = None) -> None:
        self.prior = prior
        self.config = config
        self.planned = planned
        self.requires_replace: list[Path] = requires_replace if requires_replace is not None else []
        self.type_name = type_name
        self.private: dict[str, Any] = private if private is not None else {}

    @property
    def is_create(self) -> bool:
        return self.prior is None

    def set_unknown(self, name: str) -> None:
        self.planned[name] = UNKNOWN

    def __repr__(self) -> str:
        return (f"PlanRequest(prior={self.prior!r}, config=..., planned={self.planned!r}, "
                f"requires_replace={self.requires_replace!r})")
