"""Offline evaluation: hit rate at 3 and coverage of the local model against popularity.

    python -m recommendations.evaluation --out bench/results/recommendations.json

Each customer's last order is held out, and the rest (with every order of one-time
customers) is the history the models learn from, counted exactly as the purchase-history
consumer counts confirmed orders. For each held-out order with two or more skus, one sku
(chosen by the seed) is hidden and the others are the order a model sees; a hit is the
hidden sku among the model's three suggestions. Coverage is the share of sellable skus that
some model suggestion ever names. Amazon Bedrock is measured too, on the first
--bedrock-cases orders, when BEDROCK_MODEL_ID is set and AWS credentials are found.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from recommendations import domain, order_histories, settings
from recommendations.models import ConfirmedOrder, InsightRequest, Line, Product

DEFAULT_MENU = (
    Path(__file__).resolve().parents[3] / "local" / "entrega_local" / "seed" / "menu.json"
)
Recommender = Callable[[InsightRequest], list[str]]


class MemoryHistory:
    """The purchase history held in memory, fed with the same Purchase the consumer stores."""

    def __init__(self, catalog: Mapping[str, Product]) -> None:
        self.catalog = catalog
        self.pairs: dict[str, Counter[str]] = {}
        self.popularity: Counter[str] = Counter()
        self.customers: dict[str, Counter[str]] = {}

    def add(self, purchase: domain.Purchase) -> None:
        self.popularity.update(purchase.skus)
        self.customers.setdefault(purchase.customer_id, Counter()).update(purchase.skus)
        for first, second in purchase.pairs():
            self.pairs.setdefault(first, Counter())[second] += 1

    def bought_with(self, skus: list[str]) -> Counter[str]:
        counts: Counter[str] = Counter()
        for sku in skus:
            counts.update(self.pairs.get(sku, Counter()))
        return counts

    def popular(self) -> Counter[str]:
        return Counter(self.popularity)

    def ordered_by(self, customer_id: str) -> Counter[str]:
        return Counter(self.customers.get(customer_id, Counter()))

    def products(self, skus: list[str]) -> Mapping[str, Product]:
        return {sku: self.catalog[sku] for sku in skus if sku in self.catalog}


@dataclass(frozen=True, slots=True)
class Case:
    request: InsightRequest
    hidden: str


@dataclass
class Score:
    cases: int = 0
    hits: int = 0
    named: set[str] = field(default_factory=set)
    fallbacks: int = 0

    def add(self, suggested: Sequence[str], hidden: str) -> None:
        self.cases += 1
        self.hits += hidden in suggested[:3]
        self.named.update(suggested[:3])

    def to_json(self, sellable: int) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "hit_rate_at_3": round(self.hits / self.cases, 4) if self.cases else None,
            "coverage": round(len(self.named) / sellable, 4) if sellable else None,
            "skus_suggested": len(self.named),
        }


def split(orders: list[dict[str, Any]], seed: int) -> tuple[list[dict[str, Any]], list[Case]]:
    """The training orders, and one case per customer's last order with two or more skus."""
    rng = random.Random(seed)
    ordered = sorted(orders, key=lambda order: str(order["placed_at"]))
    last = {str(order["customer_id"]): index for index, order in enumerate(ordered)}
    counts = Counter(str(order["customer_id"]) for order in ordered)
    held = {index for customer, index in last.items() if counts[customer] > 1}

    cases: list[Case] = []
    for index in sorted(held):
        order = ordered[index]
        skus = list(dict.fromkeys(str(item["sku"]) for item in order["items"]))
        if len(skus) < 2:
            continue
        hidden = rng.choice(skus)
        lines = [Line(sku=sku, quantity=1) for sku in skus if sku != hidden]
        request = InsightRequest(
            order_id=f"ord_{index:026d}",
            customer_id=str(order["customer_id"]),
            locale="pt-BR",
            lines=lines,
            placed_at=datetime.fromisoformat(str(order["placed_at"])),
        )
        cases.append(Case(request, hidden))
    return [order for index, order in enumerate(ordered) if index not in held], cases


def train(orders: list[dict[str, Any]], catalog: Mapping[str, Product]) -> MemoryHistory:
    history = MemoryHistory(catalog)
    for index, order in enumerate(orders):
        confirmed = ConfirmedOrder(
            order_id=f"train-{index}",
            customer_id=str(order["customer_id"]),
            occurred_at=datetime.fromisoformat(str(order["placed_at"])),
            lines=order["items"],
        )
        history.add(domain.purchase_from(confirmed))
    return history


def popularity_model(history: MemoryHistory) -> Recommender:
    def recommend(request: InsightRequest) -> list[str]:
        in_order = {line.sku for line in request.lines}
        return [
            sku
            for sku, _ in history.popular().most_common()
            if sku not in in_order and sku in history.catalog and history.catalog[sku].on_sale
        ][:3]

    return recommend


def local_model(history: MemoryHistory) -> Recommender:
    def recommend(request: InsightRequest) -> list[str]:
        own = history.ordered_by(request.customer_id)
        return [s.sku for s in domain.insight_for(request, history, own).suggestions]

    return recommend


def score(recommend: Recommender, cases: Sequence[Case]) -> Score:
    result = Score()
    for case in cases:
        result.add(recommend(case.request), case.hidden)
    return result


def bedrock_score(history: MemoryHistory, cases: Sequence[Case]) -> Score | str:
    """Bedrock's score on these cases, or why it was not measured."""
    configured = settings.bedrock()
    if configured is None:
        return "BEDROCK_MODEL_ID is not set"
    import boto3

    if boto3.session.Session().get_credentials() is None:
        return "no AWS credentials found"
    from recommendations.adapters import BedrockModel

    result = Score()
    for case in cases:
        own = history.ordered_by(case.request.customer_id)
        outcome = domain.answer(case.request, history, own, BedrockModel(configured))
        result.fallbacks += outcome.fallback is not None
        result.add([s.sku for s in outcome.insight.suggestions], case.hidden)
    return result


def load_menu(path: Path) -> tuple[list[order_histories.MenuItem], dict[str, Product]]:
    items = json.loads(path.read_text("utf-8"))["items"]
    menu = [order_histories.MenuItem(str(i["sku"]), str(i["category"])) for i in items]
    catalog = {
        str(i["sku"]): Product(
            sku=str(i["sku"]),
            name=str(i["name"]),
            category=str(i["category"]),
            prep_minutes=int(i.get("prep_minutes", 10)),
            on_sale=bool(i.get("on_sale", True)),
        )
        for i in items
    }
    return [m for m in menu if catalog[m.sku].on_sale], catalog


def evaluate(
    orders: list[dict[str, Any]],
    catalog: Mapping[str, Product],
    seed: int,
    bedrock_cases: int = 0,
) -> dict[str, Any]:
    training, cases = split(orders, seed)
    history = train(training, catalog)
    sellable = sum(1 for product in catalog.values() if product.on_sale)
    models: dict[str, Any] = {
        "popularity": score(popularity_model(history), cases).to_json(sellable),
        "local": score(local_model(history), cases).to_json(sellable),
    }
    if bedrock_cases:
        measured = bedrock_score(history, cases[:bedrock_cases])
        models["bedrock"] = (
            {**measured.to_json(sellable), "fallbacks": measured.fallbacks}
            if isinstance(measured, Score)
            else {"skipped": measured}
        )
    return {
        "orders": len(orders),
        "customers": len({str(order["customer_id"]) for order in orders}),
        "training_orders": len(training),
        "held_out_cases": len(cases),
        "sellable_skus": sellable,
        "models": models,
    }


def table(report: dict[str, Any]) -> str:
    rows = [f"{'model':<12}{'cases':>7}{'hit@3':>9}{'coverage':>10}"]
    for name, result in report["models"].items():
        if "skipped" in result:
            rows.append(f"{name:<12}skipped: {result['skipped']}")
            continue
        rows.append(
            f"{name:<12}{result['cases']:>7}{result['hit_rate_at_3']:>9.3f}{result['coverage']:>10.3f}"
        )
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m recommendations.evaluation")
    parser.add_argument("--out", type=Path, default=Path("bench/results/recommendations.json"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--customers", type=int, default=600)
    parser.add_argument("--menu", type=Path, default=DEFAULT_MENU)
    parser.add_argument(
        "--history", type=Path, help="evaluate these orders instead of generated ones"
    )
    parser.add_argument("--bedrock-cases", type=int, default=50)
    args = parser.parse_args(argv)

    menu, catalog = load_menu(args.menu)
    if args.history:
        orders = list(json.loads(args.history.read_text("utf-8"))["orders"])
        source = {"history": str(args.history)}
    else:
        orders = order_histories.generate(menu, args.customers, args.seed)
        source = {"generator": "recommendations.order_histories", "customers": args.customers}
    report = {
        "seed": args.seed,
        **source,
        **evaluate(orders, catalog, args.seed, args.bedrock_cases),
    }

    print(table(report))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
