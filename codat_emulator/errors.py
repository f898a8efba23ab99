"""Codat's error envelope: every 4xx/5xx answer, from a handler, a fault or the HTTP layer, uses it.

Codat documents one shape for all errors (`ErrorMessage` in the Platform spec), so clients can
parse any failure the same way; the emulator never answers an error in any other shape.
"""

from __future__ import annotations

import uuid
from typing import TypeGuard

# Messages Codat's spec examples use for each status (service is always "PublicApi" here even where
# the spec's examples say "ClientsApi"/"PullApi": the contract fixes it for this emulator).
STATUS_MESSAGES = {
    400: "Error processing request - not valid.",
    401: "Unauthorized",
    402: "An account limit has been exceeded.",
    403: "You are using an outdated API key or a key not associated with that resource.",
    404: "The requested resource was not found.",
    405: "The requested method is not allowed for this resource.",
    409: "The request conflicts with the current state of the resource.",
    413: "The request body is too large.",
    429: "You have made too many requests in a given amount of time; please retry later.",
    500: "There is a problem with our server. Please try again later.",
    501: "The requested method is not implemented.",
    502: "Bad gateway. Please try again later.",
    503: "The Codat API is temporarily offline for maintenance. Please try again later.",
    504: "Gateway timeout. Please try again later.",
}


def default_message(status: int) -> str:
    return STATUS_MESSAGES.get(status, "Request failed.")


def issue(item_id: str, message: str, validator: str) -> dict:
    """One `validation.errors` item."""
    return {"itemId": item_id, "message": message, "validatorName": validator}


def error_body(status: int, message: str | None = None, issues: list[dict] | None = None) -> dict:
    return {
        "statusCode": status,
        "service": "PublicApi",
        "error": message or default_message(status),
        "correlationId": uuid.uuid4().hex,
        "validation": {"errors": issues, "warnings": []} if issues else None,
        "canBeRetried": "Unknown",
        "detailedErrorCode": 0,
    }


class ApiError(Exception):
    """Raised by handlers; aborts the surrounding store transaction so nothing half-done is saved."""

    def __init__(self, status: int, message: str | None = None, issues: list[dict] | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message or default_message(status))
        self.status = status
        self.message = message or default_message(status)
        self.issues = issues
        self.headers = headers or {}

    def body(self) -> dict:
        return error_body(self.status, self.message, self.issues)


def is_int(value: object) -> TypeGuard[int]:
    """A JSON integer: `true`/`false` are bools, not numbers, and `24.0` is not an integer."""
    return isinstance(value, int) and not isinstance(value, bool)


def validation_error(issues: list[dict]) -> ApiError:
    """400 whose `error` repeats the item messages, so a client that only prints `error` is still clear."""
    return ApiError(400, " ".join(i["message"] for i in issues), issues)


class EmulatorError(Exception):
    """A problem the CLI reports as one line (bad data folder, unknown key, ...), never a traceback."""
