"""Events other systems put on the bus for Entrega: read them against their contracts, and
refuse the ones that cannot be applied in a way their senders can see.

A refusal is an OrderEventRejected event on the bus (for the sender to watch) and the
original event, with the reason, in the consumer's dead-letter queue (for a person to
look at or replay). Nothing else changes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from typing import TYPE_CHECKING, Any

from entrega_contracts import events
from entrega_contracts.errors import Reason

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

_lock = threading.Lock()


@functools.cache
def _sqs() -> SQSClient:
    import boto3

    with _lock:
        return boto3.session.Session().client("sqs")


def event_key(event: dict[str, Any]) -> str:
    """What identifies an inbound event however it reaches us: its source, type and detail.

    EventBridge's own id changes when a sender retries a PutEvents or an archive is
    replayed; the detail, which carries the sender's own time stamp, does not.
    """
    canonical = json.dumps(
        [event.get("source"), event.get("detail-type"), event.get("detail")],
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def reject(event: dict[str, Any], reason: Reason, bus: str, dead_letter_queue_url: str) -> None:
    """Announce that `event` was refused, and park it with its reason in the dead-letter queue."""
    raw = event.get("detail")
    detail: dict[str, Any] = raw if isinstance(raw, dict) else {}
    rejected: dict[str, Any] = {
        "event_id": str(event.get("id", "")),
        "detail_type": str(event.get("detail-type", "")),
        "source": str(event.get("source", "")),
        "reason": reason.to_json(),
    }
    if isinstance(detail.get("order_id"), str):
        rejected["order_id"] = detail["order_id"]
    events.publish([events.entry("OrderEventRejected", rejected, bus)])
    _sqs().send_message(
        QueueUrl=dead_letter_queue_url,
        MessageBody=json.dumps({"event": event, "reason": reason.to_json()}, ensure_ascii=False),
    )
