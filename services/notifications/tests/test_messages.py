"""The emails a customer reads, and sending each one once, with in-memory ports."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from jinja2 import TemplateNotFound

from notifications.domain import Sent, notify
from notifications.errors import DeliveryFailed, RecipientUnknown
from notifications.messages import LOCALES, MAX_SUBJECT, TEMPLATES, render, template_locale
from notifications.models import Message, Recipient, StatusChange

NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
ORDER_ID = "ord_q3kz7mbx2v4n6p8r0t1w3y5a7c"
REF = "#Q3KZ7M"
TRACKING = "https://entrega.dev/orders/ord_q3kz7mbx2v4n6p8r0t1w3y5a7c"
TIMES = "\u00d7"  # the multiplication sign the templates put between name and quantity
EVERY_TEMPLATE = sorted(
    (locale, path.stem)
    for locale in LOCALES
    for path in (TEMPLATES / locale).glob("*.j2")
    if path.stem != "base"
)


def change(status: str = "PLACED", **extra: Any) -> StatusChange:
    return StatusChange.model_validate(
        {
            "order_id": ORDER_ID,
            "status": status,
            "occurred_at": NOW,
            "total": {"amount": 123_456, "currency": "BRL"},
            "lines": [
                {
                    "sku": "feijoada",
                    "name": "Feijoada",
                    "quantity": 2,
                    "line_total": {"amount": 9_180, "currency": "BRL"},
                }
            ],
        }
        | extra
    )


def recipient(locale: str = "pt-BR", name: str = "Ana Souza") -> Recipient:
    return Recipient(
        order_id=ORDER_ID, name=name, email="ana@example.com", phone="+5511999990000", locale=locale
    )


def plain(text: str) -> str:
    return text.replace("\u00a0", " ")


def test_every_locale_has_a_template_for_every_status():
    statuses = {status for _, status in EVERY_TEMPLATE}

    assert len(EVERY_TEMPLATE) == len(LOCALES) * len(statuses) == 33


@pytest.mark.parametrize(("locale", "status"), EVERY_TEMPLATE)
def test_subject_is_one_short_line_naming_the_order(locale, status):
    message = render(change(status), recipient(locale), TRACKING)

    assert "\n" not in message.subject
    assert len(message.subject) <= MAX_SUBJECT
    assert REF in message.subject
    assert REF in message.text
    assert TRACKING in message.text
    assert TRACKING in message.html


@pytest.mark.parametrize(
    ("locale", "total", "line_total"),
    [
        ("pt-BR", "R$ 1.234,56", "R$ 91,80"),
        ("en", "R$1,234.56", "R$91.80"),
        ("es", "1.234,56 BRL", "91,80 BRL"),
    ],
)
def test_amounts_are_written_the_customers_way(locale, total, line_total):
    message = render(change("PLACED"), recipient(locale), TRACKING)

    assert f"Total: {total}" in plain(message.text)
    assert f"Feijoada {TIMES} 2 — {line_total}" in plain(message.text)
    assert total in plain(message.html)


def test_markup_in_a_customer_name_is_escaped_in_html_and_kept_in_text():
    customer = recipient("en", name="<b>Ana</b> Souza")

    message = render(change("PLACED"), customer, TRACKING)

    assert "Hi &lt;b&gt;Ana&lt;/b&gt;," in message.html
    assert "<b>Ana</b>" not in message.html
    assert "Hi <b>Ana</b>," in message.text


def test_reason_and_refund_appear_in_a_cancellation():
    cancelled = change(
        "CANCELLED",
        reason={"code": "PAYMENT_DECLINED"},
        refunded={"amount": 4_590, "currency": "BRL"},
    )

    message = render(cancelled, recipient("en"), TRACKING)

    assert "has been cancelled: the payment was declined." in message.text
    assert "We've refunded R$45.90 to your card." in plain(message.text)
    assert "We've refunded R$45.90 to your card." in plain(message.html)


def test_unknown_reason_code_reads_as_a_general_problem():
    rejected = change("REJECTED", reason={"code": "SOMETHING_NEW"})

    message = render(rejected, recipient("pt-BR"), TRACKING)

    assert "tivemos um problema ao processar o pedido" in message.text


def test_without_reason_or_refund_the_email_mentions_neither():
    message = render(change("FAILED"), recipient("en"), TRACKING)

    assert f"complete your order {REF}." in message.text
    assert "If you were charged anything, it will be refunded in full." in message.text


@pytest.mark.parametrize(
    ("eta", "line"),
    [(35, "Estimated delivery: about 35 minutes."), (1, "Estimated delivery: about 1 minute.")],
)
def test_eta_appears_when_given(eta, line):
    message = render(change("OUT_FOR_DELIVERY", eta_minutes=eta), recipient("en"), TRACKING)

    assert line in message.text


def test_status_without_a_template_raises():
    with pytest.raises(TemplateNotFound):
        render(change("LOST_IN_SPACE"), recipient(), TRACKING)


@pytest.mark.parametrize(
    ("asked", "used"),
    [("pt", "pt-BR"), ("pt-BR", "pt-BR"), ("en-US", "en"), ("es-MX", "es"), ("fr", "pt-BR")],
)
def test_template_locale_falls_back_by_language_then_to_portuguese(asked, used):
    found = template_locale(asked)

    assert found == used


class MemoryLog:
    """Claims honour the NotificationLog contract: one holder at a time, none once sent."""

    def __init__(self, *recipients: Recipient) -> None:
        self.recipients = {known.order_id: known for known in recipients}
        self.state: dict[tuple[str, str, str], str] = {}

    def remember(self, recipient: Recipient) -> None:
        self.recipients[recipient.order_id] = recipient

    def recipient(self, order_id: str) -> Recipient | None:
        return self.recipients.get(order_id)

    def claim(self, order_id: str, status: str, channel: str) -> bool:
        if (order_id, status, channel) in self.state:
            return False
        self.state[(order_id, status, channel)] = "SENDING"
        return True

    def mark_sent(self, order_id: str, status: str, channel: str, message_id: str, subject: str):
        self.state[(order_id, status, channel)] = "SENT"

    def release(self, order_id: str, status: str, channel: str) -> None:
        del self.state[(order_id, status, channel)]


class FlakyMailer:
    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.sent: list[tuple[str, Message]] = []

    def send(self, to: str, message: Message) -> str:
        if self.failures:
            self.failures -= 1
            raise DeliveryFailed("the mail service refused the message")
        self.sent.append((to, message))
        return f"msg-{len(self.sent)}"


class ListAnnouncer:
    def __init__(self) -> None:
        self.announced: list[Sent] = []

    def sent(self, notification: Sent) -> None:
        self.announced.append(notification)


def test_notify_sends_the_email_and_announces_it():
    log, mailer, announcer = MemoryLog(recipient("en")), FlakyMailer(), ListAnnouncer()

    sent = notify(change("PREPARING"), NOW, TRACKING, log, mailer, announcer)

    assert [to for to, _ in mailer.sent] == ["ana@example.com"]
    assert sent == Sent(ORDER_ID, "PREPARING", "email", "msg-1", mailer.sent[0][1].subject, NOW)
    assert announcer.announced == [sent]


def test_second_notify_for_the_same_status_sends_nothing():
    log, mailer, announcer = MemoryLog(recipient()), FlakyMailer(), ListAnnouncer()
    notify(change("PREPARING"), NOW, TRACKING, log, mailer, announcer)

    again = notify(change("PREPARING"), NOW, TRACKING, log, mailer, announcer)

    assert again is None
    assert len(mailer.sent) == len(announcer.announced) == 1


def test_mailer_failure_releases_the_claim_so_the_retry_sends_once():
    log, mailer, announcer = MemoryLog(recipient()), FlakyMailer(failures=1), ListAnnouncer()
    with pytest.raises(DeliveryFailed):
        notify(change("CONFIRMED"), NOW, TRACKING, log, mailer, announcer)

    retried = notify(change("CONFIRMED"), NOW, TRACKING, log, mailer, announcer)
    repeated = notify(change("CONFIRMED"), NOW, TRACKING, log, mailer, announcer)

    assert retried is not None
    assert repeated is None
    assert len(mailer.sent) == 1


def test_notify_before_the_recipient_is_known_raises_and_claims_nothing():
    log, mailer = MemoryLog(), FlakyMailer()

    with pytest.raises(RecipientUnknown):
        notify(change("CONFIRMED"), NOW, TRACKING, log, mailer, ListAnnouncer())

    assert log.state == {}
    assert mailer.sent == []
