"""Reconciliation: each kind of mismatch between the ledger and the orders, and none for
payments that agree with their orders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from payments.adapters.orders_api import OrdersApi
from payments.models import LedgerEntry, LedgerStatus, RefundRecord
from payments.reconcile import mismatches, reconcile

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LONG_AGO = (NOW - timedelta(hours=2)).isoformat()
JUST_NOW = (NOW - timedelta(seconds=30)).isoformat()
HALF_AN_HOUR_AGO = (NOW - timedelta(minutes=30)).isoformat()


def entry(status=LedgerStatus.CAPTURED, captured=11_550, refunded=0, updated=LONG_AGO, **more):
    return LedgerEntry(
        order_id=more.pop("order_id", "ord_1"),
        provider="stripe",
        method="pm_card_visa",
        amount=11_550,
        currency="BRL",
        status=status,
        captured_amount=captured,
        refunded_amount=refunded,
        updated_at=updated,
        **more,
    )


def kinds(found) -> list[str]:
    return [mismatch.kind for mismatch in found]


@pytest.mark.parametrize(
    ("ledger_entry", "order_status"),
    [
        (entry(), "CONFIRMED"),
        (entry(), "DELIVERED"),
        (entry(LedgerStatus.REFUNDED, refunded=11_550), "FAILED"),
        (entry(LedgerStatus.DECLINED, captured=0), "REJECTED"),
        (entry(LedgerStatus.VOIDED, captured=0), "REJECTED"),
        (entry(updated=JUST_NOW), "PLACED"),
        (entry(LedgerStatus.PENDING, captured=0, updated=JUST_NOW), "PLACED"),
        (
            entry(LedgerStatus.ACTION_REQUIRED, captured=0, updated=HALF_AN_HOUR_AGO),
            "AWAITING_PAYMENT_ACTION",
        ),
    ],
)
def test_payments_that_agree_with_their_orders_are_not_mismatches(ledger_entry, order_status):
    assert mismatches(ledger_entry, order_status, NOW) == []


@pytest.mark.parametrize("order_status", ["REJECTED", "FAILED", "CANCELLED"])
def test_money_held_for_an_order_that_did_not_go_ahead(order_status):
    found = mismatches(entry(refunded=1_000), order_status, NOW)

    assert kinds(found) == ["CHARGED_NOT_REFUNDED"]
    assert found[0].detail == f"11550 BRL captured, 1000 refunded, but the order is {order_status}"


def test_refunds_that_add_up_to_more_than_the_capture():
    twice = entry(
        LedgerStatus.REFUNDED,
        refunded=11_550,
        refunds=[
            RefundRecord(key="entrega:ord_1:refund", amount=11_550),
            RefundRecord(key="provider:evt_9", amount=11_550, source="stripe"),
        ],
    )

    assert kinds(mismatches(twice, "FAILED", NOW)) == ["REFUNDED_TWICE"]


@pytest.mark.parametrize("order_status", ["PLACED", "AWAITING_PAYMENT_ACTION", None])
def test_money_held_for_an_order_never_confirmed(order_status):
    assert kinds(mismatches(entry(), order_status, NOW)) == ["PAID_NOT_CONFIRMED"]


def test_an_order_that_went_ahead_without_a_capture():
    found = mismatches(entry(LedgerStatus.DECLINED, captured=0), "CONFIRMED", NOW)

    assert kinds(found) == ["CONFIRMED_NOT_PAID"]


@pytest.mark.parametrize(
    "status", [LedgerStatus.PENDING, LedgerStatus.ACTION_REQUIRED, LedgerStatus.REFUND_PENDING]
)
def test_a_payment_left_unfinished_past_the_grace_period(status):
    found = mismatches(entry(status, captured=0), "FAILED", NOW)

    assert kinds(found) == ["OUTCOME_UNKNOWN"]


def test_a_payment_still_waiting_for_its_customer_after_the_hold_ran_out():
    found = mismatches(
        entry(LedgerStatus.ACTION_REQUIRED, captured=0), "AWAITING_PAYMENT_ACTION", NOW
    )

    assert kinds(found) == ["OUTCOME_UNKNOWN"]


def test_reconcile_reads_order_statuses_from_intakes_api(fake_intake):
    fake_intake.statuses.update({"ord_ok": "CONFIRMED", "ord_bad": "FAILED"})
    entries = [entry(order_id="ord_ok"), entry(order_id="ord_bad"), entry(order_id="ord_gone")]

    checked, found = reconcile(entries, OrdersApi(fake_intake.url), NOW, timedelta(minutes=15))

    assert checked == 3
    assert [(m.order_id, m.kind) for m in found] == [
        ("ord_bad", "CHARGED_NOT_REFUNDED"),
        ("ord_gone", "PAID_NOT_CONFIRMED"),
    ]
    assert fake_intake.paths() == [
        ("GET", "/orders/ord_ok"),
        ("GET", "/orders/ord_bad"),
        ("GET", "/orders/ord_gone"),
    ]
