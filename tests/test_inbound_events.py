"""Partners plug in through the bus: each inbound event applied once with the API's rules, and
anything invalid refused visibly (OrderEventRejected and a dead-letter entry), changing nothing."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import boto3
import pytest

from entrega_local.demo import sample_order
from entrega_local.probe import drain


def envelope(source: str, detail_type: str, detail: dict) -> dict:
    """An event as EventBridge delivers it to a rule's target."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": "123456789012",
        "time": datetime.now(UTC).isoformat(),
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


def now() -> str:
    return datetime.now(UTC).isoformat()


@pytest.fixture
def rejections(bus_events):
    """OrderEventRejected events, read from a queue subscribed to them."""
    read = bus_events({"detail-type": ["OrderEventRejected"]})
    return lambda: [event["detail"] for event in read()]


def dead_letters(stack, service: str) -> list[dict]:
    return drain(boto3.client("sqs"), stack.output(service, "InboundDeadLetterQueueUrl"))


def test_stock_adjusted_is_applied_once_even_when_delivered_twice(api, stack):
    before = api.catalog()["vinagrete"]["available"]
    event = envelope(
        "partner.pos",
        "StockAdjusted",
        {"sku": "vinagrete", "change": 7, "reason": "delivery_received", "adjusted_at": now()},
    )

    stack.invoke("StockAdjustedFunction", event)
    stack.invoke("StockAdjustedFunction", event)

    assert api.catalog()["vinagrete"]["available"] == before + 7


def test_stock_adjusted_put_on_the_bus_reaches_inventory(api, stack):
    before = api.catalog()["batata-frita"]["available"]
    detail = {"sku": "batata-frita", "change": -2, "reason": "spoiled", "adjusted_at": now()}

    boto3.client("events").put_events(
        Entries=[
            {
                "Source": "partner.pos",
                "DetailType": "StockAdjusted",
                "Detail": json.dumps(detail),
                "EventBusName": stack.output("contracts", "EventBusName"),
            }
        ]
    )
    stack.settle()

    assert api.catalog()["batata-frita"]["available"] == before - 2


@pytest.mark.parametrize(
    ("detail", "code"),
    [
        (
            {
                "sku": "farofa",
                "change": 0,
                "reason": "counted",
                "adjusted_at": "2026-12-03T10:00:00Z",
            },
            "CONTRACT_VIOLATION",
        ),
        ({"sku": "farofa", "change": 3}, "CONTRACT_VIOLATION"),
        (
            {
                "sku": "sushi",
                "change": 3,
                "reason": "counted",
                "adjusted_at": "2026-12-03T10:00:00Z",
            },
            "UNKNOWN_SKU",
        ),
        (
            {
                "sku": "farofa",
                "change": -100000,
                "reason": "counted",
                "adjusted_at": "2026-12-03T10:00:00Z",
            },
            "NEGATIVE_STOCK",
        ),
    ],
    ids=["zero-change", "missing-fields", "unknown-sku", "below-zero"],
)
def test_invalid_stock_adjustment_is_refused_and_changes_nothing(
    api, stack, rejections, detail, code
):
    before = api.catalog()["farofa"]["available"]
    dead_letters(stack, "inventory")
    event = envelope("partner.pos", "StockAdjusted", detail)

    stack.invoke("StockAdjustedFunction", event)

    assert api.catalog()["farofa"]["available"] == before
    assert [(r["event_id"], r["reason"]["code"]) for r in rejections()] == [(event["id"], code)]
    parked = dead_letters(stack, "inventory")
    assert [(p["event"]["id"], p["reason"]["code"]) for p in parked] == [(event["id"], code)]


def confirmed_order(api, place) -> str:
    order_id = place(sample_order(0))
    assert api.wait_until_settled(order_id)["status"] == "CONFIRMED"
    return order_id


def test_shop_acceptance_and_courier_progress_carry_the_order_to_the_door(api, stack, place):
    order_id = confirmed_order(api, place)

    stack.invoke(
        "ShopDecidedFunction",
        envelope(
            "partner.shop",
            "OrderAcceptedByShop",
            {"order_id": order_id, "accepted": True, "at": now()},
        ),
    )
    for step in ("PREPARING", "READY"):
        assert api.progress(order_id, step).status == 200
    picked = envelope(
        "partner.courier",
        "DeliveryProgressed",
        {"order_id": order_id, "stage": "picked_up", "courier_id": "c-7", "at": now()},
    )
    stack.invoke("DeliveryProgressedFunction", picked)
    stack.invoke("DeliveryProgressedFunction", picked)
    stack.invoke(
        "DeliveryProgressedFunction",
        envelope(
            "partner.courier",
            "DeliveryProgressed",
            {
                "order_id": order_id,
                "stage": "location",
                "courier_id": "c-7",
                "at": now(),
                "location": {"lat": -23.5558, "lng": -46.6914},
            },
        ),
    )
    stack.invoke(
        "DeliveryProgressedFunction",
        envelope(
            "partner.courier",
            "DeliveryProgressed",
            {"order_id": order_id, "stage": "delivered", "courier_id": "c-7", "at": now()},
        ),
    )

    order = api.order(order_id).body
    assert [entry["status"] for entry in order["timeline"]] == [
        "PLACED",
        "CONFIRMED",
        "ACCEPTED",
        "PREPARING",
        "READY",
        "OUT_FOR_DELIVERY",
        "DELIVERED",
    ]


def test_courier_event_for_an_unknown_order_is_refused(stack, rejections):
    event = envelope(
        "partner.courier",
        "DeliveryProgressed",
        {"order_id": "ord_" + "z" * 26, "stage": "picked_up", "courier_id": "c-1", "at": now()},
    )

    stack.invoke("DeliveryProgressedFunction", event)

    assert [(r["event_id"], r["reason"]["code"]) for r in rejections()] == [
        (event["id"], "ORDER_NOT_FOUND")
    ]
    assert [p["event"]["id"] for p in dead_letters(stack, "intake")] == [event["id"]]


def test_courier_cannot_deliver_an_order_the_kitchen_has_not_started(api, stack, place, rejections):
    order_id = confirmed_order(api, place)
    event = envelope(
        "partner.courier",
        "DeliveryProgressed",
        {"order_id": order_id, "stage": "delivered", "courier_id": "c-1", "at": now()},
    )

    stack.invoke("DeliveryProgressedFunction", event)

    assert api.order(order_id).body["status"] == "CONFIRMED"
    assert [r["reason"]["code"] for r in rejections()] == ["INVALID_TRANSITION"]


def test_shop_refusal_cancels_the_order_and_gives_the_stock_back(api, stack, place):
    before = api.catalog()["feijoada-completa"]["available"]
    order_id = confirmed_order(api, place)

    stack.invoke(
        "ShopDecidedFunction",
        envelope(
            "partner.shop",
            "OrderAcceptedByShop",
            {"order_id": order_id, "accepted": False, "reason": "acabou o feijão", "at": now()},
        ),
    )
    stack.settle()

    order = api.order(order_id).body
    assert order["status"] == "CANCELLED"
    assert order["timeline"][-1]["reason"] == {"code": "SHOP_REFUSED", "message": "acabou o feijão"}
    assert api.catalog()["feijoada-completa"]["available"] == before
    payment = api.http.get(f"{stack.url}/payments/{order_id}").json()
    assert payment["refunded"] == order["total"]
