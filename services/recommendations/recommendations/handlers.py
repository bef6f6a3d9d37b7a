"""Recommendations' Lambda entry points: the saga's GetInsights task, and the consumers that
keep the purchase history (OrderStatusChanged CONFIRMED) and the products projection
(inventory's OutOfStock) up to date."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from entrega_contracts.events import parse_detail
from entrega_contracts.tracing import LazyTracer
from recommendations import adapters, domain, prompts, settings, store
from recommendations.models import ConfirmedOrder, InsightRequest, StockOut

logger = Logger(service="recommendations")
tracer = LazyTracer(service="recommendations")
metrics = Metrics(namespace="Entrega", service="recommendations")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def get_insights(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = InsightRequest.model_validate(event)
    logger.append_keys(order_id=request.order_id)

    history = store.DynamoHistory()
    model = adapters.bedrock_model()
    outcome = domain.answer(
        request, history, history.ordered_by(request.customer_id), model, settings.shop()
    )

    _count(outcome, model)
    return outcome.insight.model_dump()


def _count(outcome: domain.Outcome, model: adapters.BedrockModel | None) -> None:
    """One log line and the metrics that say which source answered and why."""
    insight = outcome.insight
    metrics.add_metric(
        name=f"InsightsFrom{insight.source.capitalize()}", unit=MetricUnit.Count, value=1
    )
    if outcome.fallback is not None:
        reason = outcome.fallback.reason
        metrics.add_metric(name="BedrockFallbacks", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name=f"BedrockFallback{reason}", unit=MetricUnit.Count, value=1)
        logger.warning("bedrock answer not used", extra={"reason": outcome.fallback.code})
    if outcome.dropped:
        metrics.add_metric(
            name="BedrockSuggestionsDropped", unit=MetricUnit.Count, value=outcome.dropped
        )
    for key, name in (
        ("inputTokens", "BedrockInputTokens"),
        ("outputTokens", "BedrockOutputTokens"),
    ):
        if model is not None and key in model.usage:
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=model.usage[key])

    logger.info(
        "insight ready",
        extra={
            "source": insight.source,
            "suggestions": len(insight.suggestions),
            "prompt": prompts.VERSION if model is not None else None,
        },
    )


@logger.inject_lambda_context
def order_confirmed(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    detail = parse_detail(event)
    logger.append_keys(order_id=detail["order_id"])
    if detail["status"] != "CONFIRMED":
        return {"recorded": 0}

    purchase = domain.purchase_from(ConfirmedOrder.model_validate(detail))
    written = store.record_purchase(purchase, datetime.now(UTC))

    logger.info("purchase recorded", extra={"skus": len(purchase.skus), "counts": written})
    return {"recorded": written}


@logger.inject_lambda_context
def stock_ran_out(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    stock_out = StockOut.model_validate(parse_detail(event))

    changed = store.mark_out_of_stock(stock_out.sku, stock_out.occurred_at)

    logger.info("product out of stock", extra={"sku": stock_out.sku, "changed": changed})
    return {"changed": changed}
