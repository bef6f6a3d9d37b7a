"""Notifications' channels and its announcements: SES for email, SNS for SMS, the tracking
page's WebSocket API for push, and the bus for NotificationSent.

Errors from AWS are wrapped once here as DeliveryFailed, with a message that names the
channel only: AWS's own messages can quote the address, which must not reach a log.
"""

from __future__ import annotations

import functools
import json
import os
import threading
import uuid
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from entrega_contracts import events
from notifications.domain import Sent
from notifications.errors import DeliveryFailed
from notifications.models import Message
from notifications.store import DynamoTrackingPages

if TYPE_CHECKING:
    from mypy_boto3_ses import SESClient
    from mypy_boto3_sns import SNSClient

_lock = threading.Lock()
# API Gateway refuses a WebSocket frame over 32 KB.
MAX_PUSH_BYTES = 32 * 1024


def _setting(name: str) -> str:
    try:
        return os.environ[name]
    except KeyError:
        raise RuntimeError(f"notifications needs the environment variable {name}") from None


@functools.cache
def _ses() -> SESClient:
    with _lock:
        return boto3.session.Session().client("ses")


@functools.cache
def _sns() -> SNSClient:
    with _lock:
        return boto3.session.Session().client("sns")


@functools.cache
def _connections_api() -> Any:
    """The WebSocket API's management endpoint: https://<api>.execute-api.<region>.../<stage>."""
    socket_url = _setting("TRACKING_SOCKET_URL")
    endpoint = socket_url.replace("wss://", "https://", 1).replace("ws://", "http://", 1)
    with _lock:
        return boto3.session.Session().client("apigatewaymanagementapi", endpoint_url=endpoint)


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


class SnsTexter:
    """Sends a transactional SMS to an E.164 number, unless the number opted out at SNS."""

    def send(self, to: str, message: Message) -> str | None:
        try:
            if _sns().check_if_phone_number_is_opted_out(phoneNumber=to)["isOptedOut"]:
                return None
            response = _sns().publish(
                PhoneNumber=to,
                Message=message.text,
                MessageAttributes={
                    "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}
                },
            )
        except (ClientError, BotoCoreError) as exc:
            raise DeliveryFailed("the sms could not be sent") from exc
        return response["MessageId"]


class TrackingPush:
    """Posts the status to every tracking page open on the order; forgets pages that are gone."""

    def __init__(self, pages: DynamoTrackingPages | None = None) -> None:
        self.pages = pages or DynamoTrackingPages()

    def send(self, to: str, message: Message) -> str | None:
        data = json.dumps(message.data, ensure_ascii=False, sort_keys=True).encode()
        if len(data) > MAX_PUSH_BYTES:
            raise DeliveryFailed("the push is larger than a WebSocket frame")
        delivered = sum(self._post(connection, data) for connection in self.pages.of_order(to))
        return f"push-{uuid.uuid4().hex}" if delivered else None

    def _post(self, connection_id: str, data: bytes) -> bool:
        try:
            _connections_api().post_to_connection(ConnectionId=connection_id, Data=data)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "GoneException":
                self.pages.close(connection_id)
                return False
            raise DeliveryFailed("the push could not be sent") from exc
        except BotoCoreError as exc:
            raise DeliveryFailed("the push could not be sent") from exc
        return True


class BusAnnouncer:
    def sent(self, notification: Sent) -> None:
        detail = {
            "order_id": notification.order_id,
            "status": notification.status,
            "channel": notification.channel,
            "message_id": notification.message_id,
            "sent_at": notification.sent_at.isoformat(),
        }
        if notification.subject:
            detail["subject"] = notification.subject
        events.publish([events.entry("NotificationSent", detail, _setting("EVENT_BUS_NAME"))])
