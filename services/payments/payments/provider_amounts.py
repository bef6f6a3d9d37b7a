"""How each provider wants an amount written, from Entrega's ISO 4217 minor units and back.

Entrega keeps money as an integer count of the currency's minor unit (its exponent comes
from `entrega_contracts.money`). Stripe takes integers too, but in its own unit per
currency, and PayPal takes a decimal string. Only integers and Decimals built from
integers are used here, never floats.

Stripe's rules, from its "Supported currencies" page:
- zero-decimal currencies (JPY, KRW, ...) are sent as whole units;
- three-decimal currencies (BHD, JOD, KWD, OMR, TND) are sent in thousandths, but the last
  digit must be 0, so an amount is rounded to a multiple of ten;
- ISK is sent with two decimals but must be a whole number of krónur (a multiple of 100);
- every other currency is sent with two decimals.
Where a provider cannot take an amount exactly, it is rounded down, so a customer is never
charged more than the order's total; the ledger records what was actually captured.
"""

from __future__ import annotations

from decimal import Decimal

from entrega_contracts.money import exponent

STRIPE_ZERO_DECIMAL = frozenset(
    {
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "JPY",
        "KMF",
        "KRW",
        "MGA",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    }
)
STRIPE_THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})
# Stripe unit steps: the amount sent must be a multiple of this.
_STRIPE_STEP = {**dict.fromkeys(STRIPE_THREE_DECIMAL, 10), "ISK": 100}

# PayPal's REST currency codes; HUF, JPY and TWD take no decimals there.
PAYPAL_CURRENCIES = frozenset(
    {
        "AUD",
        "BRL",
        "CAD",
        "CNY",
        "CZK",
        "DKK",
        "EUR",
        "HKD",
        "HUF",
        "ILS",
        "JPY",
        "MYR",
        "MXN",
        "TWD",
        "NZD",
        "NOK",
        "PHP",
        "PLN",
        "GBP",
        "SGD",
        "SEK",
        "CHF",
        "THB",
        "USD",
    }
)
_PAYPAL_WHOLE_UNITS = frozenset({"HUF", "JPY", "TWD"})


def stripe_exponent(currency: str) -> int:
    if currency in STRIPE_ZERO_DECIMAL:
        return 0
    if currency in STRIPE_THREE_DECIMAL:
        return 3
    return 2


def to_stripe(amount: int, currency: str) -> int:
    """The amount Stripe should charge for `amount` minor units, rounded down to what it takes."""
    shift = stripe_exponent(currency) - exponent(currency)
    value: int = amount * 10**shift if shift >= 0 else amount // 10**-shift
    return value - value % _STRIPE_STEP.get(currency, 1)


def from_stripe(amount: int, currency: str) -> int:
    """Entrega's minor units for an amount Stripe reports."""
    shift = stripe_exponent(currency) - exponent(currency)
    value: int = amount // 10**shift if shift >= 0 else amount * 10**-shift
    return value


def to_paypal(amount: int, currency: str) -> str:
    """PayPal's decimal string for `amount` minor units, e.g. 1999 BRL -> "19.99"."""
    places = exponent(currency)
    if currency in _PAYPAL_WHOLE_UNITS:
        amount -= amount % 10**places
        value = Decimal(amount).scaleb(-places)
        return f"{value:.0f}"
    return f"{Decimal(amount).scaleb(-places):.{places}f}"


def from_paypal(value: str, currency: str) -> int:
    """Entrega's minor units for a PayPal amount string; refuses one with too many decimals."""
    minor = Decimal(value).scaleb(exponent(currency))
    if minor != minor.to_integral_value():
        raise ValueError(f"{value!r} has more decimals than {currency} allows")
    return int(minor)
