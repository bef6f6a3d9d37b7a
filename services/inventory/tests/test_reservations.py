"""Holding and giving back an order's stock, against an in-memory stock store."""

from __future__ import annotations

import pytest

from inventory.domain import release, reserve
from inventory.errors import OutOfStock
from inventory.models import LineQuantity


class MemoryStock:
    """Holds every line or nothing, at most once per order, as the StockStore contract says."""

    def __init__(self, available: dict[str, int]) -> None:
        self.available = dict(available)
        self.holds: dict[str, list[LineQuantity]] = {}
        self.released: set[str] = set()

    def reserve(self, order_id: str, lines: list[LineQuantity], rehold: bool = False) -> list[str]:
        if order_id in self.holds or (order_id in self.released and not rehold):
            return []
        short = [line.sku for line in lines if self.available.get(line.sku, 0) < line.quantity]
        if short:
            return short
        for line in lines:
            self.available[line.sku] -= line.quantity
        self.holds[order_id] = lines
        return []

    def release(self, order_id: str) -> list[LineQuantity]:
        if order_id in self.holds:
            self.released.add(order_id)
        lines = self.holds.pop(order_id, [])
        for line in lines:
            self.available[line.sku] += line.quantity
        return lines


def test_reserve_holds_every_line_and_returns_them():
    stock = MemoryStock({"feijoada": 4, "guarana": 10})
    lines = [LineQuantity(sku="feijoada", quantity=2), LineQuantity(sku="guarana", quantity=3)]

    held = reserve("ord_1", lines, stock)

    assert held == lines
    assert stock.available == {"feijoada": 2, "guarana": 7}


def test_reserve_names_the_short_skus_and_holds_nothing():
    stock = MemoryStock({"feijoada": 1, "guarana": 10, "pudim": 0})
    lines = [
        LineQuantity(sku="feijoada", quantity=2),
        LineQuantity(sku="guarana", quantity=3),
        LineQuantity(sku="pudim", quantity=1),
    ]

    with pytest.raises(OutOfStock) as raised:
        reserve("ord_1", lines, stock)

    assert raised.value.skus == ["feijoada", "pudim"]
    assert [detail.field for detail in raised.value.details] == ["sku:feijoada", "sku:pudim"]
    assert stock.available == {"feijoada": 1, "guarana": 10, "pudim": 0}
    assert stock.holds == {}


def test_reserving_twice_for_the_same_order_holds_once():
    stock = MemoryStock({"guarana": 10})
    lines = [LineQuantity(sku="guarana", quantity=3)]

    reserve("ord_1", lines, stock)
    again = reserve("ord_1", lines, stock)

    assert again == lines
    assert stock.available == {"guarana": 7}


def test_release_gives_stock_back_once():
    stock = MemoryStock({"guarana": 10})
    reserve("ord_1", [LineQuantity(sku="guarana", quantity=3)], stock)

    first = release("ord_1", stock)
    second = release("ord_1", stock)

    assert first == [LineQuantity(sku="guarana", quantity=3)]
    assert second == []
    assert stock.available == {"guarana": 10}


def test_release_of_an_order_holding_nothing_gives_back_nothing():
    stock = MemoryStock({"guarana": 10})

    released = release("ord_never", stock)

    assert released == []
    assert stock.available == {"guarana": 10}


def test_a_released_hold_is_taken_again_only_when_a_rehold_is_asked():
    stock = MemoryStock({"feijoada": 4})
    lines = [LineQuantity(sku="feijoada", quantity=3)]
    reserve("ord_1", lines, stock)
    release("ord_1", stock)

    reserve("ord_1", lines, stock)
    after_retry = stock.available["feijoada"]
    reserve("ord_1", lines, stock, rehold=True)

    assert after_retry == 4
    assert stock.available["feijoada"] == 1


def test_a_rehold_of_stock_sold_meanwhile_is_out_of_stock():
    stock = MemoryStock({"feijoada": 3})
    lines = [LineQuantity(sku="feijoada", quantity=3)]
    reserve("ord_1", lines, stock)
    release("ord_1", stock)
    reserve("ord_2", lines, stock)

    with pytest.raises(OutOfStock) as raised:
        reserve("ord_1", lines, stock, rehold=True)

    assert raised.value.skus == ["feijoada"]
