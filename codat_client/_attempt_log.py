"""The client's log lines about its calls (``logging.getLogger("codat_client")``): at DEBUG one line per attempt
with masked headers and bodies, at INFO each retry and its wait. Every record also passes the scrubber
(``_secrets``); the masking here is structural, on top of it."""

from __future__ import annotations

import logging

import httpx

from ._errors import api_path
from ._failures import Outcome
from ._redact import describe_body, mask_headers

log = logging.getLogger("codat_client")


def log_attempt(
    request: httpx.Request, outcome: Outcome, elapsed: float, attempt: int, max_attempts: int, mask_all: bool
) -> None:
    """One DEBUG line: the attempt's request and what it got; ``mask_all`` masks every value of both bodies
    (credential calls)."""
    if not log.isEnabledFor(logging.DEBUG):
        return
    response = outcome.response
    sent = describe_body(request.content, request.headers.get("content-type", ""), mask_all=mask_all)
    request_part = f"headers={mask_headers(request.headers.multi_items())} body={sent}"
    if response is not None:
        response_part = describe_body(
            response.content, response.headers.get("content-type", ""), mask_all=mask_all
        )
    else:
        response_part = "-"
    log.debug(
        "%s %s -> %s in %.0f ms (attempt %d/%d) request: %s response: %s",
        request.method,
        api_path(request),
        outcome.text,
        elapsed * 1000,
        attempt,
        max_attempts,
        request_part,
        response_part,
    )


def log_retry(request: httpx.Request, wait: float, attempt: int, max_attempts: int, outcome: Outcome) -> None:
    """One INFO line: the call is tried again after ``wait`` seconds."""
    log.info(
        "retrying %s %s in %.2f s: attempt %d/%d got %s",
        request.method,
        api_path(request),
        wait,
        attempt,
        max_attempts,
        outcome.text,
    )
