"""Payments' errors. Their class names are the error names the order saga matches.

Transient errors (`transient = True`) are the ones the saga's Retry blocks name; every
other error is a business outcome or a fault that the saga compensates. `http_status` is
what the payments API answers when the error reaches it.
"""

from __future__ import annotations

from typing import ClassVar

from entrega_contracts.errors import FieldError, TaskError


class PaymentsError(TaskError):
    code = "PAYMENTS_ERROR"
    http_status: ClassVar[int] = 500


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


class PaymentActionExpired(PaymentsError):
    """The payment waited for the customer's authentication, which never came, and was voided.

    Nothing was captured. A saga step that charges the order again gets this answer
    instead of a new payment: the ledger keeps the provider's id and the action asked.
    """

    code = "PAYMENT_ACTION_EXPIRED"

    def __init__(self, action: str) -> None:
        self.action = action
        super().__init__(
            "the payment's authentication was not completed in time",
            [
                FieldError(
                    "payment.method",
                    "the customer did not complete the payment's authentication",
                    "authentication_expired",
                )
            ],
        )


class ProviderUnavailable(PaymentsError):
    """The provider timed out, rate-limited us or failed; retried with the same idempotency key."""

    code = "PROVIDER_UNAVAILABLE"
    transient = True
    http_status = 503


class ProviderRejected(PaymentsError):
    """The provider refused the request itself (credentials, parameters); a person must look."""

    code = "PROVIDER_REJECTED"
    http_status = 502


class DependencyUnavailable(PaymentsError):
    """The ledger table throttled or failed; the saga retries the step."""

    code = "DEPENDENCY_UNAVAILABLE"
    transient = True
    http_status = 503


class LedgerConflict(PaymentsError):
    """The ledger holds a state for this order that the requested step cannot follow."""

    code = "LEDGER_CONFLICT"
    http_status = 409


class ChargeOutcomeUnknown(PaymentsError):
    """A charge was sent but its answer never recorded, and its idempotency key has expired.

    Replaying it could charge the customer a second time, so it is left for reconciliation.
    """

    code = "CHARGE_OUTCOME_UNKNOWN"
    http_status = 409


class RefundNotAllowed(PaymentsError):
    """The refund asked for is more than what is left of the capture, or nothing was captured."""

    code = "REFUND_NOT_ALLOWED"
    http_status = 409


class RefundInProgress(PaymentsError):
    """Another refund of this order is being sent; refunds of one charge go one at a time."""

    code = "REFUND_IN_PROGRESS"
    transient = True
    http_status = 409


class PaymentNotFound(PaymentsError):
    code = "PAYMENT_NOT_FOUND"
    http_status = 404


class WebhookRejected(PaymentsError):
    """A webhook whose signature, timestamp or body cannot be trusted; nothing was changed."""

    code = "WEBHOOK_REJECTED"
    http_status = 400


class WebhooksNotConfigured(PaymentsError):
    """No endpoint secret is configured, so no webhook can be verified; the provider retries."""

    code = "WEBHOOKS_NOT_CONFIGURED"
    http_status = 503


class AnnouncementFailed(PaymentsError):
    """A webhook was applied but its event did not reach the bus; the provider's retry sends it."""

    code = "ANNOUNCEMENT_FAILED"
    transient = True
    http_status = 503


class CardDeclined(Exception):
    """Raised by provider adapters; the domain turns it into PaymentDeclined."""

    def __init__(self, decline_code: str) -> None:
        self.decline_code = decline_code
        super().__init__(decline_code)


class AuthenticationNeeded(Exception):
    """Raised by provider adapters when a payment waits for the customer to authenticate.

    `next_step` is what the customer's app needs to finish it: Stripe's client secret for
    its SDK, or the PayPal page the payer must visit. It is handed to the customer, never
    logged and never kept in the ledger: the provider gives it again on a replay.
    """

    def __init__(self, charge_id: str, action: str, next_step: dict[str, str]) -> None:
        self.charge_id = charge_id
        self.action = action
        self.next_step = next_step
        super().__init__(action)


_DECLINE_MESSAGES = {
    "card_declined": "the card was declined",
    "generic_decline": "the card was declined",
    "insufficient_funds": "the card has insufficient funds",
    "expired_card": "the card has expired",
    "payment_method_invalid": "the payment method is not valid",
    "currency_not_supported": "this payment method cannot pay in the order's currency",
    "amount_too_small": "the amount is below what the payment provider accepts",
    "amount_too_large": "the amount is above what the payment provider accepts",
}
