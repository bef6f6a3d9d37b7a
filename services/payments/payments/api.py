"""The payments API, one Powertools resolver: Stripe's webhooks and a read-only view of an
order's payment. Each route parses, calls one domain function and maps the result; errors
answer as application/problem+json with a stable code."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from entrega_contracts import openapi, requests
from payments import domain, provider_events, views
from payments.adapters import stripe_event
from payments.adapters.bus import EventBus
from payments.errors import PaymentsError
from payments.handlers import logger, metrics, tracer
from payments.store import DynamoLedger

app = APIGatewayRestResolver()


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


@app.get("/openapi.json")
def openapi_document() -> dict[str, Any]:
    """The API's OpenAPI document: the one API Gateway is defined from, less its extensions."""
    return openapi.published("payments")


@app.post("/webhooks/stripe")
def stripe_webhook() -> dict[str, str]:
    event = stripe_event(app.current_event.decoded_body or "", app.current_event.headers)
    logger.append_keys(order_id=event.order_id)

    outcome = provider_events.apply_event(event, DynamoLedger(), EventBus())

    logger.info(
        "webhook processed",
        extra={"event_id": event.event_id, "kind": event.kind.value, "outcome": outcome.value},
    )
    metrics.add_metric(name=f"Webhooks{outcome.value.capitalize()}", unit=MetricUnit.Count, value=1)
    return {"event_id": event.event_id, "outcome": outcome.value}


@app.get("/payments/<order_id>")
def get_payment(order_id: str) -> dict[str, Any]:
    return views.payment_view(domain.payment_of(order_id, DynamoLedger()))


@app.exception_handler(PaymentsError)
def _payments_error(error: PaymentsError) -> Response[str]:
    if error.http_status >= 500:
        logger.warning("payments api failed", extra={"code": error.code})
    elif error.http_status == 400:
        logger.warning("webhook rejected", extra={"code": error.code})
    return requests.problem(error.http_status, error.code, error.message)


@app.not_found
def _no_route(error: NotFoundError) -> Response[str]:
    return requests.problem(404, "NOT_FOUND", "there is nothing at this path")
