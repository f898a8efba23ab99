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

**Every string is text.** A string given to a binding is a literal (a user's value, an environments file's,
Codat's) unless it is a `TerraformExpression`, the type of the Terraform syntax the constructs write
themselves (a reference such as `Secret.token`, a binding's attribute, a template of both). This module is the
one place literals meet the synthesized stack: the attribute table writes each one with
`codat_settings.literal.terraform_literal`, so `${...}`, `%{...}` and the CDK's own token markers in it stay
text (Terraform would otherwise evaluate them); `import_from` does the same for import IDs, and `template`
joins text and expressions for the messages of checks and conditions. A literal no field takes (a control
character, a URL with a user name or password) is refused when the binding is created (`LiteralValueError`).

What cdktf's HCL synthesis gets wrong for us is strings and the meta-arguments. Its renderer escapes no
backslash, and no quote in a string holding `${`; it writes a string that starts with `{` or `[` as an
expression. So every string goes to it already written as the inside of an HCL quoted template
(`hcl_template_body`). It renders a lifecycle's `precondition` and `postcondition` as attributes
(`precondition = [...]`), which Terraform rejects, and quotes the references in `provider` and `depends_on`,
which Terraform deprecates. `synthesized_by_table` also overrides `toHclTerraform` to render them the way
Terraform wants.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Union

import jsii

from codat_settings.fields import credentials_problem, text_problem
from codat_settings.literal import EMPTY, terraform_literal

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


class TerraformExpression(str):
    """Terraform syntax the constructs wrote themselves: a reference (`Secret.token`, a binding's attribute), a
    condition, a template of text and references (`template`). Written into the stack as it is; every other
    string is text. Joining it with other strings (`+`, an f-string) gives a plain string, that is text again:
    use `template` to join."""

    __slots__ = ()


def template(*parts: str) -> TerraformExpression:
    """One string of literal text and `TerraformExpression`s: the text escaped (adjacent pieces together, as
    one text), the expressions as they are. E.g. `template(app_name, ": ", linked, " linked")`."""
    out: list[str] = []
    text: list[str] = []
    for part in parts:
        if isinstance(part, TerraformExpression):
            out += [terraform_literal("".join(text)), part]
            text = []
        else:
            text.append(part)
    out.append(terraform_literal("".join(text)))
    return TerraformExpression("".join(out))


def literal(value: Any) -> Any:
    """`value` as the stack must hold it: every string that is not a `TerraformExpression`, map keys included,
    spelled with terraform_literal; anything else (numbers, booleans, CDK objects) as it is."""
    if isinstance(value, TerraformExpression):
        return value
    if isinstance(value, str):
        return terraform_literal(value)
    if isinstance(value, Mapping):
        return {literal(k): literal(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [literal(v) for v in value]
    return value


def hcl_template_body(text: str) -> str:
    """A JSON-syntax Terraform string (a `literal` result or a `TerraformExpression`) as the inside of an HCL
    quoted template: `${...}`, `%{...}` and the `%%{`/`$${` escapes kept, quotes, backslashes and control
    characters outside them escaped. A body that starts with `{` or `[` gets EMPTY in front, because cdktf's
    renderer writes such a string without quotes."""
    out, i = [], 0
    while i < len(text):
        if text.startswith(("$${", "%%{"), i):
            out.append(text[i : i + 3])
            i += 3
        elif text.startswith(("${", "%{"), i):
            end = _closing_brace(text, i + 2)
            out.append(text[i : end + 1])
            i = end + 1
        else:
            char = text[i]
            out.append(_HCL_ESCAPES.get(char) or (f"\\u{ord(char):04x}" if ord(char) < 0x20 else char))
            i += 1
    body = "".join(out)
    return EMPTY + body if body.startswith(("{", "[")) else body


_HCL_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _closing_brace(text: str, start: int) -> int:
    """Index of the `}` closing an interpolation whose body starts at `start` (strings inside are skipped)."""
    depth, i, quoted = 1, start, False
    while i < len(text):
        c = text[i]
        if quoted:
            if c == "\\":
                i += 1
            elif c == '"':
                quoted = False
        elif c == '"':
            quoted = True
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError(f"unterminated interpolation in {text!r}")


def _hcl_strings(value: Any) -> Any:
    """`value` (already `literal`) with every string as an HCL template body, map keys included."""
    if isinstance(value, str):
        return hcl_template_body(value)
    if isinstance(value, Mapping):
        return {_hcl_strings(k): _hcl_strings(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_hcl_strings(v) for v in value]
    return value


def _refused_text(value: Any, path: str) -> Iterator[str]:
    """A problem for each literal string under `value` (map keys included) that no field takes: one with a
    control character, or a URL with a user name or password."""
    if isinstance(value, str) and not isinstance(value, TerraformExpression):
        # text_problem, so told, refuses only a control character
        problem = text_problem(value, path, required=False, max_length=len(value)) or credentials_problem(value, path)
        if problem:
            yield problem
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _refused_text(key, f"{path} (a key)")
            yield from _refused_text(item, f"{path}.{key}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _refused_text(item, f"{path}[{index}]")


class LiteralValueError(ValueError):
    """A binding was given text no field takes (a control character, a URL with a user name or password); every
    problem names its attribute."""

    def __init__(self, kind: str, path: str, problems: list[str]) -> None:
        self.problems = list(problems)
        listed = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"{kind} {path!r} is not valid ({len(self.problems)} problem(s)):\n{listed}")


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
    return literal(value)


def _hcl_value(spec: Spec, value: Any) -> dict[str, Any]:
    if isinstance(spec, BlockSpec):
        items = [value] if isinstance(value, Mapping) else list(value)
        rendered = [
            {k: _hcl_value(spec.attributes[k], v) for k, v in item.items() if v is not None} for item in items
        ]
        if spec.nesting == "single":
            return {"value": rendered[0] if rendered else {}, "isBlock": True, "type": "simple",
                    "storageClassType": "block"}
        return {"value": rendered, "isBlock": True, "type": spec.nesting, "storageClassType": "blockList"}
    kind, storage = _HCL_KIND[spec]
    if kind == "any":
        value = _drop_none(value)
    return {"value": _hcl_strings(literal(value)), "isBlock": False, "type": kind, "storageClassType": storage}


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

    def problems(self) -> list[str]:
        """What no field takes in the literal values (a control character, a URL with a user name or password),
        each named by its attribute."""
        return [problem for name, value in self.values.items() for problem in _refused_text(value, name)]


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
                        key: _hcl_string(item)
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


def _hcl_string(text: Any) -> dict[str, Any]:
    """A string attribute that cdktf's renderer writes as the quoted template of `text` (JSON syntax; a token
    object is left to cdktf)."""
    value = hcl_template_body(text) if isinstance(text, str) else text
    return {"value": value, "isBlock": False, "type": "simple", "storageClassType": "string"}


def _fix_meta_arguments(fragment: Any) -> Any:
    """Meta-arguments as Terraform wants them in HCL: lifecycle conditions as blocks, `provider` and `depends_on`
    as references (cdktf quotes them, which Terraform accepts with a deprecation warning), and import IDs as
    quoted templates."""
    if not isinstance(fragment, dict):
        return fragment
    for block in fragment.get("import") or []:
        if isinstance(block, dict) and isinstance(block.get("id"), str):
            block["id"] = _hcl_string(block["id"])
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
    """Class decorator: the jsii synthesis hooks of a TerraformResource/DataSource/Provider read `self._table`;
    a literal no field takes is refused when the binding is created; import IDs are text; and references to the
    block's attributes are `TerraformExpression`s, so they can be given to other bindings."""
    made = cls.__init__

    @functools.wraps(made)
    def __init__(self, scope: Any, id: str, **props: Any) -> None:
        made(self, scope, id, **props)
        problems = self._table.problems()
        if problems:
            path = self.node.path
            scope.node.try_remove_child(id)  # a refused binding leaves nothing behind in the stack
            raise LiteralValueError(cls.__name__, path, problems)

    cls.__init__ = __init__
    base = cls.__mro__[1]

    def import_from(self, id: str, provider: Any = None) -> None:
        """Import the object Codat has under `id` (text, or a `TerraformExpression` such as `template(...)`)."""
        base.import_from(self, literal(id), provider)

    def get_string_attribute(self, terraform_attribute: str) -> TerraformExpression:
        return TerraformExpression(base.get_string_attribute(self, terraform_attribute))

    def get_list_attribute(self, terraform_attribute: str) -> list:
        return [TerraformExpression(item) for item in base.get_list_attribute(self, terraform_attribute)]

    for name, method in (("import_from", import_from), ("get_string_attribute", get_string_attribute),
                         ("get_list_attribute", get_list_attribute)):
        if hasattr(base, name):  # a provider block has none of these
            setattr(cls, name, method)

    @jsii.member(jsii_name="synthesizeAttributes")
    def synthesize_attributes(self) -> Mapping[str, Any]:
        return self._table.json()

    @jsii.member(jsii_name="synthesizeHclAttributes")
    def synthesize_hcl_attributes(self) -> Mapping[str, Any]:
        return self._table.hcl()

    cls._synthesize_attributes = synthesize_attributes
    cls._synthesize_hcl_attributes = synthesize_hcl_attributes

    if hasattr(cls, "to_hcl_terraform") and not issubclass(cls, _providers()):

        @jsii.member(jsii_name="toHclTerraform")
        def to_hcl_terraform(self) -> Any:
            return _fix_meta_arguments(base.to_hcl_terraform(self))

        cls.to_hcl_terraform = to_hcl_terraform
    return cls


def _providers() -> tuple[type, ...]:
    from codat_constructs._cdk import cdk

    return (cdk.TerraformProvider,)
