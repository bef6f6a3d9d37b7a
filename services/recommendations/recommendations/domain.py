"""Insights for an order: from Amazon Bedrock when it is there and answers well, else locally.

The local model needs no network and answers in milliseconds: items bought together with
what is in the order and what this customer bought before, then what is popular, with what
completes the meal first; an ETA
from preparation times and a distance guessed from the postal code (eta.py). It is the
embedded stack's model and the fallback whenever Bedrock is not configured, times out, is
throttled, or answers with something this service will not use.

Nothing the model says is trusted. Its suggestions must be candidates this service offered
(sellable items of its own products projection, not in the order); its personal line is
bounded and, when a Guardrail is configured, checked by it; its ETA and priority are
clamped around the local estimate. The model never sees who the customer is (models.Prompt).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from recommendations import eta
from recommendations.errors import ModelAnswerInvalid, ModelError
from recommendations.models import (
    Candidate,
    ConfirmedOrder,
    Insight,
    InsightRequest,
    ModelAnswer,
    PastOrders,
    Product,
    Prompt,
    PromptItem,
    Suggestion,
)
from recommendations.settings import ShopSettings

MAX_SUGGESTIONS = 3
# How many ranked skus are looked up before off-sale ones are dropped (one BatchGetItem).
MAX_RANKED = 100
CANDIDATES_FOR_MODEL = 10
PAST_ORDERS_FOR_MODEL = 15
MAX_LINE = 160
# A customer's own history counts half as much as what goes with the order's items.
OWN_WEIGHT = 0.5
# Bigger orders (parties, offices) say little about what goes together; their pairs are skipped.
MAX_SKUS_FOR_PAIRS = 12
_UNSAFE_LINE = re.compile(r"https?://|www\.|@|\d{4,}|[<>{}\[\]]", re.IGNORECASE)


class PurchaseHistory(Protocol):
    def bought_with(self, skus: list[str]) -> Counter[str]:
        """How often each other sku was bought in the same order as any of `skus`."""
        ...

    def popular(self) -> Counter[str]: ...

    def products(self, skus: list[str]) -> Mapping[str, Product]: ...


class InsightModel(Protocol):
    def suggest(self, prompt: Prompt) -> ModelAnswer:
        """The model's answer to the prompt; raises a ModelError when there is none to use."""
        ...

    def screen(self, text: str) -> None:
        """Raise GuardrailIntervened if the Guardrail (when there is one) blocks `text`."""
        ...


@dataclass(frozen=True, slots=True)
class Outcome:
    insight: Insight
    fallback: ModelError | None = None
    dropped: int = 0


@dataclass(frozen=True, slots=True)
class _Local:
    insight: Insight
    candidates: list[Product]
    products: Mapping[str, Product]


@dataclass(frozen=True, slots=True)
class Purchase:
    """A confirmed order as the purchase history counts it: its distinct skus, once."""

    order_id: str
    customer_id: str
    skus: tuple[str, ...]

    def pairs(self) -> list[tuple[str, str]]:
        if len(self.skus) > MAX_SKUS_FOR_PAIRS:
            return []
        return list(itertools.permutations(self.skus, 2))


def answer(
    request: InsightRequest,
    history: PurchaseHistory,
    own: Counter[str] | None = None,
    model: InsightModel | None = None,
    shop: ShopSettings | None = None,
) -> Outcome:
    """The insight for an order: the model's, vetted, or the local one when that fails."""
    shop, own = shop or ShopSettings(), own or Counter()
    local = _local(request, history, own, shop)
    if model is None or not local.candidates:
        return Outcome(local.insight)

    prompt = prompt_for(request, own, local.candidates, local.products, shop)
    try:
        proposed = model.suggest(prompt)
        insight, dropped = vet(proposed, request, local.candidates, local.insight)
        if insight.personal_line:
            model.screen(insight.personal_line)
    except ModelError as error:
        return Outcome(local.insight, fallback=error)
    return Outcome(insight, dropped=dropped)


def insight_for(
    request: InsightRequest,
    history: PurchaseHistory,
    own: Counter[str] | None = None,
    shop: ShopSettings | None = None,
) -> Insight:
    """The local model's insight: suggestions, an ETA, a priority and a short line."""
    return _local(request, history, own or Counter(), shop or ShopSettings()).insight


def _local(
    request: InsightRequest, history: PurchaseHistory, own: Counter[str], shop: ShopSettings
) -> _Local:
    in_order = [line.sku for line in request.lines]
    popular = history.popular()
    ranked = rank(in_order, together(in_order, history, popular), own, popular)[:MAX_RANKED]
    products = history.products([*in_order, *ranked])
    sellable = complete_the_meal(
        [
            products[sku]
            for sku in ranked
            if sku in products and products[sku].sellable(_aware(request.placed_at))
        ],
        {products[sku].category for sku in in_order if sku in products},
    )
    suggestions = [
        Suggestion(sku=product.sku, name=product.name_for(request.locale))
        for product in sellable[:MAX_SUGGESTIONS]
    ]
    ride = eta.ride_minutes(eta.ride_km(shop.kitchen_postal_code, request.delivery))

    insight = Insight(
        suggestions=suggestions,
        eta_minutes=eta.eta_minutes(request.lines, products, ride),
        personal_line=_line(request.locale, suggestions),
        priority=_priority(request),
        source="local",
    )
    return _Local(insight, sellable[:CANDIDATES_FOR_MODEL], products)


def together(
    in_order: Sequence[str], history: PurchaseHistory, popular: Mapping[str, int]
) -> dict[str, float]:
    """How well each sku goes with the order: for each item in it, the share of that item's
    orders that also held the sku, summed. Dividing by the item's own count keeps a drink
    bought with everything from drowning what goes with the main dish."""
    scores: dict[str, float] = {}
    for sku in dict.fromkeys(in_order):
        counts = history.bought_with([sku])
        orders = max(popular.get(sku, 0), max(counts.values(), default=0), 1)
        for other, count in counts.items():
            scores[other] = scores.get(other, 0.0) + count / orders
    return scores


def rank(
    in_order: Sequence[str],
    goes_with: Mapping[str, float],
    own: Mapping[str, int],
    popular: Mapping[str, int],
) -> list[str]:
    """Every sku worth offering, best first: goes with the order and bought before, then popular.

    Both signals are scaled to their strongest sku, the customer's own history at half
    weight (the offline evaluation's best); ties and everything neither signal knows fall
    back to popularity.
    """
    excluded = set(in_order)
    scores: dict[str, float] = {}
    signals: tuple[tuple[Mapping[str, float], float], ...] = ((goes_with, 1.0), (own, OWN_WEIGHT))
    for signal, weight in signals:
        counts = {sku: n for sku, n in signal.items() if n > 0 and sku not in excluded}
        strongest = max(counts.values(), default=0.0)
        for sku, count in counts.items():
            scores[sku] = scores.get(sku, 0.0) + weight * count / strongest

    ranked = sorted(scores, key=lambda sku: (-scores[sku], -popular.get(sku, 0), sku))
    by_popularity = sorted(popular, key=lambda sku: (-popular[sku], sku))
    ranked += [
        sku for sku in by_popularity if popular[sku] > 0 and sku not in excluded | scores.keys()
    ]
    return ranked


def complete_the_meal(ranked: list[Product], in_order: set[str | None]) -> list[Product]:
    """Items of a category the order lacks (a drink, a dessert) before more of what it has."""
    missing = [product for product in ranked if product.category not in in_order]
    return missing + [product for product in ranked if product.category in in_order]


def prompt_for(
    request: InsightRequest,
    own: Counter[str],
    candidates: Sequence[Product],
    products: Mapping[str, Product],
    shop: ShopSettings,
) -> Prompt:
    """What the model is told: the items, the customer's past orders by sku, the shop's time
    of day, the locale and the candidates. Nothing that says who or where the customer is."""
    local_time = _aware(request.placed_at).astimezone(shop.utc_offset)
    items = [
        PromptItem(
            sku=line.sku,
            name=products[line.sku].name_for(request.locale) if line.sku in products else line.sku,
            quantity=line.quantity,
            prep_minutes=(
                products[line.sku].prep_minutes
                if line.sku in products
                else eta.DEFAULT_PREP_MINUTES
            ),
        )
        for line in request.lines
    ]
    return Prompt(
        locale=request.locale,
        time_of_day=f"{local_time:%H:%M} ({_meal(local_time.hour)})",
        items=items,
        past_orders=[
            PastOrders(sku=sku, times=n) for sku, n in own.most_common(PAST_ORDERS_FOR_MODEL)
        ],
        candidates=[
            Candidate(sku=p.sku, name=p.name_for(request.locale), category=p.category)
            for p in candidates
        ],
    )


def vet(
    proposed: ModelAnswer, request: InsightRequest, candidates: Sequence[Product], local: Insight
) -> tuple[Insight, int]:
    """The model's answer made safe to use, and how many of its suggestions were dropped.

    Suggestions that were not offered as candidates (outside the catalog, off sale, out of
    stock, already in the order) are dropped; an answer left with none is not used at all.
    """
    offered = {product.sku: product for product in candidates}
    in_order = {line.sku for line in request.lines}
    at = _aware(request.placed_at)
    kept: dict[str, Product] = {}
    for sku in proposed.suggestions:
        product = offered.get(sku)
        if product and sku not in in_order and sku not in kept and product.sellable(at):
            kept[sku] = product
    if not kept:
        raise ModelAnswerInvalid("none of the model's suggestions is a candidate on sale")

    low, high = eta.model_eta_bounds(local.eta_minutes)
    insight = Insight(
        suggestions=[
            Suggestion(sku=product.sku, name=product.name_for(request.locale))
            for product in list(kept.values())[:MAX_SUGGESTIONS]
        ],
        eta_minutes=eta.clamp(proposed.eta_minutes, low, high),
        personal_line=bounded_line(proposed.personal_line),
        priority=eta.clamp(
            proposed.priority, max(1, local.priority - 1), min(5, local.priority + 1)
        ),
        source="bedrock",
    )
    return insight, len(proposed.suggestions) - len(kept)


def bounded_line(text: str) -> str:
    """The personal line on one line, within MAX_LINE, with no link, address or long number."""
    line = " ".join(text.split())
    if not line:
        raise ModelAnswerInvalid("the personal line is empty")
    if len(line) > MAX_LINE:
        raise ModelAnswerInvalid(f"the personal line has {len(line)} characters, over {MAX_LINE}")
    if _UNSAFE_LINE.search(line):
        raise ModelAnswerInvalid("the personal line holds a link, an address, markup or a number")
    return line


def purchase_from(order: ConfirmedOrder) -> Purchase:
    skus = tuple(sorted({line.sku for line in order.lines}))
    return Purchase(order.order_id, order.customer_id, skus)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _meal(hour: int) -> str:
    if 5 <= hour < 11:
        return "breakfast"
    if 11 <= hour < 15:
        return "lunch"
    if 15 <= hour < 18:
        return "afternoon"
    if 18 <= hour < 23:
        return "dinner"
    return "late night"


def _priority(request: InsightRequest) -> int:
    units = sum(line.quantity for line in request.lines)
    return 4 if units >= 6 else 3


def _line(locale: str, suggestions: list[Suggestion]) -> str | None:
    if not suggestions:
        return None
    name = suggestions[0].name
    if locale.startswith("en"):
        return f"Enjoy your meal! Next time, try our {name}."
    if locale.startswith("es"):
        return f"¡Buen provecho! La próxima vez, prueba {name}."
    return f"Bom apetite! Da próxima vez, experimente {name}."
