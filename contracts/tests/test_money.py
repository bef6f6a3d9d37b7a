"""Money: exact minor units, each currency's own exponent, and display per locale."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from entrega_contracts.money import CurrencyError, Money, exponent, total

NBSP = "\u00a0"


def shown(money: Money, locale: str) -> str:
    """The formatted amount with Babel's non-breaking spaces read as plain spaces."""
    return money.format(locale).replace(NBSP, " ")


@pytest.mark.parametrize(("currency", "decimals"), [("BRL", 2), ("USD", 2), ("JPY", 0), ("KWD", 3)])
def test_exponent_is_the_number_of_decimals_of_the_currency(currency, decimals):
    found = exponent(currency)

    assert found == decimals


@pytest.mark.parametrize("currency", ["XYZ", "brl", "", "REAL"])
def test_unknown_currency_is_refused(currency):
    with pytest.raises(CurrencyError, match="unknown currency"):
        exponent(currency)


def test_money_in_an_unknown_currency_cannot_be_made():
    with pytest.raises(CurrencyError):
        Money(100, "XYZ")


@pytest.mark.parametrize("amount", [True, False, 12.5, 0.1, Decimal("1.00"), "100"])
def test_amounts_that_are_not_whole_minor_units_are_refused(amount):
    with pytest.raises(TypeError, match="whole numbers of minor units"):
        Money(amount, "BRL")


def test_adding_different_currencies_raises():
    reais, dollars = Money(100, "BRL"), Money(100, "USD")

    with pytest.raises(CurrencyError, match="cannot combine BRL with USD"):
        reais + dollars


def test_subtracting_different_currencies_raises():
    with pytest.raises(CurrencyError):
        Money(100, "BRL") - Money(1, "JPY")


def test_total_refuses_an_amount_in_another_currency():
    amounts = [Money(100, "BRL"), Money(100, "USD")]

    with pytest.raises(CurrencyError):
        total(amounts, "BRL")


def test_total_of_nothing_is_zero_in_the_asked_currency():
    summed = total([], "JPY")

    assert summed == Money(0, "JPY")


def test_times_multiplies_minor_units_exactly():
    unit = Money(1_999, "BRL")

    line = unit.times(3)

    assert line == Money(5_997, "BRL")


@pytest.mark.parametrize(
    ("money", "locale", "expected"),
    [
        (Money(123_456, "BRL"), "pt-BR", "R$ 1.234,56"),
        (Money(123_456, "BRL"), "pt_BR", "R$ 1.234,56"),
        (Money(123_456, "USD"), "en", "$1,234.56"),
        (Money(1_000, "JPY"), "en", "¥1,000"),
        (Money(1_234_567, "KWD"), "en", "KWD1,234.567"),
        (Money(5, "BRL"), "pt-BR", "R$ 0,05"),
    ],
)
def test_format_shows_the_amount_as_a_customer_reads_it(money, locale, expected):
    text = shown(money, locale)

    assert text == expected


def test_format_defaults_to_brazilian_portuguese():
    money = Money(990, "BRL")

    text = money.format().replace(NBSP, " ")

    assert text == "R$ 9,90"


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (1, "BRL", Decimal("0.01")),
        (1, "KWD", Decimal("0.001")),
        (5, "JPY", Decimal("5")),
        (1_000_000_007, "BRL", Decimal("10000000.07")),
    ],
)
def test_as_decimal_is_the_exact_amount_in_major_units(amount, currency, expected):
    value = Money(amount, currency).as_decimal()

    assert value == expected


def test_ten_and_twenty_cents_make_exactly_thirty():
    ten, twenty = Money(10, "BRL"), Money(20, "BRL")

    summed = ten + twenty

    assert summed.amount == 30
    assert summed.as_decimal() == Decimal("0.30")
    assert 0.1 + 0.2 != 0.3  # the float arithmetic Money exists to avoid


def test_large_amounts_stay_exact_where_floats_round():
    amounts = [Money(1_000_000_007, "BRL"), Money(9_007_199_254_740_993, "BRL")]

    summed = total(amounts, "BRL")

    assert summed.amount == 9_007_200_254_741_000
    assert float(9_007_199_254_740_993) != 9_007_199_254_740_993


def test_money_round_trips_through_json():
    money = Money(4_250, "USD")

    again = Money.from_json(money.to_json())

    assert money.to_json() == {"amount": 4_250, "currency": "USD"}
    assert again == money


@pytest.mark.parametrize(
    "value", [{"amount": 12.5, "currency": "BRL"}, {"amount": 100, "currency": 986}]
)
def test_from_json_refuses_the_wrong_shapes(value):
    with pytest.raises(TypeError):
        Money.from_json(value)


@given(
    amounts=st.lists(st.integers(min_value=-(10**18), max_value=10**18), max_size=40),
    currency=st.sampled_from(["BRL", "USD", "JPY", "KWD"]),
)
def test_total_is_the_exact_integer_sum(amounts, currency):
    moneys = [Money(amount, currency) for amount in amounts]

    summed = total(moneys, currency)

    assert summed == Money(sum(amounts), currency)


# Decimal's default context keeps 28 significant digits, so amounts are drawn below that.
@given(
    amount=st.integers(min_value=-(10**28) + 1, max_value=10**28 - 1),
    currency=st.sampled_from(["BRL", "USD", "JPY", "KWD"]),
)
def test_as_decimal_round_trips_to_the_minor_units(amount, currency):
    value = Money(amount, currency).as_decimal()

    assert value == Decimal(amount).scaleb(-exponent(currency))
    assert int(value.scaleb(exponent(currency))) == amount
