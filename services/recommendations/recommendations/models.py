"""What recommendations accepts and returns, mirroring contracts/tasks/get-insights and the events
it consumes, and the shape of the answer it asks Amazon Bedrock for."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Source = Literal["local", "bedrock", "default"]
# Inventory announces OutOfStock but no restock, so an item counts as back after this long.
RESTOCK_ASSUMED_AFTER = timedelta(hours=6)


class Line(BaseModel):
    sku: str
    quantity: int = Field(ge=1)


class Delivery(BaseModel):
    """Where the order goes, as coarse as the ETA needs: never a street, never a name."""

    postal_code: str
    country: str


class InsightRequest(BaseModel):
    order_id: str
    customer_id: str
    locale: str
    lines: list[Line] = Field(min_length=1)
    placed_at: datetime
    delivery: Delivery | None = None


class Product(BaseModel):
    """One row of recommendations' own products projection (never inventory's tables)."""

    sku: str
    name: str
    name_en: str | None = None
    category: str | None = None
    prep_minutes: int = 10
    on_sale: bool = True
    out_of_stock_since: datetime | None = None

    def name_for(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") and self.name_en else self.name

    def sellable(self, at: datetime) -> bool:
        """On sale, and not announced out of stock in the last few hours before `at`."""
        if not self.on_sale:
            return False
        since = self.out_of_stock_since
        return since is None or not since <= at < since + RESTOCK_ASSUMED_AFTER


class Suggestion(BaseModel):
    sku: str
    name: str


class Insight(BaseModel):
    suggestions: list[Suggestion] = Field(max_length=3)
    eta_minutes: int = Field(ge=5, le=240)
    personal_line: str | None = Field(default=None, max_length=200)
    priority: int = Field(ge=1, le=5)
    source: Source


class ModelAnswer(BaseModel):
    """The tool input a model must produce; anything else about its answer is ignored.

    Bounds here only reject nonsense; domain.vet() applies the rules that make it safe to use.
    """

    model_config = ConfigDict(extra="ignore")

    suggestions: list[str] = Field(max_length=10)
    eta_minutes: int
    personal_line: str
    priority: int


class ConfirmedLine(BaseModel):
    sku: str
    quantity: int = Field(ge=1)


class ConfirmedOrder(BaseModel):
    """What the purchase history learns from OrderStatusChanged with status CONFIRMED."""

    order_id: str
    customer_id: str
    occurred_at: datetime
    lines: list[ConfirmedLine] = []


class StockOut(BaseModel):
    """Inventory's OutOfStock event, as the products projection needs it."""

    sku: str
    occurred_at: datetime


class PromptItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: str
    name: str
    quantity: int
    prep_minutes: int


class PastOrders(BaseModel):
    """How many of the customer's earlier orders held this sku: no dates, no order ids."""

    model_config = ConfigDict(extra="forbid")

    sku: str
    times: int


class Candidate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: str
    name: str
    category: str | None = None


class Prompt(BaseModel):
    """Everything the model is told about an order. Nothing else is ever sent: no customer id,
    name, email, phone or address, no order id, no postal code."""

    model_config = ConfigDict(extra="forbid")

    locale: str
    time_of_day: str
    items: list[PromptItem]
    past_orders: list[PastOrders]
    candidates: list[Candidate]
