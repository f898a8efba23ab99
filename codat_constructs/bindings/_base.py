"""The hand-written runtime of the generated bindings: one attribute table, rendered to JSON and to HCL.

`scripts/generate_bindings.py` writes one class per block of the provider's schema (the other modules of
this package); each class keeps its attribute values in an `AttributeTable` whose spec says, per attribute,
its Terraform storage class. That is all the synthesis needs: cdktf's own generated bindings (`cdktf get`)
do the same with 9 s of jsii code generation.

Storage classes (the `storageClassType` names of cdktf's HCL renderer):

| spec | Terraform type | HCL rendering |
| --- | --- | --- |
| `string`, `number`, `boolean` | primitives | `name = "x"`, `name = 1`, `name = true` |
| `stringList`, `numberList`, `booleanList` | list of a primitive | `name = ["a", "b"]` |
| `stringSet`, `numberSet`, `booleanSet` | set of a primitive | the same as a list |
| `stringMap`, `numberMap`, `booleanMap` | map of a primitive | `name = { k = "v" }` |
| `any` | objects, nested attributes, anything else | `name = <value as an HCL expression>` |
| `BlockSpec(...)` | a nested block type | `name { ... }`, once per element |

What cdktf's HCL synthesis gets wrong for us is the meta-arguments: it renders a lifecycle's `precondition`
and `postcondition` as attributes (`precondition = [...]`), which Terraform rejects, and quotes the
references in `provider` and `depends_on`, which Terraform deprecates. `synthesized_by_table` also overrides
`toHclTerraform` to render them the way Terraform wants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Union

import jsii

#: storage class -> (cdktf's HCL "type", cdktf's HCL "storageClassType")
_HCL_KIND = {
    "string": ("simple", "string"),
    "number": ("simple", "number"),
    "boolean": ("simple", "boolean"),
    "stringList": ("list", "stringList"),
    "numberList": ("list", "numberList"),
    "booleanList": ("list", "booleanList"),
    "stringSet": ("set", "stringList"),
    "numberSet": ("set", "numberList"),
    "booleanSet": ("set", "booleanList"),
    "stringMap": ("map", "stringMap"),
    "numberMap": ("map", "numberMap"),
    "booleanMap": ("map", "booleanMap"),
    "any": ("any", "any"),
}


@dataclass(frozen=True)
class BlockSpec:
    """A nested block type: `nesting` is "single", "list" or "set"; `attributes` is its own spec."""

    nesting: str
    attributes: Mapping[str, "Spec"] = field(default_factory=dict)


Spec = Union[str, BlockSpec]


def _drop_none(value: Any) -> Any:
    """Nulls inside nested values: cdktf's HCL renderer cannot print them, and null means unset anyway."""
    if isinstance(value, Mapping):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_drop_none(v) for v in value if v is not None]
    return value


def _json_value(spec: Spec, value: Any) -> Any:
    if isinstance(spec, BlockSpec):
        items = [value] if isinstance(value, Mapping) else list(value)
        rendered = [{k: _json_value(spec.attributes[k], v) for k, v in item.items() if v is not None} for item in items]
        return rendered[0] if spec.nesting == "single" and rendered else rendered
    return value


def _hcl_value(spec: Spec, value: Any) -> dict[str, Any]:
    if isinstance(spec, BlockSpec):
        items = [value] if isinstance(value, Mapping) else list(value)
        rendered = [
            {k: _hcl_value(spec.attributes[k], v) for k, v in item.items() if v is not None} for item in items
        ]
        if spec.nesting == "single":
            return {"value": rendered[0] if rendered else {}, "isBlock": True, "type": "simple", "storageClassType": "block"}
        return {"value": rendered, "isBlock": True, "type": spec.nesting, "storageClassType": "blockList"}
    kind, storage = _HCL_KIND[spec]
    if kind == "any":
        value = _drop_none(value)
    return {"value": value, "isBlock": False, "type": kind, "storageClassType": storage}


class AttributeTable:
    """Attribute values of one block, with the storage class of each (see the module's table)."""

    def __init__(self, spec: Mapping[str, Spec], values: Mapping[str, Any]) -> None:
        unknown = set(values) - set(spec)
        if unknown:
            raise TypeError(f"unknown attributes {sorted(unknown)}; expected some of {sorted(spec)}")
        for name, storage in spec.items():
            if not isinstance(storage, BlockSpec) and storage not in _HCL_KIND:
                raise ValueError(f"attribute {name!r}: unknown storage class {storage!r}")
        self.spec, self.values = dict(spec), dict(values)

    def json(self) -> dict[str, Any]:
        return {name: _json_value(self.spec[name], value) for name, value in self.values.items() if value is not None}

    def hcl(self) -> dict[str, Any]:
        return {name: _hcl_value(self.spec[name], value) for name, value in self.values.items() if value is not None}


# lifecycle in HCL --------------------------------------------------------------------------------------


def _lifecycle_hcl(lifecycle: Mapping[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name, value in lifecycle.items():
        if value is None:
            continue
        if name in ("precondition", "postcondition"):
            conditions = [value] if isinstance(value, Mapping) else list(value)
            body[name] = {
                "value": [
                    {
                        key: {"value": item, "isBlock": False, "type": "simple", "storageClassType": "string"}
                        for key, item in condition.items()
                        if item is not None
                    }
                    for condition in conditions
                ],
                "isBlock": True,
                "type": "list",
                "storageClassType": "conditionList",
            }
        elif name == "ignore_changes" and all(isinstance(v, str) and "${" not in v for v in value):
            # Attribute names, not strings: `ignore_changes = [enabled]`; `all` is a keyword, also bare.
            names = value if isinstance(value, str) else "[" + ", ".join(value) + "]"
            body[name] = {"value": names, "type": "reference"}
        else:
            body[name] = value
    return {"value": body, "isBlock": True, "type": "simple", "storageClassType": "lifecycle"}


def _fix_meta_arguments(fragment: Any) -> Any:
    """Meta-arguments as Terraform wants them in HCL: lifecycle conditions as blocks, and `provider` and
    `depends_on` as references (cdktf quotes them, which Terraform accepts with a deprecation warning)."""
    if not isinstance(fragment, dict):
        return fragment
    for kind in ("resource", "data"):
        for by_name in (fragment.get(kind) or {}).values():
            for body in by_name.values():
                if not isinstance(body, dict):
                    continue
                lifecycle = body.get("lifecycle")
                if isinstance(lifecycle, dict) and "value" not in lifecycle:
                    body["lifecycle"] = _lifecycle_hcl(lifecycle)
                if isinstance(body.get("provider"), str):
                    body["provider"] = {"value": body["provider"], "type": "reference"}
                depends_on = body.get("depends_on")
                if isinstance(depends_on, list) and all(isinstance(d, str) for d in depends_on):
                    body["depends_on"] = {"value": "[" + ", ".join(depends_on) + "]", "type": "reference"}
    return fragment


def synthesized_by_table(cls):
    """Class decorator: the jsii synthesis hooks of a TerraformResource/DataSource/Provider read `self._table`."""

    @jsii.member(jsii_name="synthesizeAttributes")
    def synthesize_attributes(self) -> Mapping[str, Any]:
        return self._table.json()

    @jsii.member(jsii_name="synthesizeHclAttributes")
    def synthesize_hcl_attributes(self) -> Mapping[str, Any]:
        return self._table.hcl()

    cls._synthesize_attributes = synthesize_attributes
    cls._synthesize_hcl_attributes = synthesize_hcl_attributes

    if hasattr(cls, "to_hcl_terraform") and not issubclass(cls, _providers()):
        base = cls.__mro__[1]

        @jsii.member(jsii_name="toHclTerraform")
        def to_hcl_terraform(self) -> Any:
            return _fix_meta_arguments(base.to_hcl_terraform(self))

        cls.to_hcl_terraform = to_hcl_terraform
    return cls


def _providers() -> tuple[type, ...]:
    from codat_constructs._cdk import cdk

    return (cdk.TerraformProvider,)
