"""What GetInsights accepts and returns, mirroring contracts/tasks/get-insights."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class Line(BaseModel):
    sku: str
    quantity: int = Field(ge=1)


class InsightRequest(BaseModel):
    order_id: str
    customer_id: str
    locale: str
    lines: list[Line] = Field(min_length=1)
    placed_at: datetime


class Product(BaseModel):
    sku: str
    name: str
    name_en: str | None = None
    prep_minutes: int = 10
    on_sale: bool = True

    def name_for(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") and self.name_en else self.name


class Suggestion(BaseModel):
    sku: str
    name: str


class Insight(BaseModel):
    suggestions: list[Suggestion] = Field(max_length=3)
    eta_minutes: int = Field(ge=5, le=240)
    personal_line: str | None = Field(default=None, max_length=200)
    priority: int = Field(ge=1, le=5)
    source: Literal["local", "bedrock", "default"]
