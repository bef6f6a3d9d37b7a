"""Inventory's Lambda entry points: the saga's stock tasks and the catalog API."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from inventory import domain
from inventory.models import CatalogEntry, OrderRef, ReserveStockInput, ValidateOrderInput
from inventory.store import DynamoCatalog, DynamoStock

logger = Logger(service="inventory")
tracer = Tracer(service="inventory")
metrics = Metrics(namespace="Entrega", service="inventory")
app = APIGatewayRestResolver()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def validate_order(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = ValidateOrderInput.model_validate(event)
    logger.append_keys(order_id=request.order_id)

    priced = domain.price_order(request.items, DynamoCatalog())

    logger.info("order priced", extra={"lines": len(priced.lines), "currency": priced.currency})
    metrics.add_metric(name="OrdersPriced", unit=MetricUnit.Count, value=1)
    return priced.to_json()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def reserve_stock(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = ReserveStockInput.model_validate(event)
    logger.append_keys(order_id=request.order_id)

    held = domain.reserve(request.order_id, request.lines, DynamoStock())

    logger.info("stock reserved", extra={"skus": [line.sku for line in held]})
    metrics.add_metric(name="StockReserved", unit=MetricUnit.Count, value=1)
    return {
        "order_id": request.order_id,
        "status": "RESERVED",
        "lines": [line.model_dump() for line in held],
    }


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def release_stock(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = OrderRef.model_validate(event)
    logger.append_keys(order_id=request.order_id)

    released = domain.release(request.order_id, DynamoStock())

    logger.info("stock released", extra={"skus": [line.sku for line in released]})
    metrics.add_metric(name="StockReleased", unit=MetricUnit.Count, value=1)
    return {"order_id": request.order_id, "released": [line.model_dump() for line in released]}


@app.get("/catalog")
def list_catalog() -> dict[str, Any]:
    items = DynamoCatalog().all_items()
    levels = DynamoStock().levels([item.sku for item in items])
    entries = [
        CatalogEntry(
            sku=item.sku,
            name=item.name,
            category=item.category,
            price={"amount": item.price, "currency": item.currency},
            available=levels[item.sku].available if item.sku in levels else 0,
            on_sale=item.on_sale,
        ).model_dump()
        for item in items
    ]
    return {"items": entries}


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@tracer.capture_lambda_handler
def api(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
