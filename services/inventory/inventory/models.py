"""What inventory accepts and returns, as pydantic models that mirror contracts/."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class CatalogItem(BaseModel):
    """One thing the shop sells, with its price in minor units of the catalog's currency."""

    model_config = ConfigDict(frozen=True)

    sku: str
    name: str
    category: str
    price: int
    currency: str
    on_sale: bool = True
    max_per_order: int = Field(default=10, ge=1)
    prep_minutes: int = Field(default=10, ge=0)
    low_stock_threshold: int = Field(default=5, ge=0)


class StockLevel(BaseModel):
    sku: str
    available: int
    reserved: int = 0
    sold: int = 0
    low_stock_threshold: int = 5


class Delivery(BaseModel):
    postal_code: str
    country: str


class ValidateOrderInput(BaseModel):
    order_id: str
    # Lines stay raw here: judging them (types, ranges, skus) is the domain's job, so that
    # every bad line gets its own field-level error instead of one parse failure.
    items: list[Any]
    placed_at: datetime | None = None
    delivery: Delivery | None = None


class StockSetting(BaseModel):
    """PUT /catalog/{sku}/stock: how many units are available for sale from now on."""

    model_config = ConfigDict(extra="forbid", strict=True)

    available: int = Field(ge=0, le=1_000_000)


class LineQuantity(BaseModel):
    sku: str
    quantity: int = Field(ge=1)


class ReserveStockInput(BaseModel):
    order_id: str
    lines: list[LineQuantity] = Field(min_length=1)
    rehold: bool = False


class OrderRef(BaseModel):
    order_id: str


class CatalogEntry(BaseModel):
    """An item as GET /catalog shows it."""

    sku: str
    name: str
    category: str
    price: dict[str, int | str]
    available: int
    on_sale: bool
