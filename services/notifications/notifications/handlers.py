"""Notifications' Lambda entry points, driven by EventBridge rules on intake's events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from entrega_contracts.events import parse_detail
from notifications import domain
from notifications.adapters import BusAnnouncer, SesMailer, tracking_url
from notifications.models import Recipient, StatusChange
from notifications.store import DynamoNotificationLog

logger = Logger(service="notifications")
tracer = Tracer(service="notifications")
metrics = Metrics(namespace="Entrega", service="notifications")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def order_placed(event: dict[str, Any], context: LambdaContext) -> None:
    placed = parse_detail(event)
    logger.append_keys(order_id=placed["order_id"], status="PLACED")

    recipient = Recipient(order_id=placed["order_id"], **placed["customer"])
    sent = domain.welcome(
        recipient,
        placed,
        datetime.now(UTC),
        tracking_url(recipient.order_id),
        DynamoNotificationLog(),
        SesMailer(),
        BusAnnouncer(),
    )

    _count(sent)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def status_changed(event: dict[str, Any], context: LambdaContext) -> None:
    change = StatusChange.model_validate(parse_detail(event))
    logger.append_keys(order_id=change.order_id, status=change.status)

    sent = domain.notify(
        change,
        datetime.now(UTC),
        tracking_url(change.order_id),
        DynamoNotificationLog(),
        SesMailer(),
        BusAnnouncer(),
    )

    _count(sent)


def _count(sent: domain.Sent | None) -> None:
    if sent is None:
        logger.info("notification already sent")
        metrics.add_metric(name="NotificationsDeduplicated", unit=MetricUnit.Count, value=1)
        return
    logger.info("notification sent", extra={"channel": sent.channel})
    metrics.add_metric(name="NotificationsSent", unit=MetricUnit.Count, value=1)
