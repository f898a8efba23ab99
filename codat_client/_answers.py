"""Reading a 2xx answer as the model its call promises, and what a body of the wrong shape becomes: an
``UnexpectedResponseError`` for a read, a ``WriteNotAcknowledgedError`` for a write."""

from __future__ import annotations

import functools
import logging
from typing import TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from . import _errors
from ._credentials import MaskedCredentials, reduce_credentials
from ._errors import CodatError, UnexpectedResponseError, api_path
from ._failures import not_acknowledged
from ._secrets import SecretHold

log = logging.getLogger("codat_client")

M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], response: httpx.Response) -> M:
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        raise shape_error(response, model.__name__, exc) from None


def parse_credentials(response: httpx.Response, secrets: SecretHold) -> MaskedCredentials:
    """Codat's credential map, reduced to masks before anyone else sees it (see ``_credentials``); a value Codat
    sent in clear is added to ``secrets``, so the scrubber removes it wherever it reappears."""
    content = response.content.strip()
    if (not content or content == b"null") and response.request.method == "GET":
        return MaskedCredentials()
    try:
        answer = _string_map().validate_json(content)
    except ValidationError as exc:
        raise shape_error(response, "a map of strings", exc) from None
    masked = reduce_credentials(answer)
    if masked.unmasked:
        secrets.add(answer[field] for field in masked.unmasked)
        log.warning(
            "%s %s: Codat returned %s unmasked; only X's and the last 4 characters are kept",
            response.request.method,
            api_path(response.request),
            ", ".join(masked.unmasked),
        )
    return masked


def shape_error(response: httpx.Response, expected: str, exc: ValidationError) -> CodatError:
    """A 2xx answer whose body is not what the call expects; for a write, an unacknowledged one."""
    # Without input values: they could be secrets.
    problems = [
        f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}"
        for e in exc.errors(include_input=False, include_url=False)
    ]
    if response.request.method != "GET":
        listed = "; ".join(problems[:5])
        why = f"it answered {response.status_code}, but its body does not read as {expected} ({listed})"
        return not_acknowledged(response.request, why, 1, response)
    return _errors.from_response(
        response, cls=UnexpectedResponseError, tried=f"Expected {expected}; {'; '.join(problems[:5])}"
    )


@functools.cache
def _string_map() -> TypeAdapter[dict[str, str]]:
    return TypeAdapter(dict[str, str])  # built on first use, like the models (defer_build)
