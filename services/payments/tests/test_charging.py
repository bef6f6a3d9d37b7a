"""One charge per order and one refund per charge, against an in-memory ledger."""

from __future__ import annotations

import pytest

from payments.adapters import ProviderCharge, ProviderRefund, SimulatedProvider
from payments.domain import charge, charge_key, refund, refund_key
from payments.errors import CardDeclined, LedgerConflict, PaymentDeclined
from payments.models import ChargeInput, LedgerEntry, LedgerStatus


class MemoryLedger:
    """The Ledger contract: open once per order, settle only from the expected status."""

    def __init__(self) -> None:
        self.entries: dict[str, LedgerEntry] = {}

    def entry(self, order_id: str) -> LedgerEntry | None:
        return self.entries.get(order_id)

    def open_charge(self, entry: LedgerEntry) -> LedgerEntry:
        return self.entries.setdefault(entry.order_id, entry)

    def settle(self, order_id: str, expected: LedgerStatus, **changes: object) -> LedgerEntry:
        current = self.entries.get(order_id)
        if current is None or current.status is not expected:
            raise LedgerConflict(f"the ledger entry is no longer {expected.value}")
        self.entries[order_id] = current.model_copy(update=changes)
        return self.entries[order_id]


class CountingProvider:
    """The simulated provider, with a record of every call made to it."""

    def __init__(self) -> None:
        self._simulated = SimulatedProvider("stripe")
        self.name = "stripe"
        self.charges: list[tuple[int, str, str, str, str]] = []
        self.refunds: list[tuple[str, int, str]] = []

    def charge(
        self, amount: int, currency: str, method: str, order_id: str, idempotency_key: str
    ) -> ProviderCharge:
        self.charges.append((amount, currency, method, order_id, idempotency_key))
        return self._simulated.charge(amount, currency, method, order_id, idempotency_key)

    def refund(self, charge_id: str, amount: int, idempotency_key: str) -> ProviderRefund:
        self.refunds.append((charge_id, amount, idempotency_key))
        return self._simulated.refund(charge_id, amount, idempotency_key)


def request(order_id: str = "ord_1", method: str = "pm_card_visa", amount: int = 11_550):
    return ChargeInput.model_validate(
        {
            "order_id": order_id,
            "amount": {"amount": amount, "currency": "BRL"},
            "payment": {"provider": "stripe", "method": method},
        }
    )


def pending_entry(order_id: str = "ord_1") -> LedgerEntry:
    return LedgerEntry(
        order_id=order_id,
        provider="stripe",
        method="pm_card_visa",
        amount=11_550,
        currency="BRL",
        status=LedgerStatus.PENDING,
    )


def test_idempotency_keys_are_derived_from_the_order_id():
    keys = (charge_key("ord_42"), refund_key("ord_42"))

    assert keys == ("entrega:ord_42:charge", "entrega:ord_42:refund")


def test_charging_the_same_order_three_times_captures_once():
    ledger, provider = MemoryLedger(), CountingProvider()

    payments = [charge(request(), ledger, provider).entry for _ in range(3)]

    assert {payment.charge_id for payment in payments} == {payments[0].charge_id}
    assert payments[0].status is LedgerStatus.CAPTURED
    assert payments[0].amount == 11_550
    assert provider.charges == [(11_550, "BRL", "pm_card_visa", "ord_1", "entrega:ord_1:charge")]


def test_second_charge_for_same_order_returns_first_payment_even_with_another_amount():
    ledger, provider = MemoryLedger(), CountingProvider()
    first = charge(request(amount=11_550), ledger, provider).entry

    second = charge(request(amount=99_999), ledger, provider).entry

    assert second == first
    assert second.amount == 11_550


@pytest.mark.parametrize(
    ("method", "decline_code", "message"),
    [
        ("pm_card_chargeDeclined", "card_declined", "the card was declined"),
        (
            "pm_card_chargeDeclinedInsufficientFunds",
            "insufficient_funds",
            "the card has insufficient funds",
        ),
        ("tok_not_a_card", "payment_method_invalid", "the payment method is not valid"),
    ],
)
def test_declined_card_raises_payment_declined_with_its_code(method, decline_code, message):
    ledger, provider = MemoryLedger(), CountingProvider()

    with pytest.raises(PaymentDeclined) as raised:
        charge(request(method=method), ledger, provider)

    assert raised.value.decline_code == decline_code
    assert raised.value.details[0].message == message
    assert ledger.entries["ord_1"].status is LedgerStatus.DECLINED


def test_repeated_charge_after_decline_raises_again_without_calling_the_provider():
    ledger, provider = MemoryLedger(), CountingProvider()
    with pytest.raises(PaymentDeclined):
        charge(request(method="pm_card_chargeDeclined"), ledger, provider)

    with pytest.raises(PaymentDeclined) as raised:
        charge(request(method="pm_card_chargeDeclined"), ledger, provider)

    assert raised.value.decline_code == "card_declined"
    assert len(provider.charges) == 1


def test_pending_charge_is_replayed_with_its_key_and_captured():
    ledger, provider = MemoryLedger(), CountingProvider()
    ledger.open_charge(pending_entry())

    payment = charge(request(), ledger, provider).entry

    assert payment.status is LedgerStatus.CAPTURED
    assert provider.charges[0][4] == "entrega:ord_1:charge"


def test_refund_after_capture_gives_back_exactly_the_captured_amount_once():
    ledger, provider = MemoryLedger(), CountingProvider()
    captured = charge(request(amount=11_550), ledger, provider).entry

    first = refund("ord_1", ledger, provider)
    second = refund("ord_1", ledger, provider)

    assert first.to_json() == {
        "order_id": "ord_1",
        "status": "REFUNDED",
        "refund_id": first.refund_id,
        "amount": {"amount": 11_550, "currency": "BRL"},
    }
    assert second == first
    assert provider.refunds == [(captured.charge_id, 11_550, "entrega:ord_1:refund")]
    assert ledger.entries["ord_1"].refunded_amount == 11_550


def test_refund_interrupted_after_marking_is_finished_with_the_same_refund_key():
    ledger, provider = MemoryLedger(), CountingProvider()
    captured = charge(request(), ledger, provider).entry
    ledger.settle("ord_1", LedgerStatus.CAPTURED, status=LedgerStatus.REFUND_PENDING)

    outcome = refund("ord_1", ledger, provider)

    assert outcome.to_json()["status"] == "REFUNDED"
    assert provider.refunds == [(captured.charge_id, 11_550, "entrega:ord_1:refund")]


def test_refund_for_an_order_never_charged_refunds_nothing():
    ledger, provider = MemoryLedger(), CountingProvider()

    outcome = refund("ord_never", ledger, provider)

    assert outcome.to_json() == {
        "order_id": "ord_never",
        "status": "NOTHING_TO_REFUND",
        "refund_id": None,
        "amount": None,
    }
    assert provider.refunds == []


def test_refund_for_a_declined_charge_refunds_nothing():
    ledger, provider = MemoryLedger(), CountingProvider()
    with pytest.raises(PaymentDeclined):
        charge(request(method="pm_card_chargeDeclined"), ledger, provider)

    outcome = refund("ord_1", ledger, provider)

    assert outcome.to_json()["status"] == "NOTHING_TO_REFUND"
    assert provider.refunds == []


def test_refund_of_a_pending_charge_replays_it_by_key_then_refunds():
    ledger, provider = MemoryLedger(), CountingProvider()
    ledger.open_charge(pending_entry())

    outcome = refund("ord_1", ledger, provider)

    assert [call[4] for call in provider.charges] == ["entrega:ord_1:charge"]
    assert outcome.to_json()["status"] == "REFUNDED"
    assert outcome.amount == 11_550
    assert ledger.entries["ord_1"].status is LedgerStatus.REFUNDED


def test_refund_of_a_pending_charge_that_declines_refunds_nothing():
    ledger, provider = MemoryLedger(), CountingProvider()
    ledger.open_charge(pending_entry().model_copy(update={"method": "pm_card_chargeDeclined"}))

    outcome = refund("ord_1", ledger, provider)

    assert outcome.refund_id is None
    assert ledger.entries["ord_1"].status is LedgerStatus.DECLINED


def test_charging_after_a_refund_raises_ledger_conflict():
    ledger, provider = MemoryLedger(), CountingProvider()
    charge(request(), ledger, provider)
    refund("ord_1", ledger, provider)

    with pytest.raises(LedgerConflict, match="already refunded"):
        charge(request(), ledger, provider)

    assert len(provider.charges) == 1


def test_simulated_provider_gives_the_same_ids_for_the_same_key():
    provider = SimulatedProvider("stripe")

    first = provider.charge(100, "BRL", "pm_card_visa", "ord_1", "entrega:ord_1:charge")
    again = provider.charge(100, "BRL", "pm_card_visa", "ord_1", "entrega:ord_1:charge")
    other = provider.charge(100, "BRL", "pm_card_visa", "ord_2", "entrega:ord_2:charge")

    assert first == again
    assert other.charge_id != first.charge_id
    assert first.charge_id.startswith("sim_ch_")


def test_simulated_provider_declines_by_raising_card_declined():
    provider = SimulatedProvider("stripe")

    with pytest.raises(CardDeclined) as raised:
        provider.charge(100, "BRL", "pm_card_chargeDeclinedExpiredCard", "ord_1", "key")

    assert raised.value.decline_code == "expired_card"
