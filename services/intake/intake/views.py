"""How an order is shown by GET /orders/{id}: what a customer or a support agent wants to read."""

from __future__ import annotations

from typing import Any

from intake.models import Order


def order_view(order: Order) -> dict[str, Any]:
    """The order for its customer, its shop's staff or its courier; never its contact data."""
    notifications = sorted(
        order.notifications.values(), key=lambda sent: str(sent.get("sent_at", ""))
    )
    view = {
        "order_id": order.order_id,
        "status": order.status.value,
        "shop_id": order.shop_id,
        "placed_at": order.placed_at.isoformat(),
        "priority": order.priority or 0,
        "customer": {
            "id": order.customer.id,
            "name": order.customer.name,
            "locale": order.customer.locale,
        },
        "items": [
            {key: line[key] for key in ("sku", "name", "quantity", "unit_price", "line_total")}
            for line in order.lines
        ],
        "total": order.total,
        "timeline": [entry.model_dump(mode="json", exclude_none=True) for entry in order.timeline],
        "payment": order.payment
        or {"status": "NOT_CHARGED", "provider": order.payment_method.provider},
        "suggestions": order.suggestions,
        "eta_minutes": order.eta_minutes,
        "notifications": [
            {
                key: sent[key]
                for key in ("status", "channel", "message_id", "sent_at", "subject")
                if key in sent
            }
            for sent in notifications
        ],
        "links": _links(order),
    }
    if order.courier_id:
        view["courier_id"] = order.courier_id
    if order.cancellation:
        view["cancellation"] = order.cancellation
    return view


def _links(order: Order) -> dict[str, str]:
    return {
        "self": f"/orders/{order.order_id}",
        "progress": f"/orders/{order.order_id}/progress",
        "cancel": f"/orders/{order.order_id}/cancel",
    }


def kitchen_view(order: Order) -> dict[str, Any]:
    """An open order as the kitchen's screen shows it: what to cook, how urgent, for whom."""
    view: dict[str, Any] = {
        "order_id": order.order_id,
        "status": order.status.value,
        "placed_at": order.placed_at.isoformat(),
        "priority": order.priority or 0,
        "items": [
            {key: line[key] for key in ("sku", "name", "quantity", "unit_price", "line_total")}
            for line in order.lines
        ],
        "total": order.total,
        "notes": order.notes,
        "links": _links(order),
    }
    if order.courier_id:
        view["courier_id"] = order.courier_id
    if order.cancellation:
        view["cancellation"] = order.cancellation
    return view
