"""The payments ledger: one DynamoDB item per order, moved between states by conditional writes.

The item holds the order's charge, the refunds of it (`refunds`, and `pending_refund` while
one is being sent) and the provider webhook events already applied (`webhook_events`, by
event id). Every write adds one to `version`, which webhook writes are conditional on. A
sparse index on `charge_id` finds the order of a provider event that does not name it.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import boto3
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError
from pydantic import BaseModel

from entrega_contracts.aws import transient_as
from payments.errors import DependencyUnavailable, LedgerConflict
from payments.models import LedgerEntry, LedgerStatus
from payments.ports import EventAlreadyRecorded

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

CHARGE_INDEX = "by-charge"
_CAPTURED_STATES = ("CAPTURED", "REFUND_PENDING", "REFUNDED")
_lock = threading.Lock()


@functools.cache
def _table(name: str | None = None) -> Table:
    if name is None:
        try:
            name = os.environ["LEDGER_TABLE"]
        except KeyError:
            raise RuntimeError("payments needs the environment variable LEDGER_TABLE") from None
    with _lock:
        return boto3.session.Session().resource("dynamodb").Table(name)


def _aws_errors() -> AbstractContextManager[None]:
    return transient_as(DependencyUnavailable, "the payments ledger")


def _failed_condition(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class DynamoLedger:
    def __init__(self, table_name: str | None = None) -> None:
        self._table_name = table_name

    @property
    def _table(self) -> Table:
        return _table(self._table_name)

    def entry(self, order_id: str) -> LedgerEntry | None:
        with _aws_errors():
            raw = self._table.get_item(Key={"order_id": order_id}, ConsistentRead=True).get("Item")
        return None if raw is None else _entry(raw)

    def entry_for_charge(self, charge_id: str) -> LedgerEntry | None:
        with _aws_errors():
            found = self._table.query(
                IndexName=CHARGE_INDEX, KeyConditionExpression=Key("charge_id").eq(charge_id)
            ).get("Items", [])
        return self.entry(str(found[0]["order_id"])) if found else None

    def entries(self) -> Iterator[LedgerEntry]:
        """Every entry, page by page, for reconciliation."""
        arguments: dict[str, Any] = {"ConsistentRead": True}
        while True:
            with _aws_errors():
                page = self._table.scan(**arguments)
            yield from (_entry(raw) for raw in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return
            arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def open_charge(self, entry: LedgerEntry) -> LedgerEntry:
        now = _now()
        item = {**_plain(entry), "created_at": now, "updated_at": now}
        try:
            with _aws_errors():
                self._table.put_item(
                    Item=item, ConditionExpression="attribute_not_exists(order_id)"
                )
        except ClientError as exc:
            if not _failed_condition(exc):
                raise
            existing = self.entry(entry.order_id)
            if existing is None:
                raise LedgerConflict("the ledger entry vanished while it was being read") from exc
            return existing
        return _entry(item)

    def settle(self, order_id: str, expected: LedgerStatus, **changes: object) -> LedgerEntry:
        try:
            return self._update(
                order_id, changes, "#status = :expected", {":expected": expected.value}
            )
        except ClientError as exc:
            if not _failed_condition(exc):
                raise
            raise LedgerConflict(f"the ledger entry is no longer {expected.value}") from exc

    def record_event(
        self, order_id: str, event_id: str, version: int, state: str, **changes: object
    ) -> LedgerEntry:
        condition = "attribute_not_exists(webhook_events.#event) AND #version = :version"
        try:
            return self._update(
                order_id,
                changes,
                condition,
                {":version": version},
                extra_set={"webhook_events.#event": state},
                extra_names={"#event": event_id},
            )
        except ClientError as exc:
            if not _failed_condition(exc):
                raise
            current = self.entry(order_id)
            if current is not None and event_id in current.webhook_events:
                raise EventAlreadyRecorded(event_id) from exc
            raise LedgerConflict("the ledger entry changed while the event was applied") from exc

    def mark_announced(self, order_id: str, event_id: str) -> None:
        with _aws_errors():
            self._table.update_item(
                Key={"order_id": order_id},
                UpdateExpression="SET webhook_events.#event = :announced",
                ExpressionAttributeNames={"#event": event_id},
                ExpressionAttributeValues={":announced": "announced"},
            )

    def _update(
        self,
        order_id: str,
        changes: dict[str, object],
        condition: str,
        condition_values: dict[str, Any],
        extra_set: dict[str, str] | None = None,
        extra_names: dict[str, str] | None = None,
    ) -> LedgerEntry:
        """One conditional UpdateItem that sets `changes`, bumps `version` and returns the item."""
        values = {**changes, "updated_at": _now()}
        names = {f"#f{index}": field for index, field in enumerate(values)}
        assignments = [f"#f{index} = :v{index}" for index in range(len(values))]
        attribute_values: dict[str, Any] = {
            f":v{index}": _plain(value) for index, value in enumerate(values.values())
        }
        for index, (path, value) in enumerate((extra_set or {}).items()):
            assignments.append(f"{path} = :x{index}")
            attribute_values[f":x{index}"] = value
        assignments.append("#version = if_not_exists(#version, :zero) + :one")
        names.update({**(extra_names or {}), "#version": "version"})
        if "#status" in condition:
            names["#status"] = "status"
        with _aws_errors():
            response = self._table.update_item(
                Key={"order_id": order_id},
                UpdateExpression="SET " + ", ".join(assignments),
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={
                    **attribute_values,
                    **condition_values,
                    ":zero": 0,
                    ":one": 1,
                },
                ReturnValues="ALL_NEW",
            )
        return _entry(response["Attributes"])


def _plain(value: object) -> Any:
    """A value as DynamoDB stores it: models and enums as plain maps and strings."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, LedgerStatus):
        return value.value
    return value


def _numbers(value: Any) -> Any:
    """DynamoDB's Decimals back to ints, everywhere in an item; no amount is fractional."""
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, dict):
        return {key: _numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_numbers(item) for item in value]
    return value


def _entry(raw: dict[str, Any]) -> LedgerEntry:
    fields = _numbers(raw)
    if "captured_amount" not in fields and fields.get("status") in _CAPTURED_STATES:
        # Entries written before captured_amount existed captured the whole order total.
        fields["captured_amount"] = fields["amount"]
    return LedgerEntry.model_validate(fields)


def _now() -> str:
    return datetime.now(UTC).isoformat()
