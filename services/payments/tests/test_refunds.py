"""Refunds never add up to more than was captured, each has its own key, and a payment that
waits for the customer is voided by the compensation instead of left open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from payments.domain import charge, refund, refund_part
from payments.errors import (
    ChargeOutcomeUnknown,
    PaymentActionExpired,
    RefundInProgress,
    RefundNotAllowed,
)
from payments.models import ChargeInput, LedgerEntry, LedgerStatus, RefundRecord

ORDER = "ord_1"


def request(method: str = "pm_card_visa", amount: int = 11_550, currency: str = "BRL"):
    return ChargeInput.model_validate(
        {
            "order_id": ORDER,
            "amount": {"amount": amount, "currency": currency},
            "payment": {"provider": "stripe", "method": method},
        }
    )


def test_partial_refunds_each_use_their_own_key_and_add_up(ledger, provider):
    charge(request(), ledger, provider)

    first = refund_part(ORDER, 1_000, "BRL", "missing-drink", ledger, provider)
    second = refund_part(ORDER, 2_550, "BRL", "late", ledger, provider)

    refunds = [call for call in provider.calls if call[0] == "refund"]
    assert [call[3] for call in refunds] == [
        "entrega:ord_1:refund:missing-drink",
        "entrega:ord_1:refund:late",
    ]
    assert (first.amount, second.amount) == (1_000, 2_550)
    entry = ledger.entry(ORDER)
    assert entry.status is LedgerStatus.CAPTURED
    assert entry.refunded_amount == 3_550
    assert [record.amount for record in entry.refunds] == [1_000, 2_550]


def test_the_same_partial_refund_twice_refunds_once(ledger, provider):
    charge(request(), ledger, provider)

    first = refund_part(ORDER, 1_000, "BRL", "missing-drink", ledger, provider)
    again = refund_part(ORDER, 1_000, "BRL", "missing-drink", ledger, provider)

    assert again == first
    assert len([call for call in provider.calls if call[0] == "refund"]) == 1
    assert ledger.entry(ORDER).refunded_amount == 1_000


def test_a_partial_refund_beyond_what_is_left_is_refused_and_changes_nothing(ledger, provider):
    charge(request(), ledger, provider)
    refund_part(ORDER, 10_000, "BRL", "most", ledger, provider)
    before = ledger.entry(ORDER)

    with pytest.raises(RefundNotAllowed, match="only 1550"):
        refund_part(ORDER, 1_551, "BRL", "too-much", ledger, provider)

    after = ledger.entry(ORDER)
    assert (after.status, after.refunded_amount, after.refunds) == (
        before.status,
        before.refunded_amount,
        before.refunds,
    )


def test_a_refund_checks_the_amount_against_the_entry_it_locked(ledger, provider):
    """A stale read said 11 550 were left; by the time of the write, another refund took some."""
    charge(request(), ledger, provider)
    stale = ledger.entry(ORDER)
    ledger.settle(ORDER, LedgerStatus.CAPTURED, refunded_amount=11_000)

    original_entry = ledger.entry
    ledger.entry = lambda order_id: stale if order_id == ORDER else original_entry(order_id)
    with pytest.raises(RefundNotAllowed):
        refund_part(ORDER, 5_000, "BRL", "late", ledger, provider)
    ledger.entry = original_entry

    assert ledger.entry(ORDER).status is LedgerStatus.CAPTURED
    assert ledger.entry(ORDER).pending_refund is None
    assert [call for call in provider.calls if call[0] == "refund"] == []


def test_a_refund_in_another_currency_is_refused(ledger, provider):
    charge(request(), ledger, provider)

    with pytest.raises(RefundNotAllowed, match="in BRL"):
        refund_part(ORDER, 100, "USD", "wrong", ledger, provider)


def test_a_partial_refund_waits_while_another_is_being_sent(ledger, provider):
    charge(request(), ledger, provider)
    ledger.settle(
        ORDER,
        LedgerStatus.CAPTURED,
        status=LedgerStatus.REFUND_PENDING,
        pending_refund=RefundRecord(key="entrega:ord_1:refund:first", amount=100),
    )

    with pytest.raises(RefundInProgress):
        refund_part(ORDER, 100, "BRL", "second", ledger, provider)


def test_the_compensation_after_a_partial_refund_gives_back_only_the_rest(ledger, provider):
    charge(request(), ledger, provider)
    refund_part(ORDER, 1_550, "BRL", "missing-drink", ledger, provider)

    outcome = refund(ORDER, ledger, provider)

    assert provider.calls[-1] == ("refund", provider.calls[-1][1], "10000", "entrega:ord_1:refund")
    assert outcome.to_json()["amount"] == {"amount": 11_550, "currency": "BRL"}
    assert ledger.entry(ORDER).status is LedgerStatus.REFUNDED
    assert ledger.entry(ORDER).refunded_amount == 11_550


def test_the_compensation_finishes_a_partial_refund_left_pending_first(ledger, provider):
    charge(request(), ledger, provider)
    ledger.settle(
        ORDER,
        LedgerStatus.CAPTURED,
        status=LedgerStatus.REFUND_PENDING,
        pending_refund=RefundRecord(key="entrega:ord_1:refund:late", amount=550),
    )

    refund(ORDER, ledger, provider)

    keys = [(call[2], call[3]) for call in provider.calls if call[0] == "refund"]
    assert keys == [("550", "entrega:ord_1:refund:late"), ("11000", "entrega:ord_1:refund")]
    assert ledger.entry(ORDER).refunded_amount == 11_550


def test_a_charge_waiting_for_authentication_is_recorded_with_the_customers_next_step(
    ledger, provider
):
    outcome = charge(request("pm_card_authenticationRequired"), ledger, provider)

    entry = ledger.entry(ORDER)
    shown = outcome.to_json()
    assert shown["status"] == "ACTION_REQUIRED"
    assert shown["action"] == {
        "type": "use_stripe_sdk",
        "client_secret": f"{entry.charge_id}_secret_simulated",
    }
    assert entry.status is LedgerStatus.ACTION_REQUIRED
    assert entry.charge_id.startswith("sim_pi_")
    assert entry.action == "use_stripe_sdk"
    assert "secret" not in entry.model_dump_json()


def test_a_repeated_charge_while_waiting_asks_again_with_the_same_key(ledger, provider):
    first = charge(request("pm_card_authenticationRequired"), ledger, provider)

    again = charge(request("pm_card_authenticationRequired"), ledger, provider)

    assert again.to_json() == first.to_json()
    keys = {call[-1] for call in provider.calls if call[0] == "charge"}
    assert keys == {"entrega:ord_1:charge"}


def test_the_compensation_voids_a_payment_that_waits_so_it_can_never_be_completed(ledger, provider):
    charge(request("pm_card_authenticationRequired"), ledger, provider)

    outcome = refund(ORDER, ledger, provider)

    assert outcome.to_json()["status"] == "NOTHING_TO_REFUND"
    assert ledger.entry(ORDER).status is LedgerStatus.VOIDED
    assert provider.calls[-1][0] == "void"
    assert provider.calls[-1][2] == "entrega:ord_1:void:1"


def test_a_repeated_charge_after_the_void_gives_the_same_answer(ledger, provider):
    charge(request("pm_card_authenticationRequired"), ledger, provider)
    refund(ORDER, ledger, provider)

    with pytest.raises(PaymentActionExpired) as raised:
        charge(request("pm_card_authenticationRequired"), ledger, provider)

    assert raised.value.code == "PAYMENT_ACTION_EXPIRED"

    assert [call[0] for call in provider.calls] == ["charge", "void"]


def test_a_payment_completed_before_the_void_is_refunded_instead(ledger, provider):
    charge(request("pm_card_authenticationRequired"), ledger, provider)
    provider.paid_before_void = True

    outcome = refund(ORDER, ledger, provider)

    assert [call[0] for call in provider.calls] == ["charge", "void", "refund"]
    assert outcome.to_json()["status"] == "REFUNDED"
    assert ledger.entry(ORDER).status is LedgerStatus.REFUNDED


def test_a_charge_sent_too_long_ago_to_replay_is_left_for_reconciliation(ledger, provider):
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    ledger.open_charge(
        LedgerEntry(
            order_id=ORDER,
            provider="stripe",
            method="pm_card_visa",
            amount=11_550,
            currency="BRL",
            status=LedgerStatus.PENDING,
            created_at=(now - timedelta(hours=30)).isoformat(),
        )
    )

    with pytest.raises(ChargeOutcomeUnknown):
        charge(request(), ledger, provider, now=now)

    assert provider.calls == []


def test_a_kwd_charge_records_what_stripe_could_take_and_refunds_no_more(ledger, provider):
    entry = charge(request(amount=5_124, currency="KWD"), ledger, provider).entry

    outcome = refund(ORDER, ledger, provider)

    assert (entry.amount, entry.captured_amount) == (5_124, 5_120)
    assert outcome.amount == 5_120
    assert provider.calls[-1][2] == "5120"
