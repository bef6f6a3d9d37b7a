"""From CONFIRMED to the door, on the embedded stack: the kitchen, the courier, the waits of
the fulfilment workflow, and cancellations with their refund and restock."""

from __future__ import annotations

import time
from collections.abc import Callable

import boto3
import pytest

from entrega_local.client import EntregaClient
from entrega_local.demo import sample_order

KITCHEN = ("ACCEPTED", "PREPARING", "READY")
# An item the seed holds plenty of, so that these orders leave enough stock for other tests.
SKU = "pastel-de-carne"


def confirmed(api: EntregaClient, place: Callable[..., str], customer: int = 0) -> str:
    order_id = place(sample_order(customer, items=[{"sku": SKU, "quantity": 2}]))
    assert api.wait_until_settled(order_id)["status"] == "CONFIRMED"
    return order_id


def wait_for(read: Callable[[], object], expected: object, timeout: float = 30.0) -> object:
    """Poll until `read()` answers `expected` or the deadline passes; return the last answer."""
    deadline = time.monotonic() + timeout
    value = read()
    while value != expected and time.monotonic() < deadline:
        time.sleep(0.1)
        value = read()
    return value


def fulfilment(stack, order_id: str) -> dict:
    """The order's fulfilment workflow execution, as DescribeExecution shows it."""
    arn = stack.output("orchestration", "OrderFulfilmentArn").replace(
        ":stateMachine:", ":execution:"
    )
    return boto3.client("stepfunctions").describe_execution(executionArn=f"{arn}:{order_id}")


def without_messages(order: dict) -> dict:
    """The order minus its notification log, which fills in as messages go out."""
    return {key: value for key, value in order.items() if key != "notifications"}


def payment(api: EntregaClient, stack, order_id: str) -> dict:
    return dict(api.http.get(f"{stack.url}/payments/{order_id}", timeout=10).json())


def test_accepted_order_goes_through_the_kitchen_and_is_delivered_by_its_courier(api, stack, place):
    order_id = confirmed(api, place)

    for status in KITCHEN:
        assert api.progress(order_id, status).status == 200
    picked = api.progress(order_id, "OUT_FOR_DELIVERY", courier_id="courier-ana")
    delivered = api.progress(order_id, "DELIVERED", courier_id="courier-ana")

    assert picked.body["courier_id"] == "courier-ana"
    assert delivered.status == 200
    assert [entry["status"] for entry in delivered.body["timeline"]] == [
        "PLACED",
        "CONFIRMED",
        *KITCHEN,
        "OUT_FOR_DELIVERY",
        "DELIVERED",
    ]
    assert wait_for(lambda: fulfilment(stack, order_id)["status"], "SUCCEEDED") == "SUCCEEDED"


def test_order_the_shop_does_not_accept_in_time_is_cancelled_refunded_and_restocked(
    api, stack, place
):
    before = api.catalog()[SKU]["available"]

    with stack.parameters("orchestration", AcceptTimeoutSeconds="2"):
        order_id = confirmed(api, place)
    status = wait_for(lambda: api.order(order_id).body["status"], "CANCELLED", timeout=60)

    order = api.order(order_id).body
    assert status == "CANCELLED"
    assert order["timeline"][-1]["reason"]["code"] == "SHOP_DID_NOT_ACCEPT"
    assert order["payment"]["status"] == "REFUNDED"
    assert payment(api, stack, order_id)["refunded"] == order["total"]
    assert api.catalog()[SKU]["available"] == before
    assert wait_for(lambda: fulfilment(stack, order_id)["status"], "SUCCEEDED") == "SUCCEEDED"


def test_order_cancelled_while_preparing_is_refunded_restocked_and_ends_cancelled(
    api, stack, place
):
    before = api.catalog()[SKU]["available"]
    order_id = confirmed(api, place)
    api.progress(order_id, "ACCEPTED")
    api.progress(order_id, "PREPARING")

    answer = api.cancel(order_id, reason="mudei de ideia")
    stack.settle()

    order = api.order(order_id).body
    assert answer.status == 202
    assert answer.body["cancellation"]["message"] == "mudei de ideia"
    assert order["status"] == "CANCELLED"
    assert order["timeline"][-1]["reason"] == {
        "code": "CUSTOMER_CANCELLED",
        "message": "mudei de ideia",
    }
    assert payment(api, stack, order_id)["refunded"] == order["total"]
    assert api.catalog()[SKU]["available"] == before
    assert wait_for(lambda: fulfilment(stack, order_id)["status"], "SUCCEEDED") == "SUCCEEDED"
    assert "Estornamos" in cancellation_email(stack, order_id).text


def cancellation_email(stack, order_id: str):
    """The CANCELLED email the customer got; the saga announces CANCELLED after the refund."""
    stack.settle()
    sent = {
        n["message_id"]
        for n in stack_order(stack, order_id)["notifications"]
        if (n["status"], n["channel"]) == ("CANCELLED", "email")
    }
    return next(email for email in stack.sent_emails() if email.message_id in sent)


def stack_order(stack, order_id: str) -> dict:
    """The order as its shop's staff read it."""
    staff = EntregaClient(stack.url, token=stack.token("staff", "staff-1", stack.shop_id))
    return dict(staff.order(order_id).body)


def test_order_cancelled_right_after_placing_ends_cancelled_and_refunded(api, stack, place):
    before = api.catalog()[SKU]["available"]
    order_id = place(sample_order(0, items=[{"sku": SKU, "quantity": 2}]))

    answer = api.cancel(order_id, reason="pedi errado")
    status = wait_for(lambda: api.order(order_id).body["status"], "CANCELLED", timeout=60)
    stack.settle()

    order = api.order(order_id).body
    assert answer.status == 202
    assert status == "CANCELLED"
    assert order["timeline"][-1]["reason"]["code"] == "CUSTOMER_CANCELLED"
    assert payment(api, stack, order_id)["refunded"] == order["total"]
    assert api.catalog()[SKU]["available"] == before


def test_cancelling_twice_refunds_once_and_a_cancelled_order_answers_409(api, stack, place):
    order_id = confirmed(api, place)

    first, meanwhile = api.cancel(order_id), api.cancel(order_id)
    stack.settle()
    after = api.cancel(order_id)
    stack.settle()

    order = api.order(order_id).body
    assert first.status == 202
    assert meanwhile.status in (202, 409)
    assert after.status == 409
    assert order["status"] == "CANCELLED"
    assert payment(api, stack, order_id)["refunded"] == order["total"]


def test_cancel_after_pickup_answers_409_and_changes_nothing(api, stack, place):
    order_id = confirmed(api, place)
    for status in KITCHEN:
        api.progress(order_id, status)
    api.progress(order_id, "OUT_FOR_DELIVERY")
    before = api.order(order_id).body

    answer = api.cancel(order_id)
    stack.settle()

    assert answer.status == 409
    assert answer.body["code"] == "INVALID_TRANSITION"
    assert without_messages(api.order(order_id).body) == without_messages(before)
    assert payment(api, stack, order_id)["status"] == "CAPTURED"


def test_a_step_the_table_does_not_allow_answers_409_and_changes_nothing(api, place):
    order_id = confirmed(api, place)
    before = api.order(order_id).body

    skipped = api.progress(order_id, "READY")

    assert skipped.status == 409
    assert skipped.body["code"] == "INVALID_TRANSITION"
    assert without_messages(api.order(order_id).body) == without_messages(before)


def test_a_pickup_that_is_late_is_announced_and_the_workflow_keeps_waiting(
    api, stack, place, bus_events
):
    alarms = bus_events({"source": ["entrega.intake"], "detail-type": ["OrderAttentionNeeded"]})

    with stack.parameters("orchestration", PickupTimeoutSeconds="3", KitchenHeartbeatSeconds="2"):
        order_id = confirmed(api, place)
    try:
        api.progress(order_id, "ACCEPTED")
        deadline, seen = time.monotonic() + 60, []
        while time.monotonic() < deadline and not seen:
            seen = [e for e in alarms() if e["detail"]["order_id"] == order_id]
            time.sleep(0.2)
        status = api.order(order_id).body["status"]
    finally:
        api.cancel(order_id)
        stack.settle()

    assert seen, "no OrderAttentionNeeded for a pickup that never came"
    assert seen[0]["detail"]["code"] in {"NO_PROGRESS", "PICKUP_LATE"}
    assert status == "ACCEPTED"
    ended = wait_for(lambda: fulfilment(stack, order_id)["status"], "SUCCEEDED", timeout=60)
    assert ended in {"SUCCEEDED", "FAILED"}


def test_a_wait_nobody_answers_stops_after_three_alarms(api, stack, place):
    with stack.parameters("orchestration", PickupTimeoutSeconds="2", KitchenHeartbeatSeconds="1"):
        order_id = confirmed(api, place)
    try:
        api.progress(order_id, "ACCEPTED")
        ended = wait_for(lambda: fulfilment(stack, order_id)["status"], "FAILED", timeout=60)
    finally:
        api.cancel(order_id)
        stack.settle()

    assert ended == "FAILED"
    assert fulfilment(stack, order_id)["error"] == "StillWaitingForPeople"


@pytest.mark.parametrize("early", ["OUT_FOR_DELIVERY", "DELIVERED"])
def test_the_road_cannot_start_before_the_kitchen_is_done(api, place, early):
    order_id = confirmed(api, place)
    api.progress(order_id, "ACCEPTED")

    answer = api.progress(order_id, early)

    assert answer.status in (404, 409)
    assert api.order(order_id).body["status"] == "ACCEPTED"


def test_kitchen_lists_its_open_orders_by_priority_then_age(api, stack, place):
    first, second = confirmed(api, place, 0), confirmed(api, place, 1)
    finished = confirmed(api, place, 2)
    for status in (*KITCHEN, "OUT_FOR_DELIVERY"):
        api.progress(finished, status)

    listed = api.kitchen()

    assert listed.status == 200
    orders = listed.body["orders"]
    ids = [order["order_id"] for order in orders]
    assert {first, second} <= set(ids)
    assert finished not in ids
    assert {order["status"] for order in orders} <= {"CONFIRMED", *KITCHEN}
    keys = [(-order["priority"], order["placed_at"]) for order in orders]
    assert keys == sorted(keys)
    assert {"order_id", "status", "placed_at", "items", "total", "priority"} <= set(orders[0])
    for order_id in (first, second):
        api.cancel(order_id)
    stack.settle()
