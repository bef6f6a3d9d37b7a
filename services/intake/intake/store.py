"""The orders table: one item per order with its status, timeline and what the saga recorded."""

from __future__ import annotations

import functools
import os
import threading
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

from entrega_contracts.aws import transient_as
from intake.errors import DependencyUnavailable, InvalidTransition, OrderNotFound
from intake.models import Order, Status, TimelineEntry

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

_lock = threading.Lock()


@functools.cache
def _table() -> Table:
    try:
        name = os.environ["ORDERS_TABLE"]
    except KeyError:
        raise RuntimeError("intake needs the environment variable ORDERS_TABLE") from None
    with _lock:
        return boto3.session.Session().resource("dynamodb").Table(name)


def _aws_errors() -> AbstractContextManager[None]:
    return transient_as(DependencyUnavailable, "the orders table")


def _is_condition_failure(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class DynamoOrders:
    def create(self, order: Order) -> Order:
        try:
            with _aws_errors():
                _table().put_item(
                    Item=order.model_dump(mode="json"),
                    ConditionExpression="attribute_not_exists(order_id)",
                )
        except ClientError as exc:
            if not _is_condition_failure(exc):
                raise
            existing = self.get(order.order_id)
            if existing is None:
                raise
            return existing
        return order

    def get(self, order_id: str) -> Order | None:
        with _aws_errors():
            raw = _table().get_item(Key={"order_id": order_id}, ConsistentRead=True).get("Item")
        return None if raw is None else Order.model_validate(_plain(raw))

    def transition(self, order: Order, entry: TimelineEntry, changes: dict[str, Any]) -> Order:
        values: dict[str, Any] = {"status": entry.status.value, **changes}
        names = {f"#f{index}": field for index, field in enumerate(values)}
        assignments = [f"#f{index} = :v{index}" for index in range(len(values))]
        try:
            with _aws_errors():
                response = _table().update_item(
                    Key={"order_id": order.order_id},
                    UpdateExpression="SET "
                    + ", ".join(
                        [
                            *assignments,
                            "timeline = list_append(timeline, :entry)",
                            "version = version + :one",
                        ]
                    ),
                    ConditionExpression="#status = :from AND version = :version",
                    ExpressionAttributeNames={**names, "#status": "status"},
                    ExpressionAttributeValues={
                        **{f":v{index}": value for index, value in enumerate(values.values())},
                        ":entry": [entry.model_dump(mode="json")],
                        ":one": 1,
                        ":from": order.status.value,
                        ":version": order.version,
                    },
                    ReturnValues="ALL_NEW",
                )
        except ClientError as exc:
            if not _is_condition_failure(exc):
                raise
            return self._after_lost_race(order, entry)
        return Order.model_validate(_plain(response["Attributes"]))

    def _after_lost_race(self, order: Order, entry: TimelineEntry) -> Order:
        """Another writer moved the order first: fine if it made the same move, else a conflict."""
        current = self.get(order.order_id)
        if current is not None and current.status is entry.status:
            return current
        now = current.status.value if current else "gone"
        raise InvalidTransition(
            f"the order changed to {now} while it was being moved to {entry.status.value}"
        )

    def record_location(self, order: Order, location: dict[str, Any], at: datetime) -> Order:
        with _aws_errors():
            response = _table().update_item(
                Key={"order_id": order.order_id},
                UpdateExpression="SET courier_location = :where",
                ConditionExpression="attribute_exists(order_id)",
                ExpressionAttributeValues={":where": {**_decimals(location), "at": at.isoformat()}},
                ReturnValues="ALL_NEW",
            )
        return Order.model_validate(_plain(response["Attributes"]))

    def request_cancellation(self, order: Order, cancellation: dict[str, Any]) -> Order:
        """Mark the order as being cancelled, only if nobody moved it since it was read.

        The version goes up, so a move that read the order before this write fails its own
        condition instead of slipping past the cancellation.
        """
        try:
            with _aws_errors():
                response = _table().update_item(
                    Key={"order_id": order.order_id},
                    UpdateExpression="SET cancellation = :asked, version = version + :one",
                    ConditionExpression="#status = :from AND version = :version",
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues={
                        ":asked": cancellation,
                        ":one": 1,
                        ":from": order.status.value,
                        ":version": order.version,
                    },
                    ReturnValues="ALL_NEW",
                )
        except ClientError as exc:
            if not _is_condition_failure(exc):
                raise
            raise InvalidTransition("the order changed while it was being cancelled") from None
        return Order.model_validate(_plain(response["Attributes"]))

    def save_token(self, order_id: str, status: Status, token: str) -> Order:
        """Keep the workflow's task token for the status it waits for; the version stays."""
        try:
            with _aws_errors():
                response = _table().update_item(
                    Key={"order_id": order_id},
                    UpdateExpression="SET task_tokens.#status = :token",
                    ConditionExpression="attribute_exists(order_id)",
                    ExpressionAttributeNames={"#status": status.value},
                    ExpressionAttributeValues={":token": token},
                    ReturnValues="ALL_NEW",
                )
        except ClientError as exc:
            if not _is_condition_failure(exc):
                raise
            raise OrderNotFound("no order with this id") from None
        return Order.model_validate(_plain(response["Attributes"]))

    def open_orders(self, shop_id: str, statuses: frozenset[Status]) -> list[Order]:
        """A shop's orders in `statuses`, from the by-shop index, every page of it."""
        orders: list[Order] = []
        arguments: dict[str, Any] = {
            "IndexName": "by-shop",
            "KeyConditionExpression": "shop_id = :shop",
            "FilterExpression": "#status IN ("
            + ", ".join(f":s{index}" for index in range(len(statuses)))
            + ")",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {
                ":shop": shop_id,
                **{f":s{index}": status.value for index, status in enumerate(sorted(statuses))},
            },
        }
        while True:
            with _aws_errors():
                page = _table().query(**arguments)
            orders += [Order.model_validate(_plain(item)) for item in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return orders
            arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def record_notification(self, order_id: str, key: str, notification: dict[str, Any]) -> None:
        try:
            with _aws_errors():
                _table().update_item(
                    Key={"order_id": order_id},
                    UpdateExpression="SET notifications.#key = :notification",
                    ConditionExpression="attribute_exists(order_id)",
                    ExpressionAttributeNames={"#key": key},
                    ExpressionAttributeValues={":notification": notification},
                )
        except ClientError as exc:
            if not _is_condition_failure(exc):
                raise


class InboundLog:
    """Which inbound events were already applied, so a redelivered one changes nothing.

    Kept in intake's idempotency table under `inbound#<event id>`, expiring after a week
    (EventBridge redelivers for at most a day).
    """

    def seen(self, event_id: str) -> bool:
        with _aws_errors():
            found = _idempotency_table().get_item(
                Key={"id": f"inbound#{event_id}"}, ConsistentRead=True
            )
        return "Item" in found

    def mark(self, event_id: str, outcome: str) -> None:
        expires = int((datetime.now(UTC) + timedelta(days=7)).timestamp())
        with _aws_errors():
            _idempotency_table().put_item(
                Item={"id": f"inbound#{event_id}", "outcome": outcome, "expiration": expires}
            )


@functools.cache
def _idempotency_table() -> Table:
    try:
        name = os.environ["IDEMPOTENCY_TABLE"]
    except KeyError:
        raise RuntimeError("intake needs the environment variable IDEMPOTENCY_TABLE") from None
    with _lock:
        return boto3.session.Session().resource("dynamodb").Table(name)


def _decimals(value: dict[str, Any]) -> dict[str, Any]:
    """Coordinates arrive as floats; DynamoDB takes them as exact decimals of their text."""
    return {
        key: Decimal(str(item)) if isinstance(item, float) else item for key, item in value.items()
    }


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; all are integers but the courier's coordinates."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value
