"""What intake accepts and stores: the place-order request, the order and its timeline."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

SUPPORTED_LOCALES = ("pt-BR", "en", "en-US", "es")
BRAZILIAN_STATES = frozenset(
    [
        "AC",
        "AL",
        "AP",
        "AM",
        "BA",
        "CE",
        "DF",
        "ES",
        "GO",
        "MA",
        "MT",
        "MS",
        "MG",
        "PA",
        "PB",
        "PR",
        "PE",
        "PI",
        "RJ",
        "RN",
        "RS",
        "RO",
        "RR",
        "SC",
        "SP",
        "SE",
        "TO",
    ]
)
_CEP = re.compile(r"^\d{5}-?\d{3}$")
# Numbers written without a country code are read as Brazilian, the shop's country.
DEFAULT_PHONE_REGION = "BR"


class Status(StrEnum):
    PLACED = "PLACED"
    AWAITING_PAYMENT_ACTION = "AWAITING_PAYMENT_ACTION"
    CONFIRMED = "CONFIRMED"
    ACCEPTED = "ACCEPTED"
    PREPARING = "PREPARING"
    READY = "READY"
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
    email: str = Field(max_length=254)
    phone: str = Field(min_length=8, max_length=20)
    locale: Literal["pt-BR", "en", "en-US", "es"] = "pt-BR"

    @field_validator("email")
    @classmethod
    def _email_shape(cls, value: str) -> str:
        from email_validator import EmailNotValidError, validate_email

        try:
            return str(validate_email(value, check_deliverability=False).normalized)
        except EmailNotValidError:
            raise PydanticCustomError("invalid_email", "not a valid email address") from None

    @field_validator("phone")
    @classmethod
    def _phone_e164(cls, value: str) -> str:
        """Valid for its country and stored as E.164 (+5511988887777)."""
        import phonenumbers

        try:
            number = phonenumbers.parse(value, DEFAULT_PHONE_REGION)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise PydanticCustomError("invalid_phone", "not a valid phone number")
        return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


class Address(_Strict):
    # Country first: the postal code and state rules below depend on it.
    country: str = Field(pattern=r"^[A-Z]{2}$")
    street: str = Field(min_length=1, max_length=200)
    number: str = Field(min_length=1, max_length=20)
    complement: str = Field(default="", max_length=100)
    district: str = Field(min_length=1, max_length=100)
    city: str = Field(min_length=1, max_length=100)
    state: str = Field(min_length=2, max_length=50)
    postal_code: str = Field(min_length=3, max_length=12)

    @field_validator("state")
    @classmethod
    def _brazilian_state(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("country") == "BR" and value.upper() not in BRAZILIAN_STATES:
            raise PydanticCustomError("invalid_state", "not a Brazilian state (UF)")
        return value.upper() if info.data.get("country") == "BR" else value

    @field_validator("postal_code")
    @classmethod
    def _brazilian_cep(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("country") != "BR":
            return value
        if not _CEP.match(value):
            raise PydanticCustomError("invalid_postal_code", "a CEP has 8 digits, like 01310-100")
        digits = value.replace("-", "")
        return f"{digits[:5]}-{digits[5:]}"


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
    status: Literal["ACCEPTED", "PREPARING", "READY", "OUT_FOR_DELIVERY", "DELIVERED"]
    # Only with READY: the courier the shop has already called for this order.
    courier_id: str | None = Field(default=None, min_length=1, max_length=128)


class CancelRequest(_Strict):
    reason: str = Field(default="", max_length=500)


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
    courier_location: dict[str, Any] | None = None
    shop_id: str | None = None
    courier_id: str | None = None
    # The fulfilment workflow's task tokens, by the status each one waits for.
    task_tokens: dict[str, str] = {}
    # Set when a cancellation is asked for; the cancel saga ends the order CANCELLED.
    cancellation: dict[str, Any] | None = None
    version: int = 1
