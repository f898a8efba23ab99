"""A tiny provider ("tpt") used to test tfplugin against the real Terraform CLI.

Objects live as JSON files in a folder (provider attribute ``store`` or $TPT_STORE),
so tests can change them behind Terraform's back (drift) and look at what was sent.
json, hashlib and uuid are imported where used: benchmarks/plan_bench.py measures this
provider's starts, and they would add ~10 ms of imports to each one.
"""
from __future__ import annotations

import os

from tfplugin import (
    UNKNOWN,
    Attribute,
    Block,
    DataSource,
    Diagnostics,
    PlanRequest,
    Provider,
    ProviderError,
    Resource,
    Schema,
    types,
)


def _sha256(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


def _new_id() -> str:
    import uuid

    return uuid.uuid4().hex[:12]


class Store:
    def __init__(self, root: str):
        self.root = root

    def _path(self, kind: str, oid: str) -> str:
        return os.path.join(self.root, kind, oid + ".json")

    def get(self, kind: str, oid: str):
        try:
            with open(self._path(kind, oid)) as f:
                import json

                return json.load(f)
        except FileNotFoundError:
            return None

    def put(self, kind: str, oid: str, obj: dict) -> None:
        os.makedirs(os.path.join(self.root, kind), exist_ok=True)
        tmp = self._path(kind, oid) + ".tmp"
        with open(tmp, "w") as f:
            import json

            json.dump(obj, f)
        os.replace(tmp, self._path(kind, oid))

    def delete(self, kind: str, oid: str) -> None:
        try:
            os.unlink(self._path(kind, oid))
        except FileNotFoundError:
            pass

    def all(self, kind: str):
        folder = os.path.join(self.root, kind)
        if not os.path.isdir(folder):
            return []
        return [self.get(kind, n[:-5]) for n in sorted(os.listdir(folder)) if n.endswith(".json")]


class TptProvider(Provider):
    type_name = "tpt"
    schema = Schema(attributes=[
        Attribute("store", types.String, optional=True, description="Folder holding the objects."),
        Attribute("token", types.String, optional=True, sensitive=True, description="Unused credential."),
    ])

    def __init__(self):
        self.store = None
        self.resources = [Thing, Versioned, Counter]
        self.data_sources = [Lookup]

    def validate_config(self, config: dict, diags: Diagnostics) -> None:
        if config.get("store") == "":
            diags.error("Invalid store", "store must not be empty", path=("store",))

    def configure(self, config: dict, diags: Diagnostics) -> None:
        root = config.get("store")
        if root is UNKNOWN:
            return
        root = root or os.environ.get("TPT_STORE")
        if not root:
            diags.error("No store configured", "Set the provider's store attribute or TPT_STORE.")
            return
        self.store = Store(root)


def _maybe_fail(obj, op: str):
    if obj.get("fail_on") == op:
        raise RuntimeError(f"simulated failure in {op}")


class Thing(Resource):
    type_name = "tpt_thing"
    schema = Schema(
        description="A thing with a name.",
        attributes=[
            Attribute("id", types.String, computed=True, description="Identifier."),
            Attribute("name", types.String, required=True, description="Name (no spaces)."),
            Attribute("size", types.Number, optional=True, computed=True, default=3, description="Size."),
            Attribute("tags", types.Map(types.String), optional=True, description="Tags."),
            Attribute("zone", types.String, optional=True, requires_replace=True,
                      description="Zone; changing it replaces."),
            Attribute("secret", types.String, optional=True, write_only=True, description="A secret, never stored."),
            Attribute("secret_sha", types.String, computed=True, description="SHA-256 of the last secret sent."),
            Attribute("fail_on", types.String, optional=True, description="Test hook: operation that raises."),
        ],
        blocks=[Block("rule", Schema(attributes=[
            Attribute("port", types.Number, required=True),
            Attribute("proto", types.String, optional=True, computed=True, default="tcp"),
        ]), nesting="list")],
    )

    def validate(self, config: dict, diags: Diagnostics) -> None:
        name = config.get("name")
        if isinstance(name, str) and " " in name:
            diags.error("Invalid name", "name must not contain spaces", path=("name",))
        for i, rule in enumerate(config.get("rule") or []):
            port = rule.get("port")
            if isinstance(port, int) and not 0 < port < 65536:
                diags.error("Invalid port", f"port {port} is out of range", path=("rule", i, "port"))

    def modify_plan(self, req: PlanRequest, diags: Diagnostics) -> None:
        if req.prior is not None and req.config.get("secret") is not None:
            sha = _sha256(req.config["secret"])
            if sha != req.prior.get("secret_sha"):
                req.set_unknown("secret_sha")

    def _save(self, oid: str, planned: dict, config: dict, prior_sha=None) -> dict:
        secret = config.get("secret")
        sha = _sha256(secret) if secret is not None else prior_sha
        obj = {"id": oid, "name": planned["name"], "size": planned["size"], "tags": planned.get("tags"),
               "zone": planned.get("zone"), "secret_sha": sha, "fail_on": planned.get("fail_on"),
               "rule": planned.get("rule") or [], "secret_seen": secret is not None}
        self.provider.store.put("thing", oid, obj)
        return obj

    def create(self, planned: dict, config: dict, diags: Diagnostics) -> dict:
        _maybe_fail(planned, "create")
        obj = self._save(_new_id(), planned, config)
        return {"id": obj["id"], "secret_sha": obj["secret_sha"]}

    def read(self, state: dict, diags: Diagnostics):
        obj = self.provider.store.get("thing", state["id"])
        if obj is None:
            return None
        _maybe_fail(obj, "read")
        return {k: obj[k] for k in ("id", "name", "size", "tags", "zone", "secret_sha", "fail_on", "rule")}

    def update(self, prior: dict, planned: dict, config: dict, diags: Diagnostics) -> dict:
        _maybe_fail(planned, "update")
        obj = self._save(prior["id"], planned, config, prior.get("secret_sha"))
        return {"secret_sha": obj["secret_sha"]}

    def delete(self, prior: dict, diags: Diagnostics) -> None:
        _maybe_fail(prior, "delete")
        self.provider.store.delete("thing", prior["id"])

    def import_state(self, id: str, diags: Diagnostics):
        if self.provider.store.get("thing", id) is None:
            raise ProviderError("Cannot import", f"no thing with id {id!r}")
        return {"id": id}


def _rename_label(state: dict) -> dict:
    state = dict(state)
    state["title"] = state.pop("label", None)
    return state


class Versioned(Resource):
    """Schema version 0 has ``label``; version 1 (TPT_VERSIONED_V=1) renames it ``title``."""

    type_name = "tpt_versioned"
    state_upgraders = {0: _rename_label}

    _v = int(os.environ.get("TPT_VERSIONED_V", "0"))
    schema = Schema(version=_v, attributes=[
        Attribute("id", types.String, computed=True),
        Attribute("label" if _v == 0 else "title", types.String, required=True),
    ])

    def create(self, planned, config, diags):
        oid = _new_id()
        self.provider.store.put("versioned", oid, {k: v for k, v in planned.items() if k != "id"})
        return {"id": oid}

    def read(self, state, diags):
        obj = self.provider.store.get("versioned", state["id"])
        if obj is None:
            return None
        if "title" in state and "label" in obj:  # the remote data follows the new name too
            obj["title"] = obj.pop("label")
        return {k: obj.get(k) for k in state if k != "id"}

    def update(self, prior, planned, config, diags):
        self.provider.store.put("versioned", prior["id"], {k: v for k, v in planned.items() if k != "id"})
        return {}

    def delete(self, prior, diags):
        self.provider.store.delete("versioned", prior["id"])


class Counter(Resource):
    """A trivial resource for benchmarks: no I/O at all."""

    type_name = "tpt_counter"
    schema = Schema(attributes=[
        Attribute("id", types.String, computed=True),
        Attribute("value", types.Number, required=True),
    ])

    def create(self, planned, config, diags):
        return {"id": f"c{planned['value']}"}

    def read(self, state, diags):
        return state

    def update(self, prior, planned, config, diags):
        return {}

    def delete(self, prior, diags):
        return None


class Lookup(DataSource):
    type_name = "tpt_lookup"
    schema = Schema(attributes=[
        Attribute("name", types.String, required=True),
        Attribute("id", types.String, computed=True),
        Attribute("size", types.Number, computed=True),
    ])

    def read(self, config: dict, diags: Diagnostics) -> dict:
        for obj in self.provider.store.all("thing"):
            if obj and obj["name"] == config["name"]:
                return {"id": obj["id"], "size": obj["size"]}
        raise ProviderError("Not found", f"no thing named {config['name']!r}", path=("name",))
