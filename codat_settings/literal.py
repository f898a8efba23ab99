"""Text as Terraform reads it back: the one escape for every literal string that reaches a synthesized stack.

Terraform evaluates `${...}` and `%{...}` inside *every* string of a `.tf.json` file (object keys included),
so a profile name `${file("/proc/self/environ")}` copied from Codat would run. Its escapes are `$${` and
`%%{`. The CDK between us and the file (cdktf, or CDK Terrain) reads strings too: it replaces its own token
markers (`${TfToken[TOKEN.n]}`, `#{TfToken[...]}`, `&{TfToken[...]}`) and numbers that encode a token with
the Terraform expression the token stands for, and refuses two exact strings (the map-token values). So a
hostile `${TfToken[TOKEN.1]}` would become `${var.codat_api_key}` however Terraform's escape is applied.

`terraform_literal(text)` returns the spelling that both pass through untouched and that Terraform
evaluates to exactly `text`. `%{` becomes Terraform's escape `%%{`. `${` becomes `$`, an empty template
directive (`EMPTY`, which Terraform evaluates to "") and `{`: Terraform reads the text `${` just as from
its escape `$${`, and the result never holds `${`, which the CDK also reads (it takes `${...}` in a string
for an expression and changes how it writes the references that follow). EMPTY also goes inside anything
else the CDK would take for a token. Ordinary text comes out unchanged. Standard library only, like the
rest of this package.
"""

from __future__ import annotations

import re
import struct

__all__ = ["EMPTY", "terraform_literal"]

#: A template directive that Terraform evaluates to the empty string, without `${`, quotes or digits, so
#: neither the CDK nor its HCL renderer takes it for anything.
EMPTY = "%{if true}%{endif}"

#: What cdktf 0.21 and CDK Terrain 0.24 resolve inside a string (lib/tokens/private/encoding.js): a `{` that
#: opens a list or map token marker (`#{TfToken[`, `&{TfToken[`; a string marker's `${` is gone already); a
#: run that parseFloat reads as a token-encoding double.
_MARKER = re.compile(r"(?<=\{)(?=TfToken\[)")
_NUMBER_RUN = re.compile(r"[-|0-9.+]+(e[-|0-9.eE+]+)")
_JS_FLOAT_PREFIX = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
#: The top 16 bits of a double that encodes a token (string/number token, list token).
_TOKEN_DOUBLE_TAGS = (0xFDFF, 0xFBFF)
#: Strings the CDK refuses outright wherever they stand as a whole value.
_MAP_TOKEN_VALUES = ("String Map Token Value", "Any Map Token Value")


def terraform_literal(text: str) -> str:
    """`text` spelled so that Terraform (JSON or HCL syntax, through cdktf or CDK Terrain) reads exactly `text`.

    For literal strings only: a user's value, an environments file's, Codat's. Never for Terraform syntax the
    constructs write themselves (a reference, a condition): that would turn it into text. The result may be
    followed by such syntax (`terraform_literal("cost: $") + "${var.x}"` reads as the text, then the value), but
    two results must not be joined: escape the joined text instead.
    """
    if not isinstance(text, str):
        raise TypeError(f"terraform_literal takes a string, not {type(text).__name__}")
    escaped = text.replace("%{", "%%{").replace("${", "$" + EMPTY + "{")
    escaped = _MARKER.sub(EMPTY, escaped)
    escaped = _break_token_numbers(escaped)
    if escaped in _MAP_TOKEN_VALUES:
        escaped = escaped[0] + EMPTY + escaped[1:]
    if escaped.endswith("$"):
        escaped += EMPTY  # so that a Terraform expression may follow: `$` + `${x}` would read as `$${x}`
    return escaped


def _break_token_numbers(text: str) -> str:
    """`text` with EMPTY before the exponent of every number the CDK would decode as a token."""
    pieces = []
    while True:
        cut = next((m.start(1) for m in _NUMBER_RUN.finditer(text) if _is_token_double(m.group())), None)
        if cut is None:
            pieces.append(text)
            return EMPTY.join(pieces)
        pieces.append(text[:cut])
        text = text[cut:]


def _is_token_double(run: str) -> bool:
    """Whether JavaScript's parseFloat reads `run` as a double that encodes a CDK token."""
    prefix = _JS_FLOAT_PREFIX.match(run)
    if prefix is None:
        return False
    try:
        value = float(prefix.group())
    except (ValueError, OverflowError):
        return False
    (bits,) = struct.unpack("<Q", struct.pack("<d", value))
    return bits >> 48 in _TOKEN_DOUBLE_TAGS
