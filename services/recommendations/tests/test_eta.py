"""The ETA: the slowest dish, a little per extra line, and a ride guessed from the CEP."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from recommendations import eta
from recommendations.domain import insight_for
from recommendations.models import Delivery, InsightRequest, Product
from recommendations.settings import ShopSettings

KITCHEN = "05415-000"  # Pinheiros, São Paulo


@pytest.mark.parametrize(
    ("postal_code", "km"),
    [
        ("05415-010", 1.0),  # same five digits: the same neighbourhood
        ("05418-000", 2.0),
        ("05435-000", 4.0),  # Vila Madalena
        ("05508-000", 7.0),  # Butantã
        ("04089-001", 14.0),  # Moema, across the city
        ("13083-970", 40.0),  # Campinas
        ("05415000", 1.0),
    ],
)
def test_ride_length_comes_from_the_cep_digits_shared_with_the_kitchen(postal_code, km):
    assert eta.ride_km(KITCHEN, Delivery(postal_code=postal_code, country="BR")) == km


@pytest.mark.parametrize(
    ("kitchen", "delivery"),
    [
        (KITCHEN, None),
        (KITCHEN, Delivery(postal_code="1000-001", country="PT")),
        (KITCHEN, Delivery(postal_code="0541", country="BR")),
        (None, Delivery(postal_code="05435-000", country="BR")),
    ],
)
def test_an_unknown_distance_rides_for_the_default_time(kitchen, delivery):
    assert eta.ride_minutes(eta.ride_km(kitchen, delivery)) == eta.DEFAULT_RIDE_MINUTES


class _Empty:
    def bought_with(self, skus):
        return {}

    def popular(self):
        from collections import Counter

        return Counter()

    def products(self, skus):
        catalog = {
            "pizza-calabresa": Product(sku="pizza-calabresa", name="Pizza", prep_minutes=25),
            "guarana-lata": Product(sku="guarana-lata", name="Guaraná", prep_minutes=2),
        }
        return {sku: catalog[sku] for sku in skus if sku in catalog}


def _request(postal_code: str, *skus: str) -> InsightRequest:
    return InsightRequest(
        order_id="ord_" + "e" * 26,
        customer_id="cus_1",
        locale="pt-BR",
        lines=[{"sku": sku, "quantity": 1} for sku in skus],
        placed_at=datetime(2026, 3, 14, 23, 0, tzinfo=UTC),
        delivery=Delivery(postal_code=postal_code, country="BR"),
    )


@pytest.mark.parametrize(
    ("postal_code", "minutes"),
    [
        ("05415-010", 25 + 2 + 5 + 3),  # slowest 25, one extra line, 1 km ride
        ("04089-001", 25 + 2 + 5 + 42),  # 14 km ride
        ("13083-970", 120),  # 40 km: clamped to two hours
    ],
)
def test_local_eta_adds_the_ride_to_the_kitchen_time(postal_code, minutes):
    request = _request(postal_code, "pizza-calabresa", "guarana-lata")

    insight = insight_for(request, _Empty(), shop=ShopSettings(kitchen_postal_code=KITCHEN))

    assert insight.eta_minutes == minutes


def test_model_eta_bounds_stay_within_the_sane_range():
    assert eta.model_eta_bounds(15) == (15, 22)
    assert eta.model_eta_bounds(100) == (80, 120)
