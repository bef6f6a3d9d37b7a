"""What payments accepts and records, as contracts/tasks/charge-payment and refund-payment say."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


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


class LedgerStatus(StrEnum):
    PENDING = "PENDING"
    CAPTURED = "CAPTURED"
    DECLINED = "DECLINED"
    REFUND_PENDING = "REFUND_PENDING"
    REFUNDED = "REFUNDED"


class LedgerEntry(BaseModel):
    """One order's payment as the ledger holds it: at most one charge and one refund."""

    order_id: str
    provider: str
    method: str
    amount: int
    currency: str
    status: LedgerStatus
    charge_id: str | None = None
    decline_code: str | None = None
    refund_id: str | None = None
    refunded_amount: int = 0
