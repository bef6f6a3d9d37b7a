"""Payments on the embedded stack: one PaymentIntent however often the charge step runs,
Stripe webhooks verified and applied once, payments that wait for the customer resumed or
ended, and the reconciliation command finding what the ledger and the orders disagree on."""

from __future__ import annotations

import hashlib
import hmac
import io
import itertools
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import boto3
import pytest

from entrega_local.demo import sample_order
from entrega_local.stack import EmbeddedStack
from intake.domain import order_id_for
from payments import reconcile
from payments.adapters import configuration

# Items the seed holds plenty of, so that the orders here are not refused for stock.
ITEMS = [
    {"sku": "coxinha-de-frango", "quantity": 1},
    {"sku": "refrigerante-cola-lata", "quantity": 1},
]
WEBHOOK_SECRET = "whsec_embedded_stack_test"
WEBHOOK_SECRET_PARAMETER = "/entrega/payments/stripe-webhook-secret-test"


def invoke(stack: EmbeddedStack, logical_id: str, event: dict[str, Any]) -> tuple[Any, bool]:
    function = next(f for f in stack.runtime.functions.values() if f.logical_id == logical_id)
    return stack.runtime.invoke(function.name, event)


def ledger_items(stack: EmbeddedStack, order_id: str) -> list[dict[str, Any]]:
    table = stack.output("payments", "LedgerTableName")
    found = boto3.client("dynamodb").query(
        TableName=table,
        KeyConditionExpression="order_id = :id",
        ExpressionAttributeValues={":id": {"S": order_id}},
        ConsistentRead=True,
    )
    return list(found["Items"])


def payment(stack: EmbeddedStack, order_id: str) -> dict[str, Any]:
    answer = requests_get(f"{stack.url}/payments/{order_id}")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def requests_get(url: str) -> Any:
    import requests

    return requests.get(url, timeout=10)


class FakeStripe:
    """POST /v1/payment_intents as Stripe answers it, with Stripe's idempotency: a repeated
    Idempotency-Key gets the first answer. The first answer can be held back past the
    client's timeout, as a slow network would, after the intent was made."""

    def __init__(self) -> None:
        self.intents: dict[str, dict[str, Any]] = {}
        self.keys: list[str | None] = []
        self.hold_first_answer = 0.0
        self._replies: dict[str, bytes] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.01,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, path: str, key: str | None, body: bytes) -> tuple[bytes, float]:
        with self._lock:
            self.keys.append(key)
            if path.startswith("/v1/payment_intents/"):
                return json.dumps(self.intents[path.rsplit("/", 1)[-1]]).encode(), 0.0
            if key in self._replies:
                return self._replies[key], 0.0
            form = dict(parse_qsl(body.decode()))
            number = next(self._ids)
            intent = {
                "id": f"pi_embedded{number:03d}",
                "object": "payment_intent",
                "amount": int(form["amount"]),
                "amount_received": int(form["amount"]),
                "currency": form["currency"],
                "status": "succeeded",
                "latest_charge": f"ch_embedded{number:03d}",
                "metadata": {"order_id": form["metadata[order_id]"]},
            }
            self.intents[intent["id"]] = intent
            reply = json.dumps(intent).encode()
            if key:
                self._replies[key] = reply
            hold, self.hold_first_answer = self.hold_first_answer, 0.0
            return reply, hold

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                reply, hold = fake.answer(self.path, self.headers.get("Idempotency-Key"), body)
                time.sleep(hold)
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = _serve

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler


def forget_settings() -> None:
    for cached in (configuration.settings, configuration._ssm):
        cached.cache_clear()


@pytest.fixture
def stripe_api(stack, monkeypatch) -> Iterator[FakeStripe]:
    """Stripe configured for the stack's payments functions, answered by a local fake."""
    fake = FakeStripe()
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_embedded")
    monkeypatch.setenv("STRIPE_API_BASE", fake.url)
    monkeypatch.setenv("PAYMENTS_PROVIDER_TIMEOUT_SECONDS", "0.5")
    forget_settings()
    yield fake
    monkeypatch.undo()
    forget_settings()
    fake.stop()


def test_charge_step_run_three_times_makes_one_payment_intent_and_one_ledger_entry(
    stack, stripe_api, log_capture
):
    order_id = order_id_for("payments-charge-three-times")
    task = {
        "order_id": order_id,
        "amount": {"amount": 12_390, "currency": "BRL"},
        "payment": {"provider": "stripe", "method": "pm_card_visa"},
    }
    stripe_api.hold_first_answer = 1.5

    timed_out, failed_first = invoke(stack, "ChargePaymentFunction", task)  # Stripe too slow
    retried, failed_retry = invoke(stack, "ChargePaymentFunction", task)  # the saga's retry
    duplicate, failed_duplicate = invoke(stack, "ChargePaymentFunction", task)  # a re-run

    assert (failed_first, failed_retry, failed_duplicate) == (True, False, False)
    assert timed_out["errorType"] == "ProviderUnavailable"
    assert retried == duplicate
    assert retried["charge_id"] == "pi_embedded001"
    assert retried["amount"] == {"amount": 12_390, "currency": "BRL"}
    assert list(stripe_api.intents) == ["pi_embedded001"]
    assert set(stripe_api.keys) == {f"entrega:{order_id}:charge"}
    (item,) = ledger_items(stack, order_id)
    assert item["status"] == {"S": "CAPTURED"}
    assert item["charge_id"] == {"S": "pi_embedded001"}
    assert "sk_test_embedded" not in log_capture.getvalue()


@pytest.fixture
def webhook_secret(stack, monkeypatch) -> Iterator[str]:
    """The endpoint secret kept in the emulator's SSM, as it would be on AWS."""
    boto3.client("ssm").put_parameter(
        Name=WEBHOOK_SECRET_PARAMETER, Value=WEBHOOK_SECRET, Type="SecureString", Overwrite=True
    )
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET_PARAMETER", WEBHOOK_SECRET_PARAMETER)
    forget_settings()
    yield WEBHOOK_SECRET
    monkeypatch.undo()
    forget_settings()


@pytest.fixture
def payments_queue(bus_events):
    """Payments' events on the bus, as an outside consumer subscribed to them reads them."""
    return bus_events({"source": ["entrega.payments"]})


def refund_event(event_id: str, charge_id: str, captured: int, refunded: int) -> str:
    charge = {
        "id": "ch_dashboard",
        "object": "charge",
        "payment_intent": charge_id,
        "amount_captured": captured,
        "amount_refunded": refunded,
        "currency": "brl",
        "metadata": {},
    }
    event = {"id": event_id, "object": "event", "type": "charge.refunded"}
    return json.dumps({**event, "created": int(time.time()), "data": {"object": charge}})


def send(stack: EmbeddedStack, payload: str, secret: str, at: int | None = None) -> Any:
    import requests

    timestamp = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return requests.post(
        f"{stack.url}/webhooks/stripe",
        data=payload.encode(),
        headers={
            "Stripe-Signature": f"t={timestamp},v1={mac.hexdigest()}",
            "Content-Type": "application/json",
        },
        timeout=10,
    )


def test_signed_webhook_applied_once_forged_and_stale_ones_change_nothing(
    stack, api, place, webhook_secret, payments_queue, log_capture
):
    order_id = place(sample_order(0, items=ITEMS))
    assert api.wait_until_settled(order_id)["status"] == "CONFIRMED"
    paid = payment(stack, order_id)
    charge_id, captured = paid["charge_id"], paid["captured"]["amount"]
    payments_queue()
    genuine = refund_event("evt_refund_1", charge_id, captured, 500)

    first = send(stack, genuine, webhook_secret)
    after_first, bus_after_first = payment(stack, order_id), payments_queue()
    again = send(stack, genuine, webhook_secret)
    after_again, bus_after_again = payment(stack, order_id), payments_queue()
    forged = send(stack, refund_event("evt_refund_2", charge_id, captured, captured), "whsec_x")
    after_forged, bus_after_forged = payment(stack, order_id), payments_queue()
    stale = send(
        stack,
        refund_event("evt_refund_3", charge_id, captured, captured),
        webhook_secret,
        at=int(time.time()) - 600,
    )
    after_stale, bus_after_stale = payment(stack, order_id), payments_queue()

    assert (first.status_code, first.json()) == (
        200,
        {"event_id": "evt_refund_1", "outcome": "applied"},
    )
    assert after_first["refunded"] == {"amount": 500, "currency": "BRL"}
    assert after_first["status"] == "CAPTURED"
    assert [event["detail-type"] for event in bus_after_first] == ["ChargeRefunded"]
    detail = bus_after_first[0]["detail"]
    assert bus_after_first[0]["source"] == "entrega.payments"
    assert (detail["order_id"], detail["charge_id"]) == (order_id, charge_id)
    assert detail["refunded"] == {"amount": 500, "currency": "BRL"}
    assert detail["fully_refunded"] is False

    assert (again.status_code, again.json()["outcome"]) == (200, "duplicate")
    assert after_again == after_first
    assert bus_after_again == []

    for rejected, after, bus in (
        (forged, after_forged, bus_after_forged),
        (stale, after_stale, bus_after_stale),
    ):
        assert rejected.status_code == 400
        assert rejected.headers["Content-Type"] == "application/problem+json"
        assert rejected.json()["code"] == "WEBHOOK_REJECTED"
        assert after == after_first
        assert bus == []
    assert webhook_secret not in log_capture.getvalue()


def test_webhooks_without_a_configured_secret_answer_503_so_stripe_retries(stack):
    import requests

    answer = requests.post(
        f"{stack.url}/webhooks/stripe",
        data=b"{}",
        headers={"Stripe-Signature": "t=1,v1=00"},
        timeout=10,
    )

    assert answer.status_code == 503
    assert answer.json()["code"] == "WEBHOOKS_NOT_CONFIGURED"


AUTHENTICATION_CARD = "pm_card_authenticationRequired"
WAIT_ENDED = frozenset({"CONFIRMED", "REJECTED", "FAILED", "CANCELLED"})


def stock_levels(stack: EmbeddedStack, sku: str) -> dict[str, int]:
    table = boto3.resource("dynamodb").Table(stack.output("inventory", "StockTableName"))
    item = table.get_item(Key={"pk": f"SKU#{sku}"}, ConsistentRead=True)["Item"]
    return {key: int(item[key]) for key in ("available", "reserved", "sold")}


def intent_event(event_id: str, order_id: str, intent_id: str, outcome: str, amount: int) -> str:
    """payment_intent.succeeded or .payment_failed, as Stripe sends it after the customer acts."""
    failed = outcome == "payment_failed"
    intent = {
        "id": intent_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_received": 0 if failed else amount,
        "currency": "brl",
        "status": "requires_payment_method" if failed else "succeeded",
        "metadata": {"order_id": order_id},
        "last_payment_error": (
            {"code": "payment_intent_authentication_failure", "decline_code": None}
            if failed
            else None
        ),
    }
    event = {"id": event_id, "object": "event", "type": f"payment_intent.{outcome}"}
    return json.dumps({**event, "created": int(time.time()), "data": {"object": intent}})


@pytest.fixture
def waiting_order(api, stack, place) -> dict[str, Any]:
    """An order whose card asked for 3-D Secure, left waiting for its customer."""
    order_id = place(sample_order(2, items=ITEMS, method=AUTHENTICATION_CARD))
    order = api.wait_until_settled(order_id)
    assert order["status"] == "AWAITING_PAYMENT_ACTION", order
    return order


def test_a_card_needing_authentication_waits_with_what_the_customer_needs(
    api, stack, waiting_order, log_capture
):
    order_id = waiting_order["order_id"]
    shown = payment(stack, order_id)

    action = waiting_order["payment"]["action"]
    assert waiting_order["payment"]["status"] == "AWAITING_ACTION"
    assert action == {
        "type": "use_stripe_sdk",
        "client_secret": f"{shown['charge_id']}_secret_simulated",
    }
    assert waiting_order["timeline"][-1]["reason"]["code"] == "PAYMENT_ACTION_REQUIRED"
    assert (shown["status"], shown["captured"]["amount"]) == ("ACTION_REQUIRED", 0)
    assert stock_levels(stack, ITEMS[0]["sku"])["reserved"] >= 1
    subjects = [
        mail.subject for mail in stack.sent_emails() if order_id[4:10].upper() in mail.subject
    ]
    assert any(subject.startswith("Confirme o pagamento") for subject in subjects)
    assert action["client_secret"] not in log_capture.getvalue()


def test_a_payment_authenticated_later_confirms_the_waiting_order_and_charges_once(
    api, stack, waiting_order, webhook_secret, payments_queue
):
    order_id, total = waiting_order["order_id"], waiting_order["total"]["amount"]
    intent_id = payment(stack, order_id)["charge_id"]
    sold_before = stock_levels(stack, ITEMS[0]["sku"])["sold"]
    succeeded = intent_event("evt_3ds_ok", order_id, intent_id, "succeeded", total)

    first = send(stack, succeeded, webhook_secret)
    order = api.wait_for(order_id, WAIT_ENDED)
    again = send(stack, succeeded, webhook_secret)
    stack.settle()

    assert (first.status_code, again.json()["outcome"]) == (200, "duplicate")
    assert order["status"] == "CONFIRMED"
    assert order["payment"]["status"] == "CAPTURED"
    assert order["payment"]["charge_id"] == intent_id
    assert api.order(order_id).body["status"] == "CONFIRMED"
    assert len(ledger_items(stack, order_id)) == 1
    assert payment(stack, order_id)["captured"]["amount"] == total
    assert stock_levels(stack, ITEMS[0]["sku"])["sold"] == sold_before + 1
    confirmed = [e for e in payments_queue() if e["detail-type"] == "PaymentSucceeded"]
    assert len(confirmed) == 1


def test_a_failed_authentication_rejects_the_waiting_order_and_frees_its_stock(
    api, stack, waiting_order, webhook_secret
):
    order_id, total = waiting_order["order_id"], waiting_order["total"]["amount"]
    intent_id = payment(stack, order_id)["charge_id"]
    reserved = stock_levels(stack, ITEMS[0]["sku"])["reserved"]

    send(
        stack,
        intent_event("evt_3ds_no", order_id, intent_id, "payment_failed", total),
        webhook_secret,
    )
    order = api.wait_for(order_id, WAIT_ENDED)
    stack.settle()

    assert order["status"] == "REJECTED"
    assert order["timeline"][-1]["reason"]["code"] == "PAYMENT_DECLINED"
    assert payment(stack, order_id)["status"] == "DECLINED"
    assert stock_levels(stack, ITEMS[0]["sku"])["reserved"] == reserved - 1


def test_a_wait_that_outlives_the_stock_hold_rejects_the_order_and_voids_the_payment(
    api, stack, waiting_order
):
    order_id = waiting_order["order_id"]
    before = stock_levels(stack, ITEMS[0]["sku"])
    _expire_hold(stack, order_id)

    swept = stack.invoke("SweepReservationsFunction", {})
    order = api.wait_for(order_id, WAIT_ENDED)
    stack.settle()

    assert order_id in swept["released"]
    assert order["status"] == "REJECTED"
    assert order["timeline"][-1]["reason"]["code"] == "PAYMENT_ACTION_EXPIRED"
    assert payment(stack, order_id)["status"] == "VOIDED"
    after = stock_levels(stack, ITEMS[0]["sku"])
    assert (after["reserved"], after["available"]) == (
        before["reserved"] - 1,
        before["available"] + 1,
    )


def test_a_payment_that_arrives_after_its_hold_was_released_holds_the_stock_again(
    api, stack, waiting_order, webhook_secret
):
    order_id, total = waiting_order["order_id"], waiting_order["total"]["amount"]
    intent_id = payment(stack, order_id)["charge_id"]
    stack.invoke("ReleaseStockFunction", {"order_id": order_id})
    released = stock_levels(stack, ITEMS[0]["sku"])

    send(
        stack, intent_event("evt_3ds_late", order_id, intent_id, "succeeded", total), webhook_secret
    )
    order = api.wait_for(order_id, WAIT_ENDED)
    stack.settle()

    assert order["status"] == "CONFIRMED"
    after = stock_levels(stack, ITEMS[0]["sku"])
    assert (after["available"], after["sold"]) == (released["available"] - 1, released["sold"] + 1)


def _expire_hold(stack: EmbeddedStack, order_id: str) -> None:
    """Make the order's hold as old as its expiry, as half an hour passing would."""
    table = boto3.resource("dynamodb").Table(stack.output("inventory", "StockTableName"))
    table.update_item(
        Key={"pk": f"RESERVATION#{order_id}"},
        UpdateExpression="SET expires_at = :past",
        ExpressionAttributeValues={":past": int(time.time()) - 3600},
    )


def test_payment_view_shows_amounts_and_states_but_never_the_method(api, stack, place):
    order_id = place(sample_order(0, items=ITEMS))
    assert api.wait_until_settled(order_id)["status"] == "CONFIRMED"

    shown = payment(stack, order_id)
    missing = requests_get(f"{stack.url}/payments/ord_{'x' * 26}")

    assert shown["status"] == "CAPTURED"
    assert shown["captured"] == api.order(order_id).body["total"]
    assert "pm_card" not in json.dumps(shown)
    assert missing.status_code == 404
    assert missing.json()["code"] == "PAYMENT_NOT_FOUND"


@pytest.fixture(scope="module")
def unrefunded_failure(stack) -> str:
    """An order that failed after payment and whose refund failed too: money is held."""
    from entrega_local.client import EntregaClient

    api = EntregaClient(stack.url, tokens=stack.token, shop=stack.shop_id)
    order_id = order_id_for("payments-refund-also-fails")
    stack.faults.inject("ConfirmOrder", order_id=order_id)
    stack.faults.inject("RefundPayment", order_id=order_id)
    api.place_order(sample_order(4, items=ITEMS), key="payments-refund-also-fails")
    order = api.wait_until_settled(order_id)
    stack.faults.clear()
    assert order["status"] == "FAILED", order["timeline"][-1]
    return order_id


def test_reconciliation_lists_a_failed_order_whose_refund_also_failed(
    api, stack, place, unrefunded_failure
):
    fine = place(sample_order(0, items=ITEMS))
    assert api.wait_until_settled(fine)["status"] == "CONFIRMED"
    out = io.StringIO()

    staff = stack.token("staff", "staff-1", stack.shop_id)
    code = reconcile.main(["--api-url", stack.url, "--token", staff], out=out)

    listed = out.getvalue().splitlines()
    assert code == 1
    assert f"{unrefunded_failure}\tCHARGED_NOT_REFUNDED\t" in "\n".join(listed)
    assert not any(line.startswith(fine) for line in listed)
    assert listed[-1].startswith("checked ")


def test_reconciliation_runs_as_a_command(stack, unrefunded_failure):
    result = subprocess.run(
        [sys.executable, "-m", "payments.reconcile", "--api-url", stack.url],
        env={**os.environ, "ENTREGA_TOKEN": stack.token("staff", "staff-1", stack.shop_id)},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )

    assert result.returncode == 1, result.stderr[-2000:]
    assert f"{unrefunded_failure}\tCHARGED_NOT_REFUNDED" in result.stdout
