"""An order's life after CONFIRMED: the kitchen, the courier, cancellation, and the waits.

The fulfilment workflow (orchestration/order-fulfilment.asl.json) waits for the shop to
accept, for the pickup and for the delivery, each with a task token it hands to
`await_status`. Moves made through the API or a partner's event release the waiting token
(`signal`), so the workflow follows the order rather than driving it; a move and a token
arriving in either order end the same way. No AWS here: the store, the bus, the workflow
and the cancel saga are ports passed in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from intake import access
from intake.access import Caller
from intake.domain import TERMINAL, Bus, CancelSaga, OrderStore, get_order, move
from intake.errors import InvalidTransition
from intake.models import Order, ProgressRequest, Status

# Statuses a customer may still cancel from; from OUT_FOR_DELIVERY on the food is on its way.
OPEN_IN_KITCHEN = frozenset({Status.CONFIRMED, Status.ACCEPTED, Status.PREPARING, Status.READY})
CANCELLABLE = frozenset({Status.PLACED, *OPEN_IN_KITCHEN})
# The statuses the fulfilment workflow waits for, in order.
AWAITED = (Status.ACCEPTED, Status.OUT_FOR_DELIVERY, Status.DELIVERED)
# Kitchen steps that tell the workflow, waiting for the pickup, that the shop is at work.
HEARTBEATS = frozenset({Status.PREPARING, Status.READY})
ORDER_ENDED = "OrderEnded"
LIFECYCLE = (
    Status.PLACED,
    Status.CONFIRMED,
    Status.ACCEPTED,
    Status.PREPARING,
    Status.READY,
    Status.OUT_FOR_DELIVERY,
    Status.DELIVERED,
)


class Workflow(Protocol):
    def start(self, order: Order) -> None: ...

    def succeed(self, token: str, output: dict[str, Any]) -> None:
        """Release a waiting task; a token that no longer waits is ignored."""
        ...

    def heartbeat(self, token: str) -> None: ...

    def fail(self, token: str, error: str, cause: str) -> None: ...


class LifecycleStore(OrderStore, Protocol):
    def request_cancellation(self, order: Order, cancellation: dict[str, Any]) -> Order:
        """Mark the order as being cancelled if it is still as read; else InvalidTransition."""
        ...

    def save_token(self, order_id: str, status: Status, token: str) -> Order: ...

    def open_orders(self, shop_id: str, statuses: frozenset[Status]) -> list[Order]: ...


def progress(
    order_id: str,
    request: ProgressRequest,
    caller: Caller,
    now: datetime,
    store: OrderStore,
    bus: Bus,
    workflow: Workflow,
) -> Order:
    """Move the order one step for the shop or the courier, if they may and the table allows."""
    target = Status(request.status)
    order = get_order(order_id, store)
    access.check_may_progress(caller, order, target)

    changes: dict[str, Any] = {}
    if target is Status.READY and request.courier_id:
        changes["courier_id"] = request.courier_id
    if target is Status.OUT_FOR_DELIVERY and order.courier_id is None:
        changes["courier_id"] = caller.sub
    moved = move(order_id, target, now, store, bus, changes=lambda _: changes)
    if target in access.ROAD_STEPS and moved.courier_id != caller.sub:
        # Two couriers raced for an unclaimed order and the other one won.
        raise InvalidTransition("another courier has picked this order up")

    signal(moved, workflow)
    return moved


def signal(order: Order, workflow: Workflow) -> None:
    """Tell the fulfilment workflow what the order's move means for the task it waits on."""
    token = order.task_tokens.get(order.status.value)
    if token:
        workflow.succeed(token, {"order_id": order.order_id, "status": order.status.value})
    pickup = order.task_tokens.get(Status.OUT_FOR_DELIVERY.value)
    if order.status in HEARTBEATS and pickup:
        workflow.heartbeat(pickup)
    if order.status in TERMINAL and order.status is not Status.DELIVERED:
        for waiting, stale in order.task_tokens.items():
            if waiting != order.status.value:
                workflow.fail(stale, ORDER_ENDED, f"the order is {order.status.value}")


def await_status(
    order_id: str, status: Status, token: str, store: LifecycleStore, workflow: Workflow
) -> Order:
    """Keep the workflow's token with the order; release it at once if the wait is already over.

    The token is stored first and the status read after, so a move racing with this call
    either finds the token or is seen here; both may release it, and the second is ignored.
    """
    order = store.save_token(order_id, status, token)
    if order.status in TERMINAL and order.status is not status:
        workflow.fail(token, ORDER_ENDED, f"the order is {order.status.value}")
    elif _reached(order.status, status):
        workflow.succeed(token, {"order_id": order.order_id, "status": order.status.value})
    return order


def _reached(current: Status, awaited: Status) -> bool:
    return current in LIFECYCLE and LIFECYCLE.index(current) >= LIFECYCLE.index(awaited)


def cancel(
    order_id: str,
    reason: dict[str, Any],
    now: datetime,
    store: LifecycleStore,
    saga: CancelSaga,
    caller: Caller | None = None,
) -> Order:
    """Ask for an order's cancellation: the cancel saga refunds, returns the stock, ends it.

    `caller` is the customer asking through the API; the shop's refusal and the workflow's
    timeout cancel with no caller. Asking again while the saga has not finished starts it
    again, which is idempotent and is how a stuck cancellation is finished. An order still
    PLACED is only marked: its order saga either rejects it (nothing to refund) or
    ConfirmOrder hands it to the cancel saga.
    """
    order = get_order(order_id, store)
    if caller is not None:
        access.check_may_cancel(caller, order)
    if order.status not in CANCELLABLE:
        raise InvalidTransition(f"an order that is {order.status.value} can no longer be cancelled")

    asked = order
    if not order.cancellation:
        asked = store.request_cancellation(order, {**reason, "requested_at": now.isoformat()})
    if asked.status is not Status.PLACED:
        # While PLACED the order saga is still running; ConfirmOrder hands the order over.
        saga.start(asked)
    return asked


def expire_acceptance(
    order_id: str, now: datetime, store: LifecycleStore, saga: CancelSaga
) -> Order:
    """The shop let the acceptance wait time out: a still CONFIRMED order is cancelled.

    An order the shop accepted just as the wait ended is left alone, and the workflow goes
    on to wait for its pickup.
    """
    order = get_order(order_id, store)
    if order.status is not Status.CONFIRMED or order.cancellation:
        return order
    reason = {"code": "SHOP_DID_NOT_ACCEPT", "message": "the shop did not accept the order in time"}
    return cancel(order_id, reason, now, store, saga)


def finish_cancellation(
    order_id: str,
    refund: dict[str, Any],
    now: datetime,
    store: OrderStore,
    bus: Bus,
    workflow: Workflow,
) -> Order:
    """The cancel saga's last step: CANCELLED, with the refund it made and the reason asked."""
    order = get_order(order_id, store)
    asked = order.cancellation or {}
    reason: dict[str, Any] | None = {k: asked[k] for k in ("code", "message") if k in asked} or None

    def recorded(current: Order) -> dict[str, Any]:
        if refund.get("status") != "REFUNDED":
            return {}
        payment = {**(current.payment or {}), "status": "REFUNDED", "refund": refund}
        return {"payment": payment}

    cancelled = move(order_id, Status.CANCELLED, now, store, bus, reason=reason, changes=recorded)
    signal(cancelled, workflow)
    return cancelled


def kitchen(caller: Caller, store: LifecycleStore) -> list[Order]:
    """The caller's shop's open orders: highest priority first, then the longest waiting."""
    shop_id = access.check_may_see_kitchen(caller)
    orders = store.open_orders(shop_id, OPEN_IN_KITCHEN)
    return sorted(orders, key=lambda order: (-(order.priority or 0), order.placed_at))


_DELIVERY_STAGES = {"picked_up": Status.OUT_FOR_DELIVERY, "delivered": Status.DELIVERED}


def apply_delivery(
    detail: dict[str, Any], store: OrderStore, bus: Bus, workflow: Workflow
) -> Order:
    """A courier app's DeliveryProgressed, with the same rules as the progress API."""
    at = datetime.fromisoformat(detail["at"])
    stage = detail["stage"]
    if stage in _DELIVERY_STAGES:
        courier = detail["courier_id"]
        reason = {"code": "COURIER_REPORTED", "message": f"courier {courier}: {stage}"}
        order = get_order(detail["order_id"], store)
        if order.courier_id not in (None, courier):
            raise InvalidTransition("another courier carries this order")
        changes = {} if order.courier_id else {"courier_id": courier}
        target = _DELIVERY_STAGES[stage]
        moved = move(order.order_id, target, at, store, bus, reason, lambda _: changes)
        signal(moved, workflow)
        return moved

    order = get_order(detail["order_id"], store)
    if order.status is not Status.OUT_FOR_DELIVERY:
        raise InvalidTransition(f"an order that is {order.status.value} has no courier on the way")
    return store.record_location(order, detail.get("location") or {}, at)


def apply_shop_decision(
    detail: dict[str, Any],
    store: LifecycleStore,
    bus: Bus,
    workflow: Workflow,
    saga: CancelSaga,
) -> Order:
    """The shop's OrderAcceptedByShop: accepted is ACCEPTED; refused cancels the order.

    A refusal goes through the cancel saga like a customer's cancellation: refund, stock
    back, then CANCELLED.
    """
    at = datetime.fromisoformat(detail["at"])
    if detail["accepted"]:
        moved = move(detail["order_id"], Status.ACCEPTED, at, store, bus)
        signal(moved, workflow)
        return moved
    order = get_order(detail["order_id"], store)
    if order.status is not Status.CONFIRMED and order.status is not Status.CANCELLED:
        raise InvalidTransition(
            f"the shop can only refuse a CONFIRMED order, not a {order.status.value} one"
        )
    reason = {
        "code": "SHOP_REFUSED",
        "message": detail.get("reason") or "the shop could not take the order",
    }
    return cancel(order.order_id, reason, at, store, saga)
