"""Rules every field shares, whichever entry point reads it: text without control characters, within a
length, and present when required; URLs without credentials; whole numbers within a range.

The constructs apply them at synth, the environments file when it is loaded, `codat-iac adopt` before it
writes a file, and the provider at plan, so a value is refused everywhere with the same words. Each function
returns why `value` is refused (a sentence that starts with `field`, then says the fix) or None. Messages
never repeat a value that was refused: it may be long, hold a secret, or carry a password in a URL.

Where the bounds come from (Codat's OpenAPI spec gives types, rarely limits):
  - Codat's integers are `type: integer`, which its .NET service reads as a 32-bit int: no count of months,
    position or version may pass 2**31 - 1. Larger values fail at Codat, and past 2**53 they are not even
    carried exactly through JSON and the CDK's JavaScript.
  - months of history (`sync_from_window`, `months_to_sync`): 1 to 1200 (100 years): no accounting platform
    holds older data, so a larger number is a typo.
  - a profile name: at most 255 characters. The spec sets no limit; 255 is a generous display name (Codat
    shows it in Link and its e-mails) and far from the 10,000 Codat stored without complaint.
  - any other text (URLs, endpoints, property paths, names of entries): at most 2048 characters, the
    common limit for a URL.
Standard library only, like the rest of this package.
"""

from __future__ import annotations

import numbers
import re
from urllib.parse import urlsplit

__all__ = ["INT32_MAX", "MAX_NAME", "MAX_TEXT", "MONTHS", "control_character", "credentials_problem",
           "integer_problem", "text_problem", "url_problem", "whole_number"]

INT32_MAX = 2**31 - 1
#: A profile name (and other names a person reads).
MAX_NAME = 255
#: Any other text: URLs, endpoints, property paths, names of entries.
MAX_TEXT = 2048
#: Months of history Codat fetches.
MONTHS = (1, 1200)

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_NAMES = {0x00: "NUL", 0x09: "tab", 0x0A: "line feed", 0x0D: "carriage return", 0x1B: "escape", 0x7F: "delete"}


def control_character(text: str) -> str | None:
    """The first control character (C0, DEL or C1) or unpaired surrogate in `text`, described with its place
    (`a carriage return (U+000D) at character 6`), or None."""
    found = _CONTROL.search(text)  # one pass in C: every value of a plan comes through here
    if found is None:
        return None
    code = ord(found.group())
    name = "unpaired surrogate" if 0xD800 <= code <= 0xDFFF else _NAMES.get(code, "control character")
    article = "an" if name[0] in "aeiou" else "a"
    return f"{article} {name} (U+{code:04X}) at character {found.start() + 1}"


def text_problem(value: object, field: str, *, required: bool = True, max_length: int = MAX_TEXT,
                 example: str = "") -> str | None:
    """Why `value` cannot be the text of `field`: not a string, empty (when `required`), a control character
    (a line break, NUL, ...), or longer than `max_length` characters."""
    hint = f", e.g. {example}" if example else ""
    if not isinstance(value, str):
        return f"{field} must be text{hint} (got {type(value).__name__})."
    if required and not value.strip():
        return f"{field} is empty: give a value{hint}."
    found = control_character(value)
    if found:
        return (f"{field} contains {found}, which no field takes: Codat's fields are one line of text, and such "
                "a character hides what a terminal or log shows. Remove it (retype the value if it was pasted).")
    if len(value) > max_length:
        return f"{field} has {len(value)} characters; at most {max_length} are accepted: shorten it."
    return None


def url_problem(value: object, field: str, *, required: bool = True) -> str | None:
    """What every URL field refuses, whatever scheme it allows: `text_problem`'s rules, and a user name or
    password in the URL (`https://user:pass@host`), which would be stored in Codat and in Terraform's state."""
    problem = text_problem(value, field, required=required, example="https://example.com/codat")
    if problem is not None or not isinstance(value, str):  # text_problem refuses whatever is not a string
        return problem
    return credentials_problem(value, field)


def credentials_problem(value: str, field: str) -> str | None:
    """Why `value`, a URL with a user name or password (`scheme://user:pass@host`), is refused; None for any
    other text, a URL or not."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return None  # not a URL at all: the field's own rule says what it expects
    if parts.netloc and (parts.username is not None or parts.password is not None):
        return (f"{field} carries a user name or password before its host (not shown here): remove the "
                "`user:password@` part; Codat and Terraform's state would keep it in clear.")
    return None


def whole_number(value: object) -> int | None:
    """`value` as an int when it is a whole number (TOML and Terraform may carry 24, 24.0 or Decimal('24')); None
    for anything else (true/false and text are not numbers; nor are 24.5, NaN and infinity whole ones)."""
    if isinstance(value, (bool, complex)) or not isinstance(value, numbers.Number) or not hasattr(value, "__int__"):
        return None
    try:
        whole = int(value)
    except (ValueError, OverflowError):  # NaN, infinity
        return None
    return whole if value == whole else None


def integer_problem(value: object, field: str, low: int, high: int, what: str = "a whole number") -> str | None:
    """Why `value` is not a whole number from `low` to `high` (true/false and text are not numbers)."""
    if isinstance(value, (bool, complex)) or not isinstance(value, numbers.Number):
        return f"{field} must be {what} from {low:,} to {high:,} (got {type(value).__name__})."
    whole = whole_number(value)
    if whole is None or not low <= whole <= high:
        shown = f"{whole:,}" if whole is not None else str(value)
        return f"{field} must be {what} from {low:,} to {high:,}, not {shown}."
    return None
