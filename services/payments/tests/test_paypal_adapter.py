"""The PayPal adapter (paypal-server-sdk) against a local server that answers as PayPal's
REST API does: OAuth, Orders v2 create and capture, refunds, webhook verification."""

from __future__ import annotations

import base64
import json

import pytest

from payments.adapters.paypal_api import PayPalProvider
from payments.errors import AuthenticationNeeded, CardDeclined, ProviderUnavailable

ORDER = "ord_" + "b" * 26
KEY = f"entrega:{ORDER}:charge"


def paypal_at(url: str, webhook_id: str | None = "WH-ENTREGA") -> PayPalProvider:
    return PayPalProvider.connected("client-entrega", "secret-entrega", url, 2.0, webhook_id)


def test_charge_creates_then_captures_the_order_with_request_ids(fake_paypal):
    provider = paypal_at(fake_paypal.url)

    charge = provider.charge(1999, "BRL", "vault_8kd72ms", ORDER, KEY)

    token, create, capture = fake_paypal.requests
    credentials = base64.b64encode(b"client-entrega:secret-entrega").decode()
    assert (token.method, token.path) == ("POST", "/v1/oauth2/token")
    assert token.header("Authorization") == f"Basic {credentials}"
    assert token.form == {"grant_type": "client_credentials"}
    assert (create.method, create.path) == ("POST", "/v2/checkout/orders")
    assert create.header("PayPal-Request-Id") == KEY
    assert create.header("Authorization") == "Bearer A21AAfake"
    assert create.json == {
        "intent": "CAPTURE",
        "purchase_units": [
            {
                "amount": {"currency_code": "BRL", "value": "19.99"},
                "custom_id": ORDER,
                "invoice_id": ORDER,
            }
        ],
        "payment_source": {"paypal": {"vault_id": "vault_8kd72ms"}},
    }
    order_id = next(iter(fake_paypal.orders))
    assert (capture.method, capture.path) == ("POST", f"/v2/checkout/orders/{order_id}/capture")
    assert capture.header("PayPal-Request-Id") == f"{KEY}:capture"
    assert (charge.charge_id, charge.amount, charge.reference) == ("CAP000001", 1999, order_id)


@pytest.mark.parametrize(
    ("amount", "currency", "value"), [(1234, "JPY", "1234"), (435, "USD", "4.35")]
)
def test_amounts_go_as_exact_decimal_strings(fake_paypal, amount, currency, value):
    charge = paypal_at(fake_paypal.url).charge(amount, currency, "vault_1", ORDER, KEY)

    create = next(r for r in fake_paypal.requests if r.path == "/v2/checkout/orders")
    assert create.json["purchase_units"][0]["amount"] == {"currency_code": currency, "value": value}
    assert charge.amount == amount


def test_the_same_key_three_times_makes_one_paypal_order_and_one_capture(fake_paypal):
    provider = paypal_at(fake_paypal.url)

    charges = [provider.charge(1999, "BRL", "vault_1", ORDER, KEY) for _ in range(3)]

    assert len(fake_paypal.orders) == 1
    assert len(fake_paypal.captures) == 1
    assert {charge.charge_id for charge in charges} == {"CAP000001"}


def test_a_declined_instrument_becomes_card_declined(fake_paypal):
    with pytest.raises(CardDeclined) as raised:
        paypal_at(fake_paypal.url).charge(1999, "BRL", "vault_declined", ORDER, KEY)

    assert raised.value.decline_code == "instrument_declined"


def test_an_order_waiting_for_the_payer_needs_authentication(fake_paypal):
    with pytest.raises(AuthenticationNeeded) as raised:
        paypal_at(fake_paypal.url).charge(1999, "BRL", "vault_needs_approval", ORDER, KEY)

    assert raised.value.charge_id == next(iter(fake_paypal.orders))
    assert raised.value.action == "payer_action"
    assert raised.value.next_step["approve_url"].startswith("https://")


def test_paypal_failing_is_transient(fake_paypal):
    fake_paypal.next_status.append(503)

    with pytest.raises(ProviderUnavailable):
        paypal_at(fake_paypal.url).charge(1999, "BRL", "vault_1", ORDER, KEY)


def test_a_currency_paypal_does_not_take_is_declined_without_calling_it(fake_paypal):
    with pytest.raises(CardDeclined) as raised:
        paypal_at(fake_paypal.url).charge(5120, "KWD", "vault_1", ORDER, KEY)

    assert raised.value.decline_code == "currency_not_supported"
    assert fake_paypal.requests == []


def test_a_refund_of_a_capture_names_amount_and_request_id(fake_paypal):
    provider = paypal_at(fake_paypal.url)
    charge = provider.charge(1999, "BRL", "vault_1", ORDER, KEY)

    given = provider.refund(charge.charge_id, 500, f"entrega:{ORDER}:refund:late")

    read, refund = fake_paypal.requests[-2:]
    assert (read.method, read.path) == ("GET", "/v2/payments/captures/CAP000001")
    assert (refund.method, refund.path) == ("POST", "/v2/payments/captures/CAP000001/refund")
    assert refund.header("PayPal-Request-Id") == f"entrega:{ORDER}:refund:late"
    assert refund.json == {"amount": {"currency_code": "BRL", "value": "5.00"}}
    assert given.amount == 500


WEBHOOK_HEADERS = {
    "PAYPAL-AUTH-ALGO": "SHA256withRSA",
    "PAYPAL-CERT-URL": "https://api.paypal.com/v1/notifications/certs/CERT-360caa42",
    "PAYPAL-TRANSMISSION-ID": "69cd13f0-d67a-11e5-baa3-778b53f4ae55",
    "PAYPAL-TRANSMISSION-TIME": "2026-02-18T20:01:35Z",
}
WEBHOOK_BODY = json.dumps(
    {"id": "WH-2WR32451HC0233532", "event_type": "PAYMENT.CAPTURE.COMPLETED", "resource": {}}
)


def test_a_webhook_paypal_signed_is_verified_through_paypals_call(fake_paypal):
    headers = {**WEBHOOK_HEADERS, "PAYPAL-TRANSMISSION-SIG": "good-signature"}

    verified = paypal_at(fake_paypal.url).verify_webhook(headers, WEBHOOK_BODY)

    check = fake_paypal.requests[-1]
    assert verified is True
    assert (check.method, check.path) == ("POST", "/v1/notifications/verify-webhook-signature")
    assert check.header("Authorization") == "Bearer A21AAfake"
    assert check.json == {
        "auth_algo": "SHA256withRSA",
        "cert_url": WEBHOOK_HEADERS["PAYPAL-CERT-URL"],
        "transmission_id": WEBHOOK_HEADERS["PAYPAL-TRANSMISSION-ID"],
        "transmission_sig": "good-signature",
        "transmission_time": WEBHOOK_HEADERS["PAYPAL-TRANSMISSION-TIME"],
        "webhook_id": "WH-ENTREGA",
        "webhook_event": json.loads(WEBHOOK_BODY),
    }


def test_a_forged_paypal_webhook_is_not_verified(fake_paypal):
    headers = {**WEBHOOK_HEADERS, "PAYPAL-TRANSMISSION-SIG": "forged"}

    assert paypal_at(fake_paypal.url).verify_webhook(headers, WEBHOOK_BODY) is False


def test_a_paypal_webhook_without_its_headers_is_not_verified_and_paypal_is_not_asked(
    fake_paypal,
):
    assert paypal_at(fake_paypal.url).verify_webhook({}, WEBHOOK_BODY) is False
    assert fake_paypal.requests == []
