"""Payments' rules: one charge per order, refunds that never exceed it, whatever repeats.

Every provider call carries an idempotency key derived from the order id, and every ledger
change is a conditional write from a known state, so a retried Lambda, a duplicated event
or a re-run saga step finds the first outcome instead of making a second one.

Refunds of one charge go one at a time: a refund first moves the entry to REFUND_PENDING
with the refund it is about to send (its key and amount), which no other refund can do at
the same moment, and the amount is checked against the entry as that write left it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from payments.errors import (
    AuthenticationNeeded,
    CardDeclined,
    ChargeOutcomeUnknown,
    LedgerConflict,
    PaymentActionExpired,
    PaymentDeclined,
    PaymentNotFound,
    RefundInProgress,
    RefundNotAllowed,
)
from payments.models import ChargeInput, LedgerEntry, LedgerStatus, RefundRecord
from payments.ports import Ledger, PaymentProvider

# How long a provider keeps an idempotency key: Stripe 24 hours, PayPal 6 (with margin).
# A charge whose answer was never recorded is not replayed after that, since a replay
# would then be a new charge.
REPLAY_WINDOWS = {"stripe": timedelta(hours=23), "paypal": timedelta(hours=5)}
_DEFAULT_REPLAY_WINDOW = timedelta(hours=5)
_NOTHING_CAPTURED = (
    LedgerStatus.PENDING,
    LedgerStatus.ACTION_REQUIRED,
    LedgerStatus.DECLINED,
    LedgerStatus.VOIDED,
)


@dataclass(frozen=True, slots=True)
class ChargeOutcome:
    """A charge's answer: captured, or waiting for the customer with the step they must take."""

    entry: LedgerEntry
    next_step: dict[str, str] | None = None

    def to_json(self) -> dict[str, object]:
        entry = self.entry
        waiting = entry.status is LedgerStatus.ACTION_REQUIRED
        return {
            "charge_id": entry.charge_id,
            "provider": entry.provider,
            "amount": {
                "amount": entry.amount if waiting else entry.captured_amount,
                "currency": entry.currency,
            },
            "status": "ACTION_REQUIRED" if waiting else "CAPTURED",
            "action": {"type": entry.action, **(self.next_step or {})} if waiting else None,
        }


@dataclass(frozen=True, slots=True)
class RefundOutcome:
    order_id: str
    refund_id: str | None
    amount: int
    currency: str | None

    def to_json(self) -> dict[str, object]:
        money = {"amount": self.amount, "currency": self.currency} if self.amount else None
        return {
            "order_id": self.order_id,
            "status": "REFUNDED" if self.amount else "NOTHING_TO_REFUND",
            "refund_id": self.refund_id,
            "amount": money,
        }


def payment_of(order_id: str, ledger: Ledger) -> LedgerEntry:
    """The order's payment as the ledger holds it."""
    entry = ledger.entry(order_id)
    if entry is None:
        raise PaymentNotFound("there is no payment for this order")
    return entry


def charge_key(order_id: str, attempt: int = 1) -> str:
    """The charge's idempotency key; a later attempt (a new payment method) gets its own."""
    base = f"entrega:{order_id}:charge"
    return base if attempt == 1 else f"{base}:{attempt}"


def refund_key(order_id: str, reference: str | None = None) -> str:
    """The compensation's key, or a partial refund's, which its caller's reference names."""
    base = f"entrega:{order_id}:refund"
    return base if reference is None else f"{base}:{reference}"


def void_key(order_id: str, attempt: int = 1) -> str:
    return f"entrega:{order_id}:void:{attempt}"


def charge(
    request: ChargeInput,
    ledger: Ledger,
    provider: PaymentProvider,
    now: datetime | None = None,
) -> ChargeOutcome:
    """Capture the order's total once; a repeat returns the first capture or the first decline.

    A payment that needs the customer (3-D Secure, PayPal approval) is not an error: the
    outcome says so, with the step the customer must take, and the order waits for it.
    A repeat asks the provider again with the same key, which answers with the same wait.
    """
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
    if entry.status is LedgerStatus.VOIDED:
        raise PaymentActionExpired(entry.action or "authentication")
    if entry.status in (LedgerStatus.REFUND_PENDING, LedgerStatus.REFUNDED):
        raise LedgerConflict("this order's payment was already refunded")
    if entry.status is LedgerStatus.CAPTURED:
        return ChargeOutcome(entry)
    try:
        return ChargeOutcome(_capture(entry, provider, ledger, now or datetime.now(UTC)))
    except _AwaitingCustomer as waiting:
        return ChargeOutcome(waiting.entry, waiting.next_step)


class _AwaitingCustomer(Exception):
    def __init__(self, entry: LedgerEntry, next_step: dict[str, str]) -> None:
        self.entry = entry
        self.next_step = next_step
        super().__init__("the payment waits for the customer")


def _capture(
    entry: LedgerEntry, provider: PaymentProvider, ledger: Ledger, now: datetime
) -> LedgerEntry:
    """Send (or replay, with the same key) the charge of an unsettled entry and record it.

    A payment left waiting for the customer raises _AwaitingCustomer once it is recorded.
    """
    _check_replayable(entry, now)
    try:
        captured = provider.charge(
            entry.amount,
            entry.currency,
            entry.method,
            entry.order_id,
            charge_key(entry.order_id, entry.attempt),
        )
    except CardDeclined as declined:
        _settle_once(
            ledger,
            entry.order_id,
            entry.status,
            status=LedgerStatus.DECLINED,
            decline_code=declined.decline_code,
        )
        raise PaymentDeclined(declined.decline_code) from declined
    except AuthenticationNeeded as needed:
        waiting = _settle_once(
            ledger,
            entry.order_id,
            entry.status,
            status=LedgerStatus.ACTION_REQUIRED,
            charge_id=needed.charge_id,
            action=needed.action,
        )
        raise _AwaitingCustomer(waiting, needed.next_step) from needed
    return _settle_once(
        ledger,
        entry.order_id,
        entry.status,
        status=LedgerStatus.CAPTURED,
        charge_id=captured.charge_id,
        captured_amount=captured.amount,
        provider_reference=captured.reference,
        action=None,
    )


def _check_replayable(entry: LedgerEntry, now: datetime) -> None:
    if entry.created_at is None:
        return
    window = REPLAY_WINDOWS.get(entry.provider, _DEFAULT_REPLAY_WINDOW)
    if now - datetime.fromisoformat(entry.created_at) > window:
        raise ChargeOutcomeUnknown(
            "the charge was sent but its answer never recorded, and its key has expired"
        )


def refund(
    order_id: str, ledger: Ledger, provider: PaymentProvider, now: datetime | None = None
) -> RefundOutcome:
    """Give back everything captured for the order, once; an order never captured gets nothing.

    This is the saga's compensation: a charge whose answer was never recorded is replayed
    by its key first, a payment waiting for the customer is voided so it can never be
    completed, and a partial refund still being sent is finished before the rest goes back.
    """
    entry = _settle_outcome(ledger.entry(order_id), ledger, provider, now or datetime.now(UTC))
    for _ in range(6):
        if entry is None or entry.status in _NOTHING_CAPTURED:
            return RefundOutcome(order_id, None, 0, None)
        if entry.status is LedgerStatus.REFUNDED:
            return RefundOutcome(order_id, entry.refund_id, entry.refunded_amount, entry.currency)
        if entry.status is LedgerStatus.REFUND_PENDING:
            entry = _finish_refund(entry, ledger, provider)
        elif entry.refundable == 0:
            entry = _settle_once(
                ledger, order_id, LedgerStatus.CAPTURED, status=LedgerStatus.REFUNDED
            )
        else:
            entry = _lock_refund(ledger, entry, RefundRecord(key=refund_key(order_id)))
    raise LedgerConflict("the refund kept meeting concurrent changes; try again")


def refund_part(
    order_id: str,
    amount: int,
    currency: str,
    reference: str,
    ledger: Ledger,
    provider: PaymentProvider,
) -> RefundOutcome:
    """Give back part of a capture under a reference; the same reference never refunds twice."""
    key = refund_key(order_id, reference)
    entry = ledger.entry(order_id)
    if entry is None:
        raise RefundNotAllowed("nothing was captured for this order")
    done = next((record for record in entry.refunds if record.key == key), None)
    if done is not None:
        return RefundOutcome(order_id, done.refund_id, done.amount or 0, entry.currency)
    if entry.status is LedgerStatus.REFUND_PENDING:
        if entry.pending_refund is None or entry.pending_refund.key != key:
            raise RefundInProgress("another refund of this order is being sent")
        return _outcome_of(_finish_refund(entry, ledger, provider), key)
    _check_refundable(entry, amount, currency)

    locked = _lock_refund(ledger, entry, RefundRecord(key=key, amount=amount))
    if locked.pending_refund is None or locked.pending_refund.key != key:
        raise RefundInProgress("another refund of this order is being sent")
    if amount > locked.refundable:
        _settle_once(
            ledger,
            order_id,
            LedgerStatus.REFUND_PENDING,
            status=LedgerStatus.CAPTURED,
            pending_refund=None,
        )
        raise RefundNotAllowed(f"only {locked.refundable} {currency} minor units are left")
    return _outcome_of(_finish_refund(locked, ledger, provider), key)


def _check_refundable(entry: LedgerEntry, amount: int, currency: str) -> None:
    if entry.status is not LedgerStatus.CAPTURED:
        raise RefundNotAllowed(f"the payment is {entry.status.value}, not captured")
    if currency != entry.currency:
        raise RefundNotAllowed(f"the payment is in {entry.currency}, not {currency}")
    if amount > entry.refundable:
        raise RefundNotAllowed(f"only {entry.refundable} {currency} minor units are left")


def _outcome_of(entry: LedgerEntry, key: str) -> RefundOutcome:
    record = next(record for record in entry.refunds if record.key == key)
    return RefundOutcome(entry.order_id, record.refund_id, record.amount or 0, entry.currency)


def _settle_outcome(
    entry: LedgerEntry | None, ledger: Ledger, provider: PaymentProvider, now: datetime
) -> LedgerEntry | None:
    """Learn how an unsettled charge ended: replay it by its key, void it if it waits."""
    if entry is not None and entry.status is LedgerStatus.PENDING:
        # A charge whose outcome we never learnt: replaying it with its key tells us,
        # without charging again.
        try:
            entry = _capture(entry, provider, ledger, now)
        except (PaymentDeclined, _AwaitingCustomer):
            entry = ledger.entry(entry.order_id)
    if entry is not None and entry.status is LedgerStatus.ACTION_REQUIRED:
        entry = _void(entry, ledger, provider)
    return entry


def _void(entry: LedgerEntry, ledger: Ledger, provider: PaymentProvider) -> LedgerEntry:
    """Make a payment that waits for the customer impossible to complete."""
    if entry.charge_id is None:
        return _settle_once(
            ledger, entry.order_id, LedgerStatus.ACTION_REQUIRED, status=LedgerStatus.VOIDED
        )
    voided = provider.void(entry.charge_id, void_key(entry.order_id, entry.attempt))
    if voided.captured is None:
        return _settle_once(
            ledger, entry.order_id, LedgerStatus.ACTION_REQUIRED, status=LedgerStatus.VOIDED
        )
    return _settle_once(
        ledger,
        entry.order_id,
        LedgerStatus.ACTION_REQUIRED,
        status=LedgerStatus.CAPTURED,
        charge_id=voided.captured.charge_id,
        captured_amount=voided.captured.amount,
        provider_reference=voided.captured.reference,
    )


def _lock_refund(ledger: Ledger, entry: LedgerEntry, record: RefundRecord) -> LedgerEntry:
    return _settle_once(
        ledger,
        entry.order_id,
        LedgerStatus.CAPTURED,
        status=LedgerStatus.REFUND_PENDING,
        pending_refund=record,
    )


def _finish_refund(entry: LedgerEntry, ledger: Ledger, provider: PaymentProvider) -> LedgerEntry:
    """Send the refund the entry holds as pending (the whole rest if none is named), record it."""
    pending = entry.pending_refund or RefundRecord(key=refund_key(entry.order_id))
    amount = entry.refundable if pending.amount is None else pending.amount
    if entry.charge_id is None:
        raise LedgerConflict("a captured charge has no provider id")
    given = provider.refund(entry.charge_id, amount, pending.key)

    refunded = entry.refunded_amount + given.amount
    record = pending.model_copy(update={"amount": given.amount, "refund_id": given.refund_id})
    fully = refunded >= entry.captured_amount
    return _settle_once(
        ledger,
        entry.order_id,
        LedgerStatus.REFUND_PENDING,
        status=LedgerStatus.REFUNDED if fully else LedgerStatus.CAPTURED,
        refund_id=given.refund_id,
        refunded_amount=refunded,
        pending_refund=None,
        refunds=[*entry.refunds, record],
    )


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
