"""The control API's error value and Toxiproxy's exact messages (toxiproxy-api.md §2).

Handlers raise :class:`ApiError`; the API turns it into ``{"error":…,"status":…}`` + newline.
"""

from __future__ import annotations

__all__ = [
    "ApiError",
    "bad_request_body",
    "missing_field",
]

PROXY_NOT_FOUND = "proxy not found"
PROXY_EXISTS = "proxy already exists"
INVALID_STREAM = "stream was invalid, can be either upstream or downstream"
INVALID_TOXIC_TYPE = "invalid toxic type"
TOXIC_EXISTS = "toxic already exists"
TOXIC_NOT_FOUND = "toxic not found"


class ApiError(Exception):
    """An answer other than success: ``message`` goes to the ``error`` key, ``status`` is HTTP."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

    @classmethod
    def proxy_not_found(cls) -> ApiError:
        return cls(PROXY_NOT_FOUND, 404)

    @classmethod
    def proxy_exists(cls) -> ApiError:
        return cls(PROXY_EXISTS, 409)

    @classmethod
    def toxic_not_found(cls) -> ApiError:
        return cls(TOXIC_NOT_FOUND, 404)

    @classmethod
    def toxic_exists(cls) -> ApiError:
        return cls(TOXIC_EXISTS, 409)

    @classmethod
    def invalid_stream(cls) -> ApiError:
        return cls(INVALID_STREAM, 400)

    @classmethod
    def invalid_toxic_type(cls) -> ApiError:
        return cls(INVALID_TOXIC_TYPE, 400)

    @classmethod
    def internal(cls, message: str) -> ApiError:
        """Go's untyped errors (bind failures …) become 500 with their raw text."""
        return cls(message, 500)


def bad_request_body(reason: object) -> ApiError:
    return ApiError(f"bad request body: {reason}", 400)


def missing_field(what: str) -> ApiError:
    return ApiError(f"missing required field: {what}", 400)
