"""Payments' Lambda entry points: the saga's charge task and refund compensation."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from payments import domain
from payments.adapters import provider_for
from payments.models import ChargeInput, OrderRef
from payments.store import DynamoLedger

logger = Logger(service="payments")
tracer = Tracer(service="payments")
metrics = Metrics(namespace="Entrega", service="payments")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def charge_payment(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = ChargeInput.model_validate(event)
    logger.append_keys(order_id=request.order_id, provider=request.payment.provider)

    entry = domain.charge(request, DynamoLedger(), provider_for(request.payment.provider))

    logger.info("payment captured", extra={"amount": entry.amount, "currency": entry.currency})
    metrics.add_metric(name="PaymentsCaptured", unit=MetricUnit.Count, value=1)
    return {
        "charge_id": entry.charge_id,
        "provider": entry.provider,
        "amount": {"amount": entry.amount, "currency": entry.currency},
        "status": "CAPTURED",
    }


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def refund_payment(event: dict[str, Any], context: LambdaContext) -> dict[str, object]:
    request = OrderRef.model_validate(event)
    logger.append_keys(order_id=request.order_id)

    ledger = DynamoLedger()
    existing = ledger.entry(request.order_id)
    provider = provider_for(existing.provider if existing else "stripe")
    outcome = domain.refund(request.order_id, ledger, provider)

    logger.info("refund settled", extra={"refunded": outcome.amount, "currency": outcome.currency})
    metrics.add_metric(name="Refunds", unit=MetricUnit.Count, value=1 if outcome.refund_id else 0)
    return outcome.to_json()
