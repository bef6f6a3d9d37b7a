"""An event a consumer keeps failing on ends in its stack's dead-letter queue, and redrives.

This is the path docs/operations.md tells an operator to follow: read the queue, put each
record's requestPayload back on the bus, and the consumer (idempotent) does its work once.
"""

from __future__ import annotations

import json
import time

import boto3

from entrega_local.demo import sample_order
from entrega_local.probe import drain


def _dead_letters_of(sqs, queue: str, order_id: str, seconds: float = 20) -> list[dict]:
    """The queue's records for one order, waiting for the first to arrive (or the deadline)."""
    deadline = time.monotonic() + seconds
    found: list[dict] = []
    while not found and time.monotonic() < deadline:
        found = [
            r
            for r in drain(sqs, queue, wait_seconds=1)
            if order_id in json.dumps(r["requestPayload"])
        ]
    return found


def _purchase_history_calls(stack, order_id: str) -> list:
    return [
        call
        for call in list(stack.runtime.invocations.calls)
        if call.function.logical_id == "PurchaseHistoryFunction"
        and order_id in json.dumps(call.event)
    ]


def test_failing_consumer_dead_letters_the_event_and_a_redrive_applies_it(api, place, stack):
    sqs, events = boto3.client("sqs"), boto3.client("events")
    queue = stack.output("recommendations", "AsyncDeadLetterQueueUrl")
    # Nothing else in flight may meet the fault, which cannot tell one order's event from another's.
    assert stack.settle()
    drain(sqs, queue)
    stack.faults.inject("PurchaseHistory", "DependencyUnavailable", times=3)
    before = stack.runtime.invocations.count("PurchaseHistoryFunction")

    # An item no other test orders, so that this one leaves the shared stock alone.
    order_id = place(sample_order(4, items=[{"sku": "pf-frango-grelhado", "quantity": 1}]))
    assert api.wait_until_settled(order_id)["status"] == "CONFIRMED"
    [record] = _dead_letters_of(sqs, queue, order_id)
    dead = record["requestPayload"]
    events.put_events(
        Entries=[
            {
                "Source": dead["source"],
                "DetailType": dead["detail-type"],
                "Detail": json.dumps(dead["detail"]),
                "EventBusName": stack.output("contracts", "EventBusName"),
            }
        ]
    )
    deadline = time.monotonic() + 20
    while len(_purchase_history_calls(stack, order_id)) < 4 and time.monotonic() < deadline:
        stack.settle(timeout=1)

    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["responsePayload"]["errorType"] == "DependencyUnavailable"
    assert dead["detail"]["status"] == "CONFIRMED"
    assert stack.runtime.invocations.count("PurchaseHistoryFunction") == before + 4
    assert [call.failed for call in _purchase_history_calls(stack, order_id)] == [
        True,
        True,
        True,
        False,
    ]
