"""Payments' Lambda entry points for the saga: the charge task and the refund compensation.

The payments API (provider webhooks, the payment view) is in `payments.api`, so that these
two functions, which the saga waits on, do not load the API resolver at cold start.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from entrega_contracts.tracing import LazyTracer
from payments import domain
from payments.adapters import provider_for
from payments.models import ChargeInput, RefundInput
from payments.store import DynamoLedger

logger = Logger(service="payments")
tracer = LazyTracer(service="payments")
metrics = Metrics(namespace="Entrega", service="payments")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def charge_payment(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = ChargeInput.model_validate(event)
    logger.append_keys(order_id=request.order_id, provider=request.payment.provider)

    provider = provider_for(request.payment.provider)
    outcome = domain.charge(request, DynamoLedger(), provider)

    entry = outcome.entry
    if outcome.next_step is None:
        logger.info(
            "payment captured",
            extra={
                "amount": entry.captured_amount,
                "currency": entry.currency,
                "adapter": type(provider).__name__,
            },
        )
        metrics.add_metric(name="PaymentsCaptured", unit=MetricUnit.Count, value=1)
    else:
        logger.info("payment waits for the customer", extra={"action": entry.action})
        metrics.add_metric(name="PaymentsAwaitingCustomer", unit=MetricUnit.Count, value=1)
    return outcome.to_json()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def refund_payment(event: dict[str, Any], context: LambdaContext) -> dict[str, object]:
    request = RefundInput.model_validate(event)
    logger.append_keys(order_id=request.order_id)

    ledger = DynamoLedger()
    existing = ledger.entry(request.order_id)
    provider = provider_for(existing.provider if existing else "stripe")
    if request.amount is None or request.reference is None:
        outcome = domain.refund(request.order_id, ledger, provider)
    else:
        outcome = domain.refund_part(
            request.order_id,
            request.amount.amount,
            request.amount.currency,
            request.reference,
            ledger,
            provider,
        )

    logger.info("refund settled", extra={"refunded": outcome.amount, "currency": outcome.currency})
    metrics.add_metric(name="Refunds", unit=MetricUnit.Count, value=1 if outcome.amount else 0)
    return outcome.to_json()
