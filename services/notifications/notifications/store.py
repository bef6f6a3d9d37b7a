"""Notifications' tables: the notification log with customers' preferences, and tracking pages.

NotificationLogTable rows (`pk`, `sk`):

- `ORDER#<order_id>` / `RECIPIENT`: contact data from OrderPlaced; expires after 90 days.
- `ORDER#<order_id>` / `SENT#<status>#<channel>`: one per message; the conditional write
  that creates it is what makes a send happen once.
- `ORDER#<order_id>` / `LATEST#<channel>`: the newest status claimed on the channel, moved
  forward only by a conditional write right after the claim, so an older status is never
  sent after it.
- `CUSTOMER#<customer_id>` / `PREFERENCES`: the channels the customer accepts.

ConnectionsTable rows: one per open tracking page (`connection_id`, `order_id`), found by
order through the `by-order` index and expired by DynamoDB after two hours.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from notifications.domain import Claim
from notifications.errors import DependencyUnavailable
from notifications.models import Preferences, Recipient, rank

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

# A claim older than this belongs to an invocation that died (the functions time out after
# 15 s) and may be taken again; it is shorter than Lambda's first retry delay, so the retry of
# an invocation that crashed between its claim and its send does send.
CLAIM_TIMEOUT = timedelta(seconds=60)
# Contact data is kept long enough for any late event about the order, and no longer.
RECIPIENT_LIFETIME = timedelta(days=90)
_lock = threading.Lock()


def _setting(name: str) -> str:
    try:
        return os.environ[name]
    except KeyError:
        raise RuntimeError(f"notifications needs the environment variable {name}") from None


@functools.cache
def _resource() -> Any:
    with _lock:
        return boto3.session.Session().resource("dynamodb")


def _table() -> Table:
    table: Table = _resource().Table(_setting("NOTIFICATION_LOG_TABLE"))
    return table


def _connections() -> Table:
    table: Table = _resource().Table(_setting("CONNECTIONS_TABLE"))
    return table


@contextmanager
def _aws_errors() -> Iterator[None]:
    try:
        yield
    except (ClientError, BotoCoreError) as exc:
        raise DependencyUnavailable("the notification log cannot be reached; try again") from exc


def _order(order_id: str) -> str:
    return f"ORDER#{order_id}"


def _sent_key(order_id: str, status: str, channel: str) -> dict[str, str]:
    return {"pk": _order(order_id), "sk": f"SENT#{status}#{channel}"}


def _preferences_key(customer_id: str) -> dict[str, str]:
    return {"pk": f"CUSTOMER#{customer_id}", "sk": "PREFERENCES"}


class DynamoNotificationLog:
    def remember(self, recipient: Recipient) -> None:
        expires = datetime.now(UTC) + RECIPIENT_LIFETIME
        item = recipient.model_dump(mode="json", exclude={"preferences"}, exclude_none=True)
        with _aws_errors():
            _table().put_item(
                Item={
                    **item,
                    "pk": _order(recipient.order_id),
                    "sk": "RECIPIENT",
                    "expires_at": int(expires.timestamp()),
                }
            )

    def recipient(self, order_id: str) -> Recipient | None:
        with _aws_errors():
            raw = (
                _table()
                .get_item(Key={"pk": _order(order_id), "sk": "RECIPIENT"}, ConsistentRead=True)
                .get("Item")
            )
        if raw is None:
            return None
        fields = {k: v for k, v in raw.items() if k not in ("pk", "sk", "expires_at")}
        customer_id = str(fields.get("customer_id", ""))
        preferences = self.preferences(customer_id) if customer_id else Preferences()
        return Recipient.model_validate({**fields, "preferences": preferences})

    def claim(self, order_id: str, status: str, channel: str) -> Claim:
        """Claim the send, then move the channel's newest status forward to it.

        Two conditional writes rather than one transaction: if the second finds a newer
        status, the first is given back. An invocation that dies between them leaves a
        SENDING claim that its retry may take again once it is CLAIM_TIMEOUT old.
        """
        now = datetime.now(UTC)
        if not _put_if_absent_or_stale(_sent_key(order_id, status, channel), now):
            return Claim.DUPLICATE
        if not _move_latest(order_id, status, channel, now):
            self.release(order_id, status, channel)
            return Claim.SUPERSEDED
        return Claim.TAKEN

    def mark_sent(
        self, order_id: str, status: str, channel: str, message_id: str, subject: str
    ) -> None:
        with _aws_errors():
            _table().update_item(
                Key=_sent_key(order_id, status, channel),
                UpdateExpression=(
                    "SET #state = :sent, message_id = :id, subject = :subject, sent_at = :now"
                ),
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":sent": "SENT",
                    ":id": message_id,
                    ":subject": subject,
                    ":now": datetime.now(UTC).isoformat(),
                },
            )

    def release(self, order_id: str, status: str, channel: str) -> None:
        # A claim that is no longer SENDING is not ours to give back: leave it.
        _conditional(
            lambda: _table().delete_item(
                Key=_sent_key(order_id, status, channel),
                ConditionExpression="#state = :sending",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={":sending": "SENDING"},
            )
        )

    def preferences(self, customer_id: str) -> Preferences:
        with _aws_errors():
            raw = _table().get_item(Key=_preferences_key(customer_id)).get("Item")
        if raw is None:
            return Preferences()
        return Preferences.model_validate(
            {k: v for k, v in raw.items() if k in Preferences.model_fields}
        )

    def save_preferences(self, customer_id: str, preferences: Preferences) -> None:
        with _aws_errors():
            _table().put_item(
                Item={
                    **_preferences_key(customer_id),
                    **preferences.model_dump(exclude_none=True),
                    "updated_at": datetime.now(UTC).isoformat(),
                }
            )


def _conditional(write: Callable[[], object]) -> bool:
    """Run a conditional write; False when its condition does not hold."""
    try:
        write()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise DependencyUnavailable("the notification log cannot be reached; try again") from exc
    except BotoCoreError as exc:
        raise DependencyUnavailable("the notification log cannot be reached; try again") from exc
    return True


def _put_if_absent_or_stale(key: dict[str, str], now: datetime) -> bool:
    return _conditional(
        lambda: _table().put_item(
            Item={**key, "state": "SENDING", "claimed_at": now.isoformat()},
            ConditionExpression=(
                "attribute_not_exists(sk) OR (#state = :sending AND claimed_at < :stale)"
            ),
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={
                ":sending": "SENDING",
                ":stale": (now - CLAIM_TIMEOUT).isoformat(),
            },
        )
    )


def _move_latest(order_id: str, status: str, channel: str, now: datetime) -> bool:
    """Record `status` as the channel's newest; False if a newer one is recorded already."""
    return _conditional(
        lambda: _table().update_item(
            Key={"pk": _order(order_id), "sk": f"LATEST#{channel}"},
            UpdateExpression="SET #status = :status, #rank = :rank, updated_at = :now",
            ConditionExpression="attribute_not_exists(sk) OR #rank < :rank OR #status = :status",
            ExpressionAttributeNames={"#status": "status", "#rank": "rank"},
            ExpressionAttributeValues={
                ":status": status,
                ":rank": rank(status),
                ":now": now.isoformat(),
            },
        )
    )


class DynamoTrackingPages:
    def open(self, order_id: str, connection_id: str, expires_at: datetime) -> None:
        with _aws_errors():
            _connections().put_item(
                Item={
                    "connection_id": connection_id,
                    "order_id": order_id,
                    "connected_at": datetime.now(UTC).isoformat(),
                    "expires_at": int(expires_at.timestamp()),
                }
            )

    def close(self, connection_id: str) -> None:
        with _aws_errors():
            _connections().delete_item(Key={"connection_id": connection_id})

    def of_order(self, order_id: str) -> list[str]:
        """The connections of the pages open on an order, expired ones left out."""
        now = int(datetime.now(UTC).timestamp())
        with _aws_errors():
            items = _connections().query(
                IndexName="by-order",
                KeyConditionExpression="order_id = :order",
                ExpressionAttributeValues={":order": order_id},
            )["Items"]
        return [
            str(item["connection_id"])
            for item in items
            if int(str(item.get("expires_at", now + 1))) > now
        ]
