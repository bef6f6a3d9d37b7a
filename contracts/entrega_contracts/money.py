"""Money as an integer count of minor units plus an ISO 4217 currency code.

Babel's CLDR data loads on first use, so importing this module costs a handler nothing.

The number of decimals comes from the currency itself (BRL 2, JPY 0, KWD 3), as published in
the CLDR data that Babel ships, so no float or hand-kept table ever touches an amount.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal


class CurrencyError(ValueError):
    """An amount was given in a currency that ISO 4217 does not know, or mixed currencies."""


@functools.cache
def _known_currencies() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def exponent(currency: str) -> int:
    """How many decimal places the currency's minor unit has."""
    if currency not in _known_currencies():
        raise CurrencyError(f"unknown currency {currency!r}")
    from babel.numbers import get_currency_precision

    return int(get_currency_precision(currency))


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount: `amount` minor units of `currency`."""

    amount: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise TypeError("money amounts are whole numbers of minor units")
        exponent(self.currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def __add__(self, other: Money) -> Money:
        self._check_same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check_same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def times(self, quantity: int) -> Money:
        return Money(self.amount * quantity, self.currency)

    def as_decimal(self) -> Decimal:
        """The amount in major units, exact, for display and for providers that want it."""
        return Decimal(self.amount).scaleb(-exponent(self.currency))

    def format(self, locale: str = "pt_BR") -> str:
        """The amount as a customer reads it, e.g. 'R$ 1.234,56' in pt-BR or '$1,234.56' in en."""
        from babel.numbers import format_currency

        return str(
            format_currency(self.as_decimal(), self.currency, locale=locale.replace("-", "_"))
        )

    def to_json(self) -> dict[str, int | str]:
        return {"amount": self.amount, "currency": self.currency}

    @classmethod
    def from_json(cls, value: Mapping[str, object]) -> Money:
        amount, currency = value["amount"], value["currency"]
        if not isinstance(amount, int) or not isinstance(currency, str):
            raise TypeError("money is {'amount': int, 'currency': str}")
        return cls(amount, currency)

    def _check_same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyError(f"cannot combine {self.currency} with {other.currency}")


def total(amounts: list[Money], currency: str) -> Money:
    """The exact sum of amounts that must all be in `currency`."""
    result = Money.zero(currency)
    for amount in amounts:
        result = result + amount
    return result
