"""Inventory's DynamoDB access: the catalog table, and the stock table of levels and reservations.

Stock rows are keyed `SKU#<sku>`; each order's reservation is a row keyed
`RESERVATION#<order_id>` in the same table, so that holding stock and recording the hold
happen in one transaction.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from entrega_contracts.aws import transient_as
from inventory.errors import DependencyUnavailable
from inventory.models import CatalogItem, LineQuantity, StockLevel
from inventory.shop import Shop

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import DynamoDBServiceResource, Table


# Settled reservation rows stay this long for audit, then DynamoDB's TTL removes them.
PURGE_AFTER = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Settings:
    catalog_table: str
    stock_table: str
    shop_table: str
    shop_id: str
    hold: timedelta

    @classmethod
    def from_environment(cls) -> Settings:
        try:
            return cls(
                catalog_table=os.environ["CATALOG_TABLE"],
                stock_table=os.environ["STOCK_TABLE"],
                shop_table=os.environ["SHOP_TABLE"],
                shop_id=os.environ["SHOP_ID"],
                hold=timedelta(seconds=int(os.environ.get("RESERVATION_HOLD_SECONDS", "1800"))),
            )
        except KeyError as missing:
            raise RuntimeError(f"inventory needs the environment variable {missing}") from None


_lock = threading.Lock()


@functools.cache
def settings() -> Settings:
    return Settings.from_environment()


@functools.cache
def _dynamodb() -> DynamoDBServiceResource:
    with _lock:
        return boto3.session.Session().resource("dynamodb")


def _table(name: str) -> Table:
    return _dynamodb().Table(name)


def _aws_errors() -> AbstractContextManager[None]:
    return transient_as(DependencyUnavailable, "the stock store")


class DynamoCatalog:
    def items(self, skus: list[str]) -> Mapping[str, CatalogItem]:
        if not skus:
            return {}
        name = settings().catalog_table
        with _aws_errors():
            found: dict[str, CatalogItem] = {}
            for start in range(0, len(skus), 100):
                keys = [{"sku": sku} for sku in skus[start : start + 100]]
                response = _dynamodb().batch_get_item(RequestItems={name: {"Keys": keys}})
                for raw in response["Responses"].get(name, []):
                    item = _catalog_item(raw)
                    found[item.sku] = item
        return found

    def all_items(self) -> list[CatalogItem]:
        with _aws_errors():
            raw_items = _scan(_table(settings().catalog_table))
        return sorted(
            (_catalog_item(raw) for raw in raw_items), key=lambda item: (item.category, item.sku)
        )


class DynamoShop:
    def profile(self) -> Shop | None:
        with _aws_errors():
            raw = (
                _table(settings().shop_table)
                .get_item(Key={"shop_id": settings().shop_id})
                .get("Item")
            )
        return None if raw is None else Shop.model_validate(raw)


class DynamoStock:
    def reserve(self, order_id: str, lines: list[LineQuantity], rehold: bool = False) -> list[str]:
        table = settings().stock_table
        holds: list[Any] = [
            {
                "Update": {
                    "TableName": table,
                    "Key": {"pk": f"SKU#{line.sku}"},
                    "UpdateExpression": "SET available = available - :q, reserved = reserved + :q",
                    "ConditionExpression": "available >= :q",
                    "ExpressionAttributeValues": {":q": line.quantity},
                }
            }
            for line in lines
        ]
        record = {
            "Put": {
                "TableName": table,
                "Item": {
                    "pk": f"RESERVATION#{order_id}",
                    "status": "RESERVED",
                    "lines": [line.model_dump() for line in lines],
                    "created_at": datetime.now(UTC).isoformat(),
                    # A sparse index over held reservations lets the sweeper find expired ones.
                    "hold_state": "HELD",
                    "expires_at": int((datetime.now(UTC) + settings().hold).timestamp()),
                },
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        if rehold:
            # Only a released hold is taken again; a live or sold one is left as it is.
            record["Put"].update(
                ConditionExpression="attribute_not_exists(pk) OR #status = :released",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":released": "RELEASED"},
            )
        reasons = self._transact([record, *holds])
        if reasons is None or reasons[0] == "ConditionalCheckFailed":
            return []
        return [
            line.sku
            for line, reason in zip(lines, reasons[1:], strict=True)
            if reason == "ConditionalCheckFailed"
        ]

    def release(self, order_id: str) -> list[LineQuantity]:
        return self._settle(
            order_id, "RELEASED", "SET available = available + :q, reserved = reserved - :q"
        )

    def commit(self, order_id: str) -> list[LineQuantity]:
        """Turn a confirmed order's hold into a sale, once; a hold already settled gives nothing."""
        return self._settle(order_id, "SOLD", "SET reserved = reserved - :q, sold = sold + :q")

    def expired(self, now: datetime, limit: int = 100) -> list[str]:
        """Orders whose hold has outlived its expiry and is still held."""
        with _aws_errors():
            page = _table(settings().stock_table).query(
                IndexName="held-by-expiry",
                KeyConditionExpression=Key("hold_state").eq("HELD")
                & Key("expires_at").lt(int(now.timestamp())),
                Limit=limit,
            )
        return [str(row["pk"]).removeprefix("RESERVATION#") for row in page.get("Items", [])]

    def set_available(self, sku: str, available: int) -> tuple[int, int, int] | None:
        """What is for sale from now: (before, after, low-stock threshold); None if unknown."""
        try:
            with _aws_errors():
                response = _table(settings().stock_table).update_item(
                    Key={"pk": f"SKU#{sku}"},
                    UpdateExpression="SET available = :n",
                    ConditionExpression="attribute_exists(pk)",
                    ExpressionAttributeValues={":n": available},
                    ReturnValues="ALL_OLD",
                )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return None
            raise
        old: dict[str, Any] = response["Attributes"]
        return int(old.get("available", 0)), available, int(old.get("low_stock_threshold", 5))

    def give_back(self, order_id: str) -> list[LineQuantity]:
        """A cancelled order's stock goes back on sale, whether still held or already sold."""
        released = self.release(order_id)
        if released:
            return released
        return self._settle(
            order_id,
            "RETURNED",
            "SET available = available + :q, sold = sold - :q",
            expected="SOLD",
        )

    def adjust(self, event_id: str, sku: str, change: int) -> tuple[int, int, int] | str:
        """Apply a shop's stock change once per event: (before, after, threshold), or why not.

        The event's marker row and the change commit together, so a redelivered event finds
        its marker and changes nothing; stock never goes below zero.
        """
        table = settings().stock_table
        purge_at = int((datetime.now(UTC) + timedelta(days=7)).timestamp())
        marker = {
            "Put": {
                "TableName": table,
                "Item": {"pk": f"INBOUND#{event_id}", "purge_at": purge_at},
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        update = {
            "Update": {
                "TableName": table,
                "Key": {"pk": f"SKU#{sku}"},
                "UpdateExpression": "SET available = available + :change",
                "ConditionExpression": "attribute_exists(pk) AND available >= :floor",
                "ExpressionAttributeValues": {":change": change, ":floor": max(0, -change)},
            }
        }
        reasons = self._transact([marker, update])
        if reasons is not None:
            if reasons[0] == "ConditionalCheckFailed":
                return "DUPLICATE"
            return "NEGATIVE_STOCK" if sku in self.levels([sku]) else "UNKNOWN_SKU"
        level = self.levels([sku])[sku]
        return level.available - change, level.available, level.low_stock_threshold

    def _settle(
        self, order_id: str, outcome: str, stock_update: str, expected: str = "RESERVED"
    ) -> list[LineQuantity]:
        """Move a held reservation to `outcome`, applying `stock_update` to its lines at once."""
        table = settings().stock_table
        with _aws_errors():
            raw: dict[str, Any] | None = (
                _table(table)
                .get_item(Key={"pk": f"RESERVATION#{order_id}"}, ConsistentRead=True)
                .get("Item")
            )
        if raw is None or raw.get("status") != expected:
            return []

        lines = [
            LineQuantity(sku=str(line["sku"]), quantity=int(line["quantity"]))
            for line in raw["lines"]
        ]
        now = datetime.now(UTC)
        mark = {
            "Update": {
                "TableName": table,
                "Key": {"pk": f"RESERVATION#{order_id}"},
                "UpdateExpression": (
                    "SET #status = :outcome, settled_at = :now, purge_at = :purge REMOVE hold_state"
                ),
                "ConditionExpression": "#status = :expected",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": {
                    ":outcome": outcome,
                    ":expected": expected,
                    ":now": now.isoformat(),
                    ":purge": int((now + PURGE_AFTER).timestamp()),
                },
            }
        }
        changes = [
            {
                "Update": {
                    "TableName": table,
                    "Key": {"pk": f"SKU#{line.sku}"},
                    "UpdateExpression": stock_update,
                    "ExpressionAttributeValues": {":q": line.quantity},
                }
            }
            for line in lines
        ]
        return lines if self._transact([mark, *changes]) is None else []

    def levels(self, skus: list[str]) -> dict[str, StockLevel]:
        name = settings().stock_table
        found: dict[str, StockLevel] = {}
        with _aws_errors():
            for start in range(0, len(skus), 100):
                keys = [{"pk": f"SKU#{sku}"} for sku in skus[start : start + 100]]
                response = _dynamodb().batch_get_item(RequestItems={name: {"Keys": keys}})
                rows: list[dict[str, Any]] = response["Responses"].get(name, [])
                for raw in rows:
                    sku = str(raw["pk"]).removeprefix("SKU#")
                    found[sku] = StockLevel(
                        sku=sku,
                        available=int(raw.get("available", 0)),
                        reserved=int(raw.get("reserved", 0)),
                        sold=int(raw.get("sold", 0)),
                        low_stock_threshold=int(raw.get("low_stock_threshold", 5)),
                    )
        return found

    def _transact(self, items: list[Any]) -> list[str] | None:
        """Run a transaction; None when it committed, else each item's cancellation reason code."""
        client = _dynamodb().meta.client
        try:
            with _aws_errors():
                client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            reasons = [
                str(reason.get("Code", "None"))
                for reason in exc.response.get("CancellationReasons", [])
            ]
            if any(reason in ("TransactionConflict", "ThrottlingError") for reason in reasons):
                raise DependencyUnavailable(
                    "stock is being changed by another order; try again"
                ) from exc
            return reasons
        return None


def _scan(table: Table) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {}
    while True:
        page = table.scan(**kwargs)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _catalog_item(raw: Mapping[str, Any]) -> CatalogItem:
    return CatalogItem(
        sku=str(raw["sku"]),
        name=str(raw["name"]),
        category=str(raw.get("category", "")),
        price=int(raw["price"]),
        currency=str(raw["currency"]),
        on_sale=bool(raw.get("on_sale", True)),
        max_per_order=int(raw.get("max_per_order", 10)),
        prep_minutes=int(raw.get("prep_minutes", 10)),
    )
