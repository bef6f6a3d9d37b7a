"""Placing an order and moving it along its statuses, with in-memory ports."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from entrega_contracts.errors import FieldError
from intake.domain import move, order_id_for, place_order
from intake.errors import InvalidTransition, OrderInvalid
from intake.models import Order, Status, TimelineEntry

NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
LATER = datetime(2025, 3, 14, 12, 5, tzinfo=UTC)
PRICED = {
    "lines": [{"sku": "feijoada", "name": "Feijoada", "quantity": 2}],
    "total": {"amount": 9_180, "currency": "BRL"},
}
BODY: dict[str, Any] = {
    "customer": {
        "id": "cus_1",
        "name": "Ana Souza",
        "email": "ana@example.com",
        "phone": "+55 11 99999-0000",
    },
    "items": [{"sku": "feijoada", "quantity": 2}],
    "delivery_address": {
        "street": "Avenida Paulista",
        "number": "1000",
        "district": "Bela Vista",
        "city": "São Paulo",
        "state": "SP",
        "postal_code": "01310-100",
        "country": "BR",
    },
    "payment": {"provider": "stripe", "method": "pm_card_visa"},
}


class FixedCatalog:
    def __init__(self, errors: list[FieldError] | None = None) -> None:
        self.errors = errors or []
        self.asked: list[list[Any]] = []

    def price(
        self, order_id: str, items: list[Any], placed_at: Any = None, delivery: Any = None
    ) -> tuple[dict[str, Any] | None, list[Any]]:
        self.asked.append(items)
        return (None, self.errors) if self.errors else (PRICED, [])


class MemoryOrders:
    """Create once per id; move only from the stored status and version."""

    def __init__(self) -> None:
        self.orders: dict[str, Order] = {}
        self.creates = 0

    def create(self, order: Order) -> Order:
        self.creates += 1
        return self.orders.setdefault(order.order_id, order)

    def get(self, order_id: str) -> Order | None:
        return self.orders.get(order_id)

    def transition(self, order: Order, entry: TimelineEntry, changes: dict[str, Any]) -> Order:
        stored = self.orders[order.order_id]
        if (stored.status, stored.version) != (order.status, order.version):
            raise InvalidTransition("the order changed while it was being moved")
        self.orders[order.order_id] = stored.model_copy(
            update={
                **changes,
                "status": entry.status,
                "timeline": [*stored.timeline, entry],
                "version": stored.version + 1,
            }
        )
        return self.orders[order.order_id]


class RecordingSaga:
    def __init__(self) -> None:
        self.started: list[str] = []

    def start(self, order: Order) -> None:
        self.started.append(order.order_id)


class RecordingBus:
    def __init__(self) -> None:
        self.placed: list[str] = []
        self.changes: list[tuple[str, Status, Status | None]] = []

    def order_placed(self, order: Order) -> None:
        self.placed.append(order.order_id)

    def status_changed(self, order: Order, previous: Status | None) -> None:
        self.changes.append((order.order_id, order.status, previous))


def body_with(section: str, **changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(BODY)
    body[section].update(changes)
    return body


def placed(store: MemoryOrders, bus: RecordingBus, key: str = "key-1") -> Order:
    return place_order(BODY, key, NOW, FixedCatalog(), store, RecordingSaga(), bus)


def test_invalid_body_and_catalog_errors_are_reported_together_and_nothing_happens():
    store, saga, bus = MemoryOrders(), RecordingSaga(), RecordingBus()
    catalog = FixedCatalog([FieldError("items[0].sku", "this item is not on the menu")])
    body = body_with("customer", email="not-an-email")

    with pytest.raises(OrderInvalid) as raised:
        place_order(body, "key-1", NOW, catalog, store, saga, bus)

    assert [error.field for error in raised.value.details] == ["customer.email", "items[0].sku"]
    assert (store.creates, saga.started, bus.placed) == (0, [], [])


def test_a_field_both_sides_reject_is_reported_once_with_the_request_message():
    catalog = FixedCatalog([FieldError("delivery_address.postal_code", "we do not deliver there")])
    body = body_with("delivery_address", postal_code="0131010")

    with pytest.raises(OrderInvalid) as raised:
        place_order(body, "k", NOW, catalog, MemoryOrders(), RecordingSaga(), RecordingBus())

    assert [(error.field, error.message) for error in raised.value.details] == [
        ("delivery_address.postal_code", "a CEP has 8 digits, like 01310-100")
    ]


def test_empty_items_are_refused_without_asking_the_catalog():
    catalog = FixedCatalog()
    body = {**BODY, "items": []}

    with pytest.raises(OrderInvalid) as raised:
        place_order(body, "k", NOW, catalog, MemoryOrders(), RecordingSaga(), RecordingBus())

    assert [error.field for error in raised.value.details] == ["items"]
    assert catalog.asked == []


def test_valid_order_is_stored_announced_and_started_once():
    store, saga, bus = MemoryOrders(), RecordingSaga(), RecordingBus()

    order = place_order(BODY, "key-1", NOW, FixedCatalog(), store, saga, bus)

    assert order.order_id == order_id_for("key-1")
    assert (order.status, order.total, order.lines) == (
        Status.PLACED,
        PRICED["total"],
        PRICED["lines"],
    )
    assert order.timeline == [TimelineEntry(status=Status.PLACED, at=NOW)]
    assert (store.creates, saga.started, bus.placed) == (1, [order.order_id], [order.order_id])


def test_placing_again_with_the_same_key_stores_nothing_new_and_repeats_the_announcements():
    store, saga, bus = MemoryOrders(), RecordingSaga(), RecordingBus()
    first = place_order(BODY, "key-1", NOW, FixedCatalog(), store, saga, bus)

    again = place_order(BODY, "key-1", LATER, FixedCatalog(), store, saga, bus)

    assert again == first
    assert again.placed_at == NOW
    assert list(store.orders.values()) == [first]
    assert bus.placed == saga.started == [first.order_id, first.order_id]


def test_move_refuses_a_skipped_step_and_changes_nothing():
    store, bus = MemoryOrders(), RecordingBus()
    order = placed(store, bus)

    with pytest.raises(InvalidTransition, match="PLACED cannot become PREPARING"):
        move(order.order_id, Status.PREPARING, LATER, store, bus)

    assert store.orders[order.order_id] == order
    assert bus.changes == []


def test_move_along_the_table_records_and_announces_the_step():
    store, bus = MemoryOrders(), RecordingBus()
    order = placed(store, bus)

    moved = move(order.order_id, Status.CONFIRMED, LATER, store, bus)

    assert (moved.status, moved.version) == (Status.CONFIRMED, 2)
    assert moved.timeline[-1] == TimelineEntry(status=Status.CONFIRMED, at=LATER)
    assert bus.changes == [(order.order_id, Status.CONFIRMED, Status.PLACED)]


def test_move_out_of_a_terminal_status_is_refused():
    store, bus = MemoryOrders(), RecordingBus()
    order = placed(store, bus)
    move(order.order_id, Status.CANCELLED, NOW, store, bus)

    with pytest.raises(InvalidTransition, match="CANCELLED cannot become CONFIRMED"):
        move(order.order_id, Status.CONFIRMED, LATER, store, bus)

    assert store.orders[order.order_id].status is Status.CANCELLED


def test_moving_to_the_current_status_again_reannounces_and_changes_nothing():
    store, bus = MemoryOrders(), RecordingBus()
    order = placed(store, bus)
    confirmed = move(order.order_id, Status.CONFIRMED, NOW, store, bus)

    again = move(order.order_id, Status.CONFIRMED, LATER, store, bus)

    assert again == confirmed
    assert store.orders[order.order_id].version == 2
    assert bus.changes[-1] == (order.order_id, Status.CONFIRMED, Status.PLACED)
    assert len(bus.changes) == 2
