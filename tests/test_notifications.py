"""Notifications end to end: events on the bus in, the emulator's emails, SMS and pushes out.

Most tests put OrderPlaced and OrderStatusChanged straight on the bus (validated against
their contracts), so they can repeat, reorder and fail deliveries at will; each uses its own
customer, so the messages it reads are its own.
"""

from __future__ import annotations

import json
import random
import string
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from entrega_contracts import events
from entrega_local.demo import sample_order
from entrega_local.stack import EmbeddedStack
from entrega_local.websocket import WebSocketClient

PLACED_AT = "2025-03-14T12:00:00+00:00"  # 09:00 in São Paulo
FLOW = ("PLACED", "CONFIRMED", "ACCEPTED", "PREPARING", "READY", "OUT_FOR_DELIVERY", "DELIVERED")
# What tells each status apart, in each language: in the email subject and in the SMS.
SUBJECT_MARKS = {
    "pt-BR": (
        "Recebemos",
        "confirmado",
        "aceitou",
        "sendo preparado",
        "pronto",
        "saiu para entrega",
        "entregue",
    ),
    "en": (
        "We got",
        "confirmed",
        "has taken",
        "being prepared",
        "is ready",
        "out for delivery",
        "delivered",
    ),
    "es": (
        "Recibimos",
        "confirmado",
        "acept",
        "preparando",
        "listo",
        "va en camino",
        "entregado",
    ),
}
SMS_MARKS = {
    "pt-BR": (
        "recebemos",
        "pagamento aprovado",
        "aceitou",
        "sendo preparado",
        "pronto",
        "saiu para entrega",
        "entregue",
    ),
    "en": (
        "we got",
        "payment approved",
        "has accepted",
        "being prepared",
        "is ready",
        "out for delivery",
        "delivered",
    ),
    "es": (
        "recibimos",
        "pago aprobado",
        "acept",
        "preparando",
        "listo",
        "va en camino",
        "entregado",
    ),
}
TOTALS = {"pt-BR": "R$ 1.234,56", "en": "R$1,234.56", "es": "1.234,56 BRL"}
ARRIVALS = {"pt-BR": "09:35", "en": "9:35 AM", "es": "9:35"}


def status_of(message: str, marks: tuple[str, ...]) -> str:
    """The status a message is about, told by the words only that status's message uses."""
    found = [status for status, mark in zip(FLOW, marks, strict=True) if mark in message]
    return found[0] if len(found) == 1 else f"unclear: {found}"


def new_order_id() -> str:
    return "ord_" + "".join(random.choices(string.ascii_lowercase + string.digits, k=26))


def new_mobile() -> str:
    """A São Paulo mobile number, written as a customer types it; none ends in 99, which the
    emulator's SNS treats as opted out."""
    return f"+55 11 9{random.randint(6000, 9899)}-{random.randint(100, 989)}{random.randint(0, 8)}"


def new_customer(locale: str = "pt-BR", phone: str | None = None) -> dict[str, str]:
    tag = uuid.uuid4().hex[:10]
    return {
        "id": f"cus_{tag}",
        "name": f"Cliente {tag.capitalize()} Teste",
        "email": f"{tag}@example.com.br",
        "phone": phone or new_mobile(),
        "locale": locale,
    }


def e164(phone: str) -> str:
    return "+" + "".join(char for char in phone if char.isdigit())


LINES = [
    {
        "sku": "feijoada-completa",
        "name": "Feijoada completa",
        "quantity": 2,
        "unit_price": {"amount": 61728, "currency": "BRL"},
        "line_total": {"amount": 123456, "currency": "BRL"},
    }
]
TOTAL = {"amount": 123456, "currency": "BRL"}


@pytest.fixture
def publish(stack: EmbeddedStack) -> Callable[..., None]:
    """Put one event on Entrega's bus, checked against its contract first."""
    client = boto3.client("events")
    bus = stack.output("contracts", "EventBusName")

    def publishing(detail_type: str, detail: dict[str, Any], settle: bool = True) -> None:
        response = client.put_events(Entries=[events.entry(detail_type, detail, bus)])
        assert response["FailedEntryCount"] == 0
        if settle:
            assert stack.settle(20)

    return publishing


def order_placed(order_id: str, customer: dict[str, str]) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "placed_at": PLACED_AT,
        "customer": customer,
        "lines": LINES,
        "total": TOTAL,
    }


def status_changed(order_id: str, customer: dict[str, str], status: str) -> dict[str, Any]:
    step = FLOW.index(status) if status in FLOW else len(FLOW)
    return {
        "order_id": order_id,
        "status": status,
        "previous_status": FLOW[step - 1] if 0 < step < len(FLOW) else None,
        "occurred_at": f"2025-03-14T12:{step:02d}:00+00:00",
        "customer_id": customer["id"],
        "locale": customer["locale"],
        "total": TOTAL,
        "lines": LINES,
        "eta_minutes": 35 if step >= 1 else None,
        "suggestions": [{"sku": "pudim-de-leite", "name": "Pudim de leite"}]
        if status == "DELIVERED"
        else [],
    }


def emails_to(stack: EmbeddedStack, customer: dict[str, str]) -> list[Any]:
    return [email for email in stack.sent_emails() if email.to == customer["email"]]


def texts_to(stack: EmbeddedStack, customer: dict[str, str]) -> list[str]:
    return [sms.text for sms in stack.sent_sms() if sms.to == e164(customer["phone"])]


@pytest.fixture
def ses_fails(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, int], list[str]]:
    """Make SES refuse the next `times` emails to one address; returns the refusals seen."""
    from moto.ses.exceptions import MessageRejectedError
    from moto.ses.models import SESBackend

    original = SESBackend.send_raw_email
    refused: list[str] = []

    def failing(address: str, times: int) -> list[str]:
        def send_raw_email(self: Any, source: str, destinations: list[str], raw: str) -> Any:
            if address in destinations and len(refused) < times:
                refused.append(address)
                raise MessageRejectedError("injected by the test: SES is unavailable")
            return original(self, source, destinations, raw)

        monkeypatch.setattr(SESBackend, "send_raw_email", send_raw_email)
        return refused

    return failing


@pytest.mark.parametrize("locale", ["pt-BR", "en", "es"])
def test_each_status_twice_late_and_with_ses_failing_once_reaches_the_customer_once_in_order(
    stack, publish, ses_fails, locale
):
    customer, order_id = new_customer(locale), new_order_id()
    refused = ses_fails(customer["email"], 1)
    publish("OrderPlaced", order_placed(order_id, customer))

    for step, status in enumerate(FLOW):
        publish("OrderStatusChanged", status_changed(order_id, customer, status))
        if step:
            publish("OrderStatusChanged", status_changed(order_id, customer, FLOW[step - 1]))
    for status in reversed(FLOW):
        publish("OrderStatusChanged", status_changed(order_id, customer, status))

    emails, texts = emails_to(stack, customer), texts_to(stack, customer)
    assert refused == [customer["email"]]
    assert [status_of(email.subject, SUBJECT_MARKS[locale]) for email in emails] == [*FLOW]
    assert [status_of(text, SMS_MARKS[locale]) for text in texts] == [*FLOW]
    assert TOTALS[locale] in emails[1].text.replace("\xa0", " ")
    assert TOTALS[locale] in texts[1]
    assert ARRIVALS[locale] in texts[1]
    assert ARRIVALS[locale] in emails[1].text.replace("\u202f", " ")
    assert "Pudim de leite" in texts[FLOW.index("DELIVERED")]
    assert not [dead for dead in stack.runtime.dead_letters if order_id in json.dumps(dead.event)]


def test_a_late_older_status_is_never_sent_after_a_newer_one(stack, publish):
    customer, order_id = new_customer("en"), new_order_id()
    publish("OrderPlaced", order_placed(order_id, customer))

    publish("OrderStatusChanged", status_changed(order_id, customer, "OUT_FOR_DELIVERY"))
    for late in ("PREPARING", "CONFIRMED", "PLACED"):
        publish("OrderStatusChanged", status_changed(order_id, customer, late))
    publish("OrderStatusChanged", status_changed(order_id, customer, "DELIVERED"))

    subjects = [email.subject for email in emails_to(stack, customer)]
    texts = texts_to(stack, customer)
    assert [status_of(subject, SUBJECT_MARKS["en"]) for subject in subjects] == [
        "PLACED",
        "OUT_FOR_DELIVERY",
        "DELIVERED",
    ]
    assert [status_of(text, SMS_MARKS["en"]) for text in texts] == [
        "PLACED",
        "OUT_FOR_DELIVERY",
        "DELIVERED",
    ]


def test_sms_opt_out_is_respected_and_can_be_taken_back(stack, api, publish):
    customer, order_id = new_customer(), new_order_id()
    preferences = f"{stack.url}/customers/{customer['id']}/preferences"
    opted_out = api.http.put(preferences, json={"sms": False}, timeout=10)

    publish("OrderPlaced", order_placed(order_id, customer))
    publish("OrderStatusChanged", status_changed(order_id, customer, "CONFIRMED"))
    opted_in = api.http.put(preferences, json={}, timeout=10)
    publish("OrderStatusChanged", status_changed(order_id, customer, "PREPARING"))

    assert opted_out.status_code == 200
    assert opted_out.json() == {
        "customer_id": customer["id"],
        "email": True,
        "sms": False,
        "push": True,
        "time_zone": None,
    }
    assert opted_in.json()["sms"] is True
    assert len(emails_to(stack, customer)) == 3
    texts = texts_to(stack, customer)
    assert len(texts) == 1
    assert "sendo preparado" in texts[0]


def test_preferences_with_wrong_fields_answer_422_naming_each_and_change_nothing(stack, api):
    customer = new_customer()
    preferences = f"{stack.url}/customers/{customer['id']}/preferences"

    answer = api.http.put(
        preferences, json={"sms": "no", "fax": True, "time_zone": "Mars/Olympus"}, timeout=10
    )
    stored = api.http.get(preferences, timeout=10)

    assert answer.status_code == 422
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json()["code"] == "PREFERENCES_INVALID"
    assert {error["field"] for error in answer.json()["errors"]} == {"sms", "fax", "time_zone"}
    assert stored.json()["sms"] is True


def test_chosen_time_zone_sets_the_times_the_customer_reads(stack, api, publish):
    customer, order_id = new_customer("en"), new_order_id()
    api.http.put(
        f"{stack.url}/customers/{customer['id']}/preferences",
        json={"time_zone": "Europe/Lisbon"},
        timeout=10,
    )

    publish("OrderPlaced", order_placed(order_id, customer))
    publish("OrderStatusChanged", status_changed(order_id, customer, "CONFIRMED"))

    assert "12:35 PM" in texts_to(stack, customer)[1].replace("\u202f", " ")


@pytest.mark.parametrize(
    ("phone", "why"),
    [("+55 11 3333-4444", "a landline"), ("+5511987650099", "on SNS's opt-out list")],
)
def test_no_sms_to_a_number_that_cannot_take_one(stack, publish, phone, why):
    customer, order_id = new_customer(phone=phone), new_order_id()

    publish("OrderPlaced", order_placed(order_id, customer))
    publish("OrderStatusChanged", status_changed(order_id, customer, "CONFIRMED"))

    assert len(emails_to(stack, customer)) == 2, why
    assert texts_to(stack, customer) == [], why


def test_a_send_that_keeps_failing_is_dead_lettered_and_replays_without_repeating(
    stack, publish, ses_fails, monkeypatch
):
    customer, order_id = new_customer(), new_order_id()
    publish("OrderPlaced", order_placed(order_id, customer))
    refused = ses_fails(customer["email"], 3)

    publish("OrderStatusChanged", status_changed(order_id, customer, "CONFIRMED"))
    dead = [d for d in stack.runtime.dead_letters if order_id in json.dumps(d.event)]
    replayed = [stack.runtime.invoke(d.function, d.event) for d in dead]
    again = [stack.runtime.invoke(d.function, d.event) for d in dead]
    stack.settle()

    assert len(refused) == 3
    assert len(dead) == 1
    assert dead[0].event["detail"]["status"] == "CONFIRMED"
    assert json.loads(dead[0].error["errorMessage"])["code"] == "DELIVERY_FAILED"
    assert [failed for _, failed in replayed + again] == [False, False]
    assert len(emails_to(stack, customer)) == 2
    assert len(texts_to(stack, customer)) == 2


@pytest.fixture
def tracking_page(stack: EmbeddedStack) -> Iterator[Callable[[str], WebSocketClient]]:
    opened: list[WebSocketClient] = []

    def opening(order_id: str) -> WebSocketClient:
        page = WebSocketClient(
            f"{stack.output('notifications', 'TrackingSocketUrl')}?order_id={order_id}"
        )
        opened.append(page)
        return page

    yield opening
    for page in opened:
        page.close()


def test_open_tracking_page_is_pushed_each_status_without_contact_data(
    stack, publish, tracking_page
):
    customer, order_id = new_customer("es"), new_order_id()
    page = tracking_page(order_id)

    publish("OrderPlaced", order_placed(order_id, customer))
    publish("OrderStatusChanged", status_changed(order_id, customer, "CONFIRMED"))
    publish("OrderStatusChanged", status_changed(order_id, customer, "CONFIRMED"))
    pushes = [page.receive(), page.receive(), page.receive(timeout=0.3)]

    assert pushes[2] is None
    messages = [json.loads(push) for push in pushes[:2] if push]
    assert [m["status"] for m in messages] == ["PLACED", "CONFIRMED"]
    assert messages[1]["title"] == "¡Pago aprobado!"
    assert messages[1]["eta_time"] == "9:35"
    for value in (customer["name"], customer["email"], customer["phone"], e164(customer["phone"])):
        assert value not in " ".join(pushes[:2])


def test_tracking_page_needs_an_order_id_and_is_forgotten_when_closed(stack, tracking_page):
    before = stack.count_items("notifications", "ConnectionsTableName")

    with pytest.raises(ConnectionRefusedError, match="400"):
        tracking_page("not-an-order")
    page = tracking_page(new_order_id())
    opened = stack.count_items("notifications", "ConnectionsTableName")
    page.close()
    closed = stack.count_items("notifications", "ConnectionsTableName")

    assert opened == before + 1
    assert closed == before


def test_order_shows_every_message_sent_with_its_channel(api, stack, place):
    order_id = place(sample_order(0))
    api.wait_until_settled(order_id)
    for status in ("ACCEPTED", "PREPARING", "READY", "OUT_FOR_DELIVERY", "DELIVERED"):
        api.progress(order_id, status)
    stack.settle()

    order = api.order(order_id).body
    sent = {(n["status"], n["channel"]) for n in order["notifications"]}

    assert order["status"] == "DELIVERED"
    assert sent == {(status, channel) for status in FLOW for channel in ("email", "sms")}
    texts = {sms.message_id: sms for sms in stack.sent_sms()}
    ids = [n["message_id"] for n in order["notifications"] if n["channel"] == "sms"]
    assert {texts[i].to for i in ids} == {"+5511987412365"}


def test_every_allowed_status_change_moves_to_a_newer_rank():
    from intake.domain import ALLOWED
    from notifications.models import rank

    backwards = [
        (before.value, after.value)
        for before, nexts in ALLOWED.items()
        for after in nexts
        if rank(after.value) <= rank(before.value)
    ]

    assert backwards == []


def test_no_customer_data_from_notifications_reaches_a_log(stack, publish, log_capture):
    customer, order_id = new_customer(), new_order_id()
    publish("OrderPlaced", order_placed(order_id, customer))
    for status in ("CONFIRMED", "CANCELLED"):
        publish("OrderStatusChanged", status_changed(order_id, customer, status))
    WebSocketClient(
        f"{stack.output('notifications', 'TrackingSocketUrl')}?order_id={order_id}"
    ).close()
    stack.settle()

    logged = log_capture.getvalue()

    assert order_id in logged
    secrets = [customer["name"], customer["email"], customer["phone"], e164(customer["phone"])]
    assert [value for value in secrets if value in logged] == []
