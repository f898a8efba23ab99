"""Registry-style Markdown documentation rendered from a provider's schemas.

    render_markdown(provider) -> {"index.md": ..., "resources/<name>.md": ...,
                                  "data-sources/<name>.md": ...}

``<name>`` is the type name without the provider prefix (``codat_integration`` ->
``integration``), as the Terraform Registry lays out provider docs.
"""
from __future__ import annotations

from collections.abc import Mapping

from .schema import Attribute, Block, NestedAttributes, Schema

__all__ = ["render_markdown", "render_schema"]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypeAlias

    from .provider import Provider, Resource

    # The nested schemas a section links to, rendered after it: (HTML id, anchor, schema).
    Nested: TypeAlias = list[tuple[str, str, Schema]]


def _short(type_name: str, provider_name: str) -> str:
    prefix = provider_name + "_"
    return type_name[len(prefix):] if provider_name and type_name.startswith(prefix) else type_name


def _desc(obj: Schema | Attribute) -> str:
    text = (getattr(obj, "markdown_description", None) or getattr(obj, "description", "") or "").strip()
    return text


def _type_text(a: Attribute) -> str:
    if isinstance(a.type, NestedAttributes):
        return {"single": "Object", "list": "List of Object", "set": "Set of Object",
                "map": "Map of Object"}[a.type.nesting]
    return " of ".join(w[:1].upper() + w[1:] for w in a.type.friendly().split(" of "))


def _fmt_default(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, (list, dict)):
        import json
        return json.dumps(v, default=str)
    return str(v)


def _attr_line(a: Attribute) -> str:
    notes = [_type_text(a)]
    if a.sensitive:
        notes.append("Sensitive")
    if a.write_only:
        notes.append("Write-only")
    if a.deprecated:
        notes.append("Deprecated")
    line = f"- `{a.name}` ({', '.join(notes)})"
    desc = _desc(a)
    if desc:
        line += " " + desc
    extra = []
    if a.default is not None:
        extra.append(f"Defaults to `{_fmt_default(a.default)}`.")
    if a.requires_replace:
        extra.append("Changing this forces a new resource to be created.")
    if a.write_only:
        extra.append("This value is sent to the provider but never stored in the plan or state "
                     "(requires Terraform 1.11 or later); it can come from an ephemeral value.")
    elif a.sensitive:
        extra.append("This value is sensitive: Terraform hides it in output, but it is stored in state.")
    if extra:
        line += (" " if desc else " ") + " ".join(extra)
    return line


def _sections(schema: Schema, anchor_prefix: str, nested_out: Nested, top: bool = False) -> list[str]:
    """Lines of the Argument/Attribute lists for one block; nested schemas appended to nested_out."""
    required = [a for a in schema.attributes if a.required]
    optional = [a for a in schema.attributes if a.optional]
    computed = [a for a in schema.attributes if a.computed and not a.optional]
    lines: list[str] = []
    if required or any(b.min_items > 0 for b in schema.blocks):
        lines += ["### Required", ""]
        lines += [_attr_line(a) + _nested_ref(a, anchor_prefix, nested_out) for a in required]
        lines += [_block_line(b, anchor_prefix, nested_out) for b in schema.blocks if b.min_items > 0]
        lines.append("")
    if optional or any(b.min_items == 0 for b in schema.blocks):
        lines += ["### Optional", ""]
        lines += [_attr_line(a) + _nested_ref(a, anchor_prefix, nested_out) for a in optional]
        lines += [_block_line(b, anchor_prefix, nested_out) for b in schema.blocks if b.min_items == 0]
        lines.append("")
    if computed:
        if top:
            lines += ["## Attributes Reference", "",
                      "In addition to the arguments above, these attributes are exported:", ""]
        else:
            lines += ["### Read-Only", ""]
        lines += [_attr_line(a) + _nested_ref(a, anchor_prefix, nested_out) for a in computed]
        lines.append("")
    return lines


def _nested_ref(a: Attribute, prefix: str, nested_out: Nested) -> str:
    if not isinstance(a.type, NestedAttributes):
        return ""
    anchor = f"{prefix}{a.name}"
    nested_out.append(("nestedatt--" + anchor, anchor, Schema(attributes=a.type.attributes)))
    return f" (see [below for nested schema](#nestedatt--{anchor}))"


def _block_line(b: Block, prefix: str, nested_out: Nested) -> str:
    anchor = f"{prefix}{b.name}"
    nested_out.append(("nestedblock--" + anchor, anchor, b.schema))
    kinds = {"single": "Block", "group": "Block", "list": "Block List", "set": "Block Set", "map": "Block Map"}
    kind = kinds[b.nesting]
    limits = []
    if b.min_items:
        limits.append(f"Min: {b.min_items}")
    if b.max_items:
        limits.append(f"Max: {b.max_items}")
    kind += (", " + ", ".join(limits)) if limits else ""
    desc = _desc(b.schema)
    return f"- `{b.name}` ({kind}) {desc + ' ' if desc else ''}(see [below for nested schema](#nestedblock--{anchor}))"


def render_schema(schema: Schema, heading: str = "## Schema", top: bool = False) -> str:
    """The Argument/Attributes reference of one schema, with nested schemas after it."""
    out: list[str] = []
    nested: Nested = []
    body = _sections(schema, "", nested, top=top)
    out += [heading, ""] + body
    seen = 0
    while seen < len(nested):
        html_id, anchor, sub = nested[seen]
        seen += 1
        out += [f'<a id="{html_id}"></a>', f"### Nested Schema for `{anchor.replace('--', '.')}`", ""]
        out += [("#" + line) if line.startswith("### ") else line
                for line in _sections(sub, anchor + "--", nested)]
    return "\n".join(out).rstrip() + "\n"


def _example(hcl: str | None) -> list[str]:
    return ["## Example Usage", "", "```terraform", hcl.strip(), "```", ""] if hcl else []


def _page(kind: str, full_name: str, provider_name: str, schema: Schema, example: str | None = None,
          subcategory: str = "") -> str:
    desc = _desc(schema)
    title = f"{full_name} ({kind})"
    lines = ["---", f'page_title: "{title} - {provider_name}"', f'subcategory: "{subcategory}"',
             'description: |-', f"  {desc.splitlines()[0] if desc else ''}", "---", "",
             f"# {title}", ""]
    if desc:
        lines += [desc, ""]
    if schema.deprecated:
        lines += ["~> **Deprecated** This type is deprecated.", ""]
    wo = [a.name for a in schema.attributes if a.write_only]
    if wo:
        lines += [f"-> Write-only arguments ({', '.join(f'`{n}`' for n in wo)}) need Terraform 1.11 or later. "
                  "They are never stored in plan or state.", ""]
    lines += _example(example)
    lines.append(render_schema(schema, "## Argument Reference", top=True))
    return "\n".join(lines)


def render_markdown(provider: Provider, examples: Mapping[str, str] | None = None) -> dict[str, str]:
    """Render every page of a provider's documentation.

    ``examples`` maps a page ("index.md", "resources/<short name>.md", ...) to the HCL shown under its
    "Example Usage", and "resources/<short name>.import" to the shell lines shown under "Import".
    """
    examples = examples or {}
    name = provider.type_name
    pages: dict[str, str] = {}
    schema = provider.schema
    intro = _desc(schema) or f"The {name} provider."
    idx = ["---", f'page_title: "Provider: {name}"', "description: |-", f"  {intro.splitlines()[0]}", "---", "",
           f"# {name} Provider", "", intro, ""]
    idx += _example(examples.get("index.md", f'provider "{name}" {{\n  # configuration\n}}'))
    if schema.attributes or schema.blocks:
        idx.append(render_schema(schema))
    if provider.resources:
        idx += ["## Resources", ""]
        idx += [f"- [`{r.type_name}`](resources/{_short(r.type_name, name)}.md)" for r in provider.resources]
        idx.append("")
    if provider.data_sources:
        idx += ["## Data Sources", ""]
        idx += [f"- [`{d.type_name}`](data-sources/{_short(d.type_name, name)}.md)" for d in provider.data_sources]
        idx.append("")
    pages["index.md"] = "\n".join(idx).rstrip() + "\n"
    for r in provider.resources:
        key = f"resources/{_short(r.type_name, name)}"
        page = _page("Resource", r.type_name, name, r.schema, examples.get(f"{key}.md"))
        if _has_import(r):
            usage = examples.get(f"{key}.import", f"terraform import {r.type_name}.example <id>").strip()
            # The comment (invisible when rendered) tells the executed-docs test that these lines are shown, not run:
            # they need a configuration and a real object of the user's.
            page += ("\n## Import\n\nImport is supported using the following syntax:\n\n"
                     f"<!-- illustrative: an import for a configuration of your own -->\n```shell\n{usage}\n```\n")
        pages[f"{key}.md"] = page
    for d in provider.data_sources:
        key = f"data-sources/{_short(d.type_name, name)}.md"
        pages[key] = _page("Data Source", d.type_name, name, d.schema, examples.get(key))
    return pages


def _has_import(cls: type[Resource]) -> bool:
    from .provider import Resource
    return getattr(cls, "import_state", None) is not Resource.import_state
