"""The notification log: who to write to for each order, and which messages went out.

Rows: `<order_id>`/`RECIPIENT` (contact data, from OrderPlaced) and
`<order_id>`/`SENT#<status>#<channel>` (one per message; the conditional write that
creates it is what makes a send happen once).
"""

from __future__ import annotations

import functools
import os
import threading
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import ClientError

from notifications.models import Recipient

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

# A claim older than this is taken to belong to a send that died, and may be taken again.
CLAIM_TIMEOUT = timedelta(minutes=5)
_lock = threading.Lock()


@functools.cache
def _table() -> Table:
    try:
        name = os.environ["NOTIFICATION_LOG_TABLE"]
    except KeyError:
        raise RuntimeError(
            "notifications needs the environment variable NOTIFICATION_LOG_TABLE"
        ) from None
    with _lock:
        return boto3.session.Session().resource("dynamodb").Table(name)


def _sent_key(order_id: str, status: str, channel: str) -> dict[str, str]:
    return {"order_id": order_id, "sk": f"SENT#{status}#{channel}"}


class DynamoNotificationLog:
    def remember(self, recipient: Recipient) -> None:
        _table().put_item(Item={**recipient.model_dump(), "sk": "RECIPIENT"})

    def recipient(self, order_id: str) -> Recipient | None:
        raw = (
            _table()
            .get_item(Key={"order_id": order_id, "sk": "RECIPIENT"}, ConsistentRead=True)
            .get("Item")
        )
        return (
            None
            if raw is None
            else Recipient.model_validate({k: v for k, v in raw.items() if k != "sk"})
        )

    def claim(self, order_id: str, status: str, channel: str) -> bool:
        now = datetime.now(UTC)
        try:
            _table().put_item(
                Item={
                    **_sent_key(order_id, status, channel),
                    "state": "SENDING",
                    "claimed_at": now.isoformat(),
                },
                ConditionExpression=(
                    "attribute_not_exists(sk) OR (#state = :sending AND claimed_at < :stale)"
                ),
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":sending": "SENDING",
                    ":stale": (now - CLAIM_TIMEOUT).isoformat(),
                },
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def mark_sent(
        self, order_id: str, status: str, channel: str, message_id: str, subject: str
    ) -> None:
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
        _table().delete_item(
            Key=_sent_key(order_id, status, channel),
            ConditionExpression="#state = :sending",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={":sending": "SENDING"},
        )
