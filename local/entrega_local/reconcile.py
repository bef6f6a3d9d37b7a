"""The reconciler: every order's invariants checked across the services that hold its parts.

An operator's tool with read access to each service's table (services never read each
other's; this does, to audit them). For every order it checks that:

- a cancelled, rejected or failed order has no net charge and holds no stock;
- an order past CONFIRMED was charged and has its stock held or sold;
- no order sits in PLACED past the saga's deadline, or waits for its customer's payment
  past the stock hold that bounds the wait.

With `repair`, what is safe is repaired through the services' own functions, as an
operator would invoke them: a net charge on a dead order is refunded (RefundPayment), a
hold on a dead order is released (ReleaseStock). Everything else is only reported.

    .venv/bin/entrega reconcile [--repair]    (on a running embedded stack: see cli.py)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3

DEAD = frozenset({"REJECTED", "FAILED", "CANCELLED"})
PAST_CONFIRMED = frozenset(
    {"CONFIRMED", "ACCEPTED", "PREPARING", "READY", "OUT_FOR_DELIVERY", "DELIVERED"}
)
# An Express saga runs for at most five minutes; an order still PLACED after this is stuck.
PLACED_DEADLINE = timedelta(minutes=10)
# The wait for a customer's payment ends when the stock hold expires (30 minutes) and the
# sweeper (every 5 minutes) announces it; an order still waiting after this is stuck.
AWAITING_DEADLINE = timedelta(minutes=45)


@dataclass(frozen=True)
class Finding:
    order_id: str
    problem: str
    detail: str
    repaired: bool = False


@dataclass(frozen=True)
class Tables:
    orders: str
    ledger: str
    stock: str


def _scan(table: str) -> list[dict[str, Any]]:
    client: Any = boto3.session.Session().resource("dynamodb").Table(table)
    items: list[dict[str, Any]] = []
    arguments: dict[str, Any] = {"ConsistentRead": True}
    while True:
        page = client.scan(**arguments)
        items += page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return items
        arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _int(value: Any) -> int:
    return int(value) if isinstance(value, int | Decimal) else 0


def net_charge(entry: dict[str, Any] | None) -> int:
    if entry is None or entry.get("status") not in ("CAPTURED", "REFUND_PENDING", "REFUNDED"):
        return 0
    return _int(entry.get("captured_amount", entry.get("amount"))) - _int(
        entry.get("refunded_amount")
    )


def check(tables: Tables, now: datetime | None = None) -> list[Finding]:
    """Every broken invariant, one finding per order and problem."""
    moment = now or datetime.now(UTC)
    ledger = {str(e["order_id"]): e for e in _scan(tables.ledger)}
    holds = {
        str(r["pk"]).removeprefix("RESERVATION#"): r
        for r in _scan(tables.stock)
        if str(r["pk"]).startswith("RESERVATION#")
    }
    findings: list[Finding] = []
    for order in _scan(tables.orders):
        findings += _order_findings(
            order, ledger.get(str(order["order_id"])), holds.get(str(order["order_id"])), moment
        )
    return findings


def _order_findings(
    order: dict[str, Any], entry: dict[str, Any] | None, hold: dict[str, Any] | None, now: datetime
) -> list[Finding]:
    order_id, status = str(order["order_id"]), str(order["status"])
    hold_status = str(hold.get("status")) if hold else "missing"
    held = hold_status in ("RESERVED", "SOLD")
    found: list[Finding] = []
    if status in DEAD and net_charge(entry) > 0:
        found.append(
            Finding(
                order_id, "CHARGED_BUT_" + status, f"{net_charge(entry)} minor units still captured"
            )
        )
    if status in DEAD and held:
        found.append(Finding(order_id, "STOCK_HELD_BY_" + status, f"reservation is {hold_status}"))
    if status in PAST_CONFIRMED and net_charge(entry) <= 0:
        found.append(
            Finding(
                order_id,
                "CONFIRMED_NOT_PAID",
                f"ledger is {entry.get('status') if entry else 'missing'}",
            )
        )
    if status in PAST_CONFIRMED and not held:
        found.append(
            Finding(
                order_id,
                "CONFIRMED_WITHOUT_STOCK",
                f"reservation is {hold_status}",
            )
        )
    placed_at = datetime.fromisoformat(str(order["placed_at"]).replace("Z", "+00:00"))
    if status == "PLACED" and now - placed_at > PLACED_DEADLINE:
        found.append(Finding(order_id, "STUCK_IN_PLACED", f"placed at {order['placed_at']}"))
    if status == "AWAITING_PAYMENT_ACTION" and now - placed_at > AWAITING_DEADLINE:
        found.append(Finding(order_id, "STUCK_AWAITING_PAYMENT", f"placed at {order['placed_at']}"))
    return found


def repair(findings: list[Finding], invoke: Any) -> list[Finding]:
    """Refund and release what dead orders still hold, through the services' own tasks."""
    repaired = []
    for finding in findings:
        if finding.problem.startswith("CHARGED_BUT_"):
            invoke("RefundPaymentFunction", {"order_id": finding.order_id})
        elif finding.problem.startswith("STOCK_HELD_BY_") and "RESERVED" in finding.detail:
            invoke("ReleaseStockFunction", {"order_id": finding.order_id})
        else:
            repaired.append(finding)
            continue
        repaired.append(Finding(finding.order_id, finding.problem, finding.detail, repaired=True))
    return repaired
