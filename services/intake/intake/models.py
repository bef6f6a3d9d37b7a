"""What intake accepts and stores: the place-order request, the order and its timeline."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

SUPPORTED_LOCALES = ("pt-BR", "en", "en-US", "es")
_CEP = re.compile(r"^\d{5}-?\d{3}$")
_PHONE = re.compile(r"^\+?[0-9 ()-]{8,20}$")


class Status(StrEnum):
    PLACED = "PLACED"
    CONFIRMED = "CONFIRMED"
    PREPARING = "PREPARING"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"
    DELIVERED = "DELIVERED"
    REJECTED = "REJECTED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Customer(_Strict):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=120)
    email: EmailStr
    phone: str = Field(min_length=8, max_length=20)
    locale: Literal["pt-BR", "en", "en-US", "es"] = "pt-BR"

    @field_validator("phone")
    @classmethod
    def _phone_shape(cls, value: str) -> str:
        if not _PHONE.match(value):
            raise ValueError("phone must be digits, optionally with + and spaces")
        return value


class Address(_Strict):
    street: str = Field(min_length=1, max_length=200)
    number: str = Field(min_length=1, max_length=20)
    complement: str = Field(default="", max_length=100)
    district: str = Field(min_length=1, max_length=100)
    city: str = Field(min_length=1, max_length=100)
    state: str = Field(min_length=2, max_length=50)
    postal_code: str = Field(min_length=3, max_length=12)
    country: str = Field(pattern=r"^[A-Z]{2}$")

    @model_validator(mode="after")
    def _brazilian_cep(self) -> Address:
        if self.country == "BR" and not _CEP.match(self.postal_code):
            raise ValueError("postal_code: a CEP has 8 digits, like 01310-100")
        return self


class Payment(_Strict):
    provider: Literal["stripe", "paypal"]
    method: str = Field(min_length=1, max_length=255)


class PlaceOrderRequest(_Strict):
    customer: Customer
    # Lines are judged by inventory, which owns the catalog and its rules; here they only
    # need to be a list of the right length.
    items: list[Any] = Field(min_length=1, max_length=50)
    delivery_address: Address
    payment: Payment
    notes: str = Field(default="", max_length=500)


class ProgressRequest(_Strict):
    status: Literal["PREPARING", "OUT_FOR_DELIVERY", "DELIVERED"]


class TimelineEntry(BaseModel):
    status: Status
    at: datetime
    reason: dict[str, Any] | None = None


class Order(BaseModel):
    """An order as intake keeps it; lines and totals are priced by inventory, never the client."""

    order_id: str
    status: Status
    placed_at: datetime
    customer: Customer
    delivery_address: Address
    payment_method: Payment
    notes: str = ""
    lines: list[dict[str, Any]]
    total: dict[str, Any]
    timeline: list[TimelineEntry]
    request_hash: str
    payment: dict[str, Any] | None = None
    suggestions: list[dict[str, Any]] = []
    eta_minutes: int | None = None
    personal_line: str | None = None
    priority: int | None = None
    notifications: dict[str, dict[str, Any]] = {}
    version: int = 1
