"""Notifications' rules: each (order, status, channel) is sent once, however often it arrives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from notifications.errors import RecipientUnknown
from notifications.messages import render
from notifications.models import Message, Recipient, StatusChange

EMAIL = "email"


class NotificationLog(Protocol):
    def remember(self, recipient: Recipient) -> None: ...

    def recipient(self, order_id: str) -> Recipient | None: ...

    def claim(self, order_id: str, status: str, channel: str) -> bool:
        """Take the right to send this (order, status, channel); False once it has been sent."""
        ...

    def mark_sent(
        self, order_id: str, status: str, channel: str, message_id: str, subject: str
    ) -> None: ...

    def release(self, order_id: str, status: str, channel: str) -> None:
        """Give a claim back after a failed send, so the retry may send."""
        ...


class Mailer(Protocol):
    def send(self, to: str, message: Message) -> str:
        """Send and return the provider's message id; raise DeliveryFailed on failure."""
        ...


class Announcer(Protocol):
    def sent(self, notification: Sent) -> None: ...


@dataclass(frozen=True, slots=True)
class Sent:
    order_id: str
    status: str
    channel: str
    message_id: str
    subject: str
    sent_at: datetime


def welcome(
    recipient: Recipient,
    placed: dict[str, Any],
    now: datetime,
    tracking_url: str,
    log: NotificationLog,
    mailer: Mailer,
    announcer: Announcer,
) -> Sent | None:
    """Learn who to write to from OrderPlaced, and send the PLACED message from it.

    OrderPlaced carries everything the PLACED message needs, so the first message never
    waits for the OrderStatusChanged(PLACED) that may race it; whichever comes second
    finds the message sent.
    """
    log.remember(recipient)
    change = StatusChange(
        order_id=recipient.order_id,
        status="PLACED",
        occurred_at=placed["placed_at"],
        locale=recipient.locale,
        total=placed["total"],
        lines=placed["lines"],
    )
    return notify(change, now, tracking_url, log, mailer, announcer)


def notify(
    change: StatusChange,
    now: datetime,
    tracking_url: str,
    log: NotificationLog,
    mailer: Mailer,
    announcer: Announcer,
) -> Sent | None:
    """Email the customer about a status change, once; None when it was already sent."""
    recipient = log.recipient(change.order_id)
    if recipient is None:
        raise RecipientUnknown("no recipient known yet for this order")
    message = render(change, recipient, tracking_url)
    if not log.claim(change.order_id, change.status, EMAIL):
        return None

    try:
        message_id = mailer.send(recipient.email, message)
    except Exception:
        log.release(change.order_id, change.status, EMAIL)
        raise
    log.mark_sent(change.order_id, change.status, EMAIL, message_id, message.subject)

    sent = Sent(change.order_id, change.status, EMAIL, message_id, message.subject, now)
    announcer.sent(sent)
    return sent
