"""An order's journey over HTTP only, against whichever deployment conftest.py points at.

These tests use nothing but the public APIs, with the callers' tokens: no emulator, no
table reads. They are the suite `make localstack-e2e` runs in LocalStack, and they run
against the embedded stack in `make check`.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from entrega_local.demo import sample_order

TIMEOUT = 15
# Items no other test orders, so that this suite leaves the rest of the stock to them.
ITEMS = [
    {"sku": "strogonoff-de-frango", "quantity": 1},
    {"sku": "agua-mineral-sem-gas", "quantity": 1},
]


@pytest.fixture
def order_for(customer_id):
    def build(customer: int, method: str = "pm_card_visa", **changes: Any) -> dict[str, Any]:
        order = sample_order(customer, items=[dict(item) for item in ITEMS], method=method)
        if customer_id:
            order["customer"]["id"] = customer_id
        return {**order, **changes}

    return build


def test_catalog_lists_the_menu_with_prices_in_minor_units(urls):
    answer = requests.get(f"{urls['inventory']}/catalog", timeout=TIMEOUT)

    items = {item["sku"]: item for item in answer.json()["items"]}
    assert answer.status_code == 200
    assert isinstance(items["feijoada-completa"]["price"]["amount"], int)
    assert items["feijoada-completa"]["price"]["currency"] == "BRL"


def test_paid_order_is_confirmed_and_charged_its_total(client, urls, order_for):
    placed = client.place_order(order_for(1))
    order_id = placed.body["order_id"]

    confirmed = client.wait_until_settled(order_id, timeout=60)
    payment = requests.get(f"{urls['payments']}/payments/{order_id}", timeout=TIMEOUT).json()

    assert placed.status == 202
    assert placed.headers["Location"] == f"/orders/{order_id}"
    assert confirmed["status"] == "CONFIRMED"
    assert payment["captured"] == confirmed["total"]


def test_declined_card_rejects_the_order_and_charges_nothing(client, order_for, real_provider):
    if real_provider:
        pytest.skip("the provider behind this deployment approves every card")

    placed = client.place_order(order_for(2, method="pm_card_chargeDeclined"))

    settled = client.wait_until_settled(placed.body["order_id"], timeout=60)
    assert settled["status"] == "REJECTED"
    assert settled["timeline"][-1]["reason"]["code"] == "PAYMENT_DECLINED"


def test_same_idempotency_key_returns_the_first_order(client, order_for):
    key = f"e2e-{uuid.uuid4()}"
    order = order_for(3)

    first = client.place_order(order, key)
    again = client.place_order(order, key)

    assert again.status == first.status == 202
    assert again.body["order_id"] == first.body["order_id"]


def test_invalid_order_answers_422_with_one_error_per_field(client, order_for):
    order = order_for(0)
    order["items"] = [{"sku": "feijoada-completa", "quantity": -1}]
    del order["delivery_address"]["postal_code"]

    answer = client.place_order(order)

    fields = {error["field"] for error in answer.body["errors"]}
    assert answer.status == 422
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert {"items[0].quantity", "delivery_address.postal_code"} <= fields


def test_placing_an_order_without_a_token_is_refused(urls, order_for):
    answer = requests.post(
        f"{urls['intake']}/orders",
        json=order_for(0),
        headers={"Idempotency-Key": f"e2e-{uuid.uuid4()}"},
        timeout=TIMEOUT,
    )

    assert answer.status_code == 401


def test_unknown_order_is_a_404_problem(client):
    answer = client.as_(client.tokens("staff", "staff-1", client.shop)).order(f"ord_{'0' * 26}")

    assert answer.status == 404
    assert answer.body["code"] == "ORDER_NOT_FOUND"


def test_tracking_page_may_read_an_order_from_another_origin(urls):
    preflight = requests.options(
        f"{urls['intake']}/orders/ord_{'0' * 26}",
        headers={"Origin": "https://tracking.example", "Access-Control-Request-Method": "GET"},
        timeout=TIMEOUT,
    )

    assert preflight.status_code in (200, 204)
    assert preflight.headers["Access-Control-Allow-Origin"] in ("*", "https://tracking.example")


def test_the_api_serves_its_openapi_document(urls):
    answer = requests.get(f"{urls['intake']}/openapi.json", timeout=TIMEOUT)

    document = answer.json()
    assert answer.status_code == 200
    assert document["openapi"].startswith("3.0")
    assert "post" in document["paths"]["/orders"]
    assert "x-amazon-apigateway-integration" not in str(document)


def test_customer_preferences_round_trip(urls):
    url = f"{urls['notifications']}/customers/cus_e2e{uuid.uuid4().hex[:8]}/preferences"

    saved = requests.put(url, json={"email": True, "sms": False, "push": True}, timeout=TIMEOUT)
    read = requests.get(url, timeout=TIMEOUT)

    assert saved.status_code == 200
    assert read.json()["sms"] is False
