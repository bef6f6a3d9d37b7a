"""The local recommendation model, against an in-memory purchase history."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime

import pytest

from recommendations.domain import insight_for
from recommendations.models import InsightRequest, Product, Suggestion

CATALOG = {
    product.sku: product
    for product in [
        Product(sku="feijoada", name="Feijoada", name_en="Black bean stew", prep_minutes=25),
        Product(sku="arroz", name="Arroz branco", name_en="White rice", prep_minutes=5),
        Product(sku="farofa", name="Farofa", prep_minutes=5),
        Product(sku="couve", name="Couve refogada", name_en="Sautéed collard greens"),
        Product(sku="guarana", name="Guaraná", prep_minutes=0),
        Product(sku="pudim", name="Pudim", name_en="Flan", prep_minutes=5),
        Product(sku="brigadeiro", name="Brigadeiro", prep_minutes=5),
        Product(sku="caipirinha", name="Caipirinha", on_sale=False),
        Product(sku="churrasco", name="Churrasco", prep_minutes=110),
    ]
}


class MemoryHistory:
    def __init__(
        self,
        together: dict[str, int],
        popular: dict[str, int],
        catalog: Mapping[str, Product] = CATALOG,
    ) -> None:
        self.together = together
        self.popularity = popular
        self.catalog = catalog

    def bought_with(self, skus: list[str]) -> Counter[str]:
        return Counter(self.together)

    def popular(self) -> Counter[str]:
        return Counter(self.popularity)

    def products(self, skus: list[str]) -> Mapping[str, Product]:
        return {sku: self.catalog[sku] for sku in skus if sku in self.catalog}


def order(*lines: tuple[str, int], locale: str = "pt-BR") -> InsightRequest:
    return InsightRequest(
        order_id="ord_1",
        customer_id="cus_1",
        locale=locale,
        lines=[{"sku": sku, "quantity": quantity} for sku, quantity in lines],
        placed_at=datetime(2025, 3, 14, 12, 0, tzinfo=UTC),
    )


def suggested(request: InsightRequest, history: MemoryHistory) -> list[str]:
    return [suggestion.sku for suggestion in insight_for(request, history).suggestions]


def test_bought_together_comes_first_then_popularity():
    history = MemoryHistory({"farofa": 9, "arroz": 12}, {"pudim": 50, "guarana": 80})

    skus = suggested(order(("feijoada", 1)), history)

    assert skus == ["arroz", "farofa", "guarana"]


def test_suggestions_never_repeat_what_is_in_the_order():
    history = MemoryHistory(
        {"arroz": 12, "feijoada": 30, "farofa": 3}, {"feijoada": 99, "guarana": 80, "arroz": 70}
    )

    skus = suggested(order(("feijoada", 1), ("arroz", 2)), history)

    assert skus == ["farofa", "guarana"]


def test_at_most_three_suggestions():
    history = MemoryHistory(
        {"arroz": 5, "farofa": 4, "couve": 3, "pudim": 2}, {"guarana": 9, "brigadeiro": 8}
    )

    insight = insight_for(order(("feijoada", 1)), history)

    assert [suggestion.sku for suggestion in insight.suggestions] == ["arroz", "farofa", "couve"]


def test_a_sku_both_bought_together_and_popular_is_suggested_once():
    history = MemoryHistory({"pudim": 1}, {"pudim": 99, "guarana": 10})

    skus = suggested(order(("feijoada", 1)), history)

    assert skus == ["pudim", "guarana"]


def test_products_off_sale_or_unknown_are_dropped():
    history = MemoryHistory({"caipirinha": 40, "vanished": 30, "farofa": 1}, {"guarana": 5})

    skus = suggested(order(("feijoada", 1)), history)

    assert skus == ["farofa", "guarana"]


def test_english_customers_read_english_names_where_there_are_some():
    history = MemoryHistory({"arroz": 3, "farofa": 2}, {"pudim": 1})

    insight = insight_for(order(("feijoada", 1), locale="en"), history)

    assert insight.suggestions == [
        Suggestion(sku="arroz", name="White rice"),
        Suggestion(sku="farofa", name="Farofa"),
        Suggestion(sku="pudim", name="Flan"),
    ]
    assert insight.personal_line == "Enjoy your meal! Next time, try our White rice."


def test_portuguese_customers_read_portuguese_names():
    history = MemoryHistory({"arroz": 3}, {})

    insight = insight_for(order(("feijoada", 1)), history)

    assert insight.suggestions == [Suggestion(sku="arroz", name="Arroz branco")]
    assert insight.personal_line == "Bom apetite! Da próxima vez, experimente Arroz branco."


def test_no_history_means_no_suggestions_and_no_personal_line():
    insight = insight_for(order(("feijoada", 1)), MemoryHistory({}, {}))

    assert insight.suggestions == []
    assert insight.personal_line is None
    assert insight.source == "local"


@pytest.mark.parametrize(
    ("lines", "eta"),
    [
        ((("feijoada", 1),), 25 + 20),
        ((("feijoada", 1), ("arroz", 1), ("guarana", 1)), 25 + 20 + 2 * 2),
        ((("guarana", 1),), 0 + 20),
        ((("churrasco", 1),), 120),
        ((("churrasco", 1), ("feijoada", 1)), 120),
        ((("unknown", 1),), 15 + 20),
    ],
)
def test_eta_is_slowest_prep_plus_delivery_plus_two_per_extra_line_within_bounds(lines, eta):
    insight = insight_for(order(*lines), MemoryHistory({}, {}))

    assert insight.eta_minutes == eta


def test_eta_never_drops_below_fifteen_minutes():
    history = MemoryHistory({}, {}, {"fast": Product(sku="fast", name="Fast", prep_minutes=-10)})

    insight = insight_for(order(("fast", 1)), history)

    assert insight.eta_minutes == 15


@pytest.mark.parametrize(
    ("lines", "priority"),
    [
        ((("feijoada", 5),), 3),
        ((("feijoada", 6),), 4),
        ((("feijoada", 3), ("guarana", 3)), 4),
        ((("feijoada", 1),), 3),
    ],
)
def test_priority_rises_to_four_from_six_units(lines, priority):
    insight = insight_for(order(*lines), MemoryHistory({}, {}))

    assert insight.priority == priority


def test_many_off_sale_favourites_do_not_hide_what_is_on_sale():
    off_sale = {f"old{n}": Product(sku=f"old{n}", name="Old", on_sale=False) for n in range(9)}
    history = MemoryHistory(dict.fromkeys(off_sale, 100), {"guarana": 1}, {**CATALOG, **off_sale})

    skus = suggested(order(("feijoada", 1)), history)

    assert skus == ["guarana"]
