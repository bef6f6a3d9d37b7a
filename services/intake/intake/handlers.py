"""Intake's Lambda entry points: the orders API, the saga's status tasks, the notification log."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from entrega_contracts import openapi, requests
from entrega_contracts.errors import Reason
from entrega_contracts.events import parse_detail
from entrega_contracts.inbound import event_key, reject
from entrega_contracts.schemas import ContractViolation
from entrega_contracts.tracing import LazyTracer
from intake import access, domain, lifecycle, messages, payment_rules, views
from intake.access import Caller
from intake.adapters import (
    EventBus,
    LambdaCatalog,
    StepFunctionsCancelSaga,
    StepFunctionsFulfilment,
    StepFunctionsSaga,
    run_once,
    settings,
)
from intake.errors import (
    IdempotencyKeyMissing,
    IntakeError,
    InvalidTransition,
    MalformedRequest,
    OrderInvalid,
    OrderNotFound,
    PayloadTooLarge,
)
from intake.models import CancelRequest, Order, ProgressRequest, Status
from intake.store import DynamoOrders, InboundLog

logger = Logger(service="intake")
tracer = LazyTracer(service="intake")
metrics = Metrics(namespace="Entrega", service="intake")
# The order-tracking page may be served from another origin: it reads GET /orders/{id} with a
# bearer token. No cookies are used, so any origin is allowed.
app = APIGatewayRestResolver(
    cors=CORSConfig(
        allow_origin="*", allow_headers=["Idempotency-Key", "Authorization"], max_age=600
    )
)

MAX_KEY_LENGTH = 255
MAX_BODY_BYTES = 256 * 1024


def _now() -> datetime:
    return datetime.now(UTC)


@app.get("/openapi.json")
def openapi_document() -> dict[str, Any]:
    """The API's OpenAPI document: the one API Gateway is defined from, less its extensions."""
    return openapi.published("intake")


@app.exception_handler(IntakeError)
def _intake_error(error: IntakeError) -> Response[str]:
    if error.http_status >= 500:
        logger.warning("dependency unavailable", extra={"code": error.code})
    return requests.problem(
        error.http_status, error.code, error.message, [detail.to_json() for detail in error.details]
    )


@app.not_found
def _no_route(error: NotFoundError) -> Response[str]:
    return requests.problem(404, "NOT_FOUND", "there is nothing at this path")


def _header_values(name: str) -> list[str]:
    repeated = app.current_event.multi_value_headers or {}
    return [
        value for key, values in repeated.items() if key.lower() == name.lower() for value in values
    ]


def _json_object() -> dict[str, Any]:
    try:
        return requests.json_object(app.current_event.body, MAX_BODY_BYTES)
    except requests.BodyTooLarge as large:
        raise PayloadTooLarge(str(large)) from None
    except requests.BodyMalformed as malformed:
        raise MalformedRequest(str(malformed)) from None


def _caller() -> Caller:
    """Who is asking, from the claims API Gateway's Cognito authorizer verified."""
    authorizer = app.current_event.request_context.authorizer
    return Caller.from_claims(authorizer.claims if authorizer else None)


@app.post("/orders")
def place_order() -> Response[str]:
    caller = _caller()
    key = (
        app.current_event.get_header_value(
            "Idempotency-Key", default_value="", case_sensitive=False
        )
        or ""
    )
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise IdempotencyKeyMissing(
            f"send an Idempotency-Key header of 1 to {MAX_KEY_LENGTH} characters"
        )
    if len(_header_values("Idempotency-Key")) > 1:
        # A proxy keeping the first copy and another keeping the last would place two orders.
        raise IdempotencyKeyMissing("send exactly one Idempotency-Key header")
    body = _json_object()
    customer = body.get("customer")
    access.check_may_place(caller, customer.get("id") if isinstance(customer, dict) else None)

    def work() -> dict[str, Any]:
        order = domain.place_order(
            body,
            key,
            _now(),
            LambdaCatalog(),
            DynamoOrders(),
            StepFunctionsSaga(),
            EventBus(),
            settings().shop_id,
        )
        logger.info("order placed", extra={"order_id": order.order_id, "lines": len(order.lines)})
        metrics.add_metric(name="OrdersPlaced", unit=MetricUnit.Count, value=1)
        return {"order_id": order.order_id, "status": order.status.value}

    try:
        placed = run_once(key.strip(), body, app.lambda_context, work)
    except OrderInvalid as invalid:
        raise _in_customer_language(invalid, body) from None
    location = f"/orders/{placed['order_id']}"
    return Response(
        status_code=202,
        content_type="application/json",
        body=json.dumps({**placed, "url": location}),
        headers={"Location": location},
    )


def _in_customer_language(invalid: OrderInvalid, body: dict[str, Any]) -> OrderInvalid:
    customer = body.get("customer")
    requested = customer.get("locale") if isinstance(customer, dict) else None
    header = app.current_event.get_header_value("Accept-Language", case_sensitive=False)
    locale = messages.locale_for(requested, header)
    return OrderInvalid(
        messages.title(locale), [messages.localized(d, locale) for d in invalid.details]
    )


@app.get("/orders/<order_id>")
def get_order(order_id: str) -> dict[str, Any]:
    caller = _caller()
    return views.order_view(access.readable(caller, domain.get_order(order_id, DynamoOrders())))


def _parsed(model: type[ProgressRequest] | type[CancelRequest], what: str, body: Any) -> Any:
    try:
        return model.model_validate(body)
    except ValidationError as invalid:
        raise OrderInvalid(
            f"the {what} is invalid", [domain.field_error(e) for e in invalid.errors()]
        ) from None


@app.post("/orders/<order_id>/progress")
def progress(order_id: str) -> dict[str, Any]:
    caller = _caller()
    request = _parsed(ProgressRequest, "progress update", _json_object())

    order = lifecycle.progress(
        order_id, request, caller, _now(), DynamoOrders(), EventBus(), StepFunctionsFulfilment()
    )

    logger.info("order progressed", extra={"order_id": order_id, "status": order.status.value})
    return views.order_view(order)


@app.post("/orders/<order_id>/cancel")
def cancel(order_id: str) -> Response[str]:
    caller = _caller()
    body = _json_object() if app.current_event.body else {}
    request = _parsed(CancelRequest, "cancellation", body)
    reason = {
        "code": "CUSTOMER_CANCELLED",
        "message": request.reason or "cancelled by the customer",
    }

    order = lifecycle.cancel(
        order_id, reason, _now(), DynamoOrders(), StepFunctionsCancelSaga(), caller
    )

    logger.info("cancellation asked", extra={"order_id": order_id, "status": order.status.value})
    return Response(
        status_code=202, content_type="application/json", body=json.dumps(views.order_view(order))
    )


@app.get("/kitchen/orders")
def kitchen() -> dict[str, Any]:
    orders = lifecycle.kitchen(_caller(), DynamoOrders())
    return {"orders": [views.kitchen_view(order) for order in orders]}


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@tracer.capture_lambda_handler
@metrics.log_metrics
def api(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def confirm_order(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(order_id=event.get("order_id"))

    order = domain.confirm(
        event,
        _now(),
        DynamoOrders(),
        EventBus(),
        StepFunctionsFulfilment(),
        StepFunctionsCancelSaga(),
    )

    logger.info("order confirmed")
    metrics.add_metric(name="OrdersConfirmed", unit=MetricUnit.Count, value=1)
    return {"order_id": order.order_id, "status": order.status.value}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def record_outcome(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(order_id=event.get("order_id"))

    order = domain.record_outcome(event, _now(), DynamoOrders(), EventBus())

    reason = order.timeline[-1].reason or {}
    logger.warning(
        "order ended without confirmation",
        extra={"status": order.status.value, "code": reason.get("code")},
    )
    metrics.add_metric(
        name=f"Orders{order.status.value.capitalize()}", unit=MetricUnit.Count, value=1
    )
    return {"order_id": order.order_id, "status": order.status.value}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def notification_sent(event: dict[str, Any], context: LambdaContext) -> None:
    sent = parse_detail(event)
    logger.append_keys(order_id=sent["order_id"])

    DynamoOrders().record_notification(
        sent["order_id"], f"{sent['status']}#{sent['channel']}", sent
    )

    logger.info(
        "notification recorded", extra={"status": sent["status"], "channel": sent["channel"]}
    )


def _inbound(event: dict[str, Any], apply: Callable[[dict[str, Any]], Order]) -> None:
    """Apply an inbound event once, or refuse it visibly; never half-apply it."""
    event_id = event_key(event)
    logger.append_keys(event_id=event_id, detail_type=event.get("detail-type"))
    log = InboundLog()
    if log.seen(event_id):
        logger.info("inbound event already applied")
        metrics.add_metric(name="InboundDuplicates", unit=MetricUnit.Count, value=1)
        return
    try:
        detail = parse_detail(event)
        logger.append_keys(order_id=detail.get("order_id"))
        order = apply(detail)
    except ContractViolation as broken:
        _refuse(event, Reason("CONTRACT_VIOLATION", str(broken), []))
    except (OrderNotFound, InvalidTransition) as refused:
        _refuse(event, Reason(refused.code, refused.message, []))
    else:
        logger.info("inbound event applied", extra={"status": order.status.value})
        metrics.add_metric(name="InboundEventsApplied", unit=MetricUnit.Count, value=1)
    log.mark(event_id, "done")


def _refuse(event: dict[str, Any], reason: Reason) -> None:
    logger.warning("inbound event refused", extra={"code": reason.code})
    metrics.add_metric(name="InboundEventsRefused", unit=MetricUnit.Count, value=1)
    reject(event, reason, settings().event_bus, os.environ["INTAKE_DEAD_LETTER_QUEUE_URL"])


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def delivery_progressed(event: dict[str, Any], context: LambdaContext) -> None:
    _inbound(
        event,
        lambda detail: lifecycle.apply_delivery(
            detail, DynamoOrders(), EventBus(), StepFunctionsFulfilment()
        ),
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def shop_decided(event: dict[str, Any], context: LambdaContext) -> None:
    _inbound(
        event,
        lambda detail: lifecycle.apply_shop_decision(
            detail, DynamoOrders(), EventBus(), StepFunctionsFulfilment(), StepFunctionsCancelSaga()
        ),
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def await_status(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The fulfilment workflow waits for a status: keep its task token with the order."""
    logger.append_keys(order_id=event.get("order_id"), awaited=event.get("status"))

    order = lifecycle.await_status(
        event["order_id"],
        Status(event["status"]),
        event["task_token"],
        DynamoOrders(),
        StepFunctionsFulfilment(),
    )

    logger.info("waiting for the order", extra={"status": order.status.value})
    return {"order_id": order.order_id, "status": order.status.value}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def payment_wait_ended(event: dict[str, Any], context: LambdaContext) -> None:
    """PaymentSucceeded, PaymentFailed or ReservationExpired: end a waiting order's wait."""
    detail_type = str(event.get("detail-type"))
    detail = parse_detail(event)
    logger.append_keys(order_id=detail["order_id"], detail_type=detail_type)

    order = payment_rules.end_payment_wait(detail_type, detail, DynamoOrders(), StepFunctionsSaga())

    if order is None:
        logger.info("no payment wait to end")
        return
    logger.info("payment wait ended")
    metrics.add_metric(name="PaymentWaitsEnded", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def expire_acceptance(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The shop did not accept in time: cancel the order if it is still only CONFIRMED."""
    logger.append_keys(order_id=event.get("order_id"))

    order = lifecycle.expire_acceptance(
        event["order_id"], _now(), DynamoOrders(), StepFunctionsCancelSaga()
    )

    cancelled = order.cancellation is not None
    logger.warning("shop did not accept in time", extra={"cancelled": cancelled})
    metrics.add_metric(name="AcceptanceTimeouts", unit=MetricUnit.Count, value=1)
    return {"order_id": order.order_id, "status": order.status.value, "cancelling": cancelled}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def finish_cancellation(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The cancel saga's last step: the order becomes CANCELLED with its refund recorded."""
    logger.append_keys(order_id=event.get("order_id"))

    order = lifecycle.finish_cancellation(
        event["order_id"],
        event.get("refund") or {},
        _now(),
        DynamoOrders(),
        EventBus(),
        StepFunctionsFulfilment(),
    )

    logger.info("order cancelled")
    metrics.add_metric(name="OrdersCancelled", unit=MetricUnit.Count, value=1)
    return {"order_id": order.order_id, "status": order.status.value}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def raise_alarm(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """A wait ran out or a cancellation could not finish: log it for the alarm, tell the bus."""
    logger.append_keys(order_id=event.get("order_id"))
    order = domain.get_order(event["order_id"], DynamoOrders())

    EventBus().attention_needed(order, event["code"], event["message"], _now())

    # ERROR is what the alarm on this function's logs counts; a person should look.
    logger.error("order needs attention", extra={"code": event["code"], "status": order.status})
    metrics.add_metric(name="OrdersNeedingAttention", unit=MetricUnit.Count, value=1)
    return {"order_id": order.order_id, "status": order.status.value, "code": event["code"]}
