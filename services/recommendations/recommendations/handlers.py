"""Recommendations' Lambda entry point: the saga's GetInsights task."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from recommendations import domain
from recommendations.models import InsightRequest
from recommendations.store import DynamoHistory

logger = Logger(service="recommendations")
tracer = Tracer(service="recommendations")
metrics = Metrics(namespace="Entrega", service="recommendations")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def get_insights(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = InsightRequest.model_validate(event)
    logger.append_keys(order_id=request.order_id)

    insight = domain.insight_for(request, DynamoHistory())

    logger.info(
        "insight ready", extra={"source": insight.source, "suggestions": len(insight.suggestions)}
    )
    metrics.add_metric(
        name=f"InsightsFrom{insight.source.capitalize()}", unit=MetricUnit.Count, value=1
    )
    return insight.model_dump()
