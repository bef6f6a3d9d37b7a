"""A small HTTP client for Entrega's API, used by the demo and the end-to-end tests.

It speaks only HTTP, so the same calls run against the embedded stack, LocalStack or a
real deployment, given its base URL.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import requests

# Where a saga execution leaves an order: its endings, or waiting for the customer's payment.
SETTLED = frozenset(
    {"AWAITING_PAYMENT_ACTION", "CONFIRMED", "REJECTED", "FAILED", "CANCELLED", "DELIVERED"}
)


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


class EntregaClient:
    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()

    def _answer(self, response: requests.Response) -> Answer:
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text
        return Answer(response.status_code, body, dict(response.headers))

    def place_order(self, order: dict[str, Any], key: str | None = None) -> Answer:
        headers = {"Idempotency-Key": key or str(uuid.uuid4())}
        return self._answer(
            self.http.post(
                f"{self.base_url}/orders", json=order, headers=headers, timeout=self.timeout
            )
        )

    def order(self, order_id: str) -> Answer:
        return self._answer(
            self.http.get(f"{self.base_url}/orders/{order_id}", timeout=self.timeout)
        )

    def progress(self, order_id: str, status: str) -> Answer:
        url = f"{self.base_url}/orders/{order_id}/progress"
        return self._answer(self.http.post(url, json={"status": status}, timeout=self.timeout))

    def catalog(self) -> dict[str, dict[str, Any]]:
        answer = self._answer(self.http.get(f"{self.base_url}/catalog", timeout=self.timeout))
        return {item["sku"]: item for item in answer.body["items"]}

    def wait_until_settled(self, order_id: str, timeout: float = 30.0) -> dict[str, Any]:
        """Poll the order until its saga has finished (or it reached a later status)."""
        return self.wait_for(order_id, SETTLED, timeout)

    def wait_for(
        self, order_id: str, statuses: frozenset[str], timeout: float = 30.0
    ) -> dict[str, Any]:
        """Poll the order until its status is one of `statuses`, or the time is up."""
        deadline, pause = time.monotonic() + timeout, 0.02
        while True:
            body = self.order(order_id).body
            if body.get("status") in statuses or time.monotonic() > deadline:
                return dict(body)
            # Back off, so that many waiting clients do not starve the sagas they wait for.
            time.sleep(pause)
            pause = min(pause * 1.5, 0.5)
