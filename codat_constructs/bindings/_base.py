"""A Terraform block whose attributes are listed once, rendered both to JSON and to HCL.

cdktf's generated bindings (`cdktf get`) do the same with 9 s of jsii code generation; a table of
attribute names and their Terraform storage class is all the synthesis needs.
"""

from __future__ import annotations

from typing import Any, Mapping

import jsii


def _hcl(spec: Mapping[str, str], values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: {"value": value, "isBlock": False, "type": "simple", "storageClassType": spec[name]}
        for name, value in values.items()
        if value is not None
    }


def _json(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


class AttributeTable:
    """Attribute values of one block, with the storage class ("string", "number", "boolean") of each."""

    def __init__(self, spec: Mapping[str, str], values: Mapping[str, Any]) -> None:
        unknown = set(values) - set(spec)
        if unknown:
            raise TypeError(f"unknown attributes {sorted(unknown)}; expected some of {sorted(spec)}")
        self.spec, self.values = dict(spec), dict(values)

    def json(self) -> dict[str, Any]:
        return _json(self.values)

    def hcl(self) -> dict[str, Any]:
        return _hcl(self.spec, self.values)


def synthesized_by_table(cls):
    """Class decorator: the jsii synthesis hooks of a TerraformResource/Provider read `self._table`."""

    @jsii.member(jsii_name="synthesizeAttributes")
    def synthesize_attributes(self) -> Mapping[str, Any]:
        return self._table.json()

    @jsii.member(jsii_name="synthesizeHclAttributes")
    def synthesize_hcl_attributes(self) -> Mapping[str, Any]:
        return self._table.hcl()

    cls._synthesize_attributes = synthesize_attributes
    cls._synthesize_hcl_attributes = synthesize_hcl_attributes
    return cls
