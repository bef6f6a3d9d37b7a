"""Payments' ways out: payment providers, their configuration, the bus and intake's API.

`provider_for` picks the adapter for an order's payment.provider: Stripe or PayPal when
that provider's credentials are configured, the simulator when they are not. Which one
serves is configuration only; the code path is the same everywhere. The Stripe and PayPal
SDKs are imported only when their adapter is built or a webhook of theirs arrives, so a
cold start that needs neither pays for neither.
"""

from __future__ import annotations

from collections.abc import Mapping

from payments.adapters.configuration import settings
from payments.adapters.simulated import SimulatedProvider
from payments.errors import ProviderRejected, WebhooksNotConfigured
from payments.models import ProviderEvent
from payments.ports import PaymentProvider, ProviderCharge, ProviderRefund, ProviderVoid

PROVIDERS = ("stripe", "paypal")

__all__ = [
    "PROVIDERS",
    "PaymentProvider",
    "ProviderCharge",
    "ProviderRefund",
    "ProviderVoid",
    "SimulatedProvider",
    "provider_for",
    "stripe_event",
]


def provider_for(name: str) -> PaymentProvider:
    """The adapter for an order's payment.provider, as the configuration says."""
    config = settings()
    if name == "stripe" and config.stripe_key.configured:
        from payments.adapters.stripe_api import stripe_provider

        return stripe_provider(config)
    if name == "paypal" and config.paypal_credentials.configured:
        from payments.adapters.paypal_api import paypal_provider

        return paypal_provider(config)
    if name not in PROVIDERS:
        raise ProviderRejected(f"there is no payment provider called {name!r}")
    return SimulatedProvider(name)


def stripe_event(body: str, headers: Mapping[str, str]) -> ProviderEvent:
    """A Stripe webhook, verified with the endpoint secret, as a ProviderEvent."""
    config = settings()
    if not config.stripe_webhook_secret.configured:
        raise WebhooksNotConfigured("no Stripe webhook secret is configured")
    signature = next(
        (value for key, value in headers.items() if key.lower() == "stripe-signature"), None
    )
    from payments.adapters.stripe_api import parse_webhook

    return parse_webhook(
        body, signature, config.stripe_webhook_secret.resolve(), config.stripe_webhook_tolerance
    )
