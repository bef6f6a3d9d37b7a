"""Intake's rules: accepting an order, and moving it along its allowed statuses.

No AWS here: the catalog, the order store, the saga and the bus are ports passed in.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, TypeGuard

from pydantic import ValidationError

from entrega_contracts.errors import FieldError, reason_from_task_error
from intake.errors import InvalidTransition, OrderInvalid, OrderNotFound
from intake.models import Order, PlaceOrderRequest, Status, TimelineEntry

ALLOWED: dict[Status, frozenset[Status]] = {
    Status.PLACED: frozenset(
        {
            Status.AWAITING_PAYMENT_ACTION,
            Status.CONFIRMED,
            Status.REJECTED,
            Status.FAILED,
            Status.CANCELLED,
        }
    ),
    Status.AWAITING_PAYMENT_ACTION: frozenset(
        {Status.CONFIRMED, Status.REJECTED, Status.FAILED, Status.CANCELLED}
    ),
    Status.CONFIRMED: frozenset({Status.ACCEPTED, Status.CANCELLED}),
    Status.ACCEPTED: frozenset({Status.PREPARING, Status.CANCELLED}),
    Status.PREPARING: frozenset({Status.READY, Status.CANCELLED}),
    Status.READY: frozenset({Status.OUT_FOR_DELIVERY, Status.CANCELLED}),
    Status.OUT_FOR_DELIVERY: frozenset({Status.DELIVERED}),
    Status.DELIVERED: frozenset(),
    Status.REJECTED: frozenset(),
    Status.FAILED: frozenset(),
    Status.CANCELLED: frozenset(),
}
TERMINAL = frozenset(status for status, nexts in ALLOWED.items() if not nexts)


class Catalog(Protocol):
    def price(
        self, order_id: str, items: list[Any], placed_at: datetime, delivery: dict[str, str] | None
    ) -> tuple[dict[str, Any] | None, list[FieldError]]:
        """Price the lines from the catalog: (lines and total, []) or (None, what is wrong)."""
        ...


class OrderStore(Protocol):
    def create(self, order: Order) -> Order:
        """Store a new order, or return the one already stored under its id."""
        ...

    def get(self, order_id: str) -> Order | None: ...

    def transition(self, order: Order, entry: TimelineEntry, changes: dict[str, Any]) -> Order:
        """Write the new status only if the stored order still has `order`'s status and version."""
        ...

    def record_location(self, order: Order, location: dict[str, Any], at: datetime) -> Order:
        """Remember where the courier last was; no status changes."""
        ...


class Saga(Protocol):
    def start(self, order: Order) -> None: ...

    def resume(self, order: Order, kind: str, error: dict[str, str] | None = None) -> None:
        """Run the saga again for an order that waited for its payment (see payment_rules)."""
        ...


class Fulfilment(Protocol):
    def start(self, order: Order) -> None:
        """Start the workflow that waits for the shop, the pickup and the delivery."""
        ...


class CancelSaga(Protocol):
    def start(self, order: Order) -> None:
        """Start the saga that refunds, returns the stock and ends the order CANCELLED."""
        ...


# Where an order being cancelled may still go: CANCELLED, or the order saga's own endings
# while it is still PLACED (a confirmed one is then handed to the cancel saga).
_WHILE_CANCELLING = frozenset({Status.CANCELLED, Status.CONFIRMED, Status.REJECTED, Status.FAILED})


class Bus(Protocol):
    def order_placed(self, order: Order) -> None:
        """Announce OrderPlaced and the first OrderStatusChanged (PLACED) together."""
        ...

    def status_changed(self, order: Order, previous: Status | None) -> None: ...


def order_id_for(idempotency_key: str) -> str:
    """The order id that an idempotency key always maps to, so a retried request finds its order."""
    digest = hashlib.sha256(f"order:{idempotency_key}".encode()).digest()
    return "ord_" + base64.b32encode(digest).decode().lower()[:26]


def request_hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def parse_request(body: dict[str, Any]) -> tuple[PlaceOrderRequest | None, list[FieldError]]:
    try:
        return PlaceOrderRequest.model_validate(body), []
    except ValidationError as invalid:
        return None, [field_error(error) for error in invalid.errors()]


def field_error(error: Any) -> FieldError:
    """A pydantic error as a FieldError: a path like `items[0].quantity`, its type as the code."""
    path = ""
    for part in error["loc"]:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    code = "required" if error["type"] == "missing" else str(error["type"])
    message = {
        "required": "this field is required",
        "extra_forbidden": "this field is not part of an order",
    }.get(code, str(error["msg"]))
    params = {key: str(value) for key, value in (error.get("ctx") or {}).items() if key != "error"}
    return FieldError(path or "body", message, code, params)


def place_order(
    body: dict[str, Any],
    idempotency_key: str,
    now: datetime,
    catalog: Catalog,
    store: OrderStore,
    saga: Saga,
    bus: Bus,
    shop_id: str | None = None,
) -> Order:
    """Accept an order and start its saga, or reject it with every bad field and store nothing.

    Safe to call again with the same key: the order id comes from the key, the stored order
    is found instead of written twice, and the events and the saga start are repeated,
    which their consumers and the saga's steps absorb.
    """
    order_id = order_id_for(idempotency_key)
    request, errors = parse_request(body)
    items = body.get("items")
    priced, line_errors = (
        catalog.price(order_id, items, now, _delivery(body))
        if _lines_worth_pricing(items)
        else (None, [])
    )
    errors = _merge(errors, line_errors)

    if errors or request is None or priced is None:
        raise OrderInvalid("the order has invalid fields", errors)

    fresh = _new_order(order_id, request, priced, now, request_hash(body))
    order = store.create(fresh.model_copy(update={"shop_id": shop_id}))
    bus.order_placed(order)
    saga.start(order)
    return order


def _delivery(body: dict[str, Any]) -> dict[str, str] | None:
    """Where the order goes, if the body says so clearly enough for the shop's area check."""
    address = body.get("delivery_address")
    if not isinstance(address, dict):
        return None
    country, postal_code = address.get("country"), address.get("postal_code")
    if isinstance(country, str) and isinstance(postal_code, str):
        return {"country": country, "postal_code": postal_code}
    return None


def _lines_worth_pricing(items: Any) -> TypeGuard[list[Any]]:
    return isinstance(items, list) and 0 < len(items) <= 50


def _merge(first: list[FieldError], second: list[FieldError]) -> list[FieldError]:
    seen = {error.field for error in first}
    return first + [error for error in second if error.field not in seen]


def _new_order(
    order_id: str, request: PlaceOrderRequest, priced: dict[str, Any], now: datetime, digest: str
) -> Order:
    return Order(
        order_id=order_id,
        status=Status.PLACED,
        placed_at=now,
        customer=request.customer,
        delivery_address=request.delivery_address,
        payment_method=request.payment,
        notes=request.notes,
        lines=priced["lines"],
        total=priced["total"],
        timeline=[TimelineEntry(status=Status.PLACED, at=now)],
        request_hash=digest,
    )


def get_order(order_id: str, store: OrderStore) -> Order:
    order = store.get(order_id)
    if order is None:
        raise OrderNotFound("no order with this id")
    return order


def move(
    order_id: str,
    target: Status,
    now: datetime,
    store: OrderStore,
    bus: Bus,
    reason: dict[str, Any] | None = None,
    changes: Callable[[Order], dict[str, Any]] | None = None,
) -> Order:
    """Move an order to `target` if the transition table allows it, record it, and announce it.

    Asking again for the status the order is already in changes nothing and announces it
    again, so a retried step or request that failed after its write still gets its event out.
    """
    order = get_order(order_id, store)
    if order.status is target:
        bus.status_changed(order, _previous(order))
        return order
    if order.cancellation and target not in _WHILE_CANCELLING:
        raise InvalidTransition("the order is being cancelled")
    if target not in ALLOWED[order.status]:
        raise InvalidTransition(
            f"an order that is {order.status.value} cannot become {target.value}"
        )

    entry = TimelineEntry(status=target, at=now, reason=reason)
    moved = store.transition(order, entry, changes(order) if changes else {})
    bus.status_changed(moved, order.status)
    return moved


def _previous(order: Order) -> Status | None:
    return order.timeline[-2].status if len(order.timeline) > 1 else None


def confirm(
    saga_result: dict[str, Any],
    now: datetime,
    store: OrderStore,
    bus: Bus,
    fulfilment: Fulfilment | None = None,
    cancel_saga: CancelSaga | None = None,
) -> Order:
    """Record what the saga learnt (the charge, the insight) as the order becomes CONFIRMED.

    Then the fulfilment workflow starts waiting for the shop; starting it again for an order
    that has one already changes nothing. An order its customer cancelled while it was
    still PLACED goes to the cancel saga instead, which refunds the charge just taken.
    """
    charge, insights = saga_result["charge"], saga_result["insights"]

    def recorded(order: Order) -> dict[str, Any]:
        return {
            "lines": saga_result["order"]["lines"],
            "total": saga_result["order"]["total"],
            "payment": {"status": "CAPTURED", **charge},
            "suggestions": insights.get("suggestions", []),
            "eta_minutes": insights.get("eta_minutes"),
            "personal_line": insights.get("personal_line"),
            "priority": insights.get("priority"),
        }

    order = move(saga_result["order_id"], Status.CONFIRMED, now, store, bus, changes=recorded)
    if order.status is not Status.CONFIRMED:
        return order
    if order.cancellation and cancel_saga is not None:
        cancel_saga.start(order)
    elif fulfilment is not None:
        fulfilment.start(order)
    return order


def record_outcome(request: dict[str, Any], now: datetime, store: OrderStore, bus: Bus) -> Order:
    """End an order REJECTED or FAILED with the reason the failing step gave, or make it wait.

    AWAITING_PAYMENT_ACTION keeps what the customer needs to finish the payment (Stripe's
    client secret, PayPal's approval page) on the order, where only its view shows it.
    """
    if request["status"] == Status.AWAITING_PAYMENT_ACTION.value:
        return _await_payment(request, now, store, bus)
    reason = reason_from_task_error(request["error"]).to_json()
    refund = request.get("refund") or {}

    def recorded(order: Order) -> dict[str, Any]:
        if refund.get("status") != "REFUNDED":
            return {}
        return {"payment": {**(order.payment or {}), "status": "REFUNDED", "refund": refund}}

    return move(
        request["order_id"],
        Status(request["status"]),
        now,
        store,
        bus,
        reason=reason,
        changes=recorded,
    )


def _await_payment(request: dict[str, Any], now: datetime, store: OrderStore, bus: Bus) -> Order:
    charge = request["charge"]
    payment = {
        "status": "AWAITING_ACTION",
        "provider": charge["provider"],
        "charge_id": charge["charge_id"],
        "amount": charge["amount"],
        "action": charge.get("action"),
    }
    reason = {
        "code": "PAYMENT_ACTION_REQUIRED",
        "message": "the payment waits for the customer to authenticate it",
    }
    return move(
        request["order_id"],
        Status.AWAITING_PAYMENT_ACTION,
        now,
        store,
        bus,
        reason=reason,
        changes=lambda order: {"payment": payment},
    )
