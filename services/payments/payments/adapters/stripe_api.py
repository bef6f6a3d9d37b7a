"""Stripe through its Python library: PaymentIntents, refunds, cancellations and webhooks.

A charge is one PaymentIntent created and confirmed in a single call with the order's
payment method, the amount in Stripe's unit for the currency, the order id in metadata
and the idempotency key from the domain. Stripe replays the first answer to a repeated
key, so when that answer is not final (waiting for the customer, processing) the intent
is read again to learn where it is now.

Stripe's errors are turned into Entrega's once, here: declines into CardDeclined, rate
limits, network failures and Stripe's own failures into ProviderUnavailable (the saga
retries them with the same key), and requests Stripe refuses into ProviderRejected. The
library's own network retries are off so that every retry is the saga's, and visible.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import stripe

from payments.adapters.configuration import Settings
from payments.errors import (
    AuthenticationNeeded,
    CardDeclined,
    ProviderRejected,
    ProviderUnavailable,
    WebhookRejected,
)
from payments.models import EventKind, ProviderEvent
from payments.ports import ProviderCharge, ProviderRefund, ProviderVoid
from payments.provider_amounts import from_stripe, to_stripe

_STILL_MOVING = frozenset({"requires_action", "processing", "requires_confirmation"})
_AMOUNT_CODES = frozenset({"amount_too_small", "amount_too_large"})


class StripeProvider:
    name = "stripe"

    def __init__(self, client: stripe.StripeClient) -> None:
        self._client = client

    @classmethod
    def connected(cls, api_key: str, api_base: str | None, timeout: float) -> StripeProvider:
        """An adapter on a client for this key; clients are reused while the key is the same."""
        return cls(_client(api_key, api_base, timeout))

    def charge(
        self, amount: int, currency: str, method: str, order_id: str, idempotency_key: str
    ) -> ProviderCharge:
        units = to_stripe(amount, currency)
        if units <= 0:
            raise CardDeclined("amount_too_small")
        params: Any = {
            "amount": units,
            "currency": currency.lower(),
            "payment_method": method,
            "confirm": True,
            "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
            "metadata": {"order_id": order_id},
        }
        with _stripe_errors(charging=True):
            intent = self._client.v1.payment_intents.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
            if intent.status in _STILL_MOVING:
                intent = self._client.v1.payment_intents.retrieve(intent.id)
        return _captured(intent, currency)

    def refund(self, charge_id: str, amount: int, idempotency_key: str) -> ProviderRefund:
        """Refund part or all of an intent, reading its currency first to know Stripe's unit."""
        with _stripe_errors():
            currency = self._client.v1.payment_intents.retrieve(charge_id).currency.upper()
            params: Any = {"payment_intent": charge_id, "amount": to_stripe(amount, currency)}
            given = self._client.v1.refunds.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        if given.status in ("failed", "canceled"):
            raise ProviderRejected(f"Stripe answered the refund with status {given.status}")
        return ProviderRefund(given.id, from_stripe(given.amount, currency))

    def void(self, charge_id: str, idempotency_key: str) -> ProviderVoid:
        params: Any = {"cancellation_reason": "abandoned"}
        try:
            with _stripe_errors():
                self._client.v1.payment_intents.cancel(
                    charge_id, params=params, options={"idempotency_key": idempotency_key}
                )
        except ProviderRejected as refused:
            # Stripe refuses to cancel an intent that has already succeeded or was canceled.
            if not isinstance(refused.__cause__, stripe.InvalidRequestError):
                raise
            with _stripe_errors():
                intent = self._client.v1.payment_intents.retrieve(charge_id)
            if intent.status == "succeeded":
                return ProviderVoid(_captured(intent, intent.currency.upper()))
            if intent.status != "canceled":
                raise
        return ProviderVoid()


def _captured(intent: stripe.PaymentIntent, currency: str) -> ProviderCharge:
    """What a confirmed PaymentIntent means for the order, or the exception that says it."""
    if intent.status == "succeeded":
        latest = intent.latest_charge
        reference = latest if isinstance(latest, str) or latest is None else latest.id
        return ProviderCharge(
            intent.id, from_stripe(intent.amount_received, currency), currency, reference
        )
    if intent.status == "requires_action":
        action = intent.next_action.type if intent.next_action else "requires_action"
        raise AuthenticationNeeded(intent.id, action, {"client_secret": intent.client_secret or ""})
    if intent.status == "processing":
        raise ProviderUnavailable("Stripe is still processing the payment")
    if intent.status in ("requires_payment_method", "canceled"):
        failure = intent.last_payment_error
        raise CardDeclined(
            (failure.decline_code or failure.code or "card_declined") if failure else "canceled"
        )
    raise ProviderRejected(f"Stripe left the payment in status {intent.status}")


@contextmanager
def _stripe_errors(charging: bool = False) -> Iterator[None]:
    """Stripe's exceptions as Entrega's, wrapped once with `raise ... from`.

    When charging, a request refused for its amount or its payment method is the
    customer's decline (the order is rejected); elsewhere it is Stripe refusing Entrega.
    """
    try:
        yield
    except stripe.CardError as exc:
        raise CardDeclined(_decline_code(exc)) from exc
    except (stripe.RateLimitError, stripe.APIConnectionError, stripe.APIError) as exc:
        raise ProviderUnavailable("Stripe did not answer in time; try again") from exc
    except stripe.InvalidRequestError as exc:
        if charging and exc.code in _AMOUNT_CODES:
            raise CardDeclined(str(exc.code)) from exc
        if charging and (exc.param == "payment_method" or exc.code == "payment_method_invalid"):
            raise CardDeclined("payment_method_invalid") from exc
        raise ProviderRejected(f"Stripe refused the request ({exc.code or 'invalid'})") from exc
    except stripe.StripeError as exc:
        raise ProviderRejected(f"Stripe refused the request ({type(exc).__name__})") from exc


def _decline_code(exc: stripe.CardError) -> str:
    body = exc.json_body if isinstance(exc.json_body, dict) else {}
    error = body.get("error") or {}
    return str(error.get("decline_code") or exc.code or "card_declined")


@functools.lru_cache(maxsize=4)
def _client(api_key: str, api_base: str | None, timeout: float) -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base} if api_base else None,
        max_network_retries=0,
        http_client=stripe.RequestsClient(timeout=timeout),
    )


def stripe_provider(config: Settings) -> StripeProvider:
    """The Stripe adapter for the configured key."""
    return StripeProvider.connected(
        config.stripe_key.resolve(), config.stripe_api_base, config.provider_timeout
    )


def parse_webhook(
    payload: str, signature: str | None, secret: str, tolerance: int
) -> ProviderEvent:
    """A Stripe webhook as a ProviderEvent, after checking its signature and its age.

    The signature is an HMAC of the raw body and the timestamp Stripe signed it at, so it is
    checked on the body exactly as it arrived, before anything parses it.
    """
    try:
        stripe.WebhookSignature.verify_header(payload, signature, secret, tolerance)
    except stripe.SignatureVerificationError as exc:
        raise WebhookRejected("the webhook's signature or timestamp is not valid") from exc
    try:
        event = json.loads(payload)
        obj = event["data"]["object"]
        kind = _EVENT_KINDS.get(str(event["type"]), EventKind.IGNORED)
        occurred = datetime.fromtimestamp(int(event["created"]), UTC).isoformat()
    except (ValueError, KeyError, TypeError) as exc:
        raise WebhookRejected("the webhook's body is not a Stripe event") from exc
    return ProviderEvent(
        event_id=str(event["id"]),
        provider="stripe",
        kind=kind,
        occurred_at=occurred,
        **(_event_fields(kind, obj) if kind is not EventKind.IGNORED else {}),
    )


_EVENT_KINDS = {
    "payment_intent.succeeded": EventKind.PAYMENT_SUCCEEDED,
    "payment_intent.payment_failed": EventKind.PAYMENT_FAILED,
    "charge.refunded": EventKind.CHARGE_REFUNDED,
}


def _event_fields(kind: EventKind, obj: dict[str, Any]) -> dict[str, Any]:
    """Order, charge and amounts from the event's PaymentIntent or Charge, in minor units."""
    currency = str(obj["currency"]).upper()
    order_id = (obj.get("metadata") or {}).get("order_id")
    if kind is EventKind.CHARGE_REFUNDED:
        return {
            "order_id": order_id,
            "charge_id": obj.get("payment_intent"),
            "currency": currency,
            "amount": from_stripe(int(obj.get("amount_captured") or 0), currency),
            "refunded": from_stripe(int(obj.get("amount_refunded") or 0), currency),
        }
    failure = obj.get("last_payment_error") or {}
    return {
        "order_id": order_id,
        "charge_id": obj["id"],
        "currency": currency,
        "amount": from_stripe(int(obj.get("amount_received") or 0), currency),
        "decline_code": failure.get("decline_code") or failure.get("code"),
    }
