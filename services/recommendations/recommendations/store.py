"""Recommendations' own table: the products it may suggest, and counts learnt from past orders.

Rows: `PRODUCT#<sku>`/`META` (name, category, prep time, on sale, out of stock since),
`PAIR#<sku>`/`<other sku>` (times bought together), `POPULAR`/`<sku>` (times bought),
`CUSTOMER#<customer id>`/`<sku>` (how many of the customer's orders held it) and
`ORDER#<order id>`/`RECORDED#<n>` (markers that make recording an order idempotent; they
expire after a week, long past EventBridge's retries).
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import boto3
from boto3.dynamodb.conditions import Key
from botocore.exceptions import BotoCoreError, ClientError

from recommendations.domain import Purchase
from recommendations.errors import DependencyUnavailable
from recommendations.models import Product

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import DynamoDBServiceResource, Table

MARKER_TTL_SECONDS = 7 * 24 * 60 * 60
# One TransactWriteItems holds at most 100 actions: 99 counts and the chunk's marker.
CHUNK = 99
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
            for row in _query(f"PAIR#{sku}"):
                counts[str(row["sk"])] += int(row["count"])
        return counts

    def popular(self) -> Counter[str]:
        return Counter({str(row["sk"]): int(row["count"]) for row in _query("POPULAR")})

    def ordered_by(self, customer_id: str) -> Counter[str]:
        """How many of this customer's confirmed orders held each sku."""
        return Counter(
            {str(row["sk"]): int(row["count"]) for row in _query(f"CUSTOMER#{customer_id}")}
        )

    def products(self, skus: list[str]) -> Mapping[str, Product]:
        unique = list(dict.fromkeys(skus))
        found: dict[str, Product] = {}
        for start in range(0, len(unique), 100):
            keys = [{"pk": f"PRODUCT#{sku}", "sk": "META"} for sku in unique[start : start + 100]]
            for raw in _batch_get(keys):
                product = _product(raw)
                found[product.sku] = product
        return found


def record_purchase(purchase: Purchase, now: datetime) -> int:
    """Count a confirmed order once, however often its event arrives; returns counts written.

    The counts go in transactions of at most 99, each with its own marker row, so a retry
    after a partial failure writes only the chunks that did not land.
    """
    updates = [(f"CUSTOMER#{purchase.customer_id}", sku) for sku in purchase.skus]
    updates += [("POPULAR", sku) for sku in purchase.skus]
    updates += [(f"PAIR#{first}", second) for first, second in purchase.pairs()]
    expires_at = int(now.timestamp()) + MARKER_TTL_SECONDS

    written = 0
    for index, start in enumerate(range(0, len(updates), CHUNK)):
        chunk = updates[start : start + CHUNK]
        marker = {"pk": f"ORDER#{purchase.order_id}", "sk": f"RECORDED#{index}"}
        if _write_once(marker, expires_at, chunk):
            written += len(chunk)
    return written


def mark_out_of_stock(sku: str, since: datetime) -> bool:
    """Note that a known product ran out; an older or repeated announcement changes nothing."""
    stamp = since.astimezone(UTC).isoformat()
    try:
        _table().update_item(
            Key={"pk": f"PRODUCT#{sku}", "sk": "META"},
            UpdateExpression="SET out_of_stock_since = :since",
            ConditionExpression="attribute_exists(pk) AND "
            "(attribute_not_exists(out_of_stock_since) OR out_of_stock_since < :since)",
            ExpressionAttributeValues={":since": stamp},
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise DependencyUnavailable("the purchase history table cannot be written") from exc
    except BotoCoreError as exc:
        raise DependencyUnavailable("the purchase history table cannot be reached") from exc
    return True


def _write_once(marker: dict[str, str], expires_at: int, chunk: list[tuple[str, str]]) -> bool:
    actions: list[dict[str, Any]] = [
        {
            "Put": {
                "TableName": table_name(),
                "Item": {**marker, "expires_at": expires_at},
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
    ]
    actions += [
        {
            "Update": {
                "TableName": table_name(),
                "Key": {"pk": pk, "sk": sk},
                "UpdateExpression": "ADD #count :one",
                "ExpressionAttributeNames": {"#count": "count"},
                "ExpressionAttributeValues": {":one": 1},
            }
        }
        for pk, sk in chunk
    ]
    try:
        _dynamodb().meta.client.transact_write_items(TransactItems=actions)  # type: ignore[arg-type]
    except ClientError as exc:
        reasons = exc.response.get("CancellationReasons") or []
        if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
            return False
        raise DependencyUnavailable("the purchase history table cannot be written") from exc
    except BotoCoreError as exc:
        raise DependencyUnavailable("the purchase history table cannot be reached") from exc
    return True


def _product(raw: Mapping[str, Any]) -> Product:
    since = raw.get("out_of_stock_since")
    return Product(
        sku=str(raw["pk"]).removeprefix("PRODUCT#"),
        name=str(raw["name"]),
        name_en=str(raw["name_en"]) if raw.get("name_en") else None,
        category=str(raw["category"]) if raw.get("category") else None,
        prep_minutes=int(raw.get("prep_minutes", 10)),
        on_sale=bool(raw.get("on_sale", True)),
        out_of_stock_since=datetime.fromisoformat(str(since)) if since else None,
    )


def _batch_get(keys: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Every row for `keys`, asking again (briefly) for any DynamoDB left unprocessed; a
    product still unread after three asks is unknown, so it is not suggested this time."""
    rows: list[dict[str, Any]] = []
    request: dict[str, Any] = {table_name(): {"Keys": keys}}
    for attempt in range(3):
        response = _reading(_dynamodb().batch_get_item, RequestItems=request)
        rows.extend(response["Responses"].get(table_name(), []))
        request = dict(response.get("UnprocessedKeys") or {})
        if not request:
            break
        time.sleep(0.02 * (attempt + 1))
    return rows


def _query(partition: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(partition)}
    while True:
        page = _reading(_table().query, **kwargs)
        rows.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return rows
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _reading(operation: Callable[..., Any], **kwargs: Any) -> Any:
    try:
        return operation(**kwargs)
    except (ClientError, BotoCoreError) as exc:
        raise DependencyUnavailable("the purchase history table cannot be read") from exc
