"""The payments ledger: one DynamoDB item per order, moved between states by conditional writes."""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from payments.errors import DependencyUnavailable, LedgerConflict
from payments.models import LedgerEntry, LedgerStatus

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

_TRANSIENT_CODES = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
}
_lock = threading.Lock()


@functools.cache
def _table() -> Table:
    try:
        name = os.environ["LEDGER_TABLE"]
    except KeyError:
        raise RuntimeError("payments needs the environment variable LEDGER_TABLE") from None
    with _lock:
        return boto3.session.Session().resource("dynamodb").Table(name)


@contextmanager
def _aws_errors() -> Iterator[None]:
    try:
        yield
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _TRANSIENT_CODES:
            raise DependencyUnavailable("the payments ledger is busy; try again") from exc
        raise
    except BotoCoreError as exc:
        raise DependencyUnavailable("the payments ledger cannot be reached") from exc


class DynamoLedger:
    def entry(self, order_id: str) -> LedgerEntry | None:
        with _aws_errors():
            raw = _table().get_item(Key={"order_id": order_id}, ConsistentRead=True).get("Item")
        return None if raw is None else _entry(raw)

    def open_charge(self, entry: LedgerEntry) -> LedgerEntry:
        item = {
            **entry.model_dump(mode="json", exclude_none=True),
            "created_at": _now(),
            "updated_at": _now(),
        }
        try:
            with _aws_errors():
                _table().put_item(Item=item, ConditionExpression="attribute_not_exists(order_id)")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            existing = self.entry(entry.order_id)
            if existing is None:
                raise LedgerConflict("the ledger entry vanished while it was being read") from exc
            return existing
        return entry

    def settle(self, order_id: str, expected: LedgerStatus, **changes: object) -> LedgerEntry:
        values = {**changes, "updated_at": _now()}
        names = {f"#f{index}": field for index, field in enumerate(values)}
        assignments = ", ".join(f"#f{index} = :v{index}" for index in range(len(values)))
        attribute_values: dict[str, Any] = {
            f":v{index}": _plain(value) for index, value in enumerate(values.values())
        }
        try:
            with _aws_errors():
                response = _table().update_item(
                    Key={"order_id": order_id},
                    UpdateExpression=f"SET {assignments}",
                    ConditionExpression="#status = :expected",
                    ExpressionAttributeNames={**names, "#status": "status"},
                    ExpressionAttributeValues={**attribute_values, ":expected": expected.value},
                    ReturnValues="ALL_NEW",
                )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            raise LedgerConflict(f"the ledger entry is no longer {expected.value}") from exc
        return _entry(response["Attributes"])


def _plain(value: object) -> object:
    return value.value if isinstance(value, LedgerStatus) else value


def _entry(raw: dict[str, Any]) -> LedgerEntry:
    fields = {
        key: (int(value) if key in ("amount", "refunded_amount") else value)
        for key, value in raw.items()
    }
    return LedgerEntry.model_validate(fields)


def _now() -> str:
    return datetime.now(UTC).isoformat()
