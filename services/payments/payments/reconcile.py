"""Reconciliation: the payments ledger against the orders' statuses, mismatches listed.

    python -m payments.reconcile --api-url https://api.example/Prod --token TOKEN [--table NAME]

Every ledger entry is compared with its order's status, read only through intake's API
(GET /orders/{id}), never from intake's table. A mismatch is printed one per line (order
id, kind, what is wrong) and the command exits 1 if there is any, 0 otherwise. It reads
and reports; repairing is a person's decision (a refund through RefundPayment, say).

The kinds:
- CHARGED_NOT_REFUNDED: money is held for an order that was rejected, failed or cancelled;
- REFUNDED_TWICE: refunds add up to more than was captured, or one order has two full refunds;
- PAID_NOT_CONFIRMED: money is held for an order still PLACED (or unknown to intake) after
  the grace period;
- CONFIRMED_NOT_PAID: the order went ahead but the ledger holds no capture for it;
- OUTCOME_UNKNOWN: a charge, authentication or refund whose end was never recorded.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol, TextIO

from payments.models import LedgerEntry, LedgerStatus

ENDED_WITHOUT_SALE = frozenset({"REJECTED", "FAILED", "CANCELLED"})
WENT_AHEAD = frozenset(
    {"CONFIRMED", "ACCEPTED", "PREPARING", "READY", "OUT_FOR_DELIVERY", "DELIVERED"}
)
_UNFINISHED = (
    LedgerStatus.PENDING,
    LedgerStatus.ACTION_REQUIRED,
    LedgerStatus.REFUND_PENDING,
)
DEFAULT_GRACE = timedelta(minutes=15)
# A payment waiting for its customer lasts as long as the order's stock hold (30 minutes),
# plus the sweeper's five-minute beat and a margin.
WAIT_GRACE = timedelta(minutes=45)
WAITING = "AWAITING_PAYMENT_ACTION"


@dataclass(frozen=True, slots=True)
class Mismatch:
    order_id: str
    kind: str
    detail: str

    def line(self) -> str:
        return f"{self.order_id}\t{self.kind}\t{self.detail}"


class OrderStatuses(Protocol):
    def status(self, order_id: str) -> str | None: ...


def mismatches(
    entry: LedgerEntry, order_status: str | None, now: datetime, grace: timedelta = DEFAULT_GRACE
) -> list[Mismatch]:
    """Every way one ledger entry disagrees with its order's status, or with itself."""
    found: list[Mismatch] = []

    def add(kind: str, detail: str) -> None:
        found.append(Mismatch(entry.order_id, kind, detail))

    held = entry.refundable if entry.status is not LedgerStatus.REFUND_PENDING else 0
    money = f"{entry.captured_amount} {entry.currency} captured, {entry.refunded_amount} refunded"
    waiting = entry.status is LedgerStatus.ACTION_REQUIRED and order_status == WAITING
    settled_long_ago = _age(entry, now) > (max(grace, WAIT_GRACE) if waiting else grace)
    shown = order_status or "unknown to intake"

    if held and order_status in ENDED_WITHOUT_SALE:
        add("CHARGED_NOT_REFUNDED", f"{money}, but the order is {order_status}")
    if _refunded_twice(entry):
        add("REFUNDED_TWICE", f"{money} in {len(entry.refunds)} refunds")
    if held and order_status in (None, "PLACED", WAITING) and settled_long_ago:
        add("PAID_NOT_CONFIRMED", f"{money}, but the order is {shown}")
    if order_status in WENT_AHEAD and entry.captured_amount == 0:
        add("CONFIRMED_NOT_PAID", f"the order is {order_status} but its payment is {entry.status}")
    if entry.status in _UNFINISHED and settled_long_ago:
        add("OUTCOME_UNKNOWN", f"the payment has been {entry.status} since {entry.updated_at}")
    return found


def _refunded_twice(entry: LedgerEntry) -> bool:
    total = sum(record.amount or 0 for record in entry.refunds)
    full = [record for record in entry.refunds if record.amount == entry.captured_amount]
    over = max(total, entry.refunded_amount, entry.provider_refunded) > entry.captured_amount
    return over or len(full) > 1


def _age(entry: LedgerEntry, now: datetime) -> timedelta:
    stamp = entry.updated_at or entry.created_at
    return now - datetime.fromisoformat(stamp) if stamp else timedelta.max


def reconcile(
    entries: Iterable[LedgerEntry], orders: OrderStatuses, now: datetime, grace: timedelta
) -> tuple[int, list[Mismatch]]:
    """How many entries were checked, and what disagrees."""
    checked, found = 0, []
    for entry in entries:
        checked += 1
        found += mismatches(entry, orders.status(entry.order_id), now, grace)
    return checked, found


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """List every mismatch between the ledger and the orders; exit 1 when there is any."""
    arguments = _arguments().parse_args(argv)
    out = out or sys.stdout
    from payments.adapters.orders_api import OrdersApi
    from payments.store import DynamoLedger

    checked, found = reconcile(
        DynamoLedger(arguments.table).entries(),
        OrdersApi(arguments.api_url, arguments.token or os.environ.get("ENTREGA_TOKEN")),
        datetime.now(UTC),
        timedelta(minutes=arguments.grace_minutes),
    )

    for mismatch in found:
        print(mismatch.line(), file=out)
    print(f"checked {checked} payments, {len(found)} mismatches", file=out)
    return 1 if found else 0


def _arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m payments.reconcile", description=__doc__)
    parser.add_argument("--api-url", required=True, help="intake's API base URL")
    parser.add_argument(
        "--token",
        default=None,
        help="a bearer token allowed to read the orders, e.g. the shop's staff's "
        "(default $ENTREGA_TOKEN)",
    )
    parser.add_argument("--table", default=None, help="the ledger table (default $LEDGER_TABLE)")
    parser.add_argument(
        "--grace-minutes",
        type=float,
        default=DEFAULT_GRACE.total_seconds() / 60,
        help="how long a payment may stay unsettled before it counts (default 15)",
    )
    return parser


if __name__ == "__main__":
    sys.exit(main())
