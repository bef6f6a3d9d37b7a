"""Provider webhooks applied to the ledger: once each, in any order, announced once."""

from __future__ import annotations

import pytest

from payments.models import EventKind, LedgerEntry, LedgerStatus, ProviderEvent
from payments.provider_events import EventOutcome, apply_event

ORDER = "ord_" + "c" * 26


def event(kind: EventKind, event_id: str = "evt_1", **fields) -> ProviderEvent:
    defaults = {
        "order_id": ORDER,
        "charge_id": "pi_1",
        "currency": "BRL",
        "amount": 11_550,
        "occurred_at": "2026-03-01T12:00:00+00:00",
    }
    return ProviderEvent(event_id=event_id, provider="stripe", kind=kind, **{**defaults, **fields})


@pytest.fixture
def pending(ledger) -> LedgerEntry:
    return ledger.open_charge(
        LedgerEntry(
            order_id=ORDER,
            provider="stripe",
            method="pm_card_visa",
            amount=11_550,
            currency="BRL",
            status=LedgerStatus.PENDING,
        )
    )


def test_a_success_for_a_pending_charge_records_the_capture_and_announces_it(ledger, bus, pending):
    outcome = apply_event(event(EventKind.PAYMENT_SUCCEEDED), ledger, bus)

    entry = ledger.entry(ORDER)
    assert outcome is EventOutcome.APPLIED
    assert (entry.status, entry.charge_id, entry.captured_amount) == (
        LedgerStatus.CAPTURED,
        "pi_1",
        11_550,
    )
    assert bus.published == [
        (
            "PaymentSucceeded",
            {
                "order_id": ORDER,
                "provider": "stripe",
                "charge_id": "pi_1",
                "occurred_at": "2026-03-01T12:00:00+00:00",
                "provider_event_id": "evt_1",
                "amount": {"amount": 11_550, "currency": "BRL"},
            },
        )
    ]
    assert entry.webhook_events == {"evt_1": "announced"}


def test_the_same_event_again_changes_nothing_and_is_not_announced_again(ledger, bus, pending):
    apply_event(event(EventKind.PAYMENT_SUCCEEDED), ledger, bus)
    before = ledger.entry(ORDER)

    outcome = apply_event(event(EventKind.PAYMENT_SUCCEEDED), ledger, bus)

    assert outcome is EventOutcome.DUPLICATE
    assert ledger.entry(ORDER) == before
    assert len(bus.published) == 1


def test_a_failure_that_arrives_after_the_success_is_stale(ledger, bus, pending):
    apply_event(event(EventKind.PAYMENT_SUCCEEDED, "evt_2"), ledger, bus)

    outcome = apply_event(
        event(EventKind.PAYMENT_FAILED, "evt_1", decline_code="card_declined"), ledger, bus
    )

    assert outcome is EventOutcome.STALE
    assert ledger.entry(ORDER).status is LedgerStatus.CAPTURED
    assert [kind for kind, _ in bus.published] == ["PaymentSucceeded"]


def test_a_failure_for_a_pending_charge_declines_it(ledger, bus, pending):
    outcome = apply_event(
        event(EventKind.PAYMENT_FAILED, decline_code="insufficient_funds"), ledger, bus
    )

    assert outcome is EventOutcome.APPLIED
    assert ledger.entry(ORDER).status is LedgerStatus.DECLINED
    assert bus.published[0][1]["decline_code"] == "insufficient_funds"


def test_a_refund_that_arrives_before_the_success_proves_the_capture_too(ledger, bus, pending):
    apply_event(event(EventKind.CHARGE_REFUNDED, "evt_2", refunded=11_550), ledger, bus)

    outcome = apply_event(event(EventKind.PAYMENT_SUCCEEDED, "evt_1"), ledger, bus)

    entry = ledger.entry(ORDER)
    assert outcome is EventOutcome.APPLIED
    assert (entry.status, entry.captured_amount, entry.refunded_amount) == (
        LedgerStatus.REFUNDED,
        11_550,
        11_550,
    )
    assert [kind for kind, _ in bus.published] == ["ChargeRefunded", "PaymentSucceeded"]


def test_refund_totals_only_move_forward_whatever_order_they_arrive_in(ledger, bus, pending):
    apply_event(event(EventKind.PAYMENT_SUCCEEDED, "evt_1"), ledger, bus)
    apply_event(event(EventKind.CHARGE_REFUNDED, "evt_3", refunded=3_000), ledger, bus)

    older = apply_event(event(EventKind.CHARGE_REFUNDED, "evt_2", refunded=1_000), ledger, bus)

    entry = ledger.entry(ORDER)
    assert older is EventOutcome.STALE
    assert (entry.refunded_amount, entry.provider_refunded) == (3_000, 3_000)
    assert entry.status is LedgerStatus.CAPTURED
    assert [r.amount for r in entry.refunds] == [3_000]


def test_a_refund_entrega_made_itself_is_not_counted_twice(ledger, bus, pending):
    apply_event(event(EventKind.PAYMENT_SUCCEEDED, "evt_1"), ledger, bus)
    ledger.settle(
        ORDER, LedgerStatus.CAPTURED, status=LedgerStatus.REFUNDED, refunded_amount=11_550
    )

    apply_event(event(EventKind.CHARGE_REFUNDED, "evt_2", refunded=11_550), ledger, bus)

    entry = ledger.entry(ORDER)
    assert (entry.refunded_amount, entry.provider_refunded) == (11_550, 11_550)
    assert entry.refunds == []
    assert bus.published[-1][1]["fully_refunded"] is True


def test_an_announcement_that_failed_is_made_when_the_provider_retries(ledger, bus, pending):
    bus.failures = 1
    with pytest.raises(RuntimeError, match="refused"):
        apply_event(event(EventKind.PAYMENT_SUCCEEDED), ledger, bus)
    assert ledger.entry(ORDER).webhook_events == {"evt_1": "announce"}

    outcome = apply_event(event(EventKind.PAYMENT_SUCCEEDED), ledger, bus)

    assert outcome is EventOutcome.DUPLICATE
    assert [kind for kind, _ in bus.published] == ["PaymentSucceeded"]
    assert ledger.entry(ORDER).webhook_events == {"evt_1": "announced"}


def test_an_event_without_order_id_is_found_by_its_charge(ledger, bus, pending):
    apply_event(event(EventKind.PAYMENT_SUCCEEDED), ledger, bus)

    outcome = apply_event(
        event(EventKind.CHARGE_REFUNDED, "evt_2", order_id=None, refunded=500), ledger, bus
    )

    assert outcome is EventOutcome.APPLIED
    assert ledger.entry(ORDER).refunded_amount == 500


@pytest.mark.parametrize(
    "unknown",
    [
        {"order_id": "ord_" + "z" * 26, "charge_id": "pi_other"},
        {"order_id": None, "charge_id": "pi_other"},
    ],
)
def test_an_event_for_a_payment_entrega_does_not_know_is_ignored(ledger, bus, pending, unknown):
    outcome = apply_event(event(EventKind.PAYMENT_SUCCEEDED, **unknown), ledger, bus)

    assert outcome is EventOutcome.IGNORED
    assert ledger.entry(ORDER).status is LedgerStatus.PENDING
    assert bus.published == []


def test_an_event_for_another_charge_of_a_known_order_is_ignored(ledger, bus, pending):
    apply_event(event(EventKind.PAYMENT_SUCCEEDED), ledger, bus)

    outcome = apply_event(
        event(EventKind.PAYMENT_SUCCEEDED, "evt_2", charge_id="pi_2"), ledger, bus
    )

    assert outcome is EventOutcome.IGNORED
    assert ledger.entry(ORDER).charge_id == "pi_1"
