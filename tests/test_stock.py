"""Stock is never oversold: concurrent orders, the stock admin API and its events, expiring holds,
and a property test over random reserve, release, retry, expiry and commit sequences."""

from __future__ import annotations

import contextlib
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from entrega_local.client import EntregaClient
from entrega_local.demo import sample_order
from inventory import domain
from inventory.errors import OutOfStock
from inventory.models import LineQuantity
from inventory.store import DynamoStock


def stock_row(stack, sku):
    table = boto3.resource("dynamodb").Table(stack.output("inventory", "StockTableName"))
    item = table.get_item(Key={"pk": f"SKU#{sku}"}, ConsistentRead=True)["Item"]
    return {key: int(item[key]) for key in ("available", "reserved", "sold")}


def set_stock(api, stack, sku, available):
    return api.http.put(f"{stack.url}/catalog/{sku}/stock", json={"available": available})


def test_forty_concurrent_orders_for_ten_units_sell_exactly_ten(api, stack):
    sku = "escondidinho-de-carne-seca"
    assert set_stock(api, stack, sku, 10).status_code == 200
    before = stock_row(stack, sku)
    lowest = []
    done = threading.Event()

    def watch():
        while not done.is_set():
            lowest.append(stock_row(stack, sku)["available"])

    # Forty clients at once on two cores: requests queue behind the GIL, so allow them time.
    patient = EntregaClient(stack.url, timeout=120, tokens=stack.token, shop=stack.shop_id)

    def order(index):
        answer = patient.place_order(
            sample_order(index % 5, items=[{"sku": sku, "quantity": 1}]), key=f"race-{uuid.uuid4()}"
        )
        return patient.wait_until_settled(answer.body["order_id"], timeout=120)

    watcher = threading.Thread(target=watch)
    watcher.start()
    with ThreadPoolExecutor(max_workers=40) as pool:
        outcomes = list(pool.map(order, range(40)))
    done.set()
    watcher.join()
    assert stack.settle(120)

    confirmed = [o for o in outcomes if o["status"] == "CONFIRMED"]
    assert len(confirmed) == 10
    assert all(o["status"] == "REJECTED" for o in outcomes if o["status"] != "CONFIRMED")
    assert all(o["payment"]["status"] == "CAPTURED" for o in confirmed)
    assert all(
        o["payment"]["status"] == "NOT_CHARGED" for o in outcomes if o["status"] == "REJECTED"
    )
    after = stock_row(stack, sku)
    assert after["available"] == 0
    assert after["sold"] + after["reserved"] - before["sold"] - before["reserved"] == 10
    assert min(lowest) >= 0


def test_stock_admin_sets_what_is_for_sale(api, stack):
    answer = set_stock(api, stack, "pastel-de-queijo", 42)

    assert answer.status_code == 200
    assert answer.json() == {"sku": "pastel-de-queijo", "available": 42}
    assert api.catalog()["pastel-de-queijo"]["available"] == 42


@pytest.mark.parametrize(
    "body",
    [{"available": -1}, {"available": True}, {"available": "5"}, {}, {"available": 3, "x": 1}],
)
def test_stock_admin_refuses_bad_settings(api, stack, body):
    before = api.catalog()["pastel-de-carne"]["available"]

    answer = api.http.put(f"{stack.url}/catalog/pastel-de-carne/stock", json=body)

    assert answer.status_code == 422
    assert api.catalog()["pastel-de-carne"]["available"] == before


def test_stock_admin_answers_404_for_an_unknown_sku(api, stack):
    assert set_stock(api, stack, "sushi", 3).status_code == 404


@pytest.fixture
def inventory_events(bus_events):
    read = bus_events({"source": ["entrega.inventory"]})
    return lambda: [
        (e["detail-type"], e["detail"]["sku"], e["detail"]["available"]) for e in read()
    ]


def test_crossing_the_thresholds_announces_stock_low_then_out_of_stock(
    api, stack, place, inventory_events
):
    sku = "mousse-de-maracuja"
    set_stock(api, stack, sku, 6)

    api.wait_until_settled(place(sample_order(0, items=[{"sku": sku, "quantity": 3}])))
    set_stock(api, stack, sku, 0)

    assert inventory_events() == [("StockLow", sku, 3), ("OutOfStock", sku, 0)]


def test_a_confirmed_order_turns_its_hold_into_a_sale(api, stack, place):
    sku = "agua-mineral-sem-gas"
    stack.settle()
    before = stock_row(stack, sku)

    order_id = place(sample_order(0, items=[{"sku": sku, "quantity": 2}]))
    api.wait_until_settled(order_id)
    assert stack.settle()

    after = stock_row(stack, sku)
    table = boto3.resource("dynamodb").Table(stack.output("inventory", "StockTableName"))
    hold = table.get_item(Key={"pk": f"RESERVATION#{order_id}"}, ConsistentRead=True)["Item"]
    assert hold["status"] == "SOLD"
    assert "hold_state" not in hold
    assert after["available"] == before["available"] - 2
    assert sum(after.values()) == sum(before.values())


def test_an_expired_hold_is_returned_by_the_sweeper_once(api, stack):
    sku, order_id = "farofa", f"ord_{uuid.uuid4().hex[:26]}"
    before = stock_row(stack, sku)
    stack.invoke(
        "ReserveStockFunction", {"order_id": order_id, "lines": [{"sku": sku, "quantity": 2}]}
    )
    _age_hold(stack, order_id)

    first = stack.invoke("SweepReservationsFunction", {})
    second = stack.invoke("SweepReservationsFunction", {})

    assert order_id in first["released"]
    assert order_id not in second["released"]
    assert stock_row(stack, sku) == before


def _age_hold(stack, order_id, by=timedelta(hours=1)):
    """Make an order's hold look as old as its expiry, as time passing would."""
    table = boto3.resource("dynamodb").Table(stack.output("inventory", "StockTableName"))
    with contextlib.suppress(table.meta.client.exceptions.ConditionalCheckFailedException):
        table.update_item(
            Key={"pk": f"RESERVATION#{order_id}"},
            UpdateExpression="SET expires_at = :past",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":past": int((datetime.now(UTC) - by).timestamp())},
        )


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["reserve", "retry", "release", "expire", "commit"]),
        st.integers(0, 3),
        st.integers(1, 4),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=OPERATIONS, initial=st.integers(0, 8))
def test_stock_is_conserved_under_any_sequence_of_holds(stack, operations, initial):
    sku = f"prop-{uuid.uuid4().hex[:10]}"
    table = boto3.resource("dynamodb").Table(stack.output("inventory", "StockTableName"))
    table.put_item(Item={"pk": f"SKU#{sku}", "available": initial, "reserved": 0, "sold": 0})
    store = DynamoStock()
    orders = [f"ord_{sku[5:]}{n:016d}" for n in range(4)]

    for operation, which, quantity in operations:
        order_id = orders[which]
        if operation in ("reserve", "retry"):
            with contextlib.suppress(OutOfStock):
                domain.reserve(order_id, [LineQuantity(sku=sku, quantity=quantity)], store)
        elif operation == "release":
            store.release(order_id)
        elif operation == "commit":
            store.commit(order_id)
        else:
            _age_hold(stack, order_id)
            domain.sweep(datetime.now(UTC), store)

        row = stock_row(stack, sku)
        assert row["available"] + row["reserved"] + row["sold"] == initial
        assert min(row.values()) >= 0
