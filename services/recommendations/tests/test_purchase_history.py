"""What the purchase history and the products projection learn from events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from recommendations import domain, handlers
from recommendations.models import ConfirmedOrder, Product

ORDER_ID = "ord_" + "p" * 26


def priced(sku: str, quantity: int = 1) -> dict[str, Any]:
    money = {"amount": 990 * quantity, "currency": "BRL"}
    return {
        "sku": sku,
        "name": sku.replace("-", " "),
        "quantity": quantity,
        "unit_price": {"amount": 990, "currency": "BRL"},
        "line_total": money,
    }


def status_changed(status: str, *skus: str) -> dict[str, Any]:
    return {
        "detail-type": "OrderStatusChanged",
        "source": "entrega.intake",
        "detail": {
            "version": 1,
            "order_id": ORDER_ID,
            "status": status,
            "previous_status": "PLACED",
            "occurred_at": "2026-03-14T15:41:00+00:00",
            "customer_id": "cus_a7k2m9",
            "locale": "pt-BR",
            "total": {"amount": 990 * len(skus), "currency": "BRL"},
            "lines": [priced(sku) for sku in skus],
        },
    }


@dataclass
class _Context:
    function_name: str = "entrega-recommendations-PurchaseHistoryFunction"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:history"
    aws_request_id: str = "req-1"


def test_a_purchase_counts_each_sku_once_and_every_ordered_pair():
    order = ConfirmedOrder.model_validate(
        {
            "order_id": ORDER_ID,
            "customer_id": "cus_1",
            "occurred_at": "2026-03-14T15:41:00+00:00",
            "lines": [
                {"sku": "x-tudo", "quantity": 2},
                {"sku": "batata-frita", "quantity": 1},
                {"sku": "x-tudo", "quantity": 1},
            ],
        }
    )

    purchase = domain.purchase_from(order)

    assert purchase.skus == ("batata-frita", "x-tudo")
    assert purchase.pairs() == [("batata-frita", "x-tudo"), ("x-tudo", "batata-frita")]


def test_a_very_large_order_counts_its_skus_but_not_its_pairs():
    skus = tuple(f"sku-{n:02d}" for n in range(domain.MAX_SKUS_FOR_PAIRS + 1))

    purchase = domain.Purchase(ORDER_ID, "cus_1", skus)

    assert purchase.pairs() == []


def test_a_confirmed_order_is_recorded_for_its_customer(monkeypatch):
    recorded: list[domain.Purchase] = []
    monkeypatch.setattr(handlers.store, "record_purchase", lambda p, now: recorded.append(p) or 6)

    answer = handlers.order_confirmed(
        status_changed("CONFIRMED", "feijoada-completa", "guarana-lata"), _Context()
    )

    assert answer == {"recorded": 6}
    assert recorded == [
        domain.Purchase(ORDER_ID, "cus_a7k2m9", ("feijoada-completa", "guarana-lata"))
    ]


@pytest.mark.parametrize("status", ["PLACED", "REJECTED", "DELIVERED"])
def test_other_statuses_teach_nothing(monkeypatch, status):
    monkeypatch.setattr(handlers.store, "record_purchase", pytest.fail)

    answer = handlers.order_confirmed(status_changed(status, "feijoada-completa"), _Context())

    assert answer == {"recorded": 0}


def test_an_out_of_stock_announcement_marks_the_product(monkeypatch):
    marked: list[tuple[str, datetime]] = []
    monkeypatch.setattr(
        handlers.store, "mark_out_of_stock", lambda sku, since: marked.append((sku, since)) or True
    )
    event = {
        "detail-type": "OutOfStock",
        "source": "entrega.inventory",
        "detail": {
            "version": 1,
            "sku": "pudim-de-leite",
            "available": 0,
            "occurred_at": "2026-03-14T15:00:00+00:00",
        },
    }

    answer = handlers.stock_ran_out(event, _Context())

    assert answer == {"changed": True}
    assert marked == [("pudim-de-leite", datetime(2026, 3, 14, 15, 0, tzinfo=UTC))]


def test_a_product_counts_as_back_in_stock_some_hours_after_it_ran_out():
    ran_out = datetime(2026, 3, 14, 15, 0, tzinfo=UTC)
    product = Product(sku="pudim-de-leite", name="Pudim", out_of_stock_since=ran_out)

    assert not product.sellable(ran_out + timedelta(hours=1))
    assert product.sellable(ran_out + timedelta(hours=7))
    assert product.sellable(ran_out - timedelta(minutes=5))
