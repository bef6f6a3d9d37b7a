"""Recommendations' own table: products it can suggest, and counts learnt from past orders.

Rows: `PRODUCT#<sku>`/`META` (name, prep time), `PAIR#<sku>`/`<other sku>` (times bought
together) and `POPULAR`/`<sku>` (times bought).
"""

from __future__ import annotations

import functools
import os
import threading
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import boto3
from boto3.dynamodb.conditions import Key

from recommendations.models import Product

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import DynamoDBServiceResource, Table

_lock = threading.Lock()


@functools.cache
def _dynamodb() -> DynamoDBServiceResource:
    with _lock:
        return boto3.session.Session().resource("dynamodb")


@functools.cache
def table_name() -> str:
    try:
        return os.environ["HISTORY_TABLE"]
    except KeyError:
        raise RuntimeError("recommendations needs the environment variable HISTORY_TABLE") from None


def _table() -> Table:
    return _dynamodb().Table(table_name())


class DynamoHistory:
    def bought_with(self, skus: list[str]) -> Counter[str]:
        counts: Counter[str] = Counter()
        for sku in skus:
            for row in _query(_table(), f"PAIR#{sku}"):
                counts[str(row["sk"])] += int(row["count"])
        return counts

    def popular(self) -> Counter[str]:
        return Counter({str(row["sk"]): int(row["count"]) for row in _query(_table(), "POPULAR")})

    def products(self, skus: list[str]) -> Mapping[str, Product]:
        unique = list(dict.fromkeys(skus))
        found: dict[str, Product] = {}
        for start in range(0, len(unique), 100):
            keys = [{"pk": f"PRODUCT#{sku}", "sk": "META"} for sku in unique[start : start + 100]]
            response = _dynamodb().batch_get_item(RequestItems={table_name(): {"Keys": keys}})
            rows: list[dict[str, Any]] = response["Responses"].get(table_name(), [])
            for raw in rows:
                product = Product(
                    sku=str(raw["pk"]).removeprefix("PRODUCT#"),
                    name=str(raw["name"]),
                    name_en=str(raw["name_en"]) if raw.get("name_en") else None,
                    prep_minutes=int(raw.get("prep_minutes", 10)),
                    on_sale=bool(raw.get("on_sale", True)),
                )
                found[product.sku] = product
        return found


def _query(table: Table, partition: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(partition)}
    while True:
        page = table.query(**kwargs)
        rows.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return rows
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
