"""Watching a bus from outside: a temporary queue behind a rule, as any consumer subscribes.

`entrega events tail` and the tests that check what went over the bus both use it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def subscribed_queue(
    sqs: Any, events: Any, bus: str, pattern: dict[str, Any] | str
) -> Iterator[str]:
    """A queue receiving every event on `bus` that matches `pattern`; removed on exit."""
    name = f"entrega-probe-{uuid.uuid4().hex[:8]}"
    url = str(sqs.create_queue(QueueName=name)["QueueUrl"])
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(
        Name=name,
        EventBusName=bus,
        EventPattern=pattern if isinstance(pattern, str) else json.dumps(pattern),
    )
    events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "probe", "Arn": arn}])
    try:
        yield url
    finally:
        events.remove_targets(Rule=name, EventBusName=bus, Ids=["probe"])
        events.delete_rule(Name=name, EventBusName=bus)
        sqs.delete_queue(QueueUrl=url)


def drain(sqs: Any, url: str, wait_seconds: int = 0) -> list[dict[str, Any]]:
    """Every message waiting in the queue, parsed and deleted, oldest first."""
    found: list[dict[str, Any]] = []
    while messages := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds
    ).get("Messages", []):
        for message in messages:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        if wait_seconds:
            break
    return found
