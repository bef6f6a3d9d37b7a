"""Inventory's errors. Their class names are the error names the order saga matches."""

from __future__ import annotations

from entrega_contracts.errors import FieldError, TaskError


class InventoryError(TaskError):
    code = "INVENTORY_ERROR"


class OrderInvalid(InventoryError):
    """One or more lines cannot be sold as asked: unknown sku, off sale, bad quantity."""

    code = "ORDER_INVALID"


class OutOfStock(InventoryError):
    """Not enough stock for at least one line; nothing was reserved."""

    code = "OUT_OF_STOCK"

    def __init__(self, skus: list[str]) -> None:
        self.skus = skus
        details = [
            FieldError(f"sku:{sku}", "not enough stock for this quantity", "out_of_stock")
            for sku in skus
        ]
        super().__init__("some items are out of stock", details)


class UnknownSku(InventoryError):
    code = "UNKNOWN_SKU"


class DependencyUnavailable(InventoryError):
    """DynamoDB throttled or failed; the saga retries the step."""

    code = "DEPENDENCY_UNAVAILABLE"
    transient = True
