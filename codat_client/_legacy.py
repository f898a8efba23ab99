"""The legacy v1 write endpoints (credentials, the enabled toggle): how their 404 and 405 answers read.

Design choice: the legacy endpoints answer 404 both for an unknown platform key and (on accounts or API versions
that lack them) for the route itself; 405 means the route exists for other methods only. Codat's "No integration
was found with key ..." names the first case, which stays a NotFoundError like everywhere else; so does "No
credentials were found ...", which proves the endpoint exists. Any other 404/405 means the endpoint is
unavailable, so the user is sent to the Portal, the only other place these settings can be made.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from . import _errors
from ._errors import CodatError, LegacyEndpointUnavailableError, NotFoundError

INTEGRATION_NOT_FOUND_NEXT = (
    "check the platform key: 4 lowercase letters (Xero is gbol); list_integrations() lists the ones "
    "this account has."
)


@dataclass(frozen=True, slots=True)
class Legacy:
    """Marks a call to one of the legacy v1 write endpoints (see ``legacy_error``)."""

    what: str  # "credentials" or "enabled toggle", for the message
    platform_key: str


def legacy_error(response: httpx.Response, legacy: Legacy, tried: str, attempts: int) -> CodatError:
    """The error for a legacy endpoint's 404 or 405 (rules in the module doc)."""
    error = _errors.error_text(response)
    if legacy.what == "credentials" and says_not_found(error, "credentials"):
        # "No credentials were found for integration gbol": the endpoint is there, the credentials are not.
        next_step = f"no credentials are stored for {legacy.platform_key}; nothing to read or delete."
        return _errors.from_response(
            response, cls=NotFoundError, next_step=next_step, tried=tried, attempts=attempts
        )
    if says_not_found(error, "integration"):
        return _errors.from_response(
            response,
            cls=NotFoundError,
            next_step=INTEGRATION_NOT_FOUND_NEXT,
            tried=tried,
            attempts=attempts,
        )
    next_step = (
        f"the legacy {legacy.what} endpoint is not available on this Codat account or API version, so set "
        f"the {legacy.what} in the Codat Portal: Settings > Integrations > {legacy.platform_key}. Reading "
        "the integration (and drift of its enabled flag) keeps working without it."
    )
    return _errors.from_response(
        response,
        cls=LegacyEndpointUnavailableError,
        next_step=next_step,
        tried=tried,
        attempts=attempts,
    )


def no_credentials(response: httpx.Response) -> bool:
    """Codat's answer that no credentials are stored (a retried DELETE finding them gone)."""
    return response.status_code == 404 and says_not_found(_errors.error_text(response), "credentials")


def says_not_found(error: str | None, subject: str) -> bool:
    """Codat's wording: "No integration was found with key xxxx", "Data connection ... not found"."""
    text = (error or "").lower()
    return f"no {subject}" in text or (subject in text and ("not found" in text or "not be found" in text))
