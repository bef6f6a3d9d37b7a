"""How an order that waits for its customer's payment ends its wait.

The saga leaves an order AWAITING_PAYMENT_ACTION when the provider wants the customer to
authenticate the payment (3-D Secure, PayPal approval), with its stock still held. Three
events end the wait. Payments' PaymentSucceeded runs the saga again from the stock hold,
and every step finds its earlier work done, so the order is confirmed and charged once.
PaymentFailed (the authentication failed) and inventory's ReservationExpired (the hold ran
out first) run the saga's abandon path, which closes the order, then voids the payment and
releases the stock. An event about an order that is not waiting changes nothing: most
PaymentSucceeded events are about payments the saga saw succeed itself.
"""

from __future__ import annotations

from typing import Any

from entrega_contracts.errors import caught
from intake.domain import OrderStore, Saga
from intake.errors import IntakeError, PaymentActionExpired, PaymentAuthenticationFailed
from intake.models import Order, Status

WAIT_ENDERS = frozenset({"PaymentSucceeded", "PaymentFailed", "ReservationExpired"})


def end_payment_wait(
    detail_type: str, detail: dict[str, Any], store: OrderStore, saga: Saga
) -> Order | None:
    """Resume or abandon the waiting order the event is about; None if it was not waiting."""
    order = store.get(detail["order_id"])
    if order is None or order.status is not Status.AWAITING_PAYMENT_ACTION:
        return None
    if detail_type == "PaymentSucceeded":
        saga.resume(order, "payment_succeeded")
    else:
        saga.resume(order, "payment_abandoned", caught(_why_abandoned(detail_type, detail)))
    return order


def _why_abandoned(detail_type: str, detail: dict[str, Any]) -> IntakeError:
    if detail_type == "PaymentFailed":
        code = detail.get("decline_code") or "card_declined"
        return PaymentAuthenticationFailed(f"the payment's authentication failed ({code})")
    return PaymentActionExpired("the payment was not authenticated before the stock hold ran out")
