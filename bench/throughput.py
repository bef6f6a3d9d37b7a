"""Throughput and latency on the embedded stack: orders per second and p50/p99 from POST to the
saga's end, at 1, 10 and 50 concurrent clients, next to the same handlers called in sequence
with no orchestration, all in one run. Peak memory is the process's maximum resident size.

    .venv/bin/python bench/throughput.py [--orders 100]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "CRITICAL")

from entrega_local.client import EntregaClient
from entrega_local.demo import sample_order
from entrega_local.stack import EmbeddedStack

RESULTS = Path(__file__).resolve().parents[1] / "bench" / "results"
ITEMS = [{"sku": "pf-frango-grelhado", "quantity": 1}, {"sku": "suco-de-laranja", "quantity": 1}]


def _restock(stack: EmbeddedStack, api: EntregaClient) -> None:
    for line in ITEMS:
        api.http.put(f"{stack.url}/catalog/{line['sku']}/stock", json={"available": 1_000_000})


def end_to_end(stack: EmbeddedStack, clients: int, orders: int) -> dict[str, float]:
    api = EntregaClient(stack.url, timeout=300, tokens=stack.token, shop=stack.shop_id)

    def one(index: int) -> float:
        started = time.perf_counter()
        placed = api.place_order(sample_order(index % 5, items=ITEMS), key=f"bench-{uuid.uuid4()}")
        api.wait_until_settled(placed.body["order_id"], timeout=300)
        return time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        latencies = sorted(pool.map(one, range(orders)))
    elapsed = time.perf_counter() - started
    return {
        "orders_per_second": round(orders / elapsed, 2),
        "p50_seconds": round(statistics.median(latencies), 3),
        "p99_seconds": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 3),
    }


def in_sequence(stack: EmbeddedStack, orders: int) -> dict[str, float]:
    """The saga's tasks called one after another in this process, with no Step Functions."""
    latencies = []
    for index in range(orders):
        order_id = "ord_" + uuid.uuid4().hex[:26]
        started = time.perf_counter()
        priced = stack.invoke("ValidateOrderFunction", {"order_id": order_id, "items": ITEMS})
        stack.invoke("ReserveStockFunction", {"order_id": order_id, "lines": priced["lines"]})
        request = {
            "order_id": order_id,
            "customer_id": f"cus_{index}",
            "locale": "pt-BR",
            "lines": ITEMS,
            "placed_at": "2026-12-03T12:00:00+00:00",
        }
        stack.invoke("GetInsightsFunction", request)
        payment = {"provider": "stripe", "method": "pm_card_visa"}
        stack.invoke(
            "ChargePaymentFunction",
            {"order_id": order_id, "amount": priced["total"], "payment": payment},
        )
        latencies.append(time.perf_counter() - started)
    return {
        "orders_per_second": round(orders / sum(latencies), 2),
        "p50_seconds": round(statistics.median(latencies), 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100)
    arguments = parser.parse_args()
    report: dict[str, Any] = {}
    with EmbeddedStack.started() as stack:
        api = EntregaClient(stack.url, tokens=stack.token, shop=stack.shop_id)
        _restock(stack, api)
        end_to_end(stack, 5, 10)  # warm every handler and client
        report["sequence (no orchestration)"] = in_sequence(stack, max(20, arguments.orders // 5))
        for clients in (1, 10, 50):
            orders = arguments.orders if clients > 1 else max(20, arguments.orders // 5)
            report[f"embedded, {clients} clients"] = end_to_end(stack, clients, orders)
            stack.settle(120)
    report["peak_memory_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    base = report["sequence (no orchestration)"]["orders_per_second"]
    print(f"{'run':32} {'orders/s':>9} {'p50 s':>7} {'p99 s':>7} {'overhead':>9}")
    for name, row in report.items():
        if isinstance(row, dict):
            overhead = (
                f"{base / row['orders_per_second']:.1f}x" if row["orders_per_second"] else "-"
            )
            rate, p50, p99 = (
                row["orders_per_second"],
                row["p50_seconds"],
                row.get("p99_seconds", ""),
            )
            print(f"{name:32} {rate:>9} {p50:>7} {p99:>7} {overhead:>9}")
    print(f"peak memory: {report['peak_memory_mib']} MiB")
    fifty = report["embedded, 50 clients"]["orders_per_second"]
    if fifty < 50:
        print(f"MISS 50 orders/s at 50 clients: {fifty}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "throughput.json").write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
