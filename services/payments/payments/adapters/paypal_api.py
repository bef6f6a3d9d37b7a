"""PayPal through its server SDK: Orders v2 create and capture, refunds of captures, and the
webhook signature check through PayPal's verification call.

The order's payment method is a PayPal vault id (a payment method the customer saved with
PayPal), so a charge needs no redirect: the PayPal order is created with the vault id and
intent CAPTURE under a PayPal-Request-Id equal to Entrega's idempotency key, then
captured under its own request id (the key with ":capture"). PayPal replays the first
answer to a repeated request id for six hours; the order id also goes in `invoice_id`,
which PayPal refuses to see twice, as a second guard against charging an order again.

Amounts go as decimal strings in the currency's unit ("19.99"); a currency PayPal does not
take is declined before any call.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import requests
from apimatic_core.exceptions.auth_validation_exception import (  # type: ignore[import-untyped]
    AuthValidationException,
)
from paypalserversdk.configuration import Configuration, Environment  # type: ignore[import-untyped]
from paypalserversdk.exceptions.api_exception import ApiException  # type: ignore[import-untyped]
from paypalserversdk.http.auth.o_auth_2 import (  # type: ignore[import-untyped]
    ClientCredentialsAuthCredentials,
)
from paypalserversdk.models.amount_with_breakdown import (  # type: ignore[import-untyped]
    AmountWithBreakdown,
)
from paypalserversdk.models.checkout_payment_intent import (  # type: ignore[import-untyped]
    CheckoutPaymentIntent,
)
from paypalserversdk.models.money import Money  # type: ignore[import-untyped]
from paypalserversdk.models.order_request import OrderRequest  # type: ignore[import-untyped]
from paypalserversdk.models.payment_source import PaymentSource  # type: ignore[import-untyped]
from paypalserversdk.models.paypal_wallet import PaypalWallet  # type: ignore[import-untyped]
from paypalserversdk.models.purchase_unit_request import (  # type: ignore[import-untyped]
    PurchaseUnitRequest,
)
from paypalserversdk.models.refund_request import RefundRequest  # type: ignore[import-untyped]
from paypalserversdk.paypal_serversdk_client import (  # type: ignore[import-untyped]
    PaypalServersdkClient,
)

from payments.adapters.configuration import Settings
from payments.errors import (
    AuthenticationNeeded,
    CardDeclined,
    ProviderRejected,
    ProviderUnavailable,
    WebhooksNotConfigured,
)
from payments.ports import ProviderCharge, ProviderRefund, ProviderVoid
from payments.provider_amounts import PAYPAL_CURRENCIES, from_paypal, to_paypal

BASE_URLS = {
    "production": "https://api-m.paypal.com",
    "sandbox": "https://api-m.sandbox.paypal.com",
}
_DECLINE_ISSUES = frozenset(
    {
        "INSTRUMENT_DECLINED",
        "TRANSACTION_REFUSED",
        "PAYER_CANNOT_PAY",
        "CARD_EXPIRED",
        "PAYEE_BLOCKED_TRANSACTION",
        "COMPLIANCE_VIOLATION",
    }
)
_SIGNATURE_HEADERS = {
    "auth_algo": "paypal-auth-algo",
    "cert_url": "paypal-cert-url",
    "transmission_id": "paypal-transmission-id",
    "transmission_sig": "paypal-transmission-sig",
    "transmission_time": "paypal-transmission-time",
}


class PayPalProvider:
    name = "paypal"

    def __init__(
        self, client: Any, base_url: str, timeout: float, webhook_id: str | None = None
    ) -> None:
        self._client = client
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout
        self._webhook_id = webhook_id

    def charge(
        self, amount: int, currency: str, method: str, order_id: str, idempotency_key: str
    ) -> ProviderCharge:
        if currency not in PAYPAL_CURRENCIES:
            raise CardDeclined("currency_not_supported")
        value = to_paypal(amount, currency)
        if from_paypal(value, currency) <= 0:
            raise CardDeclined("amount_too_small")
        unit = PurchaseUnitRequest(
            amount=AmountWithBreakdown(currency_code=currency, value=value),
            custom_id=order_id,
            invoice_id=order_id,
        )
        body = OrderRequest(
            intent=CheckoutPaymentIntent.CAPTURE,
            purchase_units=[unit],
            payment_source=PaymentSource(paypal=PaypalWallet(vault_id=method)),
        )
        order = self._call(
            self._client.orders.create_order,
            {"body": body, "paypal_request_id": idempotency_key, "prefer": "return=representation"},
        )
        if order.get("status") == "PAYER_ACTION_REQUIRED":
            raise AuthenticationNeeded(str(order["id"]), "payer_action", _payer_page(order))
        if order.get("status") != "COMPLETED":
            order = self._capture(str(order["id"]), f"{idempotency_key}:capture")
        return _captured(order, currency)

    def _capture(self, paypal_order_id: str, request_id: str) -> dict[str, Any]:
        options = {
            "id": paypal_order_id,
            "paypal_request_id": request_id,
            "prefer": "return=representation",
        }
        try:
            captured: dict[str, Any] = self._call(self._client.orders.capture_order, options)
        except _AlreadyCaptured:
            captured = self._call(self._client.orders.get_order, {"id": paypal_order_id})
        except _PayerActionRequired as waiting:
            waiting_order = self._call(self._client.orders.get_order, {"id": paypal_order_id})
            raise AuthenticationNeeded(
                paypal_order_id, "payer_action", _payer_page(waiting_order)
            ) from waiting
        return captured

    def refund(self, charge_id: str, amount: int, idempotency_key: str) -> ProviderRefund:
        """Refund part or all of a capture; its currency is read from the capture first."""
        capture = self._call(self._client.payments.get_captured_payment, {"capture_id": charge_id})
        currency = str(capture["amount"]["currency_code"])
        body = RefundRequest(
            amount=Money(currency_code=currency, value=to_paypal(amount, currency))
        )
        given = self._call(
            self._client.payments.refund_captured_payment,
            {
                "capture_id": charge_id,
                "paypal_request_id": idempotency_key,
                "prefer": "return=representation",
                "body": body,
            },
        )
        if given.get("status") not in ("COMPLETED", "PENDING"):
            raise ProviderRejected(f"PayPal answered the refund with status {given.get('status')}")
        refunded = given.get("amount", {}).get("value")
        return ProviderRefund(
            str(given["id"]), from_paypal(str(refunded), currency) if refunded else amount
        )

    @classmethod
    def connected(
        cls,
        client_id: str,
        client_secret: str,
        base_url: str,
        timeout: float,
        webhook_id: str | None = None,
    ) -> PayPalProvider:
        """An adapter on an SDK client for these credentials, reused while they hold."""
        return cls(
            _client(client_id, client_secret, base_url, timeout), base_url, timeout, webhook_id
        )

    def void(self, charge_id: str, idempotency_key: str) -> ProviderVoid:
        """Nothing to call: a PayPal order is only paid when Entrega captures it."""
        return ProviderVoid()

    def verify_webhook(self, headers: Mapping[str, str], body: str) -> bool:
        """Whether PayPal says it signed this webhook, through its verify-webhook-signature call."""
        if not self._webhook_id:
            raise WebhooksNotConfigured("no PayPal webhook id is configured")
        lowered = {key.lower(): value for key, value in headers.items()}
        if any(header not in lowered for header in _SIGNATURE_HEADERS.values()):
            return False
        try:
            event = json.loads(body)
        except ValueError:
            return False
        check = {name: lowered[header] for name, header in _SIGNATURE_HEADERS.items()}
        check.update(webhook_id=self._webhook_id, webhook_event=event)
        try:
            answer = requests.post(
                f"{self._base_url}/v1/notifications/verify-webhook-signature",
                json=check,
                headers={"Authorization": f"Bearer {self._access_token()}"},
                timeout=self._timeout,
            )
        except requests.RequestException as exc:
            raise ProviderUnavailable("PayPal could not be reached to verify a webhook") from exc
        if answer.status_code >= 500 or answer.status_code == 429:
            raise ProviderUnavailable("PayPal could not verify the webhook; try again")
        return answer.ok and answer.json().get("verification_status") == "SUCCESS"

    def _access_token(self) -> str:
        with _paypal_errors():
            token = self._client.oauth_2.fetch_token()
        return str(token.access_token)

    def _call(self, endpoint: Callable[[dict[str, Any]], Any], options: dict[str, Any]) -> Any:
        with _paypal_errors():
            response = endpoint(options)
        return json.loads(response.text)


def _captured(order: dict[str, Any], currency: str) -> ProviderCharge:
    try:
        capture = order["purchase_units"][0]["payments"]["captures"][0]
    except (KeyError, IndexError, TypeError):
        raise ProviderRejected(f"PayPal left the order in status {order.get('status')}") from None
    if capture.get("status") in ("DECLINED", "FAILED"):
        raise CardDeclined("instrument_declined")
    amount = from_paypal(str(capture["amount"]["value"]), currency)
    return ProviderCharge(str(capture["id"]), amount, currency, str(order["id"]))


def _payer_page(order: dict[str, Any]) -> dict[str, str]:
    """Where the payer approves the order, from the links PayPal returns with it."""
    for link in order.get("links") or []:
        if link.get("rel") in ("payer-action", "approve"):
            return {"approve_url": str(link["href"])}
    return {}


class _AlreadyCaptured(ProviderRejected):
    pass


class _PayerActionRequired(ProviderRejected):
    pass


@contextmanager
def _paypal_errors() -> Iterator[None]:
    """The SDK's exceptions as Entrega's, wrapped once with `raise ... from`."""
    try:
        yield
    except ApiException as exc:
        raise _translated(exc) from exc
    except AuthValidationException as exc:
        raise ProviderUnavailable("PayPal did not give an access token; try again") from exc
    except requests.RequestException as exc:
        raise ProviderUnavailable("PayPal did not answer in time; try again") from exc


def _translated(exc: Any) -> Exception:
    status = int(exc.response_code)
    issue = _issue(exc)
    if status == 429 or status >= 500:
        return ProviderUnavailable("PayPal did not answer in time; try again")
    if issue == "ORDER_ALREADY_CAPTURED":
        return _AlreadyCaptured("PayPal says the order is already captured")
    if issue == "PAYER_ACTION_REQUIRED":
        return _PayerActionRequired("PayPal waits for the payer")
    if status == 422 and issue in _DECLINE_ISSUES:
        return CardDeclined(issue.lower())
    return ProviderRejected(f"PayPal refused the request ({status} {issue or 'error'})")


def _issue(exc: Any) -> str:
    try:
        body = json.loads(exc.response.text or "{}")
        return str(body.get("details", [{}])[0].get("issue") or body.get("name") or "")
    except (ValueError, AttributeError, IndexError, TypeError):
        return ""


class _Configuration(Configuration):  # type: ignore[misc]
    """The SDK's configuration, pointed at another base URL (a local fake of PayPal's API)."""

    def __init__(self, base_url: str, **options: Any) -> None:
        super().__init__(**options)
        self._base_url = base_url

    def get_base_uri(self, server: Any = None) -> str:
        return self._base_url


@functools.lru_cache(maxsize=4)
def _client(client_id: str, client_secret: str, base_url: str, timeout: float) -> Any:
    credentials = ClientCredentialsAuthCredentials(
        o_auth_client_id=client_id, o_auth_client_secret=client_secret
    )
    config = _Configuration(
        base_url,
        timeout=timeout,
        max_retries=0,
        environment=Environment.SANDBOX,
        client_credentials_auth_credentials=credentials,
    )
    return PaypalServersdkClient(config=config)


def paypal_provider(config: Settings) -> PayPalProvider:
    """The PayPal adapter for the configured credentials; clients are reused while they hold."""
    credentials = config.paypal_credentials.resolve_json()
    base_url = config.paypal_api_base or BASE_URLS.get(config.paypal_environment)
    if not base_url or "client_id" not in credentials or "client_secret" not in credentials:
        raise ProviderRejected("PayPal needs client_id, client_secret and a known environment")
    return PayPalProvider.connected(
        str(credentials["client_id"]),
        str(credentials["client_secret"]),
        base_url,
        config.provider_timeout,
        config.paypal_webhook_id,
    )
