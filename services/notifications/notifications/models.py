"""What notifications consumes (OrderPlaced, OrderStatusChanged) and what it sends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class Recipient(BaseModel):
    """Who hears about an order, learnt from OrderPlaced. Never logged."""

    order_id: str
    name: str
    email: str
    phone: str
    locale: str = "pt-BR"


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
    subject: str
    text: str
    html: str
