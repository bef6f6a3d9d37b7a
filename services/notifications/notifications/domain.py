"""Notifications' rules: each (order, status, channel) is sent once, however often it arrives,
never after a newer status on that channel, and only on the channels the customer accepts."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Protocol

from pydantic import ValidationError

from entrega_contracts.errors import FieldError
from notifications import contacts
from notifications.errors import (
    DeliveryFailed,
    PreferencesInvalid,
    RecipientUnknown,
    TrackingRefused,
)
from notifications.messages import render, render_push, render_sms
from notifications.models import Message, Preferences, Recipient, StatusChange

EMAIL = "email"
SMS = "sms"
PUSH = "push"
CHANNELS = (EMAIL, SMS, PUSH)
ORDER_ID = re.compile(r"ord_[0-9a-z]{26}")
CUSTOMER_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# API Gateway closes a WebSocket connection after two hours; its record may go then too.
TRACKING_PAGE_LIFETIME = timedelta(hours=2)


class Claim(Enum):
    """The answer to "may I send this?"; only TAKEN is truthy."""

    TAKEN = "taken"
    DUPLICATE = "duplicate"
    SUPERSEDED = "superseded"

    def __bool__(self) -> bool:
        return self is Claim.TAKEN


class Skip(Enum):
    """Why a channel sent nothing for a status change."""

    DECLINED = "declined"  # the customer's preferences turn the channel off
    NO_ADDRESS = "no_address"  # e.g. no valid mobile number for SMS
    DUPLICATE = "duplicate"  # sent (or being sent) already
    SUPERSEDED = "superseded"  # a newer status already went out on this channel
    UNREACHABLE = "unreachable"  # the number opted out at the carrier; no tracking page open
    LEFT_TO_ORDER_PLACED = "left_to_order_placed"  # PLACED is sent from OrderPlaced itself


class NotificationLog(Protocol):
    def remember(self, recipient: Recipient) -> None: ...

    def recipient(self, order_id: str) -> Recipient | None:
        """Who to write to about the order, with their customer's current preferences."""
        ...

    def claim(self, order_id: str, status: str, channel: str) -> Claim:
        """Take the right to send this (order, status, channel), by conditional writes.

        DUPLICATE once it has been sent or while another attempt holds it; SUPERSEDED when a
        newer status has already been claimed on this channel for this order.
        """
        ...

    def mark_sent(
        self, order_id: str, status: str, channel: str, message_id: str, subject: str
    ) -> None: ...

    def release(self, order_id: str, status: str, channel: str) -> None:
        """Give a claim back after a failed send, so the retry may send."""
        ...


class PreferenceBook(Protocol):
    def preferences(self, customer_id: str) -> Preferences: ...

    def save_preferences(self, customer_id: str, preferences: Preferences) -> None: ...


class TrackingPages(Protocol):
    """The WebSocket connections of open order-tracking pages."""

    def open(self, order_id: str, connection_id: str, expires_at: datetime) -> None: ...

    def close(self, connection_id: str) -> None: ...


class Sender(Protocol):
    def send(self, to: str, message: Message) -> str | None:
        """Send; return the provider's message id, or None when nobody can receive it (a
        number on the carrier's opt-out list, no tracking page open). Raise DeliveryFailed."""
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


Renderer = Callable[[StatusChange, Recipient, str], Message]
_RENDERERS: dict[str, Renderer] = {EMAIL: render, SMS: render_sms, PUSH: render_push}


def address(channel: str, recipient: Recipient) -> str | Skip:
    """Where the channel reaches this recipient, or why it may not."""
    if not getattr(recipient.preferences, channel):
        return Skip.DECLINED
    if channel == EMAIL:
        return recipient.email
    if channel == SMS:
        return contacts.mobile_number(recipient.phone) or Skip.NO_ADDRESS
    return recipient.order_id  # the order's tracking page


def send_once(
    channel: str,
    change: StatusChange,
    recipient: Recipient,
    now: datetime,
    tracking_url: str,
    log: NotificationLog,
    sender: Sender,
    announcer: Announcer,
) -> Sent | Skip:
    """Send one status change on one channel, unless it was sent, superseded or declined."""
    to = address(channel, recipient)
    if isinstance(to, Skip):
        return to
    message = _RENDERERS[channel](change, recipient, tracking_url)
    claim = log.claim(change.order_id, change.status, channel)
    if not claim:
        return Skip.SUPERSEDED if claim is Claim.SUPERSEDED else Skip.DUPLICATE

    try:
        message_id = sender.send(to, message)
    except Exception:
        log.release(change.order_id, change.status, channel)
        raise
    if message_id is None:
        log.release(change.order_id, change.status, channel)
        return Skip.UNREACHABLE
    log.mark_sent(change.order_id, change.status, channel, message_id, message.subject)

    sent = Sent(change.order_id, change.status, channel, message_id, message.subject, now)
    announcer.sent(sent)
    return sent


def notify(
    change: StatusChange,
    now: datetime,
    tracking_url: str,
    log: NotificationLog,
    sender: Sender,
    announcer: Announcer,
    channel: str = EMAIL,
) -> Sent | None:
    """Tell the customer about a status change on one channel; None when nothing was sent."""
    outcome = send_once(
        channel, change, _recipient(log, change.order_id), now, tracking_url, log, sender, announcer
    )
    return outcome if isinstance(outcome, Sent) else None


@dataclass(frozen=True, slots=True)
class Report:
    sent: list[Sent]
    skipped: dict[str, Skip]


def notify_all(
    change: StatusChange,
    now: datetime,
    tracking_url: str,
    log: NotificationLog,
    senders: Mapping[str, Sender],
    announcer: Announcer,
) -> Report:
    """Tell the customer on every channel they accept. A channel that fails does not hold the
    others back; DeliveryFailed is raised after all were tried, so the event is retried and
    only the failed channels send on the retry.

    A PLACED change that comes before OrderPlaced is left to OrderPlaced, which carries
    the recipient and sends PLACED itself; any later status waits (RecipientUnknown).
    """
    recipient = log.recipient(change.order_id)
    if recipient is None and change.status == "PLACED":
        return Report([], dict.fromkeys(senders, Skip.LEFT_TO_ORDER_PLACED))
    if recipient is None:
        raise RecipientUnknown("no recipient known yet for this order")

    sent: list[Sent] = []
    skipped: dict[str, Skip] = {}
    failures: list[tuple[str, DeliveryFailed]] = []
    for channel, sender in senders.items():
        try:
            outcome = send_once(
                channel, change, recipient, now, tracking_url, log, sender, announcer
            )
        except DeliveryFailed as failure:
            failures.append((channel, failure))
            continue
        if isinstance(outcome, Sent):
            sent.append(outcome)
        else:
            skipped[channel] = outcome

    if failures:
        names = ", ".join(channel for channel, _ in failures)
        raise DeliveryFailed(f"sending failed on: {names}") from failures[0][1]
    return Report(sent, skipped)


def welcome(
    recipient: Recipient,
    placed: dict[str, Any],
    now: datetime,
    tracking_url: str,
    log: NotificationLog,
    senders: Mapping[str, Sender],
    announcer: Announcer,
) -> Report:
    """Learn who to write to from OrderPlaced, and send the PLACED messages from it.

    OrderPlaced carries everything the PLACED messages need, so the first message never
    waits for the OrderStatusChanged(PLACED) that may race it; whichever comes second
    finds the messages sent.
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
    return notify_all(change, now, tracking_url, log, senders, announcer)


def set_preferences(customer_id: str, body: Any, book: PreferenceBook) -> Preferences:
    """Replace the customer's preferences; they apply to every message sent from now on.

    The body holds the whole set: a field left out takes its default again.
    """
    preferences = parse_preferences(customer_id, body)
    book.save_preferences(customer_id, preferences)
    return preferences


def preferences_of(customer_id: str, book: PreferenceBook) -> Preferences:
    """The customer's preferences, or the defaults if they never set any."""
    if not CUSTOMER_ID.fullmatch(customer_id):
        raise PreferencesInvalid("the customer id is not valid", [_bad_customer_id()])
    return book.preferences(customer_id)


def _bad_customer_id() -> FieldError:
    return FieldError("customer_id", "a customer id is 1 to 64 letters, digits, _ or -")


def parse_preferences(customer_id: str, body: Any) -> Preferences:
    """The preferences in a request, or PreferencesInvalid naming each bad field."""
    problems = []
    if not CUSTOMER_ID.fullmatch(customer_id):
        problems.append(_bad_customer_id())
    if not isinstance(body, dict):
        raise PreferencesInvalid("the body must be a JSON object", problems)
    try:
        preferences = Preferences.model_validate(body)
    except ValidationError as invalid:
        problems += [
            FieldError(".".join(str(part) for part in error["loc"]), _message(error))
            for error in invalid.errors()
        ]
    if problems:
        raise PreferencesInvalid("the preferences are not valid", problems)
    return preferences


def _message(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "this field is not a preference"
    if error["type"] == "bool_type":
        return "this must be true or false"
    return str(error["msg"]).removeprefix("Value error, ")


def watch(order_id: str, connection_id: str, now: datetime, pages: TrackingPages) -> None:
    """Remember that a tracking page is open on an order, so its status changes are pushed."""
    if not ORDER_ID.fullmatch(order_id):
        raise TrackingRefused("connect with ?order_id= and the id of an order")
    pages.open(order_id, connection_id, now + TRACKING_PAGE_LIFETIME)


def _recipient(log: NotificationLog, order_id: str) -> Recipient:
    recipient = log.recipient(order_id)
    if recipient is None:
        raise RecipientUnknown("no recipient known yet for this order")
    return recipient
