"""What a provider's webhook says about a payment, applied to the ledger once, in any order.

Each event is applied by one conditional write that also remembers its id, so a repeated
delivery changes nothing. The ledger only moves forward: an event older than what the
ledger knows (a failure after the success, a smaller running refund total) is recorded
and otherwise ignored. An event that changed something is announced on the bus; if the
announcement fails, the provider's retry finds the event applied but not announced, and
announces it then.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from payments.errors import LedgerConflict
from payments.models import EventKind, LedgerEntry, LedgerStatus, ProviderEvent, RefundRecord
from payments.ports import EventAlreadyRecorded, EventLedger, PaymentEvents

ANNOUNCE, SILENT, ANNOUNCED = "announce", "silent", "announced"
_BEFORE_CAPTURE = (
    LedgerStatus.PENDING,
    LedgerStatus.ACTION_REQUIRED,
    LedgerStatus.DECLINED,
    LedgerStatus.VOIDED,
)


class EventOutcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    STALE = "stale"
    IGNORED = "ignored"


def apply_event(event: ProviderEvent, ledger: EventLedger, bus: PaymentEvents) -> EventOutcome:
    """Apply a verified provider event to its order's ledger entry and announce what changed."""
    entry = _entry_for(event, ledger) if event.kind is not EventKind.IGNORED else None
    if entry is None:
        return EventOutcome.IGNORED

    for _ in range(5):
        state = entry.webhook_events.get(event.event_id)
        if state is not None:
            if state == ANNOUNCE:
                _announce(entry, event, ledger, bus)
            return EventOutcome.DUPLICATE
        changes, announce = _changes(entry, event)
        try:
            entry = ledger.record_event(
                entry.order_id,
                event.event_id,
                entry.version,
                ANNOUNCE if announce else SILENT,
                **changes,
            )
        except (EventAlreadyRecorded, LedgerConflict):
            # Another delivery of this event, or another event, got there first: read again.
            entry = ledger.entry(entry.order_id) or entry
            continue
        if not announce:
            return EventOutcome.STALE
        _announce(entry, event, ledger, bus)
        return EventOutcome.APPLIED
    raise LedgerConflict("the ledger entry kept changing while the event was applied")


def _entry_for(event: ProviderEvent, ledger: EventLedger) -> LedgerEntry | None:
    entry = ledger.entry(event.order_id) if event.order_id else None
    if entry is None and event.charge_id:
        entry = ledger.entry_for_charge(event.charge_id)
    if entry is None or entry.provider != event.provider:
        return None
    if entry.charge_id and event.charge_id and entry.charge_id != event.charge_id:
        # Not the charge this order's ledger knows; Entrega makes one per order.
        return None
    return entry


def _changes(entry: LedgerEntry, event: ProviderEvent) -> tuple[dict[str, Any], bool]:
    """What the event changes in the entry, and whether it is news worth announcing."""
    if event.kind is EventKind.PAYMENT_SUCCEEDED:
        if entry.status in _BEFORE_CAPTURE:
            return _captured(event), True
        return {}, True
    if event.kind is EventKind.PAYMENT_FAILED:
        if entry.status in (LedgerStatus.PENDING, LedgerStatus.ACTION_REQUIRED):
            declined = {"status": LedgerStatus.DECLINED, "action": None}
            return {**declined, "decline_code": event.decline_code or "card_declined"}, True
        return {}, entry.status is LedgerStatus.DECLINED
    return _refund_changes(entry, event)


def _captured(event: ProviderEvent) -> dict[str, Any]:
    return {
        "status": LedgerStatus.CAPTURED,
        "charge_id": event.charge_id,
        "captured_amount": event.amount,
        "action": None,
    }


def _refund_changes(entry: LedgerEntry, event: ProviderEvent) -> tuple[dict[str, Any], bool]:
    """A running refund total from the provider: news only if larger than the last one.

    While one of Entrega's own refunds is being sent (REFUND_PENDING) only the provider's
    total is noted; that refund records its own amount when it finishes.
    """
    changes: dict[str, Any] = {}
    status, captured = entry.status, entry.captured_amount
    if status in _BEFORE_CAPTURE:
        # The refund arrived before the capture's own event: it proves the capture.
        changes.update(_captured(event))
        status, captured = LedgerStatus.CAPTURED, event.amount
    newer = event.refunded > entry.provider_refunded
    if newer:
        changes["provider_refunded"] = event.refunded
    if status is LedgerStatus.CAPTURED and event.refunded > entry.refunded_amount:
        outside = RefundRecord(
            key=f"provider:{event.event_id}",
            amount=event.refunded - entry.refunded_amount,
            source=event.provider,
        )
        changes["refunded_amount"] = event.refunded
        changes["refunds"] = [*entry.refunds, outside]
        if event.refunded >= captured:
            changes["status"] = LedgerStatus.REFUNDED
    return changes, newer


def _announce(
    entry: LedgerEntry, event: ProviderEvent, ledger: EventLedger, bus: PaymentEvents
) -> None:
    detail_type, detail = announcement(entry, event)
    bus.publish(detail_type, detail)
    ledger.mark_announced(entry.order_id, event.event_id)


def announcement(entry: LedgerEntry, event: ProviderEvent) -> tuple[str, dict[str, Any]]:
    """The PaymentSucceeded, PaymentFailed or ChargeRefunded event for the bus."""
    common = {
        "order_id": entry.order_id,
        "provider": entry.provider,
        "charge_id": entry.charge_id or event.charge_id,
        "occurred_at": event.occurred_at,
        "provider_event_id": event.event_id,
    }
    if event.kind is EventKind.PAYMENT_SUCCEEDED:
        return "PaymentSucceeded", {**common, "amount": _money(entry.captured_amount, entry)}
    if event.kind is EventKind.PAYMENT_FAILED:
        failed = {"amount": _money(entry.amount, entry), "decline_code": entry.decline_code}
        return "PaymentFailed", {**common, **failed}
    refunded = {
        "refunded": _money(event.refunded, entry),
        "captured": _money(entry.captured_amount, entry),
        "fully_refunded": event.refunded >= entry.captured_amount,
    }
    return "ChargeRefunded", {**common, **refunded}


def _money(amount: int, entry: LedgerEntry) -> dict[str, Any]:
    return {"amount": amount, "currency": entry.currency}
