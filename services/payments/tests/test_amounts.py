"""Amounts as each provider wants them, for currencies of 0, 2 and 3 decimals, exactly.

Each case is one where float arithmetic goes wrong: 19.99 * 100 is 1998.9999999999998,
1.005 * 1000 is 1004.9999999999999, 0.1 + 0.2 is 0.30000000000000004.
"""

from __future__ import annotations

import pytest

from payments.provider_amounts import from_paypal, from_stripe, to_paypal, to_stripe


def test_float_would_get_these_wrong():
    assert int(19.99 * 100) == 1998
    assert int(1.005 * 1000) == 1004
    assert 0.1 + 0.2 != 0.3


@pytest.mark.parametrize(
    ("amount", "currency", "stripe"),
    [
        (1999, "BRL", 1999),  # R$ 19,99
        (30, "BRL", 30),  # R$ 0,10 + R$ 0,20
        (115, "USD", 115),  # $1.15: 1.15 * 100 == 114.99999999999999
        (435, "USD", 435),  # $4.35: 4.35 * 100 == 434.99999999999994
        (9_007_199_254_740_993, "USD", 9_007_199_254_740_993),  # beyond a float's 53 bits
        (1234, "JPY", 1234),  # zero-decimal: not multiplied by 100
        (1, "JPY", 1),
        (1005, "KWD", 1000),  # 1.005 KWD: Stripe wants the last digit 0, rounded down
        (5124, "KWD", 5120),  # Stripe's own example: 5.124 KWD
        (5129, "KWD", 5120),  # never up: the customer is never charged more than the total
        (5130, "KWD", 5130),
        (15, "KWD", 10),
        (500, "ISK", 50000),  # whole krónur, sent with two decimals
    ],
)
def test_stripe_amounts_are_minor_units_as_stripe_counts_them(amount, currency, stripe):
    sent = to_stripe(amount, currency)

    assert sent == stripe
    assert isinstance(sent, int)


@pytest.mark.parametrize(
    ("stripe", "currency", "amount"),
    [(1999, "BRL", 1999), (1234, "JPY", 1234), (5120, "KWD", 5120), (50000, "ISK", 500)],
)
def test_stripe_amounts_come_back_as_entrega_minor_units(stripe, currency, amount):
    assert from_stripe(stripe, currency) == amount


@pytest.mark.parametrize(
    ("amount", "currency", "value"),
    [
        (1999, "BRL", "19.99"),
        (30, "BRL", "0.30"),
        (5, "BRL", "0.05"),
        (115, "USD", "1.15"),
        (435, "USD", "4.35"),
        (100_000_000_000_000_001, "USD", "1000000000000000.01"),
        (1234, "JPY", "1234"),
        (123456, "HUF", "1234"),  # PayPal takes no decimals for HUF: rounded down
        (1005, "KWD", "1.005"),
    ],
)
def test_paypal_values_are_exact_decimal_strings(amount, currency, value):
    assert to_paypal(amount, currency) == value


@pytest.mark.parametrize(
    ("value", "currency", "amount"),
    [("19.99", "BRL", 1999), ("0.30", "BRL", 30), ("4.35", "USD", 435), ("1234", "JPY", 1234)],
)
def test_paypal_values_come_back_as_entrega_minor_units(value, currency, amount):
    assert from_paypal(value, currency) == amount


def test_a_paypal_value_finer_than_the_currency_is_refused():
    with pytest.raises(ValueError, match="more decimals"):
        from_paypal("12.5", "JPY")
