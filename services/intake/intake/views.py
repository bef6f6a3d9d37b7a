"""How an order is shown by GET /orders/{id}: what a customer or a support agent wants to read."""

from __future__ import annotations

from typing import Any

from intake.models import Order


def order_view(order: Order) -> dict[str, Any]:
    notifications = sorted(
        order.notifications.values(), key=lambda sent: str(sent.get("sent_at", ""))
    )
    return {
        "order_id": order.order_id,
        "status": order.status.value,
        "placed_at": order.placed_at.isoformat(),
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
        "links": {
            "self": f"/orders/{order.order_id}",
            "progress": f"/orders/{order.order_id}/progress",
        },
    }
