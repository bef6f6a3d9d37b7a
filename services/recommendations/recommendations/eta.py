"""How long an order takes to reach the customer: the slowest dish, a little kitchen time per
extra line, and a ride whose length is guessed from the postal code.

The guess is crude on purpose. Brazilian CEPs are handed out as a tree (region, sub-region,
sector, subsector, division), so the number of leading digits a delivery CEP shares with the
kitchen's says roughly how far apart they are: sharing five digits means the same
neighbourhood, sharing none means another state. There is no geocoding and no traffic; a
delivery outside Brazil, or without a readable CEP, rides for DEFAULT_RIDE_MINUTES.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from recommendations.models import Delivery, Line, Product

MIN_ETA, MAX_ETA = 15, 120
DEFAULT_PREP_MINUTES = 15
DEFAULT_RIDE_MINUTES = 20
MINUTES_PER_EXTRA_LINE = 2
HANDOFF_MINUTES = 5
MINUTES_PER_KM = 3.0  # a motorbike in city traffic, about 20 km/h
KM_BY_SHARED_DIGITS = {5: 1.0, 4: 2.0, 3: 4.0, 2: 7.0, 1: 14.0, 0: 40.0}


def cep(postal_code: str | None) -> str | None:
    """The eight digits of a CEP (`05435-000` -> `05435000`), or None if it is not one."""
    digits = re.sub(r"[\s.-]", "", postal_code or "")
    return digits if re.fullmatch(r"\d{8}", digits) else None


def ride_km(kitchen_postal_code: str | None, delivery: Delivery | None) -> float | None:
    """A rough distance from the kitchen, from the CEP digits both share; None if unknown."""
    kitchen = cep(kitchen_postal_code)
    if kitchen is None or delivery is None or delivery.country.upper() != "BR":
        return None
    destination = cep(delivery.postal_code)
    if destination is None:
        return None
    shared = 0
    while shared < 5 and kitchen[shared] == destination[shared]:
        shared += 1
    return KM_BY_SHARED_DIGITS[shared]


def ride_minutes(km: float | None) -> int:
    if km is None:
        return DEFAULT_RIDE_MINUTES
    return round(HANDOFF_MINUTES + MINUTES_PER_KM * km)


def eta_minutes(lines: Sequence[Line], products: Mapping[str, Product], ride: int) -> int:
    """The slowest dish sets the pace; each extra line adds a little kitchen time; then the ride."""
    slowest = max(
        (products[line.sku].prep_minutes for line in lines if line.sku in products),
        default=DEFAULT_PREP_MINUTES,
    )
    minutes = slowest + ride + MINUTES_PER_EXTRA_LINE * (len(lines) - 1)
    return clamp(minutes, MIN_ETA, MAX_ETA)


def model_eta_bounds(local_eta: int) -> tuple[int, int]:
    """The range a model's ETA is clamped to: it may add traffic sense, not invent a new trip."""
    return max(MIN_ETA, round(local_eta * 0.8)), min(MAX_ETA, round(local_eta * 1.5))


def clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))
