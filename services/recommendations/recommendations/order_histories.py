"""A seeded generator of order histories that look like a dark kitchen's, for offline evaluation.

What it assumes about customers, so that a reader can judge the figures it produces:

- A few customers order often and most order once or twice (a log-normal count per customer).
- Each customer has one to three favourite main dishes, chosen by the dishes' popularity,
  and orders one of them most of the time; otherwise they try any main dish, also by
  popularity. Popularity follows a Zipf law over a seeded shuffle of each category.
- Each main dish has a side, a drink and a dessert that "go with it" (drawn at random per
  dish, not hand-picked), which customers add more often than other add-ons.
- Each customer has a favourite drink and dessert, and their own appetite for drinks,
  sides and desserts; some orders are a snack or a dessert alone.

Nothing here knows how the local model ranks: the same habits would reward any model that
learns from co-purchases and from a customer's own past, which is the point of the test.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

MAINS = ("pratos", "lanches", "pizzas")
SIDES, DRINKS, DESSERTS = "acompanhamentos", "bebidas", "sobremesas"


@dataclass(frozen=True, slots=True)
class MenuItem:
    sku: str
    category: str


@dataclass(frozen=True, slots=True)
class _Menu:
    by_category: dict[str, list[str]]
    weights: dict[str, list[float]]
    pairing: dict[str, dict[str, str]]

    def draw(self, rng: random.Random, category: str) -> str | None:
        skus = self.by_category.get(category) or []
        return rng.choices(skus, weights=self.weights[category])[0] if skus else None

    @property
    def mains(self) -> list[str]:
        return [sku for category in MAINS for sku in self.by_category.get(category, [])]


@dataclass(frozen=True, slots=True)
class _Customer:
    customer_id: str
    orders: int
    favourites: tuple[str, ...]
    loyalty: float
    drink: str | None
    dessert: str | None
    appetite: dict[str, float]
    lunch: float


def generate(menu: list[MenuItem], customers: int, seed: int) -> list[dict[str, Any]]:
    """Orders as the seed history holds them ({customer_id, placed_at, items}), oldest first."""
    rng = random.Random(seed)
    shaped = _shape(menu, rng)
    start = datetime(2026, 1, 5, tzinfo=UTC)
    orders: list[dict[str, Any]] = []
    for index in range(customers):
        customer = _customer(f"cus_sim{index:05d}", shaped, rng)
        moment = start + timedelta(days=rng.uniform(0, 30))
        for _ in range(customer.orders):
            orders.append(_order(customer, shaped, rng, moment))
            moment += timedelta(days=rng.expovariate(1 / 6))
    return sorted(orders, key=lambda order: str(order["placed_at"]))


def _shape(menu: list[MenuItem], rng: random.Random) -> _Menu:
    by_category: dict[str, list[str]] = {}
    for item in menu:
        by_category.setdefault(item.category, []).append(item.sku)
    weights: dict[str, list[float]] = {}
    for category, skus in by_category.items():
        rng.shuffle(skus)
        weights[category] = [1 / (rank + 1) ** 1.1 for rank in range(len(skus))]
    pairing = {
        main: {
            category: rng.choice(by_category[category])
            for category in (SIDES, DRINKS, DESSERTS)
            if by_category.get(category)
        }
        for category in MAINS
        for main in by_category.get(category, [])
    }
    return _Menu(by_category, weights, pairing)


def _customer(customer_id: str, menu: _Menu, rng: random.Random) -> _Customer:
    favourites = {menu.draw(rng, rng.choice(MAINS)) for _ in range(rng.randint(1, 3))}
    return _Customer(
        customer_id=customer_id,
        orders=min(40, int(rng.lognormvariate(0.9, 0.9)) + 1),
        favourites=tuple(sorted(sku for sku in favourites if sku)),
        loyalty=rng.uniform(0.45, 0.9),
        drink=menu.draw(rng, DRINKS),
        dessert=menu.draw(rng, DESSERTS),
        appetite={
            DRINKS: rng.uniform(0.3, 0.9),
            SIDES: rng.uniform(0.1, 0.6),
            DESSERTS: rng.uniform(0.05, 0.4),
        },
        lunch=rng.uniform(0.2, 0.8),
    )


def _order(customer: _Customer, menu: _Menu, rng: random.Random, day: datetime) -> dict[str, Any]:
    skus: list[str] = []
    if rng.random() < 0.1:
        snack = menu.draw(rng, rng.choice(("lanches", DESSERTS)))
        skus += [snack] if snack else []
    else:
        main = _main(customer, menu, rng)
        skus.append(main)
        for category in (SIDES, DRINKS, DESSERTS):
            add_on = _add_on(customer, menu, rng, main, category)
            if add_on and add_on not in skus:
                skus.append(add_on)

    hour = rng.gauss(12.5, 0.8) if rng.random() < customer.lunch else rng.gauss(20.0, 1.2)
    placed_at = day.replace(hour=0, minute=0, second=0) + timedelta(hours=hour % 24)
    items = [{"sku": sku, "quantity": 1 + int(rng.random() < 0.25)} for sku in skus]
    return {"customer_id": customer.customer_id, "placed_at": placed_at.isoformat(), "items": items}


def _main(customer: _Customer, menu: _Menu, rng: random.Random) -> str:
    if customer.favourites and rng.random() < customer.loyalty:
        return rng.choice(customer.favourites)
    drawn = menu.draw(rng, rng.choice(MAINS))
    return drawn or rng.choice(menu.mains)


def _add_on(
    customer: _Customer, menu: _Menu, rng: random.Random, main: str, category: str
) -> str | None:
    if rng.random() >= customer.appetite.get(category, 0.0):
        return None
    own = {DRINKS: customer.drink, DESSERTS: customer.dessert}.get(category)
    paired = menu.pairing.get(main, {}).get(category)
    roll = rng.random()
    if own and roll < 0.45:
        return own
    if paired and roll < 0.8:
        return paired
    return menu.draw(rng, category)
