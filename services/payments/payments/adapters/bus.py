"""Payments' events on the bus: PaymentSucceeded, PaymentFailed and ChargeRefunded.

Each detail is checked against its schema in contracts/ before it leaves. The contracts'
schema machinery is loaded on the first publish, not at cold start.
"""

from __future__ import annotations

from typing import Any

from payments.adapters.configuration import settings
from payments.errors import AnnouncementFailed


class EventBus:
    def publish(self, detail_type: str, detail: dict[str, Any]) -> None:
        from entrega_contracts import events

        entry = events.entry(detail_type, detail, settings().require_event_bus())
        try:
            events.publish([entry])
        except events.PublishError as exc:
            raise AnnouncementFailed("EventBridge did not accept the payment event") from exc
