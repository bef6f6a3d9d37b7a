"""Who may do what to an order: customers, a shop's staff and couriers, from their token's claims.

The claims are the ones API Gateway's Cognito authorizer verified and passed on; nothing
here checks a signature. One rule for refusals: someone with no part in an order is told
it does not exist (404), so order ids cannot be probed; a party to the order asking for
something their role may not do is told so (403).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from intake.errors import Forbidden, OrderNotFound, Unauthenticated
from intake.models import Order, Status


class Role(StrEnum):
    CUSTOMER = "customers"
    STAFF = "staff"
    COURIER = "couriers"


KITCHEN_STEPS = frozenset({Status.ACCEPTED, Status.PREPARING, Status.READY})
ROAD_STEPS = frozenset({Status.OUT_FOR_DELIVERY, Status.DELIVERED})


@dataclass(frozen=True, slots=True)
class Caller:
    sub: str
    roles: frozenset[Role]
    shop_id: str | None = None

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any] | None) -> Caller:
        """The caller the authorizer vouched for; without a subject and a known group, nobody."""
        claims = claims or {}
        sub = str(claims.get("sub") or "")
        roles = frozenset(Role(g) for g in _groups(claims.get("cognito:groups")) if g in _ROLES)
        if not sub or not roles:
            raise Unauthenticated("sign in as a customer, a shop's staff or a courier")
        shop = claims.get("custom:shop_id")
        return cls(sub, roles, str(shop) if shop else None)

    def is_(self, role: Role) -> bool:
        return role in self.roles


_ROLES = {role.value for role in Role}


def _groups(value: Any) -> list[str]:
    """Groups as a list, or as API Gateway writes them into the context: "a,b" or "[a b]"."""
    if isinstance(value, list):
        return [str(item) for item in value]
    text = str(value or "").strip().removeprefix("[").removesuffix("]")
    return [part for part in text.replace(",", " ").split() if part]


def owns(caller: Caller, order: Order) -> bool:
    return caller.is_(Role.CUSTOMER) and order.customer.id == caller.sub


def works_at(caller: Caller, order: Order) -> bool:
    return caller.is_(Role.STAFF) and caller.shop_id is not None and order.shop_id == caller.shop_id


def carries(caller: Caller, order: Order) -> bool:
    return caller.is_(Role.COURIER) and order.courier_id == caller.sub


def is_party(caller: Caller, order: Order) -> bool:
    return owns(caller, order) or works_at(caller, order) or carries(caller, order)


def readable(caller: Caller, order: Order) -> Order:
    """The order if the caller has a part in it; anyone else is told there is no such order."""
    if not is_party(caller, order):
        raise OrderNotFound("no order with this id")
    return order


def check_may_place(caller: Caller, customer_id: Any) -> None:
    """Only customers place orders, and only for themselves.

    A missing or malformed customer.id is left to the order's validation, which names it.
    """
    if not caller.is_(Role.CUSTOMER):
        raise Forbidden("only a customer may place an order")
    if isinstance(customer_id, str) and customer_id and customer_id != caller.sub:
        raise Forbidden("customer.id must be the signed-in customer")


def check_may_cancel(caller: Caller, order: Order) -> None:
    readable(caller, order)
    if not owns(caller, order):
        raise Forbidden("only the customer who placed the order may cancel it")


def check_may_progress(caller: Caller, order: Order, target: Status) -> None:
    """Staff of the order's shop run the kitchen steps; couriers the road.

    A courier may pick up a READY order nobody carries yet (they become its courier); after
    that only its courier may act on it.
    """
    if target in KITCHEN_STEPS:
        readable(caller, order)
        if not works_at(caller, order):
            raise Forbidden("only the shop's staff move an order through the kitchen")
        return
    unclaimed = order.courier_id is None and target is Status.OUT_FOR_DELIVERY
    if caller.is_(Role.COURIER) and (unclaimed or carries(caller, order)):
        return
    readable(caller, order)
    raise Forbidden("only the order's courier reports pickup and delivery")


def check_may_see_kitchen(caller: Caller) -> str:
    if not caller.is_(Role.STAFF) or caller.shop_id is None:
        raise Forbidden("the kitchen view is for a shop's staff")
    return caller.shop_id
