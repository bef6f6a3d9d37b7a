"""What payments accepts and records, as contracts/tasks/charge-payment and refund-payment say."""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import BaseModel, Field, model_validator


class Amount(BaseModel):
    amount: int = Field(ge=1)
    currency: str = Field(pattern=r"^[A-Z]{3}$")


class PaymentMethod(BaseModel):
    provider: str
    method: str


class ChargeInput(BaseModel):
    order_id: str
    amount: Amount
    payment: PaymentMethod


class OrderRef(BaseModel):
    order_id: str


class RefundInput(BaseModel):
    """The whole capture back (the saga's compensation), or a part of it under a reference."""

    order_id: str
    amount: Amount | None = None
    reference: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,64}$")

    @model_validator(mode="after")
    def _partial_needs_reference(self) -> Self:
        if self.amount is not None and self.reference is None:
            raise ValueError("a partial refund needs a reference, which keys it")
        return self


class LedgerStatus(StrEnum):
    PENDING = "PENDING"
    ACTION_REQUIRED = "ACTION_REQUIRED"
    CAPTURED = "CAPTURED"
    DECLINED = "DECLINED"
    VOIDED = "VOIDED"
    REFUND_PENDING = "REFUND_PENDING"
    REFUNDED = "REFUNDED"


class RefundRecord(BaseModel):
    """One refund of a charge: ours (sent with `key`) or one the provider told us about."""

    key: str
    amount: int | None = None
    refund_id: str | None = None
    source: str = "entrega"


class LedgerEntry(BaseModel):
    """One order's payment as the ledger holds it: its charge, and every refund of it.

    `amount` is the order's total; `captured_amount` is what the provider took, which can
    be less when the provider only accepts coarser amounts (Stripe and three-decimal
    currencies). Refunds never add up to more than `captured_amount`.
    """

    order_id: str
    provider: str
    method: str
    amount: int
    currency: str
    status: LedgerStatus
    attempt: int = 1
    charge_id: str | None = None
    provider_reference: str | None = None
    captured_amount: int = 0
    decline_code: str | None = None
    action: str | None = None
    refund_id: str | None = None
    refunded_amount: int = 0
    provider_refunded: int = 0
    pending_refund: RefundRecord | None = None
    refunds: list[RefundRecord] = Field(default_factory=list)
    webhook_events: dict[str, str] = Field(default_factory=dict)
    version: int = 0
    created_at: str | None = None
    updated_at: str | None = None

    @property
    def refundable(self) -> int:
        return max(0, self.captured_amount - self.refunded_amount)


class EventKind(StrEnum):
    PAYMENT_SUCCEEDED = "PAYMENT_SUCCEEDED"
    PAYMENT_FAILED = "PAYMENT_FAILED"
    CHARGE_REFUNDED = "CHARGE_REFUNDED"
    IGNORED = "IGNORED"


class ProviderEvent(BaseModel):
    """What a verified provider webhook says about a payment, in Entrega's words and units.

    Amounts are minor units of `currency` (ISO 4217); `refunded` is the provider's running
    total for the charge, so events that arrive out of order can be compared.
    """

    event_id: str
    provider: str
    kind: EventKind
    occurred_at: str
    order_id: str | None = None
    charge_id: str | None = None
    currency: str | None = None
    amount: int = 0
    refunded: int = 0
    decline_code: str | None = None
