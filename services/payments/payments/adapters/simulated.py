"""A payment provider without a provider: Stripe's test payment methods, answered in-process.

It is what serves a provider that has no credentials configured (the embedded stack, the
demo, unit tests). pm_card_visa and the other pm_card_ methods succeed, the decline cards
decline, and the authentication cards wait for the customer. Its ids are derived from the
idempotency key, so replaying a request returns the first answer, as a real provider's
idempotency does, and amounts are rounded as the real provider would round them.
"""

from __future__ import annotations

import hashlib

from payments.errors import AuthenticationNeeded, CardDeclined
from payments.ports import ProviderCharge, ProviderRefund, ProviderVoid
from payments.provider_amounts import from_stripe, to_stripe

_SIMULATED_DECLINES = {
    "pm_card_chargeDeclined": "card_declined",
    "pm_card_visa_chargeDeclined": "card_declined",
    "pm_card_chargeDeclinedInsufficientFunds": "insufficient_funds",
    "pm_card_chargeDeclinedExpiredCard": "expired_card",
}
_SIMULATED_AUTHENTICATION = frozenset(
    {
        "pm_card_authenticationRequired",
        "pm_card_threeDSecure2Required",
        "pm_card_threeDSecureRequired",
    }
)


class SimulatedProvider:
    """Stripe's test cards without Stripe: pm_card_visa succeeds, the decline cards decline."""

    def __init__(self, name: str) -> None:
        self.name = name

    def charge(
        self, amount: int, currency: str, method: str, order_id: str, idempotency_key: str
    ) -> ProviderCharge:
        if method in _SIMULATED_DECLINES:
            raise CardDeclined(_SIMULATED_DECLINES[method])
        if method in _SIMULATED_AUTHENTICATION:
            intent = f"sim_pi_{_digest(idempotency_key)}"
            raise AuthenticationNeeded(
                intent, "use_stripe_sdk", {"client_secret": f"{intent}_secret_simulated"}
            )
        if not method.startswith("pm_card_"):
            raise CardDeclined("payment_method_invalid")
        captured = from_stripe(to_stripe(amount, currency), currency)
        return ProviderCharge(f"sim_ch_{_digest(idempotency_key)}", captured, currency)

    def refund(self, charge_id: str, amount: int, idempotency_key: str) -> ProviderRefund:
        return ProviderRefund(f"sim_re_{_digest(idempotency_key)}", amount)

    def void(self, charge_id: str, idempotency_key: str) -> ProviderVoid:
        return ProviderVoid()


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:24]
