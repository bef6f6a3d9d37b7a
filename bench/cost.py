"""What an order costs: the AWS requests and DynamoDB capacity units one order uses, counted
on the embedded stack, next to the minimum the design needs, and the price of a million
orders in us-east-1 computed from them. docs/benchmarks.md derives the minimum and gives
the formula.

    .venv/bin/python bench/cost.py [--orders 20]

Every AWS call made in this process goes through botocore's BaseClient._make_api_call,
handlers' calls and the Step Functions interpreter's alike, so wrapping it counts them all.
DynamoDB capacity is worked out from the items as the tables hold them after the run: a
write costs one write unit per started kilobyte of the item (twice that in a transaction),
a strongly consistent read one read unit per started 4 KB, an eventually consistent one half.
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import os
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "CRITICAL")

import boto3
from botocore.client import BaseClient

from entrega_local.client import EntregaClient
from entrega_local.demo import sample_order
from entrega_local.lambdas import LambdaRuntime
from entrega_local.stack import EmbeddedStack
from recommendations.adapters import converse_request
from recommendations.models import Candidate, PastOrders, Prompt, PromptItem
from recommendations.settings import BedrockSettings

RESULTS = Path(__file__).resolve().parents[1] / "bench" / "results"
ITEMS = [{"sku": "pf-frango-grelhado", "quantity": 1}, {"sku": "suco-de-laranja", "quantity": 1}]
LAMBDA_MEMORY_GB = 0.5  # the templates' MemorySize: 512
EXPRESS_MEMORY_GB = 0.064  # Express workflows are billed at 64 MB at least
# us-east-1 list prices in USD (checked against the AWS pricing pages in 2026; check again
# before quoting). SMS has no single price: the Brazilian rate below is an assumption.
PRICES = {
    "api_gateway_request": 3.50e-6,
    "lambda_request": 0.20e-6,
    "lambda_gb_second_arm": 0.0000133334,
    "express_request": 1.00e-6,
    "express_gb_second": 0.00001667,
    "dynamodb_write_unit": 0.625e-6,
    "dynamodb_read_unit": 0.125e-6,
    "eventbridge_event": 1.00e-6,
    "ses_email": 0.10e-3,
    "sns_sms_brazil": 0.02,
    "bedrock_input_token": 0.035e-6,  # Amazon Nova Micro
    "bedrock_output_token": 0.14e-6,
}
# The least the design needs for one paid order, from POST to CONFIRMED with its two
# messages (PLACED and CONFIRMED, by email and SMS); docs/benchmarks.md derives each line.
MINIMUM = {
    "aws requests": 34,
    "dynamodb writes": 16,
    "dynamodb reads": 6,
    "eventbridge entries": 7,
    "lambda invocations": 10,
}


class Counter:
    """Every botocore call in the process: (service, operation) and its parameters."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.durations: list[tuple[str, float]] = []
        self._lock = threading.Lock()
        self._original = BaseClient._make_api_call
        self._invoke = LambdaRuntime.invoke

    def __enter__(self) -> Counter:
        counter = self

        def counted(client: Any, operation: str, params: dict[str, Any]) -> Any:
            with counter._lock:
                counter.calls.append((client.meta.service_model.service_name, operation, params))
            return counter._original(client, operation, params)

        def timed(runtime: LambdaRuntime, name: str, event: Any) -> tuple[Any, bool]:
            started = time.perf_counter()
            try:
                return counter._invoke(runtime, name, event)
            finally:
                with counter._lock:
                    counter.durations.append((name, time.perf_counter() - started))

        BaseClient._make_api_call = counted  # type: ignore[method-assign]
        LambdaRuntime.invoke = timed  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        BaseClient._make_api_call = self._original  # type: ignore[method-assign]
        LambdaRuntime.invoke = self._invoke  # type: ignore[method-assign]

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.durations.clear()


def item_sizes(stack: EmbeddedStack) -> dict[str, float]:
    """Each table's mean item size in bytes, as DynamoDB counts it (names plus values)."""
    client = boto3.client("dynamodb")
    sizes: dict[str, float] = {}
    for name in client.list_tables()["TableNames"]:
        items = client.scan(TableName=name).get("Items", [])
        if items:
            sizes[name] = sum(_size(item) for item in items) / len(items)
    return sizes


def _size(item: dict[str, Any]) -> int:
    return sum(len(key) + len(json.dumps(value)) - 8 for key, value in item.items())


def capacity(calls: list[tuple[str, str, dict[str, Any]]], sizes: dict[str, float]) -> dict:
    """Write and read units of the DynamoDB calls, from their tables' item sizes."""
    writes = reads = 0.0
    write_requests = read_requests = 0

    def units(table: str, per: int) -> int:
        return max(1, math.ceil(sizes.get(table, 100) / per))

    for service, operation, params in calls:
        if service != "dynamodb":
            continue
        if operation in ("PutItem", "UpdateItem", "DeleteItem"):
            writes += units(params["TableName"], 1024)
            write_requests += 1
        elif operation == "TransactWriteItems":
            for action in params["TransactItems"]:
                table = next(iter(action.values()))["TableName"]
                writes += 2 * units(table, 1024)
                write_requests += 1
        elif operation in ("GetItem", "Query", "Scan"):
            share = 1.0 if params.get("ConsistentRead") else 0.5
            reads += share * units(params["TableName"], 4096)
            read_requests += 1
    return {
        "write_units": writes,
        "read_units": reads,
        "writes": write_requests,
        "reads": read_requests,
    }


def bedrock_tokens() -> tuple[int, int]:
    """Input tokens of one GetInsights Converse call (about four characters a token) and the
    answer's budget, for a two-item order with a short history and ten candidates."""
    prompt = Prompt(
        locale="pt-BR",
        time_of_day="evening",
        items=[PromptItem(sku=i["sku"], name=i["sku"], quantity=1, prep_minutes=15) for i in ITEMS],
        past_orders=[PastOrders(sku="guarana-lata", times=3)],
        candidates=[Candidate(sku=f"item-{n}", name=f"Item {n}") for n in range(10)],
    )
    settings = BedrockSettings(model_id="amazon.nova-micro-v1:0", region="us-east-1")
    request = converse_request(prompt, settings)
    return len(json.dumps(request)) // 4, settings.max_tokens


def per_order(stack: EmbeddedStack, counter: Counter, orders: int) -> dict[str, Any]:
    """Place `orders` paid orders at once and let them settle, without polling them: the
    counts are Entrega's own, not a waiting client's."""
    api = EntregaClient(stack.url, timeout=60, tokens=stack.token, shop=stack.shop_id)
    emails, texts = len(stack.sent_emails()), len(stack.sent_sms())
    counter.reset()
    for index in range(orders):
        placed = api.place_order(sample_order(index % 3, items=ITEMS), key=f"cost-{uuid.uuid4()}")
        assert placed.status == 202, placed.body
    stack.settle()
    calls = [call for call in counter.calls if not _is_observer(call)]
    used = capacity(calls, item_sizes(stack))
    operations = collections.Counter(f"{s}:{o}" for s, o, _ in calls)
    entries = sum(len(p.get("Entries", [])) for s, o, p in calls if o == "PutEvents")
    row: dict[str, Any] = {
        "aws requests": len(calls) / orders,
        "dynamodb writes": used["writes"] / orders,
        "dynamodb reads": used["reads"] / orders,
        "dynamodb write units": used["write_units"] / orders,
        "dynamodb read units": used["read_units"] / orders,
        "eventbridge entries": entries / orders,
        "lambda invocations": len(counter.durations) / orders,
        "lambda seconds": sum(seconds for _, seconds in counter.durations) / orders,
        "express executions": operations["stepfunctions:StartExecution"] / orders,
        "emails": (len(stack.sent_emails()) - emails) / orders,
        "sms": (len(stack.sent_sms()) - texts) / orders,
    }
    row["operations"] = {name: count / orders for name, count in sorted(operations.items())}
    return row


def _is_observer(call: tuple[str, str, dict[str, Any]]) -> bool:
    """Calls made by the waiting client and the stack's own bookkeeping, not by Entrega."""
    service, operation, _ = call
    return (service, operation) in {
        ("stepfunctions", "ListExecutions"),
        ("stepfunctions", "DescribeExecution"),
        ("stepfunctions", "ListStateMachines"),
        ("dynamodb", "ListTables"),
        ("dynamodb", "Scan"),
        ("ses", "ListIdentities"),
    }


def price_per_million(row: dict[str, Any]) -> dict[str, float]:
    tokens_in, tokens_out = bedrock_tokens()
    p, million = PRICES, 1_000_000
    lines = {
        "API Gateway (POST + one GET)": 2 * p["api_gateway_request"],
        "Lambda requests": row["lambda invocations"] * p["lambda_request"],
        "Lambda compute": row["lambda seconds"] * LAMBDA_MEMORY_GB * p["lambda_gb_second_arm"],
        "Step Functions Express": row["express executions"] * p["express_request"]
        + row["lambda seconds"] * EXPRESS_MEMORY_GB * p["express_gb_second"],
        "DynamoDB on demand": row["dynamodb write units"] * p["dynamodb_write_unit"]
        + row["dynamodb read units"] * p["dynamodb_read_unit"],
        "EventBridge": row["eventbridge entries"] * p["eventbridge_event"],
        "SES": row["emails"] * p["ses_email"],
        "SNS SMS (Brazil)": row["sms"] * p["sns_sms_brazil"],
        "Bedrock tokens": tokens_in * p["bedrock_input_token"]
        + tokens_out * p["bedrock_output_token"],
    }
    return {name: round(cost * million, 2) for name, cost in lines.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=20)
    arguments = parser.parse_args()
    with EmbeddedStack.started() as stack, Counter() as counter:
        per_order(stack, counter, 3)  # warm every handler and client
        row = per_order(stack, counter, arguments.orders)
    prices = price_per_million(row)

    print(f"{'per paid order':28} {'counted':>8} {'minimum':>8} {'ratio':>6}")
    for name, value in row.items():
        if name == "operations":
            continue
        least = MINIMUM.get(name)
        ratio = f"{value / least:.2f}" if least else ""
        print(f"{name:28} {value:>8.2f} {least or '':>8} {ratio:>6}")
        if least and value > 1.2 * least:
            print(f"MISS {name}: {value:.2f} is more than 1.2x the minimum {least}")
    print(f"\n{'one million orders, USD':32} {'cost':>10}")
    for name, cost in prices.items():
        print(f"{name:32} {cost:>10.2f}")
    print(f"{'total':32} {sum(prices.values()):>10.2f}")
    print("\ncalls per order:", json.dumps(row["operations"], indent=1))
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = {"per_order": row, "minimum": MINIMUM, "usd_per_million": prices, "prices": PRICES}
    (RESULTS / "cost.json").write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
