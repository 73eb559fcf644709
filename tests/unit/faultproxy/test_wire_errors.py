"""The two wire errors: the fault proxy's Toxiproxy error and the mocks' envelope error have
different names and the same argument order (status first)."""

from __future__ import annotations

import peakready.faultproxy.apierror as toxiproxy_errors
from peakready.faultproxy.apierror import ToxiproxyError, bad_request_body
from peakready.mockkit.api import ApiError


def test_the_fault_proxy_error_has_its_own_name() -> None:
    assert not hasattr(toxiproxy_errors, "ApiError")
    assert ToxiproxyError is not ApiError


def test_both_wire_errors_take_the_status_first() -> None:
    proxy_error = ToxiproxyError(409, "proxy already exists")
    mock_error = ApiError(409, "conflict", "order already exists")
    assert (proxy_error.status, proxy_error.message) == (409, "proxy already exists")
    assert mock_error.status == 409
    assert (bad_request_body("EOF").status, bad_request_body("EOF").message) == (
        400, "bad request body: EOF")
