"""Faults everywhere, promises kept: every saga task and event consumer failing, timing out
after its work was done, or running twice, and a seeded random run of 200 orders with
faults on every function, all ending with no invariant broken.

What is checked after each run is what a customer, the shop and the accountant would
check: every order ended (confirmed, rejected or failed), a confirmed order was charged its
total once and a dead one holds no money and no stock (the reconciler finds nothing), and
no customer got the same message twice.
"""

from __future__ import annotations

import collections
import random
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest

from entrega_local.client import EntregaClient
from entrega_local.demo import sample_order
from entrega_local.faults import order_of
from entrega_local.reconcile import Tables, check
from entrega_local.stack import EmbeddedStack
from intake.domain import order_id_for

SAGA_ENDED = frozenset({"CONFIRMED", "REJECTED", "FAILED"})
# Items this module keeps plenty of (set below), and one the seed holds only three of.
PLENTY = [
    {"sku": "pao-de-queijo-porcao", "quantity": 1},
    {"sku": "agua-mineral-sem-gas", "quantity": 1},
]
SCARCE = [{"sku": "moqueca-de-peixe", "quantity": 5}]
SAGA_TASKS = ("ValidateOrder", "ReserveStock", "GetInsights", "ChargePayment", "ConfirmOrder")
COMPENSATIONS = ("RecordOutcome", "RefundPayment", "ReleaseStock")
CONSUMERS = ("OrderPlaced", "StatusChanged", "CommitStock", "NotificationSent", "PurchaseHistory")
KINDS = ("error", "timeout", "duplicate")


@pytest.fixture(scope="module", autouse=True)
def plenty_of_stock(stack: EmbeddedStack) -> None:
    table = boto3.resource("dynamodb").Table(stack.output("inventory", "StockTableName"))
    for line in PLENTY:
        table.update_item(
            Key={"pk": f"SKU#{line['sku']}"},
            UpdateExpression="SET available = :n",
            ExpressionAttributeValues={":n": 5_000},
        )


def placed(api: EntregaClient, key: str, order: dict[str, Any]) -> str:
    """Place the order as a customer's app does: a 503 is sent again with the same key."""
    for _ in range(3):
        answer = api.place_order(order, key=key)
        if answer.status != 503:
            break
    assert answer.status == 202, answer.body
    return str(answer.body["order_id"])


def broken_promises(stack: EmbeddedStack, orders: dict[str, dict[str, Any]]) -> list[str]:
    """Everything wrong with these orders, as the people who depend on them would see it."""
    problems = []
    tables = Tables(
        orders=stack.output("intake", "OrdersTableName"),
        ledger=stack.output("payments", "LedgerTableName"),
        stock=stack.output("inventory", "StockTableName"),
    )
    problems += [
        f"{f.order_id} {f.problem}: {f.detail}" for f in check(tables) if f.order_id in orders
    ]
    ledger = ledger_entries(stack, list(orders))
    for order_id, order in orders.items():
        problems += charge_problems(order, ledger.get(order_id))
        problems += message_problems(stack, order)
        if order["status"] not in SAGA_ENDED:
            problems.append(f"{order_id} did not end: {order['status']}")
    lost = [letter for letter in stack.runtime.dead_letters if order_of(letter.event) in orders]
    problems += [f"dead letter for {letter.function}" for letter in lost]
    return problems


def ledger_entries(stack: EmbeddedStack, order_ids: list[str]) -> dict[str, dict[str, Any]]:
    table = boto3.resource("dynamodb").Table(stack.output("payments", "LedgerTableName"))
    found = {}
    for order_id in order_ids:
        rows = table.query(
            KeyConditionExpression="order_id = :id",
            ExpressionAttributeValues={":id": order_id},
            ConsistentRead=True,
        )["Items"]
        assert len(rows) <= 1, f"{order_id} has {len(rows)} ledger entries"
        if rows:
            found[order_id] = rows[0]
    return found


def charge_problems(order: dict[str, Any], entry: dict[str, Any] | None) -> list[str]:
    order_id, total = order["order_id"], order["total"]["amount"]
    captured = int(entry.get("captured_amount", 0)) if entry else 0
    refunded = int(entry.get("refunded_amount", 0)) if entry else 0
    if order["status"] == "CONFIRMED" and (captured, refunded) != (total, 0):
        return [f"{order_id} confirmed with {captured} captured and {refunded} refunded of {total}"]
    if order["status"] != "CONFIRMED" and captured != refunded:
        return [f"{order_id} {order['status']} keeps {captured - refunded} of its charge"]
    return []


def message_problems(stack: EmbeddedStack, order: dict[str, Any]) -> list[str]:
    ref = order["order_id"].removeprefix("ord_")[:6].upper()
    subjects = collections.Counter(e.subject for e in stack.sent_emails() if ref in e.subject)
    texts = collections.Counter(s.text for s in stack.sent_sms() if ref in s.text)
    logged = collections.Counter((n["status"], n["channel"]) for n in order["notifications"])
    repeated = [*(+subjects - collections.Counter(set(subjects))).keys()]
    repeated += [*(+texts - collections.Counter(set(texts))).keys()]
    repeated += [f"{s}/{c}" for (s, c), n in logged.items() if n > 1]
    return [f"{order['order_id']} got twice: {message}" for message in repeated]


def settled_orders(stack: EmbeddedStack, api: EntregaClient, ids: list[str]) -> dict[str, Any]:
    for order_id in ids:
        api.wait_for(order_id, SAGA_ENDED, timeout=120)
    stack.settle()
    return {order_id: api.order(order_id).body for order_id in ids}


# What a single fault does to a paid order of plentiful items: the status it ends in.
# POST /orders prices the order through ValidateOrder before the saga starts, so a fault
# there meets the API first: it answers 503, and the app's retry goes through.
FORWARD = {
    ("ValidateOrder", "error"): "CONFIRMED",
    ("ReserveStock", "error"): "FAILED",
    ("GetInsights", "error"): "CONFIRMED",
    ("ChargePayment", "error"): "FAILED",
    ("ConfirmOrder", "error"): "FAILED",
    **{(task, kind): "CONFIRMED" for task in SAGA_TASKS for kind in ("timeout", "duplicate")},
}


@pytest.mark.parametrize(
    ("task", "kind"), sorted(FORWARD), ids=[f"{t}-{k}" for t, k in sorted(FORWARD)]
)
def test_a_saga_task_failing_or_repeating_ends_the_order_as_designed(api, stack, task, kind):
    key = f"fault-{task}-{kind}-{uuid.uuid4()}"
    stack.faults.inject(task, times=1, order_id=order_id_for(key), kind=kind)

    order_id = placed(api, key, sample_order(0, items=PLENTY))
    orders = settled_orders(stack, api, [order_id])

    assert orders[order_id]["status"] == FORWARD[(task, kind)]
    assert (task, "Lambda.Unknown" if kind == "timeout" else "InjectedFault") in stack.faults.fired
    assert broken_promises(stack, orders) == []


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("task", COMPENSATIONS)
def test_a_compensation_failing_or_repeating_still_leaves_nothing_behind(api, stack, task, kind):
    """A declined card runs ReleaseStock and RecordOutcome; a failed confirmation refunds.

    The error here is transient (DependencyUnavailable), which the saga retries: a
    compensation that fails for good is what the reconciler is for (tests/test_reconcile.py).
    """
    key = f"fault-{task}-{kind}-{uuid.uuid4()}"
    order_id = order_id_for(key)
    method = "pm_card_visa" if task == "RefundPayment" else "pm_card_chargeDeclined"
    if task == "RefundPayment":
        stack.faults.inject("ConfirmOrder", times=1, order_id=order_id)
    stack.faults.inject(task, "DependencyUnavailable", times=1, order_id=order_id, kind=kind)

    placed(api, key, sample_order(1, items=PLENTY, method=method))
    orders = settled_orders(stack, api, [order_id])

    assert orders[order_id]["status"] == ("FAILED" if task == "RefundPayment" else "REJECTED")
    assert broken_promises(stack, orders) == []


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("consumer", CONSUMERS)
def test_an_event_consumer_failing_or_getting_an_event_twice_acts_once(api, stack, consumer, kind):
    key = f"fault-{consumer}-{kind}-{uuid.uuid4()}"
    stack.faults.inject(consumer, times=1, order_id=order_id_for(key), kind=kind)

    order_id = placed(api, key, sample_order(2, items=PLENTY))
    orders = settled_orders(stack, api, [order_id])

    assert orders[order_id]["status"] == "CONFIRMED"
    assert broken_promises(stack, orders) == []


def random_order(rng: random.Random, index: int) -> dict[str, Any]:
    roll = rng.random()
    if roll < 0.1:
        return sample_order(index % 3, items=SCARCE)
    method = "pm_card_chargeDeclined" if roll < 0.25 else "pm_card_visa"
    return sample_order(index % 3, items=PLENTY, method=method)


def random_faults(stack: EmbeddedStack, rng: random.Random, order_id: str) -> None:
    """Up to two faults for the order, on any function, of any kind.

    Errors in the functions that record the outcome are transient: when even recording the
    outcome fails for good, the order stays PLACED and the reconciler reports it.
    """
    for task in rng.sample([*SAGA_TASKS, *COMPENSATIONS, *CONSUMERS], rng.choice((0, 1, 1, 2))):
        kind = rng.choice(KINDS)
        error = rng.choice(("InjectedFault", "DependencyUnavailable"))
        if task == "RecordOutcome":
            error = "DependencyUnavailable"
        stack.faults.inject(task, error, times=1, order_id=order_id, kind=kind)


# Two hundred orders take two to three minutes on an idle two-core machine, longer on a busy one.
@pytest.mark.timeout(1200)
def test_two_hundred_orders_with_faults_everywhere_break_no_promise(stack):
    # Patient clients: under this load one machine answers slower than a phone would wait.
    api = EntregaClient(stack.url, timeout=60, tokens=stack.token, shop=stack.shop_id)
    rng, run = random.Random(20261203), uuid.uuid4().hex[:8]
    keys = [f"fault-run-{run}-{index}" for index in range(200)]
    for key in keys:
        random_faults(stack, rng, order_id_for(key))
    orders = {key: random_order(rng, index) for index, key in enumerate(keys)}
    fired_before = len(stack.faults.fired)

    with ThreadPoolExecutor(max_workers=5) as clients:
        ids = list(clients.map(lambda key: placed(api, key, orders[key]), keys))
    settled = settled_orders(stack, api, ids)

    statuses = collections.Counter(order["status"] for order in settled.values())
    fired = collections.Counter(task for task, _ in stack.faults.fired[fired_before:])
    assert broken_promises(stack, settled) == []
    assert sum(fired.values()) > 100
    assert set(fired) >= {*SAGA_TASKS, *CONSUMERS, "RecordOutcome"}
    assert sum(statuses.values()) == 200
    assert statuses["CONFIRMED"] > 100
    assert statuses["REJECTED"] > 20
