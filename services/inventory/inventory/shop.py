"""When and where the shop sells: opening hours in its own time zone, and its delivery area.

Pure rules over the shop's profile (kept in inventory's shop table); the validate-order
task applies them next to the catalog's, so an order the shop cannot serve is refused
before any stock is held or any card charged.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, field_validator

from entrega_contracts.errors import FieldError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class PostalRange(BaseModel):
    """Postal codes the shop delivers to, inclusive, as digits only (CEP 01000000-05999999)."""

    country: str = "BR"
    first: str
    last: str

    def covers(self, country: str, postal_code: str) -> bool:
        digits = "".join(ch for ch in postal_code if ch.isdigit())
        return (
            country == self.country
            and len(digits) == len(self.first)
            and self.first <= digits <= self.last
        )


class Shop(BaseModel):
    shop_id: str
    name: str
    time_zone: str = "America/Sao_Paulo"
    # Per weekday, intervals "HH:MM-HH:MM"; an interval may run past midnight ("18:00-02:00").
    opening_hours: dict[str, list[str]] = Field(default_factory=dict)
    delivery_area: list[PostalRange] = Field(default_factory=list)

    @field_validator("opening_hours")
    @classmethod
    def _known_days(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = set(value) - set(WEEKDAYS)
        if unknown:
            raise ValueError(f"unknown weekdays {sorted(unknown)}")
        for intervals in value.values():
            for interval in intervals:
                _interval(interval)
        return value

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(ZoneInfo(self.time_zone))
        today, yesterday = WEEKDAYS[local.weekday()], WEEKDAYS[(local.weekday() - 1) % 7]
        now = local.time()
        for interval in self.opening_hours.get(today, []):
            opens, closes = _interval(interval)
            if opens <= now < closes or (closes <= opens and now >= opens):
                return True
        # Yesterday's late interval may still be running after midnight.
        return any(
            closes <= opens and now < closes
            for opens, closes in map(_interval, self.opening_hours.get(yesterday, []))
        )

    def delivers_to(self, country: str, postal_code: str) -> bool:
        return not self.delivery_area or any(
            r.covers(country, postal_code) for r in self.delivery_area
        )


def _interval(text: str) -> tuple[time, time]:
    opens, _, closes = text.partition("-")
    start, end = (
        time.fromisoformat(opens),
        time.fromisoformat("00:00" if closes == "24:00" else closes),
    )
    return start, end


def shop_problems(
    shop: Shop, placed_at: datetime | None, country: str | None, postal_code: str | None
) -> list[FieldError]:
    """Why the shop cannot take this order now or deliver it there; empty when it can."""
    problems: list[FieldError] = []
    if placed_at is not None and not shop.is_open(placed_at):
        problems.append(
            FieldError(
                "shop", f"{shop.name} is closed right now", "shop_closed", {"shop": shop.name}
            )
        )
    if (
        postal_code is not None
        and country is not None
        and not shop.delivers_to(country, postal_code)
    ):
        problems.append(
            FieldError(
                "delivery_address.postal_code",
                "we do not deliver to this address",
                "outside_delivery_area",
            )
        )
    return problems
