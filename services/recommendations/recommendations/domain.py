"""The local recommendation model: items bought together, then what is popular.

It needs no network and answers in milliseconds, which is why it is both the embedded
stack's model and the fallback when Amazon Bedrock is not there (see docs/limits.md for
what Bedrock adds once issue 6 lands).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Protocol

from recommendations.models import Insight, InsightRequest, Product, Suggestion

MAX_SUGGESTIONS = 3
DELIVERY_MINUTES = 20
MIN_ETA, MAX_ETA = 15, 120


class PurchaseHistory(Protocol):
    def bought_with(self, skus: list[str]) -> Counter[str]:
        """How often each other sku was bought in the same order as any of `skus`."""
        ...

    def popular(self) -> Counter[str]: ...

    def products(self, skus: list[str]) -> Mapping[str, Product]: ...


def insight_for(request: InsightRequest, history: PurchaseHistory) -> Insight:
    """Suggestions, an ETA, a priority and a short line for the customer, from history alone."""
    in_order = [line.sku for line in request.lines]
    ranked = _rank(in_order, history)
    products = history.products([*in_order, *ranked])
    suggestions = [
        Suggestion(sku=sku, name=products[sku].name_for(request.locale))
        for sku in ranked
        if sku in products and products[sku].on_sale
    ][:MAX_SUGGESTIONS]

    return Insight(
        suggestions=suggestions,
        eta_minutes=_eta(request, products),
        personal_line=_line(request.locale, suggestions),
        priority=_priority(request),
        source="local",
    )


def _rank(in_order: list[str], history: PurchaseHistory) -> list[str]:
    together = history.bought_with(in_order)
    popular = history.popular()
    for sku in in_order:
        together.pop(sku, None)
        popular.pop(sku, None)
    ranked = [sku for sku, _ in together.most_common()]
    ranked += [sku for sku, _ in popular.most_common() if sku not in together]
    return ranked[: MAX_SUGGESTIONS * 3]


def _eta(request: InsightRequest, products: Mapping[str, Product]) -> int:
    """The slowest dish sets the pace; each extra line adds a little kitchen time."""
    slowest = max(
        (products[line.sku].prep_minutes for line in request.lines if line.sku in products),
        default=15,
    )
    minutes = slowest + DELIVERY_MINUTES + 2 * (len(request.lines) - 1)
    return max(MIN_ETA, min(MAX_ETA, minutes))


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
