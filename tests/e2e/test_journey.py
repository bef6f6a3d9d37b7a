"""An order's journey over HTTP only, against whichever deployment conftest.py points at.

These tests use nothing but the public API: no emulator, no table reads. They are the
suite `make localstack-e2e` runs in LocalStack, and they run against the embedded stack in
`make check`.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
import requests

from entrega_local.demo import sample_order

SETTLED = {"CONFIRMED", "REJECTED", "FAILED"}
TIMEOUT = 15
# Items no other test orders, so that this suite leaves the rest of the stock to them.
ITEMS = [
    {"sku": "strogonoff-de-frango", "quantity": 1},
    {"sku": "agua-mineral-sem-gas", "quantity": 1},
]


def _order(people, customer: int, method: str = "pm_card_visa") -> dict[str, Any]:
    """A sample customer's order, placed by the customer the suite holds a token for."""
    order = sample_order(customer, items=[dict(item) for item in ITEMS], method=method)
    order["customer"]["id"] = people("customer")[1]
    return order


def _place(urls, people, order: dict[str, Any], key: str | None = None):
    return requests.post(
        f"{urls['intake']}/orders",
        json=order,
        headers={"Idempotency-Key": key or f"e2e-{uuid.uuid4()}", **people("customer")[0]},
        timeout=TIMEOUT,
    )


def _settled(urls, people, order_id: str, seconds: float = 60) -> dict[str, Any]:
    deadline, pause = time.monotonic() + seconds, 0.05
    while True:
        body = requests.get(
            f"{urls['intake']}/orders/{order_id}", headers=people("customer")[0], timeout=TIMEOUT
        ).json()
        if body.get("status") in SETTLED or time.monotonic() > deadline:
            return dict(body)
        time.sleep(pause)
        pause = min(pause * 1.5, 1.0)


def test_catalog_lists_the_menu_with_prices_in_minor_units(urls):
    answer = requests.get(f"{urls['inventory']}/catalog", timeout=TIMEOUT)

    items = {item["sku"]: item for item in answer.json()["items"]}
    assert answer.status_code == 200
    assert isinstance(items["feijoada-completa"]["price"]["amount"], int)
    assert items["feijoada-completa"]["price"]["currency"] == "BRL"


def test_paid_order_is_confirmed_charged_and_delivered(urls, people):
    placed = _place(urls, people, _order(people, 1))
    order_id = placed.json()["order_id"]

    confirmed = _settled(urls, people, order_id)
    moves = [("staff", "ACCEPTED"), ("staff", "PREPARING"), ("staff", "READY")]
    moves += [("courier", "OUT_FOR_DELIVERY"), ("courier", "DELIVERED")]
    steps = [
        requests.post(
            f"{urls['intake']}/orders/{order_id}/progress",
            json={"status": status},
            headers=people(role)[0],
            timeout=TIMEOUT,
        ).status_code
        for role, status in moves
    ]
    payment = requests.get(f"{urls['payments']}/payments/{order_id}", timeout=TIMEOUT).json()

    assert placed.status_code == 202
    assert placed.headers["Location"] == f"/orders/{order_id}"
    assert confirmed["status"] == "CONFIRMED"
    assert steps == [200] * 5
    assert payment["captured"] == confirmed["total"]


def test_declined_card_rejects_the_order_and_charges_nothing(urls, people, real_provider):
    if real_provider:
        pytest.skip("the provider behind this deployment approves every card")

    declined = _order(people, 2, method="pm_card_chargeDeclined")
    order_id = _place(urls, people, declined).json()["order_id"]

    settled = _settled(urls, people, order_id)
    assert settled["status"] == "REJECTED"
    assert settled["timeline"][-1]["reason"]["code"] == "PAYMENT_DECLINED"


def test_same_idempotency_key_returns_the_first_order(urls, people):
    key = f"e2e-{uuid.uuid4()}"
    order = _order(people, 3)

    first = _place(urls, people, order, key)
    again = _place(urls, people, order, key)

    assert again.status_code == first.status_code == 202
    assert again.json()["order_id"] == first.json()["order_id"]


def test_invalid_order_answers_422_with_one_error_per_field(urls, people):
    order = _order(people, 0)
    order["items"] = [{"sku": "feijoada-completa", "quantity": -1}]
    del order["delivery_address"]["postal_code"]

    answer = _place(urls, people, order)

    fields = {error["field"] for error in answer.json()["errors"]}
    assert answer.status_code == 422
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert {"items[0].quantity", "delivery_address.postal_code"} <= fields


def test_missing_idempotency_key_is_refused_as_a_problem(urls, people):
    answer = requests.post(
        f"{urls['intake']}/orders",
        json=_order(people, 0),
        headers=people("customer")[0],
        timeout=TIMEOUT,
    )

    assert answer.status_code == 400
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert answer.json()["code"] == "IDEMPOTENCY_KEY_MISSING"


def test_unknown_order_is_a_404_problem(urls, people):
    answer = requests.get(
        f"{urls['intake']}/orders/ord_{'0' * 26}", headers=people("customer")[0], timeout=TIMEOUT
    )

    assert answer.status_code == 404
    assert answer.json()["code"] == "ORDER_NOT_FOUND"


def test_tracking_page_may_read_an_order_from_another_origin(urls):
    preflight = requests.options(
        f"{urls['intake']}/orders/ord_{'0' * 26}",
        headers={"Origin": "https://tracking.example", "Access-Control-Request-Method": "GET"},
        timeout=TIMEOUT,
    )

    assert preflight.status_code in (200, 204)
    assert preflight.headers["Access-Control-Allow-Origin"] in ("*", "https://tracking.example")


def test_an_order_asked_for_without_a_token_is_refused_as_a_problem(urls):
    answer = requests.get(f"{urls['intake']}/orders/ord_{'0' * 26}", timeout=TIMEOUT)

    assert answer.status_code == 401
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert answer.json()["code"] == "UNAUTHENTICATED"


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
