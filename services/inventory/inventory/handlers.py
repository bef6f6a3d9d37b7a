"""Inventory's Lambda entry points: the saga's stock tasks and the catalog API."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from entrega_contracts import openapi, requests
from entrega_contracts.errors import Reason
from entrega_contracts.events import parse_detail
from entrega_contracts.inbound import event_key, reject
from entrega_contracts.schemas import ContractViolation
from entrega_contracts.tracing import LazyTracer
from inventory import domain
from inventory.adapters import EventBus
from inventory.models import (
    CatalogEntry,
    LineQuantity,
    OrderRef,
    ReserveStockInput,
    StockSetting,
    ValidateOrderInput,
)
from inventory.store import DynamoCatalog, DynamoShop, DynamoStock

logger = Logger(service="inventory")
tracer = LazyTracer(service="inventory")
metrics = Metrics(namespace="Entrega", service="inventory")
app = APIGatewayRestResolver()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def validate_order(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = ValidateOrderInput.model_validate(event)
    logger.append_keys(order_id=request.order_id)

    shop = DynamoShop().profile() if request.placed_at or request.delivery else None
    delivery = (
        (request.delivery.country, request.delivery.postal_code) if request.delivery else None
    )
    priced = domain.validate_order(
        request.items, DynamoCatalog(), shop, request.placed_at, delivery
    )

    logger.info("order priced", extra={"lines": len(priced.lines), "currency": priced.currency})
    metrics.add_metric(name="OrdersPriced", unit=MetricUnit.Count, value=1)
    return priced.to_json()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def reserve_stock(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = ReserveStockInput.model_validate(event)
    logger.append_keys(order_id=request.order_id)

    stock = DynamoStock()
    held = domain.reserve(request.order_id, request.lines, stock, request.rehold)
    EventBus().announce(_signals_after(stock, held))

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


def _signals_after(stock: DynamoStock, held: list[LineQuantity]) -> list[domain.StockSignal]:
    levels = stock.levels([line.sku for line in held])
    return [
        signal
        for line in held
        if line.sku in levels
        for signal in domain.signals(
            line.sku,
            levels[line.sku].available + line.quantity,
            levels[line.sku].available,
            levels[line.sku].low_stock_threshold,
        )
    ]


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def commit_stock(event: dict[str, Any], context: LambdaContext) -> None:
    """OrderStatusChanged(CONFIRMED): the order's hold becomes a sale and can no longer expire."""
    change = parse_detail(event)
    logger.append_keys(order_id=change["order_id"])

    sold = DynamoStock().commit(change["order_id"])

    logger.info("stock committed", extra={"skus": [line.sku for line in sold]})
    metrics.add_metric(name="StockCommitted", unit=MetricUnit.Count, value=1 if sold else 0)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def sweep_reservations(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """On a schedule: give back the stock of holds whose saga never paid or released them."""
    released = domain.sweep(datetime.now(UTC), DynamoStock(), EventBus().holds_expired)

    if released:
        logger.warning("expired holds released", extra={"orders": sorted(released)})
    metrics.add_metric(name="HoldsExpired", unit=MetricUnit.Count, value=len(released))
    return {"released": sorted(released)}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def give_back_stock(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The cancel saga's task: whatever the order held or bought goes back on sale, once."""
    request = OrderRef.model_validate(event)
    logger.append_keys(order_id=request.order_id)

    returned = DynamoStock().give_back(request.order_id)

    logger.info("stock given back", extra={"skus": [line.sku for line in returned]})
    metrics.add_metric(name="StockGivenBack", unit=MetricUnit.Count, value=1 if returned else 0)
    return {"order_id": request.order_id, "released": [line.model_dump() for line in returned]}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def stock_adjusted(event: dict[str, Any], context: LambdaContext) -> None:
    """A shop system's StockAdjusted: applied once, as the stock API would, or refused visibly."""
    logger.append_keys(event_id=event.get("id"))
    try:
        adjustment = parse_detail(event)
    except ContractViolation as broken:
        return _refuse(event, Reason("CONTRACT_VIOLATION", str(broken), []))

    outcome = DynamoStock().adjust(event_key(event), adjustment["sku"], adjustment["change"])
    if outcome == "DUPLICATE":
        logger.info("stock adjustment already applied")
        metrics.add_metric(name="InboundDuplicates", unit=MetricUnit.Count, value=1)
    elif isinstance(outcome, str):
        _refuse(event, Reason(outcome, _REFUSALS[outcome], []))
    else:
        before, after, threshold = outcome
        EventBus().announce(domain.signals(adjustment["sku"], before, after, threshold))
        logger.info("stock adjusted", extra={"sku": adjustment["sku"], "available": after})
        metrics.add_metric(name="StockAdjusted", unit=MetricUnit.Count, value=1)
    return None


_REFUSALS = {
    "UNKNOWN_SKU": "no item with this sku",
    "NEGATIVE_STOCK": "the change would take the stock below zero",
}


def _refuse(event: dict[str, Any], reason: Reason) -> None:
    logger.warning("inbound event refused", extra={"code": reason.code})
    metrics.add_metric(name="InboundEventsRefused", unit=MetricUnit.Count, value=1)
    reject(
        event, reason, os.environ["EVENT_BUS_NAME"], os.environ["INVENTORY_DEAD_LETTER_QUEUE_URL"]
    )


@app.get("/openapi.json")
def openapi_document() -> dict[str, Any]:
    """The API's OpenAPI document: the one API Gateway is defined from, less its extensions."""
    return openapi.published("inventory")


@app.put("/catalog/<sku>/stock")
def set_stock(sku: str) -> Response[str]:
    try:
        setting = StockSetting.model_validate(requests.json_object(app.current_event.body))
    except requests.BodyTooLarge as large:
        return requests.problem(413, "PAYLOAD_TOO_LARGE", str(large))
    except requests.BodyMalformed as malformed:
        return requests.problem(400, "MALFORMED_REQUEST", str(malformed))
    except ValidationError as invalid:
        errors = [
            {"field": ".".join(map(str, e["loc"])) or "body", "message": e["msg"]}
            for e in invalid.errors()
        ]
        return requests.problem(422, "STOCK_INVALID", "the stock setting is invalid", errors)

    changed = DynamoStock().set_available(sku, setting.available)
    if changed is None:
        return requests.problem(404, "UNKNOWN_SKU", "no item with this sku")
    before, after, threshold = changed
    EventBus().announce(domain.signals(sku, before, after, threshold))

    logger.info("stock set", extra={"sku": sku, "available": after})
    body = {"sku": sku, "available": after}
    return Response(status_code=200, content_type="application/json", body=json.dumps(body))


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
