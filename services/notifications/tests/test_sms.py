"""What an SMS carries: its encoding, its segments, and every template fitting in a few."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from notifications import sms
from notifications.messages import LOCALES, TEMPLATES, render_sms
from notifications.models import Preferences, Recipient, StatusChange

ORDER_ID = "ord_q3kz7mbx2v4n6p8r0t1w3y5a7c"
TRACKING = f"https://entrega.example.com/acompanhar/{ORDER_ID}"
PLACED_AT = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)  # 09:00 in São Paulo
EVERY_SMS = sorted(
    (locale, path.stem) for locale in LOCALES for path in (TEMPLATES / locale / "sms").glob("*.j2")
)


def change(status: str, **extra: object) -> StatusChange:
    return StatusChange.model_validate(
        {
            "order_id": ORDER_ID,
            "status": status,
            "occurred_at": PLACED_AT,
            "total": {"amount": 123_456, "currency": "BRL"},
        }
        | extra
    )


def recipient(locale: str = "pt-BR", **extra: object) -> Recipient:
    return Recipient.model_validate(
        {
            "order_id": ORDER_ID,
            "customer_id": "cus_1",
            "name": "Ana Souza",
            "email": "ana@example.com",
            "phone": "+5511987654321",
            "locale": locale,
            "placed_at": PLACED_AT,
        }
        | extra
    )


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("€" * 80, "GSM-7", 1),  # the euro sign takes two septets
        ("€" * 81, "GSM-7", 2),
        ("ã" * 70, "UCS-2", 1),
        ("ã" * 71, "UCS-2", 2),
        ("🍕" * 35, "UCS-2", 1),  # an emoji is two UTF-16 units
        ("🍕" * 36, "UCS-2", 2),
    ],
)
def test_segments_are_counted_as_carriers_bill_them(text, encoding, segments):
    assert sms.encoding(text) == encoding
    assert sms.segments(text) == segments


def test_portuguese_is_written_in_gsm7_without_the_accents_it_lacks():
    written = sms.to_gsm7("Previsão de entrega: 09:35 — R$\u00a0123,90 no cartão, é só aguardar")

    assert written == "Previsao de entrega: 09:35 - R$ 123,90 no cartao, é so aguardar"
    assert sms.encoding(written) == "GSM-7"


def test_a_script_gsm7_cannot_write_stays_ucs2():
    assert sms.encoding(sms.to_gsm7("Pedido: 拉面")) == "UCS-2"


@pytest.mark.parametrize("text", ["palavra " * 100, "拉面 " * 200])
def test_too_long_a_text_is_cut_at_a_word_and_fits(text):
    fitted = sms.fit(text)

    assert sms.segments(fitted) <= sms.MAX_SEGMENTS
    assert fitted.endswith("...")
    assert text.startswith(fitted.removesuffix("...").strip())


def test_every_locale_has_an_sms_for_every_status():
    statuses = {status for _, status in EVERY_SMS}

    assert len(EVERY_SMS) == len(LOCALES) * len(statuses) == 33


@pytest.mark.parametrize(("locale", "status"), EVERY_SMS)
def test_every_sms_fits_even_with_long_names_and_names_no_customer(locale, status):
    long_names = [
        {"sku": f"x{i}", "name": "Prato do dia com nome bem comprido " * 3} for i in (1, 2)
    ]
    busy = change(
        status,
        eta_minutes=35,
        suggestions=long_names,
        reason={"code": "OUT_OF_STOCK"},
        refunded={"amount": 123_456, "currency": "BRL"},
    )

    message = render_sms(busy, recipient(locale), TRACKING)

    assert sms.segments(message.text) <= sms.MAX_SEGMENTS
    assert sms.encoding(message.text) == "GSM-7"
    assert "Q3KZ7M" in message.text
    assert "Ana" not in message.text
    assert "\n" not in message.text


@pytest.mark.parametrize(
    ("locale", "total", "arrival"),
    [
        ("pt-BR", "R$ 1.234,56", "09:35"),
        ("en", "R$1,234.56", "9:35 AM"),
        ("es", "1.234,56 BRL", "9:35"),
    ],
)
def test_sms_writes_amounts_and_the_arrival_the_customers_way(locale, total, arrival):
    message = render_sms(change("CONFIRMED", eta_minutes=35), recipient(locale), TRACKING)

    assert total in message.text
    assert arrival in message.text
    assert TRACKING in message.text


def test_suggestions_are_dropped_before_the_text_is_cut():
    many = [{"sku": f"x{i}", "name": f"Sobremesa especial numero {i} da casa"} for i in range(12)]

    message = render_sms(change("DELIVERED", suggestions=many), recipient(), TRACKING)

    assert message.text == "Cozinha da Vila: pedido #Q3KZ7M entregue. Bom apetite!"


@pytest.mark.parametrize(
    ("preferences", "phone", "arrival"),
    [
        ({"time_zone": "Europe/Lisbon"}, "+5511987654321", "12:35"),
        ({}, "+5592991234567", "08:35"),  # a Manaus number reads Manaus time
        ({}, "+12125550123", "08:35"),  # a New York number reads New York time
        ({}, "987654321", "09:35"),  # no country code: read as Brazilian
    ],
)
def test_times_are_in_the_customers_time_zone(preferences, phone, arrival):
    customer = recipient(phone=phone, preferences=Preferences.model_validate(preferences))

    message = render_sms(change("CONFIRMED", eta_minutes=35), customer, TRACKING)

    assert f"Previsao de entrega: {arrival}." in message.text
