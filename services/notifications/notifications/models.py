"""What notifications consumes (OrderPlaced, OrderStatusChanged), keeps and sends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

# An order's statuses in the order they can happen. Every path through intake's transition
# table climbs this list, and the three endings (REJECTED, FAILED, CANCELLED) share the top
# rank because at most one of them can happen to an order.
LIFECYCLE = (
    "PLACED",
    "AWAITING_PAYMENT_ACTION",
    "CONFIRMED",
    "ACCEPTED",
    "PREPARING",
    "READY",
    "OUT_FOR_DELIVERY",
    "DELIVERED",
)
ENDINGS = ("REJECTED", "FAILED", "CANCELLED")


def rank(status: str) -> int:
    """How far along its life an order with this status is; a higher rank is newer."""
    if status in ENDINGS:
        return len(LIFECYCLE)
    return LIFECYCLE.index(status)


class Preferences(BaseModel):
    """The channels a customer accepts, and the time zone they read times in.

    Email and push are on unless turned off; SMS is on too, but is only sent to a number
    that is a valid mobile. `time_zone` None means: the zone of the phone number, or
    São Paulo's.
    """

    model_config = ConfigDict(extra="forbid")

    email: StrictBool = True
    sms: StrictBool = True
    push: StrictBool = True
    time_zone: str | None = Field(default=None, max_length=64)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                "time_zone must be an IANA time zone such as America/Sao_Paulo"
            ) from None
        return value


class Recipient(BaseModel):
    """Who hears about an order, learnt from OrderPlaced, and how they like to. Never logged."""

    order_id: str
    customer_id: str = ""
    name: str
    email: str
    phone: str
    locale: str = "pt-BR"
    placed_at: datetime | None = None
    preferences: Preferences = Preferences()

    @classmethod
    def from_order_placed(cls, placed: dict[str, Any]) -> Recipient:
        customer = placed["customer"]
        return cls(
            order_id=placed["order_id"],
            customer_id=customer["id"],
            name=customer["name"],
            email=customer["email"],
            phone=customer["phone"],
            locale=customer["locale"],
            placed_at=placed["placed_at"],
        )


class Money(BaseModel):
    amount: int
    currency: str


class Line(BaseModel):
    sku: str
    name: str
    quantity: int
    line_total: Money


class StatusChange(BaseModel):
    order_id: str
    status: str
    occurred_at: datetime
    locale: str = "pt-BR"
    total: Money
    lines: list[Line] = []
    reason: dict[str, Any] | None = None
    eta_minutes: int | None = None
    personal_line: str | None = None
    suggestions: list[dict[str, Any]] = []
    refunded: Money | None = None


class Message(BaseModel):
    """What one channel carries: an email uses all three parts, an SMS only `text`, and a
    push to the tracking page `subject` as its title plus the structured `data`."""

    subject: str
    text: str
    html: str = ""
    data: dict[str, Any] = {}
