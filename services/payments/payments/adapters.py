"""Payment providers behind one small interface.

The simulated provider answers as Stripe's test payment methods do and is what the stack
uses when no provider credentials are configured. Its ids are derived from the idempotency
key, so replaying a request returns the first answer, as a real provider's idempotency does.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

from payments.errors import CardDeclined


@dataclass(frozen=True, slots=True)
class ProviderCharge:
    charge_id: str
    amount: int
    currency: str


@dataclass(frozen=True, slots=True)
class ProviderRefund:
    refund_id: str
    amount: int


class PaymentProvider(Protocol):
    name: str

    def charge(
        self, amount: int, currency: str, method: str, order_id: str, idempotency_key: str
    ) -> ProviderCharge:
        """Capture `amount` minor units, or raise CardDeclined; the same key never charges twice."""
        ...

    def refund(self, charge_id: str, amount: int, idempotency_key: str) -> ProviderRefund: ...


_SIMULATED_DECLINES = {
    "pm_card_chargeDeclined": "card_declined",
    "pm_card_visa_chargeDeclined": "card_declined",
    "pm_card_chargeDeclinedInsufficientFunds": "insufficient_funds",
    "pm_card_chargeDeclinedExpiredCard": "expired_card",
}


class SimulatedProvider:
    """Stripe's test cards without Stripe: pm_card_visa succeeds, the decline cards decline."""

    def __init__(self, name: str) -> None:
        self.name = name

    def charge(
        self, amount: int, currency: str, method: str, order_id: str, idempotency_key: str
    ) -> ProviderCharge:
        if method in _SIMULATED_DECLINES:
            raise CardDeclined(_SIMULATED_DECLINES[method])
        if not method.startswith("pm_card_"):
            raise CardDeclined("payment_method_invalid")
        return ProviderCharge(f"sim_ch_{_digest(idempotency_key)}", amount, currency)

    def refund(self, charge_id: str, amount: int, idempotency_key: str) -> ProviderRefund:
        return ProviderRefund(f"sim_re_{_digest(idempotency_key)}", amount)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:24]


def provider_for(name: str) -> PaymentProvider:
    """The adapter for an order's payment.provider.

    Real Stripe and PayPal adapters are not written yet (issue 4); until they are, every
    provider name is served by the simulator, which is what the embedded stack needs.
    """
    return SimulatedProvider(name)
