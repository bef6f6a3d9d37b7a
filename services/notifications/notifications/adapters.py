"""Notifications' channels and its announcements: SES for email, the bus for NotificationSent."""

from __future__ import annotations

import functools
import os
import threading
from email.message import EmailMessage
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from entrega_contracts import events
from notifications.domain import Sent
from notifications.errors import DeliveryFailed
from notifications.models import Message

if TYPE_CHECKING:
    from mypy_boto3_ses import SESClient

_lock = threading.Lock()


def _setting(name: str) -> str:
    try:
        return os.environ[name]
    except KeyError:
        raise RuntimeError(f"notifications needs the environment variable {name}") from None


@functools.cache
def _ses() -> SESClient:
    with _lock:
        return boto3.session.Session().client("ses")


def tracking_url(order_id: str) -> str:
    return f"{_setting('TRACKING_BASE_URL').rstrip('/')}/{order_id}"


class SesMailer:
    """Sends a MIME message with a plain-text and an HTML part, as mail clients expect."""

    def send(self, to: str, message: Message) -> str:
        mime = EmailMessage()
        mime["Subject"] = message.subject
        mime["From"] = _setting("SENDER_EMAIL")
        mime["To"] = to
        mime.set_content(message.text)
        mime.add_alternative(message.html, subtype="html")
        try:
            response = _ses().send_raw_email(
                Source=_setting("SENDER_EMAIL"),
                Destinations=[to],
                RawMessage={"Data": mime.as_bytes()},
            )
        except (ClientError, BotoCoreError) as exc:
            raise DeliveryFailed("the email could not be sent") from exc
        return response["MessageId"]


class BusAnnouncer:
    def sent(self, notification: Sent) -> None:
        detail = {
            "order_id": notification.order_id,
            "status": notification.status,
            "channel": notification.channel,
            "message_id": notification.message_id,
            "subject": notification.subject,
            "sent_at": notification.sent_at.isoformat(),
        }
        events.publish([events.entry("NotificationSent", detail, _setting("EVENT_BUS_NAME"))])
