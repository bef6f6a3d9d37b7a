"""Inventory's announcements: StockLow and OutOfStock on the bus."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from entrega_contracts import events
from inventory.domain import StockSignal
from inventory.errors import DependencyUnavailable


class EventBus:
    def announce(self, found: list[StockSignal]) -> None:
        if not found:
            return
        bus = os.environ.get("EVENT_BUS_NAME")
        if not bus:
            raise RuntimeError("inventory needs the environment variable EVENT_BUS_NAME")
        now = datetime.now(UTC).isoformat()
        entries = [events.entry(signal.kind, _detail(signal, now), bus) for signal in found]
        try:
            events.publish(entries)
        except events.PublishError as exc:
            raise DependencyUnavailable("the bus refused the stock signals; try again") from exc


def _detail(signal: StockSignal, now: str) -> dict[str, object]:
    detail: dict[str, object] = {
        "sku": signal.sku,
        "available": signal.available,
        "occurred_at": now,
    }
    if signal.kind == "StockLow":
        detail["threshold"] = signal.threshold
    return detail
