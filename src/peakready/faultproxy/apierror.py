"""The control API's wire error and Toxiproxy's exact messages (toxiproxy-api.md §2).

Handlers raise :class:`ToxiproxyError`; the API turns it into ``{"error":…,"status":…}`` + newline.
"""

from __future__ import annotations

__all__ = [
    "ToxiproxyError",
    "bad_request_body",
    "missing_field",
]

PROXY_NOT_FOUND = "proxy not found"
PROXY_EXISTS = "proxy already exists"
INVALID_STREAM = "stream was invalid, can be either upstream or downstream"
INVALID_TOXIC_TYPE = "invalid toxic type"
TOXIC_EXISTS = "toxic already exists"
TOXIC_NOT_FOUND = "toxic not found"


class ToxiproxyError(Exception):
    """An answer other than success: ``status`` is HTTP, ``message`` goes to the ``error`` key.

    Status first, like the mocks' :class:`peakready.mockkit.api.ApiError` (``status, code,
    message``): the two wire errors differ in name and envelope, not in argument order.
    """

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

    @classmethod
    def proxy_not_found(cls) -> ToxiproxyError:
        return cls(404, PROXY_NOT_FOUND)

    @classmethod
    def proxy_exists(cls) -> ToxiproxyError:
        return cls(409, PROXY_EXISTS)

    @classmethod
    def toxic_not_found(cls) -> ToxiproxyError:
        return cls(404, TOXIC_NOT_FOUND)

    @classmethod
    def toxic_exists(cls) -> ToxiproxyError:
        return cls(409, TOXIC_EXISTS)

    @classmethod
    def invalid_stream(cls) -> ToxiproxyError:
        return cls(400, INVALID_STREAM)

    @classmethod
    def invalid_toxic_type(cls) -> ToxiproxyError:
        return cls(400, INVALID_TOXIC_TYPE)

    @classmethod
    def internal(cls, message: str) -> ToxiproxyError:
        """Go's untyped errors (bind failures …) become 500 with their raw text."""
        return cls(500, message)


def bad_request_body(reason: object) -> ToxiproxyError:
    return ToxiproxyError(400, f"bad request body: {reason}")


def missing_field(what: str) -> ToxiproxyError:
    return ToxiproxyError(400, f"missing required field: {what}")
