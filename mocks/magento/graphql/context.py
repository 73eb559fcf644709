"""What every resolver is given (``info.context``): the store, who asks, the cache tags."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import AUTHORIZATION, GraphQlError

if TYPE_CHECKING:
    from ..auth import Principal
    from ..state import Store

__all__ = ["Context"]


@dataclass
class Context:
    store: Store
    principal: Principal
    client: str = "127.0.0.1"
    store_code: str = "default"
    #: the response's X-Magento-Tags (cacheable resolvers add theirs, spec §6)
    tags: set[str] = field(default_factory=set)
    #: False once an uncacheable field resolves: the whole answer is then uncacheable
    cacheable: bool = True

    @property
    def customer_id(self) -> int | None:
        """The customer who asks, or None (a guest, an integration, an admin)."""
        return self.principal.user_id if self.principal.kind == "customer" else None

    def need_customer(self) -> int:
        """The customer who asks; anyone else is refused (and the answer is not cached)."""
        self.cacheable = False
        customer_id = self.customer_id
        if customer_id is None:
            raise GraphQlError("The current customer isn't authorized.", AUTHORIZATION)
        return customer_id
