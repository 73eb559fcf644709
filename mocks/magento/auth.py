"""Tokens and ACL (spec §1): admin, customer and integration bearer tokens.

A bad, expired or unknown bearer token is not an error by itself: the request continues as a
guest and protected routes answer 401 with the route's resources, as Magento does. Admin and
customer tokens look like Magento's (JWT from 2.4.4, 32-char opaque before); integration tokens
are configured with their ACL resource list; the built-in admin integration has them all.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .rest import WebapiError, input_exception, required_error

if TYPE_CHECKING:
    from .config import SimConfig

__all__ = ["GUEST", "AuthStore", "Principal", "acl_error"]

ALL = "Magento_Backend::all"
MSG_UNAUTHORIZED = "The consumer isn't authorized to access %resources."
MSG_SIGN_IN = ("The account sign-in was incorrect or your account is disabled temporarily. "
               "Please wait and try again later.")
USER_TYPE = {"integration": 1, "admin": 2, "customer": 3, "guest": 4}


@dataclass(frozen=True)
class Principal:
    kind: str                                   # integration | admin | customer | guest
    user_id: int = 0
    resources: frozenset[str] | None = None     # None = every resource
    expires: float = float("inf")

    def allows(self, resource: str) -> bool:
        if self.kind == "customer" or self.kind == "guest":
            return False
        if self.resources is None or ALL in self.resources:
            return True
        return any(r.strip() in self.resources for r in resource.split(","))

    @property
    def user_type(self) -> int:
        return USER_TYPE[self.kind]


GUEST = Principal("guest")


def acl_error(resource: str) -> WebapiError:
    return WebapiError(401, MSG_UNAUTHORIZED, {"resources": resource})


@dataclass
class _Lock:
    failures: int = 0
    locked_until: float = 0.0


@dataclass
class AuthStore:
    cfg: SimConfig
    tokens: dict[str, Principal] = field(default_factory=dict)
    locks: dict[str, _Lock] = field(default_factory=dict)
    _secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    def __post_init__(self) -> None:
        self.tokens[self.cfg.admin_token] = Principal("integration", 1, None)
        for index, (token, resources) in enumerate(self.cfg.integrations.items(), start=2):
            self.tokens[token] = Principal("integration", index, frozenset(resources))

    def resolve(self, authorization: str | None) -> Principal:
        if not authorization:
            return GUEST
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer":
            return GUEST
        principal = self.tokens.get(token.strip())
        if principal is None:
            return GUEST
        if principal.expires < time.time():
            self.tokens.pop(token.strip(), None)
            return GUEST
        return principal

    def _issue(self, kind: str, user_id: int, lifetime: float) -> str:
        now = time.time()
        if self.cfg.version >= (2, 4, 4):
            head = _b64({"kid": "1", "alg": "HS256"})
            body = _b64({"uid": user_id, "utypid": USER_TYPE[kind], "iat": int(now),
                         "exp": int(now + lifetime), "jti": secrets.token_hex(8)})
            sig = hmac.new(self._secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
            token = f"{head}.{body}.{base64.urlsafe_b64encode(sig).rstrip(b'=').decode()}"
        else:
            token = secrets.token_hex(16)
        self.tokens[token] = Principal(kind, user_id, None, now + lifetime)
        return token

    def check_credentials(self, body: dict[str, object]) -> tuple[str, str]:
        username, password = body.get("username"), body.get("password")
        missing = [required_error(name) for name, value in
                   (("username", username), ("password", password)) if value in (None, "")]
        if missing:
            # AbstractAggregateException: one error stands alone, two become the aggregate.
            raise input_exception(missing)
        return str(username), str(password)

    def _guard(self, key: str, ok: bool) -> None:
        """Lockout after N failures (oauth/authentication_lock), then the same 401."""
        lock = self.locks.setdefault(key, _Lock())
        now = time.time()
        if lock.locked_until > now:
            raise WebapiError(401, MSG_SIGN_IN)
        if ok:
            lock.failures = 0
            return
        lock.failures += 1
        if lock.failures >= self.cfg.lockout_failures:
            lock.locked_until = now + self.cfg.lockout_seconds
            lock.failures = 0
        raise WebapiError(401, MSG_SIGN_IN)

    def admin_token(self, body: dict[str, object]) -> str:
        username, password = self.check_credentials(body)
        ok = username == self.cfg.admin_user and hmac.compare_digest(
            password.encode(), self.cfg.admin_password.encode())
        self._guard("admin:" + username, ok)
        if self.cfg.tfa:
            raise WebapiError(400, "Please use the 2fa provider-specific endpoints to obtain a "
                              "token.", {"active_providers": ["google"]})
        return self._issue("admin", 1, self.cfg.admin_token_lifetime)

    def customer_token(self, body: dict[str, object], customer_id: int | None,
                       password_ok: bool) -> str:
        username, _ = self.check_credentials(body)
        self._guard("customer:" + username.lower(), customer_id is not None and password_ok)
        assert customer_id is not None
        return self._issue("customer", customer_id, self.cfg.customer_token_lifetime)

    def revoke_customer(self, customer_id: int) -> None:
        for token, principal in list(self.tokens.items()):
            if principal.kind == "customer" and principal.user_id == customer_id:
                del self.tokens[token]


def _b64(data: dict[str, object]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
