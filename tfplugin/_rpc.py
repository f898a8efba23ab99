"""The tfplugin6.Provider service: protocol messages (as dicts) <-> the Python API."""
from __future__ import annotations

import functools
import threading

from . import _scrub
from . import values as V
from ._screen import PRIVATE, Screen, collect_strings, nested_items
from ._scrub import scrubbed
from .diagnostics import ERROR, Diagnostic, Diagnostics, ProviderError
from .provider import Imported, PlanRequest, Provider
from .schema import Schema

_log = None


def _logger():
    global _log
    if _log is None:
        import logging
        _log = logging.getLogger("tfplugin")
    return _log


NOT_SUPPORTED = "not supported by this provider"
ORIGIN_KEY = "origin"  # the key of the layer's entry in each managed resource's private state (JSON)
RESOURCE_KEY = "resource"  # the key under which the resource's own private data (PlanRequest.private) is kept
WRITE_ONLY_TF_VERSION = "1.11"


def _typed(kind: str):
    """The preamble every resource or data source RPC shares, written once.

    Looks up the request's ``type_name`` (an unknown type is answered with a diagnostic) and calls
    the handler as ``handler(self, req, diags, type_name, instance, implied_type)``.
    """
    def wrap(handler):
        @functools.wraps(handler)
        def rpc(self, req: dict) -> dict:
            diags = Diagnostics()
            type_name = req.get("type_name", "")
            inst = self._instance(kind, type_name, diags)
            if inst is None:
                return {"diagnostics": _diags_proto(diags, None)}
            return handler(self, req, diags, type_name, inst, inst.schema.implied_type())
        return rpc
    return wrap


class ProviderService:
    """Implements every RPC of tfplugin6.Provider on top of a Provider instance.

    One service (so one provider instance: its configuration, client, caches, origin and stop state) answers
    one gRPC connection. Terraform opens one connection per provider alias, and a warm server serves the
    connections of every terraform a run starts, each with a service of its own (server.py)."""

    def __init__(self, provider_factory, name: str = "provider"):
        self._factory = provider_factory
        self._name = name
        self._provider = None
        self._lock = threading.Lock()
        self._resources: dict = {}
        self._data_sources: dict = {}
        self._schema_response = None
        self.stopped = threading.Event()
        self.terraform_version = ""

    # ------------------------------------------------------------------ plumbing

    @property
    def provider(self):
        p = self._provider
        if p is None:
            with self._lock:
                if self._provider is None:
                    self._provider = self._factory()
                p = self._provider
        return p

    def _instance(self, kind: str, type_name: str, diags: Diagnostics):
        """The (cached) Resource or DataSource instance for ``type_name``; None and an error when unknown."""
        cache = self._resources if kind == "resource" else self._data_sources
        inst = cache.get(type_name)
        if inst is None:
            p = self.provider
            classes = p.resources if kind == "resource" else p.data_sources
            cls = {c.type_name: c for c in classes}.get(type_name)
            if cls is None:
                diags.error(f"Unknown {kind} type", f"This provider has no {kind} type {type_name!r}.")
                return None
            with self._lock:
                inst = cache.get(type_name)
                if inst is None:
                    inst = cache[type_name] = cls(p)
        return inst

    def _call(self, diags: Diagnostics, label: str, fn, *args):
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

    def _learn(self, schema: Schema, config, diags: Diagnostics) -> None:
        """Hand the provider the write-only and sensitive values of a configuration (Provider.learn_secrets)
        before any of its code sees it, so a message quoting one is scrubbed even in a process that never sends it."""
        p = self.provider
        learn = getattr(type(p), "learn_secrets", None)
        if learn is None or learn is Provider.learn_secrets:
            return
        values = _secret_values(schema, config)
        if values:
            self._call(diags, f"{self._name}: learn secrets", p.learn_secrets, values)

    def _origin(self, type_name: str, private: bytes, diags: Diagnostics) -> str | None:
        """The provider's origin() (None: no check); an error when ``private`` records another origin.

        Called before any of the resource's own code, so a state applied to one remote system is
        never read, planned or applied against another, and nothing is dropped from that state.
        """
        current = self._call(diags, f"{self._name}: origin", self.provider.origin)
        if current is not None and not isinstance(current, str):
            diags.error(f"{self._name}: origin() returned {type(current).__name__}, expected a string or None")
            return None
        recorded = _recorded_origin(private)
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

    def _capabilities(self) -> dict:
        return {"plan_destroy": False, "get_provider_schema_optional": True, "move_resource_state": False}

    def GetMetadata(self, req: dict) -> dict:
        p = self.provider
        return {"server_capabilities": self._capabilities(),
                "resources": [{"type_name": c.type_name} for c in p.resources],
                "data_sources": [{"type_name": c.type_name} for c in p.data_sources]}

    def GetProviderSchema(self, req: dict) -> dict:
        if self._schema_response is None:
            p = self.provider
            diags = Diagnostics()
            try:
                resp = {"provider": p.schema.to_proto(),
                        "resource_schemas": {c.type_name: c.schema.to_proto() for c in p.resources},
                        "data_source_schemas": {c.type_name: c.schema.to_proto() for c in p.data_sources},
                        "server_capabilities": self._capabilities()}
                for c in p.data_sources:
                    if c.schema.has_write_only():
                        diags.error("Invalid schema", f"Data source {c.type_name} declares a write-only attribute; "
                                    "write-only attributes are only allowed in managed resources.")
            except Exception as e:  # noqa: BLE001
                _logger().debug("schema failed", exc_info=True)
                return {"diagnostics": _diags_proto([Diagnostic(ERROR, f"{self._name}: invalid schema: {e}")], None)}
            if diags:
                resp["diagnostics"] = _diags_proto(diags, None)
            self._schema_response = resp
        return self._schema_response

    def GetResourceIdentitySchemas(self, req: dict) -> dict:
        return {"identity_schemas": {}}

    def UpgradeResourceIdentity(self, req: dict) -> dict:
        return {"diagnostics": _not_supported("Resource identity")}

    def GetFunctions(self, req: dict) -> dict:
        return {"functions": {}}

    def CallFunction(self, req: dict) -> dict:
        return {"error": {"text": f"function {req.get('name', '')!r}: provider functions are {NOT_SUPPORTED}"}}

    def MoveResourceState(self, req: dict) -> dict:
        return {"diagnostics": _not_supported("Moving resource state between resource types (moved blocks)")}

    def ValidateEphemeralResourceConfig(self, req: dict) -> dict:
        return {"diagnostics": _not_supported("Ephemeral resources")}

    def OpenEphemeralResource(self, req: dict) -> dict:
        return {"diagnostics": _not_supported("Ephemeral resources")}

    def RenewEphemeralResource(self, req: dict) -> dict:
        return {"diagnostics": _not_supported("Ephemeral resources")}

    def CloseEphemeralResource(self, req: dict) -> dict:
        return {"diagnostics": _not_supported("Ephemeral resources")}

    def close(self) -> None:
        """The connection this service answered has ended: let its provider instance go (Provider.close)."""
        p = self._provider
        if p is not None:
            self._call(Diagnostics(), f"{self._name}: close", p.close)

    def StopProvider(self, req: dict) -> dict:
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

    def ValidateProviderConfig(self, req: dict) -> dict:
        p = self.provider
        diags = Diagnostics()
        typ = p.schema.implied_type()
        config = _decode(req.get("config"), typ, diags)
        if not diags.has_errors:
            self._learn(p.schema, config, diags)
            self._call(diags, f"{self._name}: validate provider configuration", p.validate_config, config, diags)
        return {"diagnostics": _diags_proto(diags, typ)}

    def ConfigureProvider(self, req: dict) -> dict:
        p = self.provider
        diags = Diagnostics()
        self.terraform_version = req.get("terraform_version", "")
        try:
            p.terraform_version = self.terraform_version
        except Exception:  # noqa: BLE001 - slots or properties: not important
            pass
        typ = p.schema.implied_type()
        config = _decode(req.get("config"), typ, diags)
        if not diags.has_errors:
            self._learn(p.schema, config, diags)
            self._call(diags, f"{self._name}: configure", p.configure, config, diags)
        return {"diagnostics": _diags_proto(diags, typ)}

    # ------------------------------------------------------------------ validation

    @_typed("resource")
    def ValidateResourceConfig(self, req: dict, diags: Diagnostics, type_name: str, res, typ) -> dict:
        schema = res.schema
        config = _decode(req.get("config"), typ, diags)
        if diags.has_errors:
            return {"diagnostics": _diags_proto(diags, typ)}
        self._learn(schema, config, diags)
        caps = req.get("client_capabilities") or {}
        if not caps.get("write_only_attributes_allowed"):
            for path in _write_only_paths_set(schema, config, ()):
                diags.error("Write-only attribute not supported by this Terraform version",
                            f"The attribute {_path_text(path)} of {type_name} is write-only: its value is sent to the "
                            f"provider but never stored in plan or state. Write-only attributes need Terraform "
                            f"{WRITE_ONLY_TF_VERSION} or later; upgrade Terraform, or remove the attribute from the "
                            "configuration.", path)
        self._call(diags, f"{type_name}: validate", res.validate, config, diags)
        return {"diagnostics": _diags_proto(diags, typ)}

    @_typed("data source")
    def ValidateDataResourceConfig(self, req: dict, diags: Diagnostics, type_name: str, ds, typ) -> dict:
        config = _decode(req.get("config"), typ, diags)
        if not diags.has_errors:
            self._learn(ds.schema, config, diags)
            self._call(diags, f"{type_name}: validate", ds.validate, config, diags)
        return {"diagnostics": _diags_proto(diags, typ)}

    # ------------------------------------------------------------------ state upgrade

    @_typed("resource")
    def UpgradeResourceState(self, req: dict, diags: Diagnostics, type_name: str, res, typ) -> dict:
        schema = res.schema
        version = int(req.get("version", 0))
        raw = req.get("raw_state") or {}
        if raw.get("json"):
            try:
                state = V.load_json(raw["json"])
            except ValueError as e:
                diags.error(f"{type_name}: stored state is not valid JSON", str(e))
                return {"diagnostics": _diags_proto(diags, None)}
        elif raw.get("flatmap"):
            state = _from_flatmap(raw["flatmap"], schema, diags, type_name)
            if diags.has_errors:
                return {"diagnostics": _diags_proto(diags, None)}
        else:
            return {"upgraded_state": {"msgpack": V.encode_msgpack(None, typ)}}
        if version > schema.version:
            diags.error(f"{type_name}: state is from a newer provider",
                        f"The stored state has schema version {version}, but this provider only knows versions up "
                        f"to {schema.version}. Use the provider version that wrote the state, or newer.")
            return {"diagnostics": _diags_proto(diags, None)}
        upgraders = getattr(res, "state_upgraders", None) or {}
        while version < schema.version and isinstance(state, dict):
            fn = upgraders.get(version)
            if fn is None:
                diags.error(f"{type_name}: cannot upgrade state",
                            f"No state upgrader from schema version {version} to {version + 1}.")
                return {"diagnostics": _diags_proto(diags, None)}
            new = self._call(diags, f"{type_name}: upgrade state from version {version}", fn, state)
            if diags.has_errors:
                return {"diagnostics": _diags_proto(diags, None)}
            if new is not None:
                state = new
            version += 1
        try:
            value = V.decode_json(state, typ)
            if value is not None:
                _null_write_only(schema, value)
                screen = Screen()
                value = screen.value(value, typ)
                screen.report(diags, type_name)
            upgraded = V.encode_msgpack(value, typ)
        except V.CtyError as e:
            diags.error(f"{type_name}: stored state does not match the schema",
                        f"{_path_text(e.path)}: {e}" if e.path else str(e), e.path or None)
            return {"diagnostics": _diags_proto(diags, typ)}
        return {"upgraded_state": {"msgpack": upgraded}, "diagnostics": _diags_proto(diags, typ)}

    # ------------------------------------------------------------------ managed resources

    @_typed("resource")
    def ReadResource(self, req: dict, diags: Diagnostics, type_name: str, res, typ) -> dict:
        private = req.get("private", b"")
        schema = res.schema
        current_dv = req.get("current_state")
        state = _decode(current_dv, typ, diags)
        if diags.has_errors or state is None:
            return {"new_state": current_dv, "private": private, "diagnostics": _diags_proto(diags, typ)}
        origin = self._origin(type_name, private, diags)
        if diags.has_errors:
            return {"new_state": current_dv, "private": private, "diagnostics": _diags_proto(diags, typ)}
        result = self._call(diags, f"{type_name}: read", res.read, _copy(state), diags)
        if diags.has_errors:
            return {"new_state": current_dv, "private": private, "diagnostics": _diags_proto(diags, typ)}
        screen = Screen()
        if result is None:
            new = None
        else:
            new = _merge(state, result, typ, diags, f"{type_name}: read")
            _null_write_only(schema, new)
            _no_unknowns(new, diags, f"{type_name}: read")
            new = screen.value(new, typ)
        private = _screen_private(_with_origin(private, origin), screen)
        screen.report(diags, type_name)
        return {"new_state": _encode(new, typ, diags, f"{type_name}: read"), "private": private,
                "diagnostics": _diags_proto(diags, typ)}

    @_typed("resource")
    def PlanResourceChange(self, req: dict, diags: Diagnostics, type_name: str, res, typ) -> dict:
        schema = res.schema
        hints = V.Hints()
        prior = _decode(req.get("prior_state"), typ, diags)
        proposed_dv = req.get("proposed_new_state")
        proposed = _decode(proposed_dv, typ, diags, hints)
        config = _decode(req.get("config"), typ, diags)
        private = req.get("prior_private", b"")
        if diags.has_errors:
            return {"diagnostics": _diags_proto(diags, typ)}
        self._learn(schema, config, diags)
        origin = self._origin(type_name, private, diags)
        if diags.has_errors:
            return {"diagnostics": _diags_proto(diags, typ)}
        if proposed is None:  # destroy: nothing to plan
            return {"planned_state": proposed_dv, "planned_private": private}
        planned = _copy(proposed)
        requires_replace: list = []
        default_plan(schema, prior, config, planned, requires_replace)
        plan_req = PlanRequest(prior=prior, config=config, planned=planned, requires_replace=requires_replace,
                               type_name=type_name, private=_resource_private(private))
        self._call(diags, f"{type_name}: plan", res.modify_plan, plan_req, diags)
        planned = plan_req.planned
        screen = Screen(config, schema)
        if isinstance(planned, dict):
            _null_write_only(schema, planned)
            planned = screen.value(planned, typ)
        private = _screen_private(_with_origin(_with_resource_private(private, plan_req.private), origin), screen)
        screen.report(diags, type_name)
        resp = {"planned_state": _encode(planned, typ, diags, f"{type_name}: plan", hints),
                "requires_replace": [{"steps": _path_steps(p, typ)} for p in _unique(plan_req.requires_replace)],
                "planned_private": private}
        resp["diagnostics"] = _diags_proto(diags, typ)
        return resp

    @_typed("resource")
    def ApplyResourceChange(self, req: dict, diags: Diagnostics, type_name: str, res, typ) -> dict:
        schema = res.schema
        prior_dv = req.get("prior_state")
        prior = _decode(prior_dv, typ, diags)
        planned = _decode(req.get("planned_state"), typ, diags)
        config = _decode(req.get("config"), typ, diags)
        private = req.get("planned_private", b"")
        if diags.has_errors:
            return {"new_state": prior_dv, "diagnostics": _diags_proto(diags, typ)}
        self._learn(schema, config, diags)
        origin = self._origin(type_name, private, diags)
        if diags.has_errors:
            return {"new_state": prior_dv, "private": private, "diagnostics": _diags_proto(diags, typ)}
        if planned is None:
            self._call(diags, f"{type_name}: delete", res.delete, prior, diags)
            if diags.has_errors:
                return {"new_state": prior_dv, "private": private, "diagnostics": _diags_proto(diags, typ)}
            return {"new_state": _encode(None, typ, diags, ""), "diagnostics": _diags_proto(diags, typ)}
        if prior is None:
            operation, label = "create", f"{type_name}: create"
            result = self._call(diags, label, res.create, _copy(planned), config, diags)
            if result is None and diags.has_errors:
                return {"new_state": _encode(None, typ, diags, label), "diagnostics": _diags_proto(diags, typ)}
        else:
            operation, label = "update", f"{type_name}: update"
            result = self._call(diags, label, res.update, prior, _copy(planned), config, diags)
            if result is None and diags.has_errors:
                return {"new_state": prior_dv, "private": private, "diagnostics": _diags_proto(diags, typ)}
        new = _merge(planned, result or {}, typ, diags, label)
        _null_write_only(schema, new)
        _no_unknowns(new, diags, label)
        screen = Screen(config, schema)
        new = screen.value(new, typ)
        private = _screen_private(_with_origin(private, origin), screen)
        screen.report(diags, type_name)
        if not diags.has_errors:
            _check_conforms(type_name, operation, typ, planned, new, diags)
        return {"new_state": _encode(new, typ, diags, label), "private": private,
                "diagnostics": _diags_proto(diags, typ)}

    @_typed("resource")
    def ImportResourceState(self, req: dict, diags: Diagnostics, type_name: str, res, typ) -> dict:
        schema = res.schema
        import_id = req.get("id", "")
        if _scrub.holds_secret(import_id):
            diags.error(f"{type_name}: the import ID holds a secret",
                        f"The import ID given for {type_name} contains a secret this provider knows; Terraform shows "
                        "import IDs in its output and logs, so nothing was imported. Import with the ID the "
                        "resource's documentation describes, which never holds a secret.")
            return {"diagnostics": _diags_proto(diags, typ)}
        origin = self._origin(type_name, b"", diags)
        if diags.has_errors:
            return {"diagnostics": _diags_proto(diags, typ)}
        partial = self._call(diags, f"{type_name}: import", res.import_state, import_id, diags)
        if diags.has_errors:
            return {"diagnostics": _diags_proto(diags, typ)}
        own = {}
        if isinstance(partial, Imported):
            partial, own = partial.state, partial.private
        if partial is None:
            diags.error("Cannot import non-existent remote object",
                        f"No {type_name} with the import ID {import_id!r} was found.")
            return {"diagnostics": _diags_proto(diags, typ)}
        state = _merge(empty_state(schema), partial, typ, diags, f"{type_name}: import")
        result = self._call(diags, f"{type_name}: read", res.read, _copy(state), diags)
        if diags.has_errors:
            return {"diagnostics": _diags_proto(diags, typ)}
        if result is None:
            diags.error("Cannot import non-existent remote object",
                        f"No {type_name} with the import ID {import_id!r} was found.")
            return {"diagnostics": _diags_proto(diags, typ)}
        new = _merge(state, result, typ, diags, f"{type_name}: import")
        _null_write_only(schema, new)
        _no_unknowns(new, diags, f"{type_name}: import")
        screen = Screen()
        new = screen.value(new, typ)
        private = _screen_private(_with_origin(_with_resource_private(b"", own), origin), screen)
        screen.report(diags, type_name)
        encoded = _encode(new, typ, diags, f"{type_name}: import")
        if diags.has_errors:
            return {"diagnostics": _diags_proto(diags, typ)}
        return {"imported_resources": [{"type_name": type_name, "state": encoded, "private": private}],
                "diagnostics": _diags_proto(diags, typ)}

    # ------------------------------------------------------------------ data sources

    @_typed("data source")
    def ReadDataSource(self, req: dict, diags: Diagnostics, type_name: str, ds, typ) -> dict:
        config = _decode(req.get("config"), typ, diags)
        if diags.has_errors:
            return {"diagnostics": _diags_proto(diags, typ)}
        self._learn(ds.schema, config, diags)
        label = f"{type_name}: read"
        result = self._call(diags, label, ds.read, _copy(config), diags)
        if diags.has_errors:
            return {"diagnostics": _diags_proto(diags, typ)}
        new = _merge(config, result or {}, typ, diags, label)
        _no_unknowns(new, diags, label)
        screen = Screen(config, ds.schema)
        new = screen.value(new, typ)
        screen.report(diags, type_name)
        return {"state": _encode(new, typ, diags, label), "diagnostics": _diags_proto(diags, typ)}


# ====================================================================== default planning

def default_plan(schema: Schema, prior, config, planned: dict, requires_replace: list, path=()) -> None:
    """The layer's default plan, applied in place to ``planned`` (a copy of proposed_new_state).

    - write-only attributes: null.
    - computed attribute with null config: on create the default (if any) or UNKNOWN; on update
      the default (if any), else the prior value (Terraform's proposed state already holds it).
    - requires_replace attribute whose planned value differs from the prior: its path is added to
      requires_replace, and computed attributes are then planned as on create.
    """
    _plan_object(schema.attributes, schema.blocks, prior, config, planned, requires_replace, path)
    if prior is not None and requires_replace and not path:
        _plan_object(schema.attributes, schema.blocks, None, config, planned, [], path)


def _plan_object(attributes, blocks, prior, config, planned, rr, path):
    for a in attributes:
        n = a.name
        p = path + (n,)
        if a.write_only:
            planned[n] = None
            continue
        cv = config.get(n) if isinstance(config, dict) else None
        pv = prior.get(n) if isinstance(prior, dict) else None
        if a.requires_replace and prior is not None and not _equal(planned.get(n), pv, a.value_type()):
            rr.append(p)
        if a.computed and cv is None:
            if a.default is not None:
                planned[n] = _copy(a.default)
            elif prior is None:
                planned[n] = V.UNKNOWN
        elif a.nested is not None and planned.get(n) is not None and planned.get(n) is not V.UNKNOWN:
            _plan_nested(a.nested.attributes, [], a.nested.nesting, pv, cv, planned, n, rr, p)
    for b in blocks:
        n = b.name
        pv = prior.get(n) if isinstance(prior, dict) else None
        cv = config.get(n) if isinstance(config, dict) else None
        if planned.get(n) is not None and planned.get(n) is not V.UNKNOWN:
            _plan_nested(b.schema.attributes, b.schema.blocks, b.nesting, pv, cv, planned, n, rr, path + (n,))


def _plan_nested(attributes, blocks, nesting, prior, config, parent: dict, name, rr, path):
    value = parent[name]
    if nesting in ("single", "group"):
        if isinstance(value, dict):
            _plan_object(attributes, blocks, prior if isinstance(prior, dict) else None,
                         config if isinstance(config, dict) else None, value, rr, path)
    elif nesting == "list":
        if isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    pi = prior[i] if isinstance(prior, list) and i < len(prior) else None
                    ci = config[i] if isinstance(config, list) and i < len(config) else None
                    _plan_object(attributes, blocks, pi, ci, item, rr, path + (i,))
    elif nesting == "map":
        if isinstance(value, dict):
            for k, item in value.items():
                if isinstance(item, dict):
                    pi = prior.get(k) if isinstance(prior, dict) else None
                    ci = config.get(k) if isinstance(config, dict) else None
                    _plan_object(attributes, blocks, pi, ci, item, rr, path + (k,))
    elif nesting == "set":
        if isinstance(value, list):
            keys = [a.name for a in attributes if not a.computed] + [b.name for b in blocks]
            used: set = set()
            for item in value:
                if not isinstance(item, dict):
                    continue
                match = None
                if isinstance(prior, list):
                    for j, pi in enumerate(prior):
                        if j not in used and isinstance(pi, dict) and all(
                                _loose_equal(item.get(k), pi.get(k)) for k in keys):
                            match = pi
                            used.add(j)
                            break
                ci = None
                if isinstance(config, list):
                    for c in config:
                        if isinstance(c, dict) and all(_loose_equal(item.get(k), c.get(k)) for k in keys):
                            ci = c
                            break
                _plan_object(attributes, blocks, match, ci, item, [], path)  # no paths into sets
            # a set element cannot be addressed: a change of a requires_replace attribute of an
            # element replaces on the set itself
            rep = [a.name for a in attributes if a.requires_replace]
            if rep and isinstance(prior, list):
                def proj(items):
                    return sorted(repr([i.get(n) for n in rep]) for i in items if isinstance(i, dict))
                if proj(value) != proj(prior):
                    rr.append(path)


def _loose_equal(a, b) -> bool:
    return a == b


def _equal(a, b, t) -> bool:
    if a is V.UNKNOWN or b is V.UNKNOWN:
        return False
    if a is None or b is None:
        return a is None and b is None
    kind = getattr(t, "kind", "")
    if kind == "set" and isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and sorted(map(repr, a)) == sorted(map(repr, b))
    return a == b


def _unique(paths):
    seen = set()
    out = []
    for p in paths:
        p = tuple(p)
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


# ====================================================================== write-only

def _null_write_only(schema: Schema, value) -> None:
    if isinstance(value, dict):
        _null_wo(schema.attributes, schema.blocks, value)


def _null_wo(attributes, blocks, obj: dict):
    for a in attributes:
        if a.write_only:
            obj[a.name] = None
        elif a.nested is not None:
            for item in nested_items(obj.get(a.name), a.nested.nesting):
                _null_wo(a.nested.attributes, [], item)
    for b in blocks:
        for item in nested_items(obj.get(b.name), b.nesting):
            _null_wo(b.schema.attributes, b.schema.blocks, item)


def _write_only_paths_set(schema: Schema, config, path) -> list:
    """Paths of write-only attributes that the configuration sets (non-null)."""
    out: list = []
    if isinstance(config, dict):
        _wo_paths(schema.attributes, schema.blocks, config, path, out)
    return out


def _wo_paths(attributes, blocks, obj, path, out):
    for a in attributes:
        v = obj.get(a.name)
        if a.write_only and v is not None:
            out.append(path + (a.name,))
        elif a.nested is not None:
            for sub, item in _nested_items_with_keys(v, a.nested.nesting, path + (a.name,)):
                _wo_paths(a.nested.attributes, [], item, sub, out)
    for b in blocks:
        for sub, item in _nested_items_with_keys(obj.get(b.name), b.nesting, path + (b.name,)):
            _wo_paths(b.schema.attributes, b.schema.blocks, item, sub, out)


def _nested_items_with_keys(value, nesting, path):
    if isinstance(value, dict):
        if nesting == "map":
            return [(path + (k,), v) for k, v in value.items() if isinstance(v, dict)]
        return [(path, value)]
    if isinstance(value, list):
        if nesting == "set":
            return [(path, v) for v in value if isinstance(v, dict)]
        return [(path + (i,), v) for i, v in enumerate(value) if isinstance(v, dict)]
    return []


# ====================================================================== secrets and screening

def _secret_values(schema: Schema, config) -> list:
    """The strings a configuration holds in write-only and sensitive attributes (nested ones included)."""
    found: set = set()
    if isinstance(config, dict):
        _secrets_in(schema.attributes, schema.blocks, config, found)
    return sorted(found)


def _secrets_in(attributes, blocks, obj: dict, found: set) -> None:
    for a in attributes:
        value = obj.get(a.name)
        if a.write_only or a.sensitive:
            collect_strings(value, found)
        elif a.nested is not None:
            for item in nested_items(value, a.nested.nesting):
                _secrets_in(a.nested.attributes, [], item, found)
    for b in blocks:
        for item in nested_items(obj.get(b.name), b.nesting):
            _secrets_in(b.schema.attributes, b.schema.blocks, item, found)


def _screen_private(private: bytes, screen: Screen) -> bytes:
    """``private`` without a secret: Terraform never shows it, but keeps it in the state file (base64).
    Strings of the layer's JSON object that hold one are replaced by the marker; private state of another
    format that holds one is dropped."""
    if not private or not _scrub.screening():
        return private
    obj = _private_object(private)
    if obj is None:
        if not _scrub.holds_secret(private.decode("utf-8", "replace")):
            return private
        screen.withheld.append(PRIVATE)
        return b""
    own = Screen()  # never "from the configuration": private data is the provider's own
    clean = own.untyped(obj, PRIVATE)
    if not own.found:
        return private
    screen.withheld += own.withheld
    import json
    return json.dumps(clean, separators=(",", ":"), sort_keys=True).encode()


def _check_conforms(type_name: str, operation: str, typ, planned, new, diags: Diagnostics) -> None:
    """An error naming what differs when an apply result is not what the plan said, instead of Terraform's
    "Provider produced inconsistent result after apply" (Terraform skips that check when errors are reported)."""
    from ._conform import differences_from_plan

    differ = differences_from_plan(typ, planned, new)
    if differ:
        diags.error(f"{type_name}: the {operation} did not give what the plan said",
                    f"After the {operation}, {type_name} differs from the plan in {', '.join(differ)}. Terraform "
                    "keeps the values the provider returned in state, and the next plan compares them with the "
                    "configuration again. The remote system may have stored something other than what was sent, or "
                    "changed it since.")


# ====================================================================== helpers

def empty_state(schema: Schema) -> dict:
    """An object of this schema with every attribute null and no nested blocks."""
    out = {a.name: None for a in schema.attributes}
    for b in schema.blocks:
        if b.nesting in ("list", "set"):
            out[b.name] = []
        elif b.nesting == "map":
            out[b.name] = {}
        elif b.nesting == "group":
            out[b.name] = empty_state(b.schema)
        else:
            out[b.name] = None
    return out


def _copy(v):
    if isinstance(v, dict):
        return {k: _copy(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_copy(x) for x in v]
    return v


def _decode(dv, typ, diags: Diagnostics, hints=None):
    if not dv:
        return None
    try:
        if dv.get("msgpack"):
            return V.decode_msgpack(dv["msgpack"], typ, hints)
        if dv.get("json"):
            return V.decode_json(dv["json"], typ, hints)
    except (V.CtyError, ValueError) as e:
        path = getattr(e, "path", ())
        diags.error("Invalid value from Terraform", f"{_path_text(path)}: {e}" if path else str(e), path or None)
    return None


def _encode(value, typ, diags: Diagnostics, label: str, hints=None) -> dict:
    try:
        return {"msgpack": V.encode_msgpack(value, typ, hints)}
    except V.CtyError as e:
        where = f" for {_path_text(e.path)}" if e.path else ""
        diags.error(f"{label}: invalid value{where}", str(e), e.path or None)
        return {"msgpack": V.encode_msgpack(None, typ)}


def _merge(base, result, typ, diags: Diagnostics, label: str):
    if not isinstance(result, dict):
        diags.error(f"{label} returned {type(result).__name__}, expected a dict")
        return base
    new = dict(base) if isinstance(base, dict) else {}
    for k, v in result.items():
        if k not in typ.attributes:
            diags.error(f"{label} returned an unknown attribute {k!r}")
            continue
        new[k] = v
    for k in typ.attributes:
        new.setdefault(k, None)
    return new


def _no_unknowns(value, diags: Diagnostics, label: str, path=()):
    """Unknown values are not allowed in state: report and replace them with null."""
    if isinstance(value, dict):
        for k, v in value.items():
            if v is V.UNKNOWN:
                value[k] = None
                diags.error(f"{label} left {_path_text(path + (k,))} unknown",
                            "The provider must set every computed attribute after apply.", path + (k,))
            else:
                _no_unknowns(v, diags, label, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            if v is V.UNKNOWN:
                value[i] = None
                diags.error(f"{label} left {_path_text(path + (i,))} unknown",
                            "The provider must set every computed attribute after apply.", path + (i,))
            else:
                _no_unknowns(v, diags, label, path + (i,))


def _path_text(path) -> str:
    out = ""
    for step in path or ():
        if isinstance(step, int):
            out += f"[{step}]"
        elif out:
            out += f".{step}"
        else:
            out = str(step)
    return out or "(root)"


def _path_steps(path, typ) -> list:
    """A Python path tuple -> AttributePath steps, using the type to tell attributes from map keys."""
    steps = []
    t = typ
    for step in path:
        kind = getattr(t, "kind", None)
        if kind == "object" or kind is None or kind == "dynamic":
            if isinstance(step, int):
                steps.append({"element_key_int": step})
                t = None
            else:
                steps.append({"attribute_name": str(step)})
                t = t.attributes.get(step) if kind == "object" else None
        elif kind == "map":
            steps.append({"element_key_string": str(step)})
            t = t.element
        elif kind in ("list", "tuple"):
            if not isinstance(step, int):
                break
            steps.append({"element_key_int": step})
            t = t.element if kind == "list" else (t.elements[step] if step < len(t.elements) else None)
        else:  # sets cannot be indexed in an attribute path: stop at the set
            break
    return steps


def _diags_proto(diags, typ) -> list:
    out = []
    for d in diags:
        item = {"severity": d.severity, "summary": scrubbed(d.summary), "detail": scrubbed(d.detail)}
        if d.path:
            item["attribute"] = {"steps": _path_steps(d.path, typ)}
        out.append(item)
    return out


def _private_object(private: bytes) -> dict | None:
    """The resource's private state as the JSON object the layer keeps there; None when it holds something else."""
    if not private:
        return {}
    try:
        obj = V.load_json(private, parse_float=float)  # bounded like every value Terraform sends
    except ValueError:
        return None
    return obj if isinstance(obj, dict) else None


def _recorded_origin(private: bytes) -> str | None:
    obj = _private_object(private)
    origin = obj.get(ORIGIN_KEY) if obj else None
    return origin if isinstance(origin, str) else None


def _with_origin(private: bytes, origin: str | None) -> bytes:
    """``private`` recording ``origin``; other keys kept, and private state of another format left alone."""
    obj = _private_object(private)
    if origin is None or obj is None or obj.get(ORIGIN_KEY) == origin:
        return private
    obj[ORIGIN_KEY] = origin
    import json
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()


def _resource_private(private: bytes) -> dict:
    """The resource's own private data (PlanRequest.private): {} when none, or when the bytes are not the
    layer's JSON object."""
    obj = _private_object(private)
    own = obj.get(RESOURCE_KEY) if obj else None
    return dict(own) if isinstance(own, dict) else {}


def _with_resource_private(private: bytes, own: dict) -> bytes:
    """``private`` holding ``own`` as the resource's data (none when empty); the layer's keys kept, and private
    state of another format left alone."""
    obj = _private_object(private)
    if obj is None or obj.get(RESOURCE_KEY, {}) == own:
        return private
    if own:
        obj[RESOURCE_KEY] = own
    else:
        obj.pop(RESOURCE_KEY, None)
    import json
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode() if obj else b""


def _not_supported(what: str) -> list:
    return [{"severity": ERROR, "summary": f"{what}: {NOT_SUPPORTED}",
             "detail": f"{what} is {NOT_SUPPORTED}."}]


def _from_flatmap(flat: dict, schema: Schema, diags: Diagnostics, type_name: str) -> dict:
    """Best effort for pre-0.12 "flatmap" state: top-level primitive attributes only."""
    out = {}
    for a in schema.attributes:
        if a.name not in flat:
            continue
        t = a.value_type()
        raw = flat[a.name]
        if t.kind == "string":
            out[a.name] = raw
        elif t.kind == "number":
            out[a.name] = raw
        elif t.kind == "bool":
            out[a.name] = raw == "true"
        else:
            diags.error(f"{type_name}: legacy state format not supported",
                        f"The state of {type_name} is in the pre-Terraform-0.12 \"flatmap\" format and the "
                        f"attribute {a.name!r} ({t.friendly()}) cannot be converted. Re-import the resource.")
    for b in schema.blocks:
        if any(k.startswith(b.name + ".") for k in flat):
            diags.error(f"{type_name}: legacy state format not supported",
                        f"The state of {type_name} is in the pre-0.12 \"flatmap\" format; the block {b.name!r} "
                        "cannot be converted. Re-import the resource.")
    return out
