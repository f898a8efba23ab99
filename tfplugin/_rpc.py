"""The tfplugin6.Provider service: protocol messages (as dicts) <-> the Python API.

Each RPC decodes what Terraform sent, runs the provider's code, and returns what the layer makes of it; the
pieces live beside it: _messages (DynamicValues, diagnostics), _planning (the default plan), _write_only,
_private (private state), _screen (secrets kept out of values), _results (results made whole and checked),
_upgrade (flatmap state)."""
from __future__ import annotations

import functools
import threading

from . import _scrub, types as T, values as V
from ._messages import (
    NOT_SUPPORTED,
    decode_value,
    encode_value,
    not_supported,
    path_steps,
    path_text,
    proto_diagnostics,
)
from ._planning import default_plan, unique_paths
from ._private import recorded_origin, resource_private, with_origin, with_resource_private
from ._results import check_conforms, empty_state, merge_result, no_unknowns
from ._screen import Screen, screen_private, secret_values
from ._write_only import null_write_only, refuse_unannounced
from .diagnostics import ERROR, Diagnostic, Diagnostics, ProviderError
from .provider import DataSource, Imported, PlanRequest, Provider, Resource
from .schema import Schema
from .values import copy_value

TYPE_CHECKING = False
if TYPE_CHECKING:
    import logging
    from collections.abc import Callable
    from typing import Any, TypeAlias

    from ._messages import Message
    from .diagnostics import Path
    from .values import Value

    # A resource or data source RPC as written (it gets the instance and the implied type of its type_name),
    # and as served.
    TypedRpc: TypeAlias = "Callable[[ProviderService, Message, Diagnostics, str, Any, T.Object], Message]"
    Rpc: TypeAlias = "Callable[[ProviderService, Message], Message]"

_log: logging.Logger | None = None


def _logger() -> logging.Logger:
    global _log
    if _log is None:
        import logging
        _log = logging.getLogger("tfplugin")
    return _log


def _typed(kind: str) -> Callable[[TypedRpc], Rpc]:
    """The preamble every resource or data source RPC shares, written once.

    Looks up the request's ``type_name`` (an unknown type is answered with a diagnostic) and calls
    the handler as ``handler(self, req, diags, type_name, instance, implied_type)``.
    """
    def wrap(handler: TypedRpc) -> Rpc:
        @functools.wraps(handler)
        def rpc(self: ProviderService, req: Message) -> Message:
            diags = Diagnostics()
            type_name = req.get("type_name", "")
            inst = self._instance(kind, type_name, diags)
            if inst is None:
                return {"diagnostics": proto_diagnostics(diags, None)}
            return handler(self, req, diags, type_name, inst, inst.schema.implied_type())
        return rpc
    return wrap


class ProviderService:
    """Implements every RPC of tfplugin6.Provider on top of a Provider instance.

    One service (so one provider instance: its configuration, client, caches, origin and stop state) answers
    one gRPC connection. Terraform opens one connection per provider alias, and a warm server serves the
    connections of every terraform a run starts, each with a service of its own (server.py)."""

    def __init__(self, provider_factory: Callable[[], Provider], name: str = "provider") -> None:
        self._factory = provider_factory
        self._name = name
        self._provider: Provider | None = None
        self._lock = threading.Lock()
        self._resources: dict[str, Resource] = {}
        self._data_sources: dict[str, DataSource] = {}
        self._schema_response: Message | None = None
        self.stopped = threading.Event()
        self.terraform_version = ""

    # ------------------------------------------------------------------ plumbing

    @property
    def provider(self) -> Provider:
        p = self._provider
        if p is None:
            with self._lock:
                if self._provider is None:
                    self._provider = self._factory()
                p = self._provider
        return p

    def _instance(self, kind: str, type_name: str, diags: Diagnostics) -> Resource | DataSource | None:
        """The (cached) Resource or DataSource instance for ``type_name``; None and an error when unknown."""
        cache: dict[str, Any] = self._resources if kind == "resource" else self._data_sources
        inst: Resource | DataSource | None = cache.get(type_name)
        if inst is None:
            p = self.provider
            classes: list[type[Resource]] | list[type[DataSource]] = \
                p.resources if kind == "resource" else p.data_sources
            cls = {c.type_name: c for c in classes}.get(type_name)
            if cls is None:
                diags.error(f"Unknown {kind} type", f"This provider has no {kind} type {type_name!r}.")
                return None
            with self._lock:
                inst = cache.get(type_name)
                if inst is None:
                    inst = cache[type_name] = cls(p)
        return inst

    def _call(self, diags: Diagnostics, label: str, fn: Callable[..., Any], *args: Any) -> Any:
        """Run provider code; exceptions become diagnostics, never crashes."""
        try:
            return fn(*args)
        except ProviderError as e:
            diags.error(e.summary, e.detail, e.path)
        except BaseException as e:  # noqa: BLE001 - any failure of provider code (even sys.exit) is reported
            _logger().debug("%s raised", label, exc_info=True)
            text = str(e) or type(e).__name__
            diags.error(f"{label} failed: {text}",
                        "The provider raised an unexpected error. Run with TF_LOG_PROVIDER=debug to see the traceback.")
        return None

    def _learn(self, schema: Schema, config: Value, diags: Diagnostics) -> None:
        """Hand the provider the write-only and sensitive values of a configuration (Provider.learn_secrets)
        before any of its code sees it, so a message quoting one is scrubbed even in a process that never sends it."""
        p = self.provider
        learn = getattr(type(p), "learn_secrets", None)
        if learn is None or learn is Provider.learn_secrets:
            return
        values = secret_values(schema, config)
        if values:
            self._call(diags, f"{self._name}: learn secrets", p.learn_secrets, values)

    def _origin(self, type_name: str, private: bytes, diags: Diagnostics) -> str | None:
        """The provider's origin() (None: no check); an error when ``private`` records another origin.

        Called before any of the resource's own code, so a state applied to one remote system is
        never read, planned or applied against another, and nothing is dropped from that state.
        """
        current: object = self._call(diags, f"{self._name}: origin", self.provider.origin)
        if current is not None and not isinstance(current, str):
            diags.error(f"{self._name}: origin() returned {type(current).__name__}, expected a string or None")
            return None
        recorded = recorded_origin(private)
        if current is not None and recorded is not None and recorded != current:
            diags.error(f"{type_name}: this state belongs to {recorded}, but the provider now points at {current}",
                        f"The state of this {type_name} was written against {recorded}. Nothing was sent to "
                        f"{current} for it, and the state is unchanged. To go on, either point the provider back "
                        f"at {recorded}, or manage {current} from another stack or state (another working "
                        f"folder, workspace or backend). If the object really moved to {current}, remove it "
                        "from this state (`terraform state rm <address>`) and import it again (`terraform "
                        "import`).")
        return current

    # ------------------------------------------------------------------ metadata and schema

    def _capabilities(self) -> Message:
        return {"plan_destroy": False, "get_provider_schema_optional": True, "move_resource_state": False}

    def GetMetadata(self, req: Message) -> Message:
        p = self.provider
        return {"server_capabilities": self._capabilities(),
                "resources": [{"type_name": c.type_name} for c in p.resources],
                "data_sources": [{"type_name": c.type_name} for c in p.data_sources]}

    def GetProviderSchema(self, req: Message) -> Message:
        if self._schema_response is None:
            p = self.provider
            diags = Diagnostics()
            try:
                resp: Message = {"provider": p.schema.to_proto(),
                        "resource_schemas": {c.type_name: c.schema.to_proto() for c in p.resources},
                        "data_source_schemas": {c.type_name: c.schema.to_proto() for c in p.data_sources},
                        "server_capabilities": self._capabilities()}
                for c in p.data_sources:
                    if c.schema.has_write_only():
                        diags.error("Invalid schema", f"Data source {c.type_name} declares a write-only attribute; "
                                    "write-only attributes are only allowed in managed resources.")
            except Exception as e:  # noqa: BLE001
                _logger().debug("schema failed", exc_info=True)
                invalid = Diagnostic(ERROR, f"{self._name}: invalid schema: {e}")
                return {"diagnostics": proto_diagnostics([invalid], None)}
            if diags:
                resp["diagnostics"] = proto_diagnostics(diags, None)
            self._schema_response = resp
        return self._schema_response

    def GetResourceIdentitySchemas(self, req: Message) -> Message:
        return {"identity_schemas": {}}

    def UpgradeResourceIdentity(self, req: Message) -> Message:
        return {"diagnostics": not_supported("Resource identity")}

    def GetFunctions(self, req: Message) -> Message:
        return {"functions": {}}

    def CallFunction(self, req: Message) -> Message:
        return {"error": {"text": f"function {req.get('name', '')!r}: provider functions are {NOT_SUPPORTED}"}}

    def MoveResourceState(self, req: Message) -> Message:
        return {"diagnostics": not_supported("Moving resource state between resource types (moved blocks)")}

    def ValidateEphemeralResourceConfig(self, req: Message) -> Message:
        return {"diagnostics": not_supported("Ephemeral resources")}

    def OpenEphemeralResource(self, req: Message) -> Message:
        return {"diagnostics": not_supported("Ephemeral resources")}

    def RenewEphemeralResource(self, req: Message) -> Message:
        return {"diagnostics": not_supported("Ephemeral resources")}

    def CloseEphemeralResource(self, req: Message) -> Message:
        return {"diagnostics": not_supported("Ephemeral resources")}

    def close(self) -> None:
        """The connection this service answered has ended: let its provider instance go (Provider.close)."""
        p = self._provider
        if p is not None:
            self._call(Diagnostics(), f"{self._name}: close", p.close)

    def StopProvider(self, req: Message) -> Message:
        self.stopped.set()
        p = self._provider
        stop = getattr(p, "stop", None) if p is not None else None
        if callable(stop):
            try:
                stop()
            except Exception as e:  # noqa: BLE001
                return {"Error": str(e)}
        return {}

    # ------------------------------------------------------------------ provider

    def ValidateProviderConfig(self, req: Message) -> Message:
        p = self.provider
        diags = Diagnostics()
        typ = p.schema.implied_type()
        config = decode_value(req.get("config"), typ, diags)
        if not diags.has_errors:
            self._learn(p.schema, config, diags)
            self._call(diags, f"{self._name}: validate provider configuration", p.validate_config, config, diags)
        return {"diagnostics": proto_diagnostics(diags, typ)}

    def ConfigureProvider(self, req: Message) -> Message:
        p = self.provider
        diags = Diagnostics()
        self.terraform_version = req.get("terraform_version", "")
        try:
            p.terraform_version = self.terraform_version
        except Exception:  # noqa: BLE001 - slots or properties: not important
            pass
        typ = p.schema.implied_type()
        config = decode_value(req.get("config"), typ, diags)
        if not diags.has_errors:
            self._learn(p.schema, config, diags)
            self._call(diags, f"{self._name}: configure", p.configure, config, diags)
        return {"diagnostics": proto_diagnostics(diags, typ)}

    # ------------------------------------------------------------------ validation

    @_typed("resource")
    def ValidateResourceConfig(self, req: Message, diags: Diagnostics, type_name: str, res: Resource,
                           typ: T.Object) -> Message:
        schema = res.schema
        config = decode_value(req.get("config"), typ, diags)
        if diags.has_errors:
            return {"diagnostics": proto_diagnostics(diags, typ)}
        self._learn(schema, config, diags)
        refuse_unannounced(schema, config, req.get("client_capabilities") or {}, type_name, diags)
        self._call(diags, f"{type_name}: validate", res.validate, config, diags)
        return {"diagnostics": proto_diagnostics(diags, typ)}

    @_typed("data source")
    def ValidateDataResourceConfig(self, req: Message, diags: Diagnostics, type_name: str, ds: DataSource,
                           typ: T.Object) -> Message:
        config = decode_value(req.get("config"), typ, diags)
        if not diags.has_errors:
            self._learn(ds.schema, config, diags)
            self._call(diags, f"{type_name}: validate", ds.validate, config, diags)
        return {"diagnostics": proto_diagnostics(diags, typ)}

    # ------------------------------------------------------------------ state upgrade

    @_typed("resource")
    def UpgradeResourceState(self, req: Message, diags: Diagnostics, type_name: str, res: Resource,
                           typ: T.Object) -> Message:
        schema = res.schema
        version = int(req.get("version", 0))
        raw = req.get("raw_state") or {}
        if raw.get("json"):
            try:
                state = V.load_json(raw["json"])
            except ValueError as e:
                diags.error(f"{type_name}: stored state is not valid JSON", str(e))
                return {"diagnostics": proto_diagnostics(diags, None)}
        elif raw.get("flatmap"):
            from ._upgrade import from_flatmap  # state older than Terraform 0.12: rare, kept off the start path
            state = from_flatmap(raw["flatmap"], schema, diags, type_name)
            if diags.has_errors:
                return {"diagnostics": proto_diagnostics(diags, None)}
        else:
            return {"upgraded_state": {"msgpack": V.encode_msgpack(None, typ)}}
        if version > schema.version:
            diags.error(f"{type_name}: state is from a newer provider",
                        f"The stored state has schema version {version}, but this provider only knows versions up "
                        f"to {schema.version}. Use the provider version that wrote the state, or newer.")
            return {"diagnostics": proto_diagnostics(diags, None)}
        upgraders = getattr(res, "state_upgraders", None) or {}
        while version < schema.version and isinstance(state, dict):
            fn = upgraders.get(version)
            if fn is None:
                diags.error(f"{type_name}: cannot upgrade state",
                            f"No state upgrader from schema version {version} to {version + 1}.")
                return {"diagnostics": proto_diagnostics(diags, None)}
            new = self._call(diags, f"{type_name}: upgrade state from version {version}", fn, state)
            if diags.has_errors:
                return {"diagnostics": proto_diagnostics(diags, None)}
            if new is not None:
                state = new
            version += 1
        try:
            value = V.decode_json(state, typ)
            if value is not None:
                null_write_only(schema, value)
                screen = Screen()
                value = screen.value(value, typ)
                screen.report(diags, type_name)
            upgraded = V.encode_msgpack(value, typ)
        except V.CtyError as e:
            diags.error(f"{type_name}: stored state does not match the schema",
                        f"{path_text(e.path)}: {e}" if e.path else str(e), e.path or None)
            return {"diagnostics": proto_diagnostics(diags, typ)}
        return {"upgraded_state": {"msgpack": upgraded}, "diagnostics": proto_diagnostics(diags, typ)}

    # ------------------------------------------------------------------ managed resources

    @_typed("resource")
    def ReadResource(self, req: Message, diags: Diagnostics, type_name: str, res: Resource,
                           typ: T.Object) -> Message:
        private = req.get("private", b"")
        schema = res.schema
        current_dv = req.get("current_state")
        state = decode_value(current_dv, typ, diags)
        if diags.has_errors or state is None:
            return {"new_state": current_dv, "private": private, "diagnostics": proto_diagnostics(diags, typ)}
        origin = self._origin(type_name, private, diags)
        if diags.has_errors:
            return {"new_state": current_dv, "private": private, "diagnostics": proto_diagnostics(diags, typ)}
        result = self._call(diags, f"{type_name}: read", res.read, copy_value(state), diags)
        if diags.has_errors:
            return {"new_state": current_dv, "private": private, "diagnostics": proto_diagnostics(diags, typ)}
        screen = Screen()
        if result is None:
            new = None
        else:
            new = merge_result(state, result, typ, diags, f"{type_name}: read")
            null_write_only(schema, new)
            no_unknowns(new, diags, f"{type_name}: read")
            new = screen.value(new, typ)
        private = screen_private(with_origin(private, origin), screen)
        screen.report(diags, type_name)
        return {"new_state": encode_value(new, typ, diags, f"{type_name}: read"), "private": private,
                "diagnostics": proto_diagnostics(diags, typ)}

    @_typed("resource")
    def PlanResourceChange(self, req: Message, diags: Diagnostics, type_name: str, res: Resource,
                           typ: T.Object) -> Message:
        schema = res.schema
        hints = V.Hints()
        prior = decode_value(req.get("prior_state"), typ, diags)
        proposed_dv = req.get("proposed_new_state")
        proposed = decode_value(proposed_dv, typ, diags, hints)
        config = decode_value(req.get("config"), typ, diags)
        private = req.get("prior_private", b"")
        if diags.has_errors:
            return {"diagnostics": proto_diagnostics(diags, typ)}
        self._learn(schema, config, diags)
        origin = self._origin(type_name, private, diags)
        if diags.has_errors:
            return {"diagnostics": proto_diagnostics(diags, typ)}
        if proposed is None:  # destroy: nothing to plan
            return {"planned_state": proposed_dv, "planned_private": private}
        planned = copy_value(proposed)
        requires_replace: list[Path] = []
        default_plan(schema, prior, config, planned, requires_replace)
        plan_req = PlanRequest(prior=prior, config=config, planned=planned, requires_replace=requires_replace,
                               type_name=type_name, private=resource_private(private))
        self._call(diags, f"{type_name}: plan", res.modify_plan, plan_req, diags)
        planned = plan_req.planned
        screen = Screen(config, schema)
        if isinstance(planned, dict):
            null_write_only(schema, planned)
            planned = screen.value(planned, typ)
        private = screen_private(with_origin(with_resource_private(private, plan_req.private), origin), screen)
        screen.report(diags, type_name)
        resp = {"planned_state": encode_value(planned, typ, diags, f"{type_name}: plan", hints),
                "requires_replace": [{"steps": path_steps(p, typ)} for p in unique_paths(plan_req.requires_replace)],
                "planned_private": private}
        resp["diagnostics"] = proto_diagnostics(diags, typ)
        return resp

    @_typed("resource")
    def ApplyResourceChange(self, req: Message, diags: Diagnostics, type_name: str, res: Resource,
                           typ: T.Object) -> Message:
        schema = res.schema
        prior_dv = req.get("prior_state")
        prior = decode_value(prior_dv, typ, diags)
        planned = decode_value(req.get("planned_state"), typ, diags)
        config = decode_value(req.get("config"), typ, diags)
        private = req.get("planned_private", b"")
        if diags.has_errors:
            return {"new_state": prior_dv, "diagnostics": proto_diagnostics(diags, typ)}
        self._learn(schema, config, diags)
        origin = self._origin(type_name, private, diags)
        if diags.has_errors:
            return {"new_state": prior_dv, "private": private, "diagnostics": proto_diagnostics(diags, typ)}
        if planned is None:
            self._call(diags, f"{type_name}: delete", res.delete, prior, diags)
            if diags.has_errors:
                return {"new_state": prior_dv, "private": private, "diagnostics": proto_diagnostics(diags, typ)}
            return {"new_state": encode_value(None, typ, diags, ""), "diagnostics": proto_diagnostics(diags, typ)}
        if prior is None:
            operation, label = "create", f"{type_name}: create"
            result = self._call(diags, label, res.create, copy_value(planned), config, diags)
            if result is None and diags.has_errors:
                return {"new_state": encode_value(None, typ, diags, label),
                        "diagnostics": proto_diagnostics(diags, typ)}
        else:
            operation, label = "update", f"{type_name}: update"
            result = self._call(diags, label, res.update, prior, copy_value(planned), config, diags)
            if result is None and diags.has_errors:
                return {"new_state": prior_dv, "private": private, "diagnostics": proto_diagnostics(diags, typ)}
        new = merge_result(planned, result or {}, typ, diags, label)
        null_write_only(schema, new)
        no_unknowns(new, diags, label)
        screen = Screen(config, schema)
        new = screen.value(new, typ)
        private = screen_private(with_origin(private, origin), screen)
        screen.report(diags, type_name)
        if not diags.has_errors:
            check_conforms(type_name, operation, typ, planned, new, diags)
        return {"new_state": encode_value(new, typ, diags, label), "private": private,
                "diagnostics": proto_diagnostics(diags, typ)}

    @_typed("resource")
    def ImportResourceState(self, req: Message, diags: Diagnostics, type_name: str, res: Resource,
                           typ: T.Object) -> Message:
        schema = res.schema
        import_id = req.get("id", "")
        if _scrub.holds_secret(import_id):
            diags.error(f"{type_name}: the import ID holds a secret",
                        f"The import ID given for {type_name} contains a secret this provider knows; Terraform shows "
                        "import IDs in its output and logs, so nothing was imported. Import with the ID the "
                        "resource's documentation describes, which never holds a secret.")
            return {"diagnostics": proto_diagnostics(diags, typ)}
        origin = self._origin(type_name, b"", diags)
        if diags.has_errors:
            return {"diagnostics": proto_diagnostics(diags, typ)}
        partial = self._call(diags, f"{type_name}: import", res.import_state, import_id, diags)
        if diags.has_errors:
            return {"diagnostics": proto_diagnostics(diags, typ)}
        own: dict[str, Any] = {}
        if isinstance(partial, Imported):
            own = partial.private
            partial = partial.state
        if partial is None:
            diags.error("Cannot import non-existent remote object",
                        f"No {type_name} with the import ID {import_id!r} was found.")
            return {"diagnostics": proto_diagnostics(diags, typ)}
        state = merge_result(empty_state(schema), partial, typ, diags, f"{type_name}: import")
        result = self._call(diags, f"{type_name}: read", res.read, copy_value(state), diags)
        if diags.has_errors:
            return {"diagnostics": proto_diagnostics(diags, typ)}
        if result is None:
            diags.error("Cannot import non-existent remote object",
                        f"No {type_name} with the import ID {import_id!r} was found.")
            return {"diagnostics": proto_diagnostics(diags, typ)}
        new = merge_result(state, result, typ, diags, f"{type_name}: import")
        null_write_only(schema, new)
        no_unknowns(new, diags, f"{type_name}: import")
        screen = Screen()
        new = screen.value(new, typ)
        private = screen_private(with_origin(with_resource_private(b"", own), origin), screen)
        screen.report(diags, type_name)
        encoded = encode_value(new, typ, diags, f"{type_name}: import")
        if diags.has_errors:
            return {"diagnostics": proto_diagnostics(diags, typ)}
        return {"imported_resources": [{"type_name": type_name, "state": encoded, "private": private}],
                "diagnostics": proto_diagnostics(diags, typ)}

    # ------------------------------------------------------------------ data sources

    @_typed("data source")
    def ReadDataSource(self, req: Message, diags: Diagnostics, type_name: str, ds: DataSource,
                           typ: T.Object) -> Message:
        config = decode_value(req.get("config"), typ, diags)
        if diags.has_errors:
            return {"diagnostics": proto_diagnostics(diags, typ)}
        self._learn(ds.schema, config, diags)
        label = f"{type_name}: read"
        result = self._call(diags, label, ds.read, copy_value(config), diags)
        if diags.has_errors:
            return {"diagnostics": proto_diagnostics(diags, typ)}
        new = merge_result(config, result or {}, typ, diags, label)
        no_unknowns(new, diags, label)
        screen = Screen(config, ds.schema)
        new = screen.value(new, typ)
        screen.report(diags, type_name)
        return {"state": encode_value(new, typ, diags, label), "diagnostics": proto_diagnostics(diags, typ)}
