"""Inventory's announcements on the bus: StockLow, OutOfStock and ReservationExpired."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from entrega_contracts import events
from inventory.domain import StockSignal
from inventory.errors import DependencyUnavailable


class EventBus:
    def announce(self, found: list[StockSignal]) -> None:
        if not found:
            return
        bus, now = _bus(), datetime.now(UTC).isoformat()
        self._publish([events.entry(signal.kind, _detail(signal, now), bus) for signal in found])

    def holds_expired(self, order_ids: list[str]) -> None:
        """ReservationExpired for each order whose hold outlived its expiry."""
        bus, now = _bus(), datetime.now(UTC).isoformat()
        self._publish(
            [
                events.entry("ReservationExpired", {"order_id": order_id, "occurred_at": now}, bus)
                for order_id in order_ids
            ]
        )

    def _publish(self, entries: list[Any]) -> None:
        try:
            events.publish(entries)
        except events.PublishError as exc:
            raise DependencyUnavailable("the bus refused inventory's events; try again") from exc


def _bus() -> str:
    bus = os.environ.get("EVENT_BUS_NAME")
    if not bus:
        raise RuntimeError("inventory needs the environment variable EVENT_BUS_NAME")
    return bus


def _detail(signal: StockSignal, now: str) -> dict[str, object]:
    detail: dict[str, object] = {
        "sku": signal.sku,
        "available": signal.available,
        "occurred_at": now,
    }
    if signal.kind == "StockLow":
        detail["threshold"] = signal.threshold
    return detail
