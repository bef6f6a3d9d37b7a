"""The reconciler finds orders whose parts disagree across services, and repairs what is safe."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import boto3

from entrega_local.demo import sample_order
from entrega_local.reconcile import Tables, check, repair


def tables(stack) -> Tables:
    return Tables(
        orders=stack.output("intake", "OrdersTableName"),
        ledger=stack.output("payments", "LedgerTableName"),
        stock=stack.output("inventory", "StockTableName"),
    )


def findings_for(stack, order_id):
    return sorted((f.problem, f.detail) for f in check(tables(stack)) if f.order_id == order_id)


def dead_order_holding_money_and_stock(stack, api) -> str:
    """An order the saga never finished compensating: charged, stock held, marked FAILED."""
    order_id = "ord_" + uuid.uuid4().hex[:26]
    priced = stack.invoke(
        "ValidateOrderFunction",
        {"order_id": order_id, "items": [{"sku": "x-salada", "quantity": 1}]},
    )
    stack.invoke("ReserveStockFunction", {"order_id": order_id, "lines": priced["lines"]})
    stack.invoke(
        "ChargePaymentFunction",
        {
            "order_id": order_id,
            "amount": priced["total"],
            "payment": {"provider": "stripe", "method": "pm_card_visa"},
        },
    )
    row = {"order_id": order_id, "status": "FAILED", "placed_at": datetime.now(UTC).isoformat()}
    boto3.resource("dynamodb").Table(tables(stack).orders).put_item(Item=row)
    return order_id


def test_a_completed_order_is_consistent_everywhere(api, stack, place):
    order_id = place(sample_order(0))
    api.wait_until_settled(order_id)
    stack.settle()

    assert findings_for(stack, order_id) == []


def test_a_dead_order_holding_a_charge_and_stock_is_found_and_repaired(api, stack):
    before = api.catalog()["x-salada"]["available"]
    order_id = dead_order_holding_money_and_stock(stack, api)

    found = [f for f in check(tables(stack)) if f.order_id == order_id]
    repaired = repair(found, stack.invoke)

    assert sorted(f.problem for f in found) == ["CHARGED_BUT_FAILED", "STOCK_HELD_BY_FAILED"]
    assert all(f.repaired for f in repaired)
    assert findings_for(stack, order_id) == []
    assert api.catalog()["x-salada"]["available"] == before


def test_an_order_stuck_in_placed_is_reported_not_touched(stack):
    order_id = "ord_" + uuid.uuid4().hex[:26]
    old = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    boto3.resource("dynamodb").Table(tables(stack).orders).put_item(
        Item={"order_id": order_id, "status": "PLACED", "placed_at": old}
    )

    found = [f for f in check(tables(stack)) if f.order_id == order_id]

    assert [f.problem for f in found] == ["STUCK_IN_PLACED"]
    assert [f.repaired for f in repair(found, stack.invoke)] == [False]


def test_the_reconcile_command_repairs_and_then_finds_nothing_open(api, stack):
    from typer.testing import CliRunner

    from entrega_local.cli import app

    order_id = dead_order_holding_money_and_stock(stack, api)

    first = CliRunner().invoke(app, ["reconcile", "--endpoint-url", stack.emulator_url, "--repair"])
    again = CliRunner().invoke(app, ["reconcile", "--endpoint-url", stack.emulator_url])

    assert order_id in first.output
    assert "repaired" in first.output
    assert order_id not in again.output
