"""Who may move an order, and what the fulfilment workflow is told, with in-memory ports."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from intake import access, lifecycle
from intake.access import Caller, Role
from intake.errors import Forbidden, InvalidTransition, OrderNotFound, Unauthenticated
from intake.models import Order, ProgressRequest, Status, TimelineEntry

NOW = datetime(2026, 12, 3, 19, 0, tzinfo=UTC)
ANA = Caller("cus_ana", frozenset({Role.CUSTOMER}))
BRUNO = Caller("cus_bruno", frozenset({Role.CUSTOMER}))
STAFF = Caller("staff-1", frozenset({Role.STAFF}), "cozinha")
OTHER_STAFF = Caller("staff-9", frozenset({Role.STAFF}), "outra")
CAIO = Caller("courier-caio", frozenset({Role.COURIER}))
DUDA = Caller("courier-duda", frozenset({Role.COURIER}))


def order(status: Status = Status.CONFIRMED, **changes: Any) -> Order:
    fields: dict[str, Any] = {
        "order_id": "ord_" + "a" * 26,
        "status": status,
        "placed_at": NOW,
        "customer": {
            "id": "cus_ana",
            "name": "Ana",
            "email": "ana@example.com",
            "phone": "+5511988887777",
        },
        "delivery_address": {
            "country": "BR",
            "street": "Rua A",
            "number": "1",
            "district": "Centro",
            "city": "São Paulo",
            "state": "SP",
            "postal_code": "01310-100",
        },
        "payment_method": {"provider": "stripe", "method": "pm_card_visa"},
        "lines": [{"sku": "feijoada", "quantity": 1}],
        "total": {"amount": 5490, "currency": "BRL"},
        "timeline": [TimelineEntry(status=status, at=NOW)],
        "request_hash": "x",
        "shop_id": "cozinha",
    }
    return Order.model_validate({**fields, **changes})


class Store:
    def __init__(self, stored: Order) -> None:
        self.order = stored

    def get(self, order_id: str) -> Order | None:
        return self.order

    def transition(self, current: Order, entry: TimelineEntry, changes: dict[str, Any]) -> Order:
        if (current.status, current.version) != (self.order.status, self.order.version):
            raise InvalidTransition("changed meanwhile")
        self.order = self.order.model_copy(
            update={
                **changes,
                "status": entry.status,
                "timeline": [*self.order.timeline, entry],
                "version": self.order.version + 1,
            }
        )
        return self.order

    def save_token(self, order_id: str, status: Status, token: str) -> Order:
        tokens = {**self.order.task_tokens, status.value: token}
        self.order = self.order.model_copy(update={"task_tokens": tokens})
        return self.order

    def request_cancellation(self, current: Order, cancellation: dict[str, Any]) -> Order:
        self.order = self.order.model_copy(
            update={"cancellation": cancellation, "version": self.order.version + 1}
        )
        return self.order


class Bus:
    def __init__(self) -> None:
        self.changes: list[Status] = []

    def status_changed(self, changed: Order, previous: Status | None) -> None:
        self.changes.append(changed.status)


class Workflow:
    def __init__(self) -> None:
        self.told: list[tuple[str, str]] = []

    def start(self, started: Order) -> None:
        self.told.append(("start", started.order_id))

    def succeed(self, token: str, output: dict[str, Any]) -> None:
        self.told.append(("succeed", token))

    def heartbeat(self, token: str) -> None:
        self.told.append(("heartbeat", token))

    def fail(self, token: str, error: str, cause: str) -> None:
        self.told.append(("fail", token))


class Saga:
    def __init__(self) -> None:
        self.started: list[str] = []

    def start(self, cancelled: Order) -> None:
        self.started.append(cancelled.order_id)


def progress(store: Store, status: str, caller: Caller, **extra: Any) -> Order:
    request = ProgressRequest.model_validate({"status": status, **extra})
    return lifecycle.progress("any", request, caller, NOW, store, Bus(), Workflow())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("claims", "roles"),
    [
        ({"sub": "a", "cognito:groups": ["customers"]}, {Role.CUSTOMER}),
        ({"sub": "a", "cognito:groups": "staff,couriers"}, {Role.STAFF, Role.COURIER}),
        ({"sub": "a", "cognito:groups": "[couriers]"}, {Role.COURIER}),
    ],
)
def test_groups_are_read_however_the_authorizer_writes_them(claims, roles):
    assert Caller.from_claims(claims).roles == roles


@pytest.mark.parametrize(
    "claims", [None, {}, {"sub": "a"}, {"sub": "a", "cognito:groups": "admins"}, {"groups": "x"}]
)
def test_no_subject_or_no_known_group_is_nobody(claims):
    with pytest.raises(Unauthenticated):
        Caller.from_claims(claims)


def test_only_the_shops_staff_run_the_kitchen():
    with pytest.raises(Forbidden):
        progress(Store(order()), "ACCEPTED", ANA)
    with pytest.raises(OrderNotFound):
        progress(Store(order()), "ACCEPTED", OTHER_STAFF)
    with pytest.raises(OrderNotFound):
        progress(Store(order()), "ACCEPTED", BRUNO)

    assert progress(Store(order()), "ACCEPTED", STAFF).status is Status.ACCEPTED


def test_the_first_courier_to_pick_up_becomes_the_orders_courier():
    store = Store(order(Status.READY))

    picked = progress(store, "OUT_FOR_DELIVERY", CAIO)

    assert picked.courier_id == "courier-caio"
    with pytest.raises(OrderNotFound):
        progress(store, "DELIVERED", DUDA)
    assert progress(store, "DELIVERED", CAIO).status is Status.DELIVERED


def test_a_courier_named_at_ready_is_the_only_one_who_may_pick_up():
    store = Store(order(Status.PREPARING))
    progress(store, "READY", STAFF, courier_id="courier-duda")

    with pytest.raises(OrderNotFound):
        progress(store, "OUT_FOR_DELIVERY", CAIO)
    assert progress(store, "OUT_FOR_DELIVERY", DUDA).courier_id == "courier-duda"


def test_an_order_being_cancelled_moves_only_to_cancelled():
    store = Store(order(Status.PREPARING, cancellation={"code": "CUSTOMER_CANCELLED"}))

    with pytest.raises(InvalidTransition, match="being cancelled"):
        progress(store, "READY", STAFF)


def test_cancel_is_for_the_owner_and_only_before_pickup():
    saga = Saga()

    with pytest.raises(Forbidden):
        lifecycle.cancel("any", {}, NOW, Store(order()), saga, STAFF)  # type: ignore[arg-type]
    with pytest.raises(OrderNotFound):
        lifecycle.cancel("any", {}, NOW, Store(order()), saga, BRUNO)  # type: ignore[arg-type]
    picked = Store(order(Status.OUT_FOR_DELIVERY))
    with pytest.raises(InvalidTransition):
        lifecycle.cancel("any", {}, NOW, picked, saga, ANA)  # type: ignore[arg-type]
    assert saga.started == []

    asked = lifecycle.cancel("any", {"code": "X"}, NOW, Store(order()), saga, ANA)  # type: ignore[arg-type]

    assert asked.cancellation == {"code": "X", "requested_at": NOW.isoformat()}
    assert saga.started == [asked.order_id]


def test_a_token_for_a_status_already_reached_is_released_at_once():
    workflow, store = Workflow(), Store(order(Status.ACCEPTED))

    lifecycle.await_status("any", Status.ACCEPTED, "t-1", store, workflow)  # type: ignore[arg-type]
    lifecycle.await_status("any", Status.OUT_FOR_DELIVERY, "t-2", store, workflow)  # type: ignore[arg-type]

    assert workflow.told == [("succeed", "t-1")]
    assert store.order.task_tokens == {"ACCEPTED": "t-1", "OUT_FOR_DELIVERY": "t-2"}


def test_a_move_releases_its_token_and_kitchen_steps_beat_for_the_pickup_wait():
    workflow = Workflow()
    tokens = {"ACCEPTED": "t-1", "OUT_FOR_DELIVERY": "t-2"}

    lifecycle.signal(order(Status.ACCEPTED, task_tokens=tokens), workflow)
    lifecycle.signal(order(Status.PREPARING, task_tokens=tokens), workflow)

    assert workflow.told == [("succeed", "t-1"), ("heartbeat", "t-2")]


def test_a_cancelled_order_fails_every_wait():
    workflow = Workflow()
    tokens = {"ACCEPTED": "t-1", "OUT_FOR_DELIVERY": "t-2"}

    lifecycle.signal(order(Status.CANCELLED, task_tokens=tokens), workflow)

    assert workflow.told == [("fail", "t-1"), ("fail", "t-2")]


def test_the_kitchen_sees_urgent_orders_first_then_the_oldest():
    class Open:
        def open_orders(self, shop_id: str, statuses: frozenset[Status]) -> list[Order]:
            assert shop_id == "cozinha"
            return [
                order(order_id="ord_" + "c" * 26, placed_at=datetime(2026, 1, 1, 12, tzinfo=UTC)),
                order(order_id="ord_" + "b" * 26, placed_at=datetime(2026, 1, 1, 11, tzinfo=UTC)),
                order(order_id="ord_" + "d" * 26, priority=2),
            ]

    listed = lifecycle.kitchen(STAFF, Open())  # type: ignore[arg-type]

    assert [o.order_id[4] for o in listed] == ["d", "b", "c"]
    with pytest.raises(Forbidden):
        lifecycle.kitchen(ANA, Open())  # type: ignore[arg-type]


def test_placing_for_someone_else_is_forbidden_but_a_missing_id_is_left_to_validation():
    with pytest.raises(Forbidden):
        access.check_may_place(ANA, "cus_bruno")
    with pytest.raises(Forbidden):
        access.check_may_place(STAFF, "staff-1")

    access.check_may_place(ANA, None)
    access.check_may_place(ANA, "cus_ana")


def test_an_order_cancelled_while_placed_goes_to_the_cancel_saga_once_confirmed():
    from intake import domain

    store, saga, workflow = Store(order(Status.PLACED)), Saga(), Workflow()

    asked = lifecycle.cancel("any", {"code": "X"}, NOW, store, saga, ANA)  # type: ignore[arg-type]
    assert saga.started == []
    result = {"order_id": asked.order_id, "order": {"lines": [], "total": asked.total}}
    confirmed = domain.confirm(
        {**result, "charge": {}, "insights": {}},
        NOW,
        store,
        Bus(),
        workflow,
        saga,  # type: ignore[arg-type]
    )

    assert confirmed.status is Status.CONFIRMED
    assert saga.started == [asked.order_id]
    assert workflow.told == []
