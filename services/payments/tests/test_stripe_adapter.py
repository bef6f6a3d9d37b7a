"""The Stripe adapter against a local server that answers as Stripe's API does: the exact
requests it sends, and what each of Stripe's answers becomes."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time

import pytest

from payments.adapters.stripe_api import StripeProvider, parse_webhook
from payments.errors import (
    AuthenticationNeeded,
    CardDeclined,
    ProviderRejected,
    ProviderUnavailable,
    WebhookRejected,
)
from payments.models import EventKind

ORDER = "ord_" + "a" * 26
KEY = f"entrega:{ORDER}:charge"
SECRET = "whsec_test_secret"


def stripe_at(url: str, timeout: float = 2.0) -> StripeProvider:
    return StripeProvider.connected("sk_test_entrega", url, timeout)


def test_charge_creates_and_confirms_one_payment_intent_in_minor_units(fake_stripe):
    provider = stripe_at(fake_stripe.url)

    charge = provider.charge(12_390, "BRL", "pm_card_visa", ORDER, KEY)

    (sent,) = fake_stripe.requests
    assert (sent.method, sent.path) == ("POST", "/v1/payment_intents")
    assert sent.form == {
        "amount": "12390",
        "currency": "brl",
        "payment_method": "pm_card_visa",
        "confirm": "true",
        "automatic_payment_methods[enabled]": "true",
        "automatic_payment_methods[allow_redirects]": "never",
        "metadata[order_id]": ORDER,
    }
    assert sent.header("Idempotency-Key") == KEY
    assert sent.header("Authorization") == "Bearer sk_test_entrega"
    assert charge.charge_id == "pi_fake0001"
    assert (charge.amount, charge.currency, charge.reference) == (
        12_390,
        "BRL",
        "ch_for_pi_fake0001",
    )


@pytest.mark.parametrize(
    ("amount", "currency", "sent", "captured"),
    [(1234, "JPY", "1234", 1234), (5124, "KWD", "5120", 5120), (1005, "KWD", "1000", 1000)],
)
def test_zero_and_three_decimal_currencies_are_sent_as_stripe_documents(
    fake_stripe, amount, currency, sent, captured
):
    charge = stripe_at(fake_stripe.url).charge(amount, currency, "pm_card_visa", ORDER, KEY)

    assert fake_stripe.requests[0].form["amount"] == sent
    assert fake_stripe.requests[0].form["currency"] == currency.lower()
    assert charge.amount == captured


def test_the_same_key_three_times_makes_one_payment_intent(fake_stripe):
    provider = stripe_at(fake_stripe.url)

    charges = [provider.charge(12_390, "BRL", "pm_card_visa", ORDER, KEY) for _ in range(3)]

    assert len(fake_stripe.intents) == 1
    assert {charge.charge_id for charge in charges} == {"pi_fake0001"}
    assert {request.header("Idempotency-Key") for request in fake_stripe.requests} == {KEY}


@pytest.mark.parametrize(
    ("method", "decline_code"),
    [
        ("pm_card_chargeDeclined", "generic_decline"),
        ("pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds"),
        ("pm_missing", "payment_method_invalid"),
    ],
)
def test_declines_become_card_declined_with_stripes_code(fake_stripe, method, decline_code):
    with pytest.raises(CardDeclined) as raised:
        stripe_at(fake_stripe.url).charge(12_390, "BRL", method, ORDER, KEY)

    assert raised.value.decline_code == decline_code


def test_authentication_required_names_the_intent_and_the_action(fake_stripe):
    provider = stripe_at(fake_stripe.url)

    with pytest.raises(AuthenticationNeeded) as raised:
        provider.charge(12_390, "BRL", "pm_card_authenticationRequired", ORDER, KEY)

    assert (raised.value.charge_id, raised.value.action) == ("pi_fake0001", "use_stripe_sdk")
    assert fake_stripe.paths() == [
        ("POST", "/v1/payment_intents"),
        ("GET", "/v1/payment_intents/pi_fake0001"),
    ]


def test_a_replay_after_the_customer_authenticated_reads_the_intent_again(fake_stripe):
    provider = stripe_at(fake_stripe.url)
    with pytest.raises(AuthenticationNeeded):
        provider.charge(12_390, "BRL", "pm_card_authenticationRequired", ORDER, KEY)
    fake_stripe.succeed("pi_fake0001")

    charge = provider.charge(12_390, "BRL", "pm_card_authenticationRequired", ORDER, KEY)

    assert charge.charge_id == "pi_fake0001"
    assert charge.amount == 12_390
    assert len(fake_stripe.intents) == 1


@pytest.mark.parametrize("status", [429, 500, 503])
def test_rate_limits_and_stripe_failures_are_transient_and_not_retried_inside(fake_stripe, status):
    fake_stripe.next_status.append(status)

    with pytest.raises(ProviderUnavailable):
        stripe_at(fake_stripe.url).charge(12_390, "BRL", "pm_card_visa", ORDER, KEY)

    assert len(fake_stripe.requests) == 1


def test_a_stripe_that_does_not_answer_in_time_is_transient(fake_stripe):
    fake_stripe.delay_next = 1.0

    with pytest.raises(ProviderUnavailable):
        stripe_at(fake_stripe.url, timeout=0.2).charge(12_390, "BRL", "pm_card_visa", ORDER, KEY)


def test_a_stripe_that_cannot_be_reached_is_transient():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"

    with pytest.raises(ProviderUnavailable):
        stripe_at(closed).charge(12_390, "BRL", "pm_card_visa", ORDER, KEY)


def test_a_partial_refund_is_sent_in_minor_units_with_its_own_key(fake_stripe):
    provider = stripe_at(fake_stripe.url)
    charge = provider.charge(5124, "KWD", "pm_card_visa", ORDER, KEY)

    given = provider.refund(charge.charge_id, 2005, f"entrega:{ORDER}:refund:wrong-item")

    refund_request = fake_stripe.requests[-1]
    assert (refund_request.method, refund_request.path) == ("POST", "/v1/refunds")
    assert refund_request.form == {"payment_intent": "pi_fake0001", "amount": "2000"}
    assert refund_request.header("Idempotency-Key") == f"entrega:{ORDER}:refund:wrong-item"
    assert (given.refund_id, given.amount) == ("re_fake0001", 2000)


def test_a_refund_beyond_what_is_left_is_refused_by_stripe(fake_stripe):
    provider = stripe_at(fake_stripe.url)
    charge = provider.charge(12_390, "BRL", "pm_card_visa", ORDER, KEY)
    provider.refund(charge.charge_id, 12_390, f"entrega:{ORDER}:refund")

    with pytest.raises(ProviderRejected):
        provider.refund(charge.charge_id, 1, f"entrega:{ORDER}:refund:more")


def test_voiding_a_waiting_intent_cancels_it_with_its_key(fake_stripe):
    provider = stripe_at(fake_stripe.url)
    with pytest.raises(AuthenticationNeeded):
        provider.charge(12_390, "BRL", "pm_card_authenticationRequired", ORDER, KEY)

    voided = provider.void("pi_fake0001", f"entrega:{ORDER}:void:1")

    cancel = fake_stripe.requests[-1]
    assert (cancel.method, cancel.path) == ("POST", "/v1/payment_intents/pi_fake0001/cancel")
    assert cancel.form == {"cancellation_reason": "abandoned"}
    assert cancel.header("Idempotency-Key") == f"entrega:{ORDER}:void:1"
    assert voided.captured is None
    assert fake_stripe.intents["pi_fake0001"]["status"] == "canceled"


def test_voiding_an_intent_the_customer_already_paid_reports_the_capture(fake_stripe):
    provider = stripe_at(fake_stripe.url)
    with pytest.raises(AuthenticationNeeded):
        provider.charge(12_390, "BRL", "pm_card_authenticationRequired", ORDER, KEY)
    fake_stripe.succeed("pi_fake0001")

    voided = provider.void("pi_fake0001", f"entrega:{ORDER}:void:1")

    assert voided.captured is not None
    assert (voided.captured.charge_id, voided.captured.amount) == ("pi_fake0001", 12_390)


def signed(payload: str, secret: str = SECRET, at: int | None = None) -> str:
    timestamp = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def intent_event(kind: str = "payment_intent.succeeded", **intent: object) -> str:
    obj = {
        "id": "pi_fake0001",
        "object": "payment_intent",
        "amount": 5120,
        "amount_received": 5120,
        "currency": "kwd",
        "status": "succeeded",
        "metadata": {"order_id": ORDER},
        **intent,
    }
    event = {"id": "evt_1", "object": "event", "type": kind, "created": 1_767_000_000}
    return json.dumps({**event, "data": {"object": obj}})


def test_a_genuine_webhook_becomes_a_provider_event_in_minor_units():
    payload = intent_event()

    event = parse_webhook(payload, signed(payload), SECRET, 300)

    assert event.kind is EventKind.PAYMENT_SUCCEEDED
    assert (event.event_id, event.order_id, event.charge_id) == ("evt_1", ORDER, "pi_fake0001")
    assert (event.amount, event.currency) == (5120, "KWD")
    assert event.occurred_at == "2025-12-29T09:20:00+00:00"


def test_a_refund_webhook_carries_the_running_total():
    charge = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": "pi_fake0001",
        "amount_captured": 1999,
        "amount_refunded": 500,
        "currency": "brl",
        "metadata": {},
    }
    payload = json.dumps(
        {"id": "evt_2", "type": "charge.refunded", "created": 1, "data": {"object": charge}}
    )

    event = parse_webhook(payload, signed(payload), SECRET, 300)

    assert event.kind is EventKind.CHARGE_REFUNDED
    assert (event.order_id, event.charge_id) == (None, "pi_fake0001")
    assert (event.amount, event.refunded) == (1999, 500)


@pytest.mark.parametrize(
    "signature",
    [
        signed(intent_event(), secret="whsec_someone_else"),
        signed(intent_event(), at=int(time.time()) - 600),
        "t=1,v1=deadbeef",
        None,
    ],
    ids=["forged", "stale", "garbage", "missing"],
)
def test_a_webhook_that_cannot_be_trusted_is_rejected(signature):
    with pytest.raises(WebhookRejected):
        parse_webhook(intent_event(), signature, SECRET, 300)


def test_a_signed_body_that_was_changed_is_rejected():
    payload = intent_event()
    changed = payload.replace("5120", "9990")

    with pytest.raises(WebhookRejected):
        parse_webhook(changed, signed(payload), SECRET, 300)


def test_events_payments_does_not_use_are_ignored():
    payload = intent_event(kind="customer.created")

    assert parse_webhook(payload, signed(payload), SECRET, 300).kind is EventKind.IGNORED
