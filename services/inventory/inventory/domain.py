"""Inventory's rules: pricing an order from the catalog and holding stock for it.

Pure Python: the store is passed in, so these rules run the same against DynamoDB, the
embedded emulator or a test double.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from entrega_contracts.errors import FieldError
from entrega_contracts.money import Money, total
from inventory.errors import OrderInvalid, OutOfStock
from inventory.models import CatalogItem, LineQuantity
from inventory.shop import Shop, shop_problems

MAX_LINES = 50


@dataclass(frozen=True, slots=True)
class PricedLine:
    item: CatalogItem
    quantity: int

    @property
    def unit_price(self) -> Money:
        return Money(self.item.price, self.item.currency)

    def to_json(self) -> dict[str, Any]:
        return {
            "sku": self.item.sku,
            "name": self.item.name,
            "quantity": self.quantity,
            "unit_price": self.unit_price.to_json(),
            "line_total": self.unit_price.times(self.quantity).to_json(),
        }


@dataclass(frozen=True, slots=True)
class PricedOrder:
    lines: list[PricedLine]
    currency: str

    @property
    def total(self) -> Money:
        return total([line.unit_price.times(line.quantity) for line in self.lines], self.currency)

    def to_json(self) -> dict[str, Any]:
        return {"lines": [line.to_json() for line in self.lines], "total": self.total.to_json()}


class Catalog(Protocol):
    def items(self, skus: list[str]) -> Mapping[str, CatalogItem]: ...


class StockStore(Protocol):
    def reserve(self, order_id: str, lines: list[LineQuantity], rehold: bool = False) -> list[str]:
        """Hold every line or nothing; return the skus that lacked stock (empty on success).

        With `rehold`, a hold the order had and lost (released) is taken again.
        """
        ...

    def release(self, order_id: str) -> list[LineQuantity]:
        """Return what the order holds to stock, once; return what was returned."""
        ...

    def commit(self, order_id: str) -> list[LineQuantity]:
        """Turn what the order holds into sold stock, once."""
        ...

    def expired(self, now: datetime, limit: int = 100) -> list[str]:
        """Orders still holding stock past their hold's expiry."""
        ...


def validate_order(
    raw_items: list[Any],
    catalog: Catalog,
    shop: Shop | None = None,
    placed_at: datetime | None = None,
    delivery: tuple[str, str] | None = None,
) -> PricedOrder:
    """Price the lines and check the shop can take the order then and deliver it there.

    Every problem is reported at once, lines and shop alike, as one OrderInvalid.
    """
    problems: list[FieldError] = []
    if shop is not None:
        country, postal_code = delivery or (None, None)
        problems = shop_problems(shop, placed_at, country, postal_code)
    try:
        priced = price_order(raw_items, catalog)
    except OrderInvalid as invalid:
        raise OrderInvalid(
            invalid.message, sorted([*invalid.details, *problems], key=_field_order)
        ) from None
    if problems:
        raise OrderInvalid("the shop cannot take this order", problems)
    return priced


def price_order(raw_items: list[Any], catalog: Catalog) -> PricedOrder:
    """Price the requested lines from the catalog, or say exactly which lines are wrong.

    The same sku asked for on two lines is merged into one line, as a shop would ring it up.
    """
    errors, quantities = _read_lines(raw_items)
    known = catalog.items(list(quantities))
    lines: list[PricedLine] = []

    for sku, (index, quantity) in quantities.items():
        item = known.get(sku)
        problem = _line_problem(index, item, quantity)
        if problem:
            errors.append(problem)
        elif item is not None:
            lines.append(PricedLine(item, quantity))

    currencies = {line.item.currency for line in lines}
    if len(currencies) > 1:
        errors.append(
            FieldError("items", "items are priced in different currencies", "mixed_currency")
        )
    if errors or not lines:
        raise OrderInvalid(
            "the order cannot be accepted as it is", sorted(errors, key=_field_order)
        )
    return PricedOrder(lines, currencies.pop())


def _read_lines(raw_items: list[Any]) -> tuple[list[FieldError], dict[str, tuple[int, int]]]:
    errors: list[FieldError] = []
    quantities: dict[str, tuple[int, int]] = {}
    if not raw_items:
        return [FieldError("items", "an order needs at least one item", "required")], {}
    if len(raw_items) > MAX_LINES:
        too_many = FieldError(
            "items", f"an order has at most {MAX_LINES} lines", "too_many", {"max": MAX_LINES}
        )
        return [too_many], {}

    for index, raw in enumerate(raw_items):
        problem = _shape_problem(index, raw)
        if problem:
            errors.append(problem)
            continue
        first_index, so_far = quantities.get(raw["sku"], (index, 0))
        quantities[raw["sku"]] = (first_index, so_far + raw["quantity"])
    return errors, quantities


def _shape_problem(index: int, raw: Any) -> FieldError | None:
    """What is wrong with a line on its own, before lines of the same sku are merged."""
    sku = raw.get("sku") if isinstance(raw, dict) else None
    quantity = raw.get("quantity") if isinstance(raw, dict) else None
    if not isinstance(raw, dict):
        message = "each item is an object with sku and quantity"
        return FieldError(f"items[{index}]", message, "item_type")
    if "sku" not in raw or sku == "":
        return FieldError(f"items[{index}].sku", "sku is required", "required")
    if not isinstance(sku, str):
        return FieldError(f"items[{index}].sku", "sku must be text", "string_type")
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        return FieldError(f"items[{index}].quantity", "quantity must be a whole number", "type")
    if quantity < 1:
        # Per line, so that a negative line cannot cancel part of another of the same sku.
        return FieldError(f"items[{index}].quantity", "quantity must be at least 1", "too_small")
    return None


def _line_problem(index: int, item: CatalogItem | None, quantity: int) -> FieldError | None:
    if item is None:
        return FieldError(f"items[{index}].sku", "this item is not on the menu", "unknown_sku")
    if not item.on_sale:
        return FieldError(
            f"items[{index}].sku", "this item is not available right now", "not_on_sale"
        )
    if quantity > item.max_per_order:
        message = f"at most {item.max_per_order} of this item per order"
        return FieldError(
            f"items[{index}].quantity", message, "too_large", {"max": item.max_per_order}
        )
    return None


def _field_order(error: FieldError) -> tuple[int, str]:
    digits = "".join(ch for ch in error.field.split("]")[0] if ch.isdigit())
    return (int(digits) if digits else -1, error.field)


def reserve(
    order_id: str, lines: list[LineQuantity], stock: StockStore, rehold: bool = False
) -> list[LineQuantity]:
    """Hold stock for every line of the order, all or nothing, at most once per order.

    The store's write is conditional on both counts: each line's available stock, and no
    reservation existing yet for the order, so a retried step holds nothing more. A saga
    resumed after the customer paid asks for a `rehold`: if its hold expired while the
    customer was authenticating, the stock is held again, or OutOfStock says it is gone.
    """
    short = stock.reserve(order_id, lines, rehold)
    if short:
        raise OutOfStock(short)
    return lines


def release(order_id: str, stock: StockStore) -> list[LineQuantity]:
    """Give back what the order holds; a repeat, or an order holding nothing, gives back nothing."""
    return stock.release(order_id)


def sweep(
    now: datetime, stock: StockStore, announce: Callable[[list[str]], None] | None = None
) -> dict[str, list[LineQuantity]]:
    """Give back what expired holds still keep: a saga that died must not hold stock forever.

    The expiries are announced before the stock goes back, so that an order waiting for its
    customer's payment learns that its wait is over even if the release is interrupted (the
    next sweep announces it again).
    """
    expired = stock.expired(now)
    if announce is not None and expired:
        announce(expired)
    released = {order_id: stock.release(order_id) for order_id in expired}
    return {order_id: lines for order_id, lines in released.items() if lines}


@dataclass(frozen=True, slots=True)
class StockSignal:
    """A threshold an item's available stock just crossed, for the StockLow or OutOfStock event."""

    kind: str
    sku: str
    available: int
    threshold: int


def signals(sku: str, before: int, after: int, threshold: int) -> list[StockSignal]:
    """What going from `before` to `after` units announces; nothing if no threshold was crossed."""
    if after == 0 < before:
        return [StockSignal("OutOfStock", sku, 0, threshold)]
    if 0 < after <= threshold < before:
        return [StockSignal("StockLow", sku, after, threshold)]
    return []
