"""Pricing an order from the catalog, against an in-memory catalog."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from entrega_contracts.errors import FieldError
from entrega_contracts.money import Money
from inventory.domain import MAX_LINES, price_order
from inventory.errors import OrderInvalid
from inventory.models import CatalogItem


def item(sku: str, price: int, **extra: object) -> CatalogItem:
    return CatalogItem.model_validate(
        {"sku": sku, "name": sku.title(), "category": "mains", "price": price, "currency": "BRL"}
        | extra
    )


MENU = {
    "feijoada": item("feijoada", 4_590, max_per_order=5),
    "guarana": item("guarana", 790),
    "pudim": item("pudim", 1_200, on_sale=False),
    "burger": item("burger", 1_250, currency="USD"),
}


class MenuCatalog:
    def __init__(self, items: Mapping[str, CatalogItem]) -> None:
        self._items = dict(items)

    def items(self, skus: list[str]) -> Mapping[str, CatalogItem]:
        return {sku: self._items[sku] for sku in skus if sku in self._items}


def rejection(raw_items: list[Any]) -> list[FieldError]:
    with pytest.raises(OrderInvalid) as raised:
        price_order(raw_items, MenuCatalog(MENU))
    return raised.value.details


def test_total_is_the_exact_sum_of_unit_prices_times_quantities():
    raw = [{"sku": "feijoada", "quantity": 2}, {"sku": "guarana", "quantity": 3}]

    priced = price_order(raw, MenuCatalog(MENU))

    assert priced.total == Money(2 * 4_590 + 3 * 790, "BRL")
    assert priced.to_json()["lines"][1] == {
        "sku": "guarana",
        "name": "Guarana",
        "quantity": 3,
        "unit_price": {"amount": 790, "currency": "BRL"},
        "line_total": {"amount": 2_370, "currency": "BRL"},
    }
    assert priced.to_json()["total"] == {"amount": 11_550, "currency": "BRL"}


def test_same_sku_on_two_lines_is_rung_up_as_one_line():
    raw = [
        {"sku": "feijoada", "quantity": 1},
        {"sku": "guarana", "quantity": 1},
        {"sku": "feijoada", "quantity": 2},
    ]

    priced = price_order(raw, MenuCatalog(MENU))

    assert [(line.item.sku, line.quantity) for line in priced.lines] == [
        ("feijoada", 3),
        ("guarana", 1),
    ]
    assert priced.total == Money(3 * 4_590 + 790, "BRL")


def test_merged_quantity_over_the_limit_is_reported_on_the_first_line():
    raw = [
        {"sku": "guarana", "quantity": 1},
        {"sku": "feijoada", "quantity": 3},
        {"sku": "feijoada", "quantity": 3},
    ]

    errors = rejection(raw)

    assert errors == [
        FieldError("items[1].quantity", "at most 5 of this item per order", "too_large", {"max": 5})
    ]


@pytest.mark.parametrize(
    ("sku", "message", "code"),
    [
        ("lasanha", "this item is not on the menu", "unknown_sku"),
        ("pudim", "this item is not available right now", "not_on_sale"),
    ],
)
def test_sku_that_cannot_be_sold_is_named_with_its_line(sku, message, code):
    raw = [{"sku": "guarana", "quantity": 1}, {"sku": sku, "quantity": 1}]

    errors = rejection(raw)

    assert errors == [FieldError("items[1].sku", message, code)]


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        (0, FieldError("items[0].quantity", "quantity must be at least 1", "too_small")),
        (-3, FieldError("items[0].quantity", "quantity must be at least 1", "too_small")),
        (
            6,
            FieldError(
                "items[0].quantity", "at most 5 of this item per order", "too_large", {"max": 5}
            ),
        ),
        (
            10**30,
            FieldError(
                "items[0].quantity", "at most 5 of this item per order", "too_large", {"max": 5}
            ),
        ),
        (True, FieldError("items[0].quantity", "quantity must be a whole number", "type")),
        (1.5, FieldError("items[0].quantity", "quantity must be a whole number", "type")),
        ("2", FieldError("items[0].quantity", "quantity must be a whole number", "type")),
        (None, FieldError("items[0].quantity", "quantity must be a whole number", "type")),
    ],
)
def test_bad_quantity_is_named_with_its_line(quantity, expected):
    errors = rejection([{"sku": "feijoada", "quantity": quantity}])

    assert errors == [expected]


@pytest.mark.parametrize("line", ["feijoada", None, 7])
def test_line_that_is_not_an_object_is_refused_as_a_whole(line):
    errors = rejection([line])

    assert errors == [
        FieldError("items[0]", "each item is an object with sku and quantity", "item_type")
    ]


def test_sku_that_is_not_text_is_refused_as_such():
    errors = rejection([{"sku": 123, "quantity": 1}])

    assert errors == [FieldError("items[0].sku", "sku must be text", "string_type")]


@pytest.mark.parametrize("line", [{"quantity": 1}, {"sku": "", "quantity": 1}])
def test_line_without_a_sku_is_refused(line):
    errors = rejection([line])

    assert errors == [FieldError("items[0].sku", "sku is required", "required")]


def test_empty_order_needs_at_least_one_item():
    errors = rejection([])

    assert errors == [FieldError("items", "an order needs at least one item", "required")]


def test_more_than_fifty_lines_are_refused_as_a_whole():
    raw = [{"sku": "guarana", "quantity": 1}] * (MAX_LINES + 1)

    errors = rejection(raw)

    assert errors == [FieldError("items", "an order has at most 50 lines", "too_many", {"max": 50})]


def test_items_priced_in_different_currencies_are_refused():
    raw = [{"sku": "feijoada", "quantity": 1}, {"sku": "burger", "quantity": 1}]

    errors = rejection(raw)

    assert errors == [
        FieldError("items", "items are priced in different currencies", "mixed_currency")
    ]


def test_errors_come_sorted_by_line_with_exact_field_paths():
    raw = [
        {"sku": "pudim", "quantity": 1},
        {"sku": "guarana", "quantity": "2"},
        {"sku": "lasanha", "quantity": 1},
        {"quantity": 1},
        *[{"sku": "guarana", "quantity": 1}] * 6,
        {"sku": "feijoada", "quantity": 0},
    ]

    with pytest.raises(OrderInvalid) as raised:
        price_order(raw, MenuCatalog(MENU))

    assert raised.value.code == "ORDER_INVALID"
    assert raised.value.message == "the order cannot be accepted as it is"
    assert [error.field for error in raised.value.details] == [
        "items[0].sku",
        "items[1].quantity",
        "items[2].sku",
        "items[3].sku",
        "items[10].quantity",
    ]


@pytest.mark.parametrize("second", [-4, 0])
def test_quantity_below_one_on_a_repeated_sku_is_refused_on_its_own_line(second):
    raw = [{"sku": "feijoada", "quantity": 5}, {"sku": "feijoada", "quantity": second}]

    errors = rejection(raw)

    assert errors == [FieldError("items[1].quantity", "quantity must be at least 1", "too_small")]
