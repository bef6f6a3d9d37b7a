"""Payments' errors. Their class names are the error names the order saga matches."""

from __future__ import annotations

from entrega_contracts.errors import FieldError, TaskError


class PaymentsError(TaskError):
    code = "PAYMENTS_ERROR"


class PaymentDeclined(PaymentsError):
    """The provider refused the charge; the customer was not charged."""

    code = "PAYMENT_DECLINED"

    def __init__(self, decline_code: str) -> None:
        self.decline_code = decline_code
        super().__init__(
            "the payment was declined",
            [
                FieldError(
                    "payment.method",
                    _DECLINE_MESSAGES.get(decline_code, "the card was declined"),
                    decline_code,
                )
            ],
        )


class ProviderUnavailable(PaymentsError):
    """The provider timed out, rate-limited us or failed; retried with the same idempotency key."""

    code = "PROVIDER_UNAVAILABLE"
    transient = True


class DependencyUnavailable(PaymentsError):
    """The ledger table throttled or failed; the saga retries the step."""

    code = "DEPENDENCY_UNAVAILABLE"
    transient = True


class LedgerConflict(PaymentsError):
    """The ledger holds a state for this order that the requested step cannot follow."""

    code = "LEDGER_CONFLICT"


class CardDeclined(Exception):
    """Raised by provider adapters; the domain turns it into PaymentDeclined."""

    def __init__(self, decline_code: str) -> None:
        self.decline_code = decline_code
        super().__init__(decline_code)


_DECLINE_MESSAGES = {
    "card_declined": "the card was declined",
    "insufficient_funds": "the card has insufficient funds",
    "expired_card": "the card has expired",
    "payment_method_invalid": "the payment method is not valid",
}
