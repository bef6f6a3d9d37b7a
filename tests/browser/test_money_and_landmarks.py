"""What every page shares: amounts written as the backend writes them, and the same landmarks."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from entrega_contracts.money import Money

AMOUNTS = [
    (12390, "BRL", "pt-BR"),
    (12390, "BRL", "en"),
    (1200, "JPY", "pt-BR"),
    (1234, "KWD", "en"),
    (-5, "BRL", "pt-BR"),
    (9_007_199_254_740_991, "BRL", "pt-BR"),
]


def test_pages_write_amounts_with_the_currencys_own_decimals_like_the_emails(page, stack):
    page.goto(f"{stack.web_url}/index.html")

    shown = page.evaluate(
        """async (amounts) => {
            const { formatMoney } = await import("./js/money.js");
            return amounts.map(([amount, currency, locale]) =>
                formatMoney({ amount, currency }, locale));
        }""",
        AMOUNTS,
    )

    # Babel (the emails) and ICU (the browser) differ only in where they put spaces.
    expected = [Money(amount, currency).format(locale) for amount, currency, locale in AMOUNTS]
    assert [re.sub(r"\s", "", text) for text in shown] == [
        re.sub(r"\s", "", text) for text in expected
    ]
    assert shown[-1].endswith("90.071.992.547.409,91")


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("track.html#order=ord_x", "Acompanhe seu pedido"),
        ("kitchen.html", "Pedidos da cozinha"),
        ("saga.html#order=ord_x", "Saga do pedido"),
    ],
)
def test_every_page_has_its_landmarks_in_portuguese_first(page, stack, path, heading):
    page.goto(f"{stack.web_url}/{path}")

    expect(page.locator("html")).to_have_attribute("lang", "pt-BR")
    expect(page.get_by_role("main")).to_have_attribute("aria-busy", "false")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("navigation", name="Idioma").get_by_role("link")).to_have_text(
        ["Português", "English"]
    )
    expect(page.get_by_role("link", name="Pular para o conteúdo")).to_have_attribute(
        "href", "#main"
    )
