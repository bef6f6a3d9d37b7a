"""Notifications' Lambda entry points: consumers of intake's events, the preferences API and
the order-tracking page's WebSocket routes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from entrega_contracts import openapi, requests
from entrega_contracts.events import parse_detail
from entrega_contracts.tracing import LazyTracer
from notifications import domain
from notifications.adapters import BusAnnouncer, SesMailer, SnsTexter, TrackingPush, tracking_url
from notifications.errors import MalformedRequest, NotificationsError
from notifications.models import Recipient, StatusChange
from notifications.store import DynamoNotificationLog, DynamoTrackingPages

logger = Logger(service="notifications")
tracer = LazyTracer(service="notifications")
metrics = Metrics(namespace="Entrega", service="notifications")
app = APIGatewayRestResolver()


def _senders() -> dict[str, domain.Sender]:
    return {domain.EMAIL: SesMailer(), domain.SMS: SnsTexter(), domain.PUSH: TrackingPush()}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def order_placed(event: dict[str, Any], context: LambdaContext) -> None:
    placed = parse_detail(event)
    logger.append_keys(order_id=placed["order_id"], status="PLACED")

    recipient = Recipient.from_order_placed(placed)
    report = domain.welcome(
        recipient,
        placed,
        datetime.now(UTC),
        tracking_url(recipient.order_id),
        DynamoNotificationLog(),
        _senders(),
        BusAnnouncer(),
    )

    _count(report)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def status_changed(event: dict[str, Any], context: LambdaContext) -> None:
    change = StatusChange.model_validate(parse_detail(event))
    logger.append_keys(order_id=change.order_id, status=change.status)

    report = domain.notify_all(
        change,
        datetime.now(UTC),
        tracking_url(change.order_id),
        DynamoNotificationLog(),
        _senders(),
        BusAnnouncer(),
    )

    _count(report)


def _count(report: domain.Report) -> None:
    for sent in report.sent:
        logger.info("notification sent", extra={"channel": sent.channel})
        metrics.add_metric(name="NotificationsSent", unit=MetricUnit.Count, value=1)
    for channel, skip in report.skipped.items():
        logger.info("notification skipped", extra={"channel": channel, "reason": skip.value})
        metrics.add_metric(
            name=f"Notifications{skip.value.title().replace('_', '')}",
            unit=MetricUnit.Count,
            value=1,
        )


@app.get("/openapi.json")
def openapi_document() -> dict[str, Any]:
    """The API's OpenAPI document: the one API Gateway is defined from, less its extensions."""
    return openapi.published("notifications")


@app.exception_handler(NotificationsError)
def _notifications_error(error: NotificationsError) -> Response[str]:
    if error.http_status >= 500:
        logger.warning("dependency unavailable", extra={"code": error.code})
    details = [detail.to_json() for detail in error.details]
    return requests.problem(error.http_status, error.code, error.message, details)


@app.not_found
def _no_route(error: NotFoundError) -> Response[str]:
    return requests.problem(404, "NOT_FOUND", "there is nothing at this path")


@app.get("/customers/<customer_id>/preferences")
def get_preferences(customer_id: str) -> dict[str, Any]:
    preferences = domain.preferences_of(customer_id, DynamoNotificationLog())
    return {"customer_id": customer_id, **preferences.model_dump()}


@app.put("/customers/<customer_id>/preferences")
def put_preferences(customer_id: str) -> dict[str, Any] | Response[str]:
    try:
        body = requests.json_object(app.current_event.body)
    except requests.BodyTooLarge as large:
        return requests.problem(413, "PAYLOAD_TOO_LARGE", str(large))
    except requests.BodyMalformed as malformed:
        raise MalformedRequest(str(malformed)) from None

    preferences = domain.set_preferences(customer_id, body, DynamoNotificationLog())

    logger.info("preferences saved", extra={"channels": _accepted(preferences.model_dump())})
    return {"customer_id": customer_id, **preferences.model_dump()}


def _accepted(preferences: dict[str, Any]) -> list[str]:
    return [channel for channel in domain.CHANNELS if preferences.get(channel)]


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def api(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


@logger.inject_lambda_context
def tracking_socket(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """$connect (with ?order_id=) and $disconnect of the order-tracking page's WebSocket API."""
    request = event["requestContext"]
    route, connection_id = request["routeKey"], request["connectionId"]
    pages = DynamoTrackingPages()

    if route == "$disconnect":
        pages.close(connection_id)
        return {"statusCode": 200}
    order_id = (event.get("queryStringParameters") or {}).get("order_id", "")
    try:
        domain.watch(order_id, connection_id, datetime.now(UTC), pages)
    except NotificationsError as refused:
        logger.warning("tracking page refused", extra={"code": refused.code})
        return {"statusCode": refused.http_status, "body": refused.message}

    logger.info("tracking page opened", extra={"order_id": order_id})
    return {"statusCode": 200}
