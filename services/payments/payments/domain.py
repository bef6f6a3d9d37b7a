"""Payments' rules: one charge per order, one refund per charge, whatever repeats.

Every provider call carries an idempotency key derived from the order id, and every ledger
change is a conditional write from a known state, so a retried Lambda, a duplicated event
or a re-run saga step finds the first outcome instead of making a second one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from payments.adapters import PaymentProvider
from payments.errors import CardDeclined, LedgerConflict, PaymentDeclined
from payments.models import ChargeInput, LedgerEntry, LedgerStatus


class Ledger(Protocol):
    def entry(self, order_id: str) -> LedgerEntry | None: ...

    def open_charge(self, entry: LedgerEntry) -> LedgerEntry:
        """Record a PENDING charge, or return the entry that already exists for the order."""
        ...

    def settle(self, order_id: str, expected: LedgerStatus, **changes: object) -> LedgerEntry:
        """Move the entry from `expected` to new values; LedgerConflict if it is not there."""
        ...


@dataclass(frozen=True, slots=True)
class RefundOutcome:
    order_id: str
    refund_id: str | None
    amount: int
    currency: str | None

    def to_json(self) -> dict[str, object]:
        money = {"amount": self.amount, "currency": self.currency} if self.refund_id else None
        status = "REFUNDED" if self.refund_id else "NOTHING_TO_REFUND"
        return {
            "order_id": self.order_id,
            "status": status,
            "refund_id": self.refund_id,
            "amount": money,
        }


def charge_key(order_id: str) -> str:
    return f"entrega:{order_id}:charge"


def refund_key(order_id: str) -> str:
    return f"entrega:{order_id}:refund"


def charge(request: ChargeInput, ledger: Ledger, provider: PaymentProvider) -> LedgerEntry:
    """Capture the order's total once; a repeat returns the first capture or the first decline."""
    entry = ledger.open_charge(
        LedgerEntry(
            order_id=request.order_id,
            provider=provider.name,
            method=request.payment.method,
            amount=request.amount.amount,
            currency=request.amount.currency,
            status=LedgerStatus.PENDING,
        )
    )
    if entry.status is LedgerStatus.DECLINED:
        raise PaymentDeclined(entry.decline_code or "card_declined")
    if entry.status in (LedgerStatus.REFUND_PENDING, LedgerStatus.REFUNDED):
        raise LedgerConflict("this order's payment was already refunded")
    if entry.status is LedgerStatus.CAPTURED:
        return entry
    return _capture(entry, provider, ledger)


def _capture(entry: LedgerEntry, provider: PaymentProvider, ledger: Ledger) -> LedgerEntry:
    try:
        captured = provider.charge(
            entry.amount, entry.currency, entry.method, entry.order_id, charge_key(entry.order_id)
        )
    except CardDeclined as declined:
        ledger.settle(
            entry.order_id,
            LedgerStatus.PENDING,
            status=LedgerStatus.DECLINED,
            decline_code=declined.decline_code,
        )
        raise PaymentDeclined(declined.decline_code) from declined
    return _settle_once(
        ledger,
        entry.order_id,
        LedgerStatus.PENDING,
        status=LedgerStatus.CAPTURED,
        charge_id=captured.charge_id,
    )


def refund(order_id: str, ledger: Ledger, provider: PaymentProvider) -> RefundOutcome:
    """Give back everything captured for the order, once; an order never captured gets nothing."""
    entry = ledger.entry(order_id)
    if entry is not None and entry.status is LedgerStatus.PENDING:
        # A charge whose outcome we never learnt: replaying it with its key tells us,
        # without charging again.
        try:
            entry = _capture(entry, provider, ledger)
        except PaymentDeclined:
            entry = ledger.entry(order_id)
    if entry is None or entry.status in (LedgerStatus.DECLINED, LedgerStatus.PENDING):
        return RefundOutcome(order_id, None, 0, None)
    if entry.status is LedgerStatus.REFUNDED:
        return RefundOutcome(order_id, entry.refund_id, entry.refunded_amount, entry.currency)

    if entry.status is LedgerStatus.CAPTURED:
        entry = _settle_once(
            ledger, order_id, LedgerStatus.CAPTURED, status=LedgerStatus.REFUND_PENDING
        )
    if entry.charge_id is None:
        raise LedgerConflict("a captured charge has no provider id")
    given = provider.refund(entry.charge_id, entry.amount, refund_key(order_id))
    done = _settle_once(
        ledger,
        order_id,
        LedgerStatus.REFUND_PENDING,
        status=LedgerStatus.REFUNDED,
        refund_id=given.refund_id,
        refunded_amount=given.amount,
    )
    return RefundOutcome(order_id, done.refund_id, done.refunded_amount, done.currency)


def _settle_once(
    ledger: Ledger, order_id: str, expected: LedgerStatus, **changes: object
) -> LedgerEntry:
    """Apply a transition; if a concurrent run already applied it, return what it wrote."""
    try:
        return ledger.settle(order_id, expected, **changes)
    except LedgerConflict:
        current = ledger.entry(order_id)
        if current is not None and current.status == changes.get("status"):
            return current
        raise
