"""Fakes for payments' unit tests: an in-memory ledger and bus, and local HTTP servers that
answer as Stripe's and PayPal's documented APIs do, recording every request they get."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from payments.errors import LedgerConflict
from payments.models import LedgerEntry, LedgerStatus
from payments.ports import EventAlreadyRecorded


class MemoryLedger:
    """The EventLedger contract in memory: conditional on status, version and event id."""

    def __init__(self) -> None:
        self.entries: dict[str, LedgerEntry] = {}

    def entry(self, order_id: str) -> LedgerEntry | None:
        return self.entries.get(order_id)

    def entry_for_charge(self, charge_id: str) -> LedgerEntry | None:
        return next((e for e in self.entries.values() if e.charge_id == charge_id), None)

    def open_charge(self, entry: LedgerEntry) -> LedgerEntry:
        return self.entries.setdefault(entry.order_id, entry)

    def settle(self, order_id: str, expected: LedgerStatus, **changes: object) -> LedgerEntry:
        current = self.entries.get(order_id)
        if current is None or current.status is not expected:
            raise LedgerConflict(f"the ledger entry is no longer {expected.value}")
        return self._write(current, changes)

    def record_event(
        self, order_id: str, event_id: str, version: int, state: str, **changes: object
    ) -> LedgerEntry:
        current = self.entries[order_id]
        if event_id in current.webhook_events:
            raise EventAlreadyRecorded(event_id)
        if current.version != version:
            raise LedgerConflict("the ledger entry changed")
        return self._write(
            current, {**changes, "webhook_events": {**current.webhook_events, event_id: state}}
        )

    def mark_announced(self, order_id: str, event_id: str) -> None:
        current = self.entries[order_id]
        events = {**current.webhook_events, event_id: "announced"}
        self.entries[order_id] = current.model_copy(update={"webhook_events": events})

    def _write(self, current: LedgerEntry, changes: dict[str, object]) -> LedgerEntry:
        updated = current.model_copy(update={**changes, "version": current.version + 1})
        self.entries[current.order_id] = LedgerEntry.model_validate(updated.model_dump())
        return self.entries[current.order_id]


@dataclass
class RecordingBus:
    published: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    failures: int = 0

    def publish(self, detail_type: str, detail: dict[str, Any]) -> None:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("the bus refused the entry")
        self.published.append((detail_type, detail))


@pytest.fixture
def ledger() -> MemoryLedger:
    return MemoryLedger()


@pytest.fixture
def bus() -> RecordingBus:
    return RecordingBus()


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


Answer = tuple[int, dict[str, Any]]


class FakeApi:
    """An HTTP server on 127.0.0.1 and a free port, answering with `answer(request)`."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.delay_next: float = 0.0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.01,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def paths(self) -> list[tuple[str, str]]:
        return [(request.method, request.path) for request in self.requests]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def serve(self, request: Request) -> Answer:
        with self._lock:
            self.requests.append(request)
            delay, self.delay_next = self.delay_next, 0.0
            answer = self.answer(request)
        time.sleep(delay)
        return answer

    def answer(self, request: Request) -> Answer:
        """How the provider's documented API answers `request`; each fake provider says."""
        raise NotImplementedError


def _handler(api: FakeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = urlsplit(self.path).path
            status, document = api.serve(Request(self.command, path, dict(self.headers), body))
            payload = json.dumps(document).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Request-Id", "req_fake")
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass

        do_GET = do_POST = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


class FakeStripe(FakeApi):
    """PaymentIntents, refunds and cancellations as api.stripe.com answers them.

    Idempotency works as Stripe's: a repeated Idempotency-Key gets the first answer again,
    whatever the intent became since. The test payment methods behave as Stripe's do.
    """

    def __init__(self) -> None:
        self.intents: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.replies: dict[str, Answer] = {}
        self.next_status: list[int] = []
        self._ids = itertools.count(1)
        super().__init__()

    def answer(self, request: Request) -> Answer:
        if self.next_status:
            return self.next_status.pop(0), _stripe_error("api_error", "rate_limit", "Too many")
        key = request.header("Idempotency-Key")
        if request.method == "POST" and key in self.replies:
            return self.replies[key]
        answer = self._route(request)
        if request.method == "POST" and key:
            self.replies[key] = answer
        return answer

    def _route(self, request: Request) -> Answer:
        parts = request.path.strip("/").split("/")
        if parts == ["v1", "payment_intents"]:
            return self._create(request.form)
        if parts[:2] == ["v1", "payment_intents"] and parts[2] in self.intents:
            intent = self.intents[parts[2]]
            if parts[3:] == ["cancel"]:
                return self._cancel(intent)
            return 200, intent
        if parts == ["v1", "refunds"]:
            return self._refund(request.form)
        return 404, _stripe_error("invalid_request_error", "resource_missing", "No such object")

    def _create(self, form: dict[str, str]) -> Answer:
        method = form["payment_method"]
        if method == "pm_missing":
            error = _stripe_error("invalid_request_error", "resource_missing", "No such PM")
            error["error"]["param"] = "payment_method"
            return 400, error
        intent = self._intent(form)
        if method in ("pm_card_chargeDeclined", "pm_card_chargeDeclinedInsufficientFunds"):
            decline = "insufficient_funds" if "Insufficient" in method else "generic_decline"
            intent["status"] = "requires_payment_method"
            intent["last_payment_error"] = {"code": "card_declined", "decline_code": decline}
            error = _stripe_error("card_error", "card_declined", "Your card was declined.")
            error["error"].update(decline_code=decline, payment_intent=intent)
            return 402, error
        if method == "pm_card_authenticationRequired":
            intent["status"] = "requires_action"
            intent["next_action"] = {"type": "use_stripe_sdk", "use_stripe_sdk": {}}
            return 200, dict(intent)
        self.succeed(intent["id"])
        return 200, dict(intent)

    def _intent(self, form: dict[str, str]) -> dict[str, Any]:
        number = next(self._ids)
        intent = {
            "id": f"pi_fake{number:04d}",
            "object": "payment_intent",
            "amount": int(form["amount"]),
            "amount_received": 0,
            "currency": form["currency"],
            "status": "requires_confirmation",
            "client_secret": f"pi_fake{number:04d}_secret_x",
            "latest_charge": None,
            "next_action": None,
            "last_payment_error": None,
            "metadata": {k[9:-1]: v for k, v in form.items() if k.startswith("metadata[")},
            "livemode": False,
        }
        self.intents[intent["id"]] = intent
        return intent

    def succeed(self, intent_id: str) -> None:
        """What the customer finishing 3-D Secure, or a plain card, does to an intent."""
        intent = self.intents[intent_id]
        intent.update(
            status="succeeded",
            amount_received=intent["amount"],
            latest_charge=f"ch_for_{intent_id}",
            next_action=None,
        )

    def _cancel(self, intent: dict[str, Any]) -> Answer:
        if intent["status"] in ("succeeded", "canceled"):
            error = _stripe_error(
                "invalid_request_error", "payment_intent_unexpected_state", "Cannot cancel"
            )
            return 400, error
        intent.update(status="canceled", next_action=None)
        return 200, intent

    def _refund(self, form: dict[str, str]) -> Answer:
        intent = self.intents[form["payment_intent"]]
        done = sum(
            r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent["id"]
        )
        amount = int(form.get("amount", intent["amount_received"] - done))
        if amount > intent["amount_received"] - done:
            return 400, _stripe_error("invalid_request_error", "amount_too_large", "Too large")
        refund = {
            "id": f"re_fake{len(self.refunds) + 1:04d}",
            "object": "refund",
            "amount": amount,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "status": "succeeded",
        }
        self.refunds[refund["id"]] = refund
        return 200, refund


def _stripe_error(kind: str, code: str, message: str) -> dict[str, Any]:
    return {"error": {"type": kind, "code": code, "message": message}}


PAYPAL_API = "https://api-m.sandbox.paypal.com"
PAYPAL_PAGES = "https://www.sandbox.paypal.com"


class FakePayPal(FakeApi):
    """OAuth, Orders v2, captures, refunds and webhook verification as PayPal answers them.

    A repeated PayPal-Request-Id gets the first answer again. Vault ids choose the outcome:
    `vault_declined` declines at capture, `vault_needs_approval` waits for the payer.
    """

    def __init__(self) -> None:
        self.orders: dict[str, dict[str, Any]] = {}
        self.captures: dict[str, dict[str, Any]] = {}
        self.replies: dict[str, Answer] = {}
        self.next_status: list[int] = []
        self._ids = itertools.count(1)
        super().__init__()

    def answer(self, request: Request) -> Answer:
        if request.path == "/v1/oauth2/token":
            return 200, {"access_token": "A21AAfake", "token_type": "Bearer", "expires_in": 32400}
        if self.next_status:
            return self.next_status.pop(0), {"name": "INTERNAL_SERVER_ERROR", "message": "down"}
        key = request.header("PayPal-Request-Id")
        if key and key in self.replies:
            return self.replies[key]
        answer = self._route(request)
        if key:
            self.replies[key] = answer
        return answer

    def _route(self, request: Request) -> Answer:
        parts = request.path.strip("/").split("/")
        if parts == ["v2", "checkout", "orders"]:
            return self._create(request.json)
        if parts[:3] == ["v2", "checkout", "orders"] and parts[3] in self.orders:
            order = self.orders[parts[3]]
            return self._capture(order) if parts[4:] == ["capture"] else (200, order)
        if parts[:3] == ["v2", "payments", "captures"] and parts[3] in self.captures:
            capture = self.captures[parts[3]]
            return (
                self._refund(capture, request.json) if parts[4:] == ["refund"] else (200, capture)
            )
        if parts == ["v1", "notifications", "verify-webhook-signature"]:
            good = request.json.get("transmission_sig") == "good-signature"
            return 200, {"verification_status": "SUCCESS" if good else "FAILURE"}
        return 404, {"name": "RESOURCE_NOT_FOUND", "details": [{"issue": "INVALID_RESOURCE_ID"}]}

    def _create(self, body: dict[str, Any]) -> Answer:
        vault_id = body["payment_source"]["paypal"]["vault_id"]
        waiting = vault_id == "vault_needs_approval"
        order = {
            "id": f"5O{next(self._ids):06d}PAYPAL",
            "intent": body["intent"],
            "status": "PAYER_ACTION_REQUIRED" if waiting else "CREATED",
            "purchase_units": [dict(body["purchase_units"][0], reference_id="default")],
            "payment_source": body["payment_source"],
        }
        order["links"] = [
            {"href": f"{PAYPAL_API}/v2/checkout/orders/{order['id']}", "rel": "self"},
            *(
                [{"href": f"{PAYPAL_PAGES}/checkoutnow?token={order['id']}", "rel": "payer-action"}]
                if waiting
                else []
            ),
        ]
        self.orders[order["id"]] = order
        return (200 if waiting else 201), order

    def _capture(self, order: dict[str, Any]) -> Answer:
        if order["status"] == "COMPLETED":
            return 422, _unprocessable("ORDER_ALREADY_CAPTURED")
        if order["payment_source"]["paypal"]["vault_id"] == "vault_declined":
            return 422, _unprocessable("INSTRUMENT_DECLINED")
        unit = order["purchase_units"][0]
        capture = {
            "id": f"CAP{len(self.captures) + 1:06d}",
            "status": "COMPLETED",
            "amount": unit["amount"],
            "custom_id": unit.get("custom_id"),
            "refunded": "0",
        }
        self.captures[capture["id"]] = capture
        unit["payments"] = {"captures": [capture]}
        order["status"] = "COMPLETED"
        return 201, order

    def _refund(self, capture: dict[str, Any], body: dict[str, Any]) -> Answer:
        return 201, {
            "id": f"REF{capture['id']}{len(self.replies)}",
            "status": "COMPLETED",
            "amount": body.get("amount", capture["amount"]),
        }


def _unprocessable(issue: str) -> dict[str, Any]:
    return {
        "name": "UNPROCESSABLE_ENTITY",
        "message": "The requested action could not be performed.",
        "details": [{"issue": issue, "description": issue.lower()}],
    }


@pytest.fixture
def fake_stripe() -> Iterator[FakeStripe]:
    api = FakeStripe()
    yield api
    api.stop()


@pytest.fixture
def fake_paypal() -> Iterator[FakePayPal]:
    api = FakePayPal()
    yield api
    api.stop()


class ScriptedProvider:
    """The simulator, with every call recorded and the customer's part played by the test."""

    def __init__(self) -> None:
        from payments.adapters import SimulatedProvider

        self._simulated = SimulatedProvider("stripe")
        self.name = "stripe"
        self.calls: list[tuple[str, ...]] = []
        self.paid_before_void = False

    def charge(
        self, amount: int, currency: str, method: str, order_id: str, idempotency_key: str
    ) -> Any:
        self.calls.append(("charge", idempotency_key))
        return self._simulated.charge(amount, currency, method, order_id, idempotency_key)

    def refund(self, charge_id: str, amount: int, idempotency_key: str) -> Any:
        self.calls.append(("refund", charge_id, str(amount), idempotency_key))
        return self._simulated.refund(charge_id, amount, idempotency_key)

    def void(self, charge_id: str, idempotency_key: str) -> Any:
        from payments.ports import ProviderCharge, ProviderVoid

        self.calls.append(("void", charge_id, idempotency_key))
        if self.paid_before_void:
            return ProviderVoid(ProviderCharge(charge_id, 11_550, "BRL"))
        return ProviderVoid()


@pytest.fixture
def provider() -> ScriptedProvider:
    return ScriptedProvider()


class FakeIntake(FakeApi):
    """Intake's GET /orders/{id}: the status of each order in `statuses`, 404 for others."""

    def __init__(self) -> None:
        self.statuses: dict[str, str] = {}
        super().__init__()

    def answer(self, request: Request) -> Answer:
        order_id = request.path.rsplit("/", 1)[-1]
        if request.method != "GET" or order_id not in self.statuses:
            return 404, {"code": "ORDER_NOT_FOUND"}
        return 200, {"order_id": order_id, "status": self.statuses[order_id]}


@pytest.fixture
def fake_intake() -> Iterator[FakeIntake]:
    api = FakeIntake()
    yield api
    api.stop()
