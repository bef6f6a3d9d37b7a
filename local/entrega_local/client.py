"""A small HTTP client for Entrega's API, used by the demo and the end-to-end tests.

It speaks only HTTP, so the same calls run against the embedded stack, LocalStack or a
real deployment, given its base URL. Requests carry `Authorization: Bearer <token>`: either
one fixed token (`EntregaClient(url, token=...)`, or `client.as_(token)`), or, given a
`tokens` source such as `EmbeddedStack.token`, the token of whoever each call needs: the
customer who placed the order, the shop's staff for kitchen steps, a courier for the road.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

# Where a saga execution leaves an order: its endings, or waiting for the customer's payment.
SETTLED = frozenset(
    {"AWAITING_PAYMENT_ACTION", "CONFIRMED", "REJECTED", "FAILED", "CANCELLED", "DELIVERED"}
)
KITCHEN = frozenset({"ACCEPTED", "PREPARING", "READY"})
# (role, sub, shop) -> a token for that person.
TokenSource = Callable[[str, str, str | None], str]


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


class EntregaClient:
    def __init__(
        self,
        base_url: str,
        timeout: float = 10.0,
        token: str | None = None,
        tokens: TokenSource | None = None,
        shop: str | None = None,
        courier: str = "courier-1",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()
        self.token = token
        self.tokens = tokens
        self.shop = shop
        self.courier = courier
        self._customers: dict[str, str] = {}

    def as_(self, token: str | None) -> EntregaClient:
        """The same client sending `token` (None: no token) on every request."""
        other = EntregaClient(self.base_url, self.timeout, token=token)
        other.http = self.http
        return other

    def _auth(self, role: str, sub: str | None, shop: str | None = None) -> dict[str, str]:
        token = self.token
        if token is None and self.tokens is not None and sub is not None:
            token = self.tokens(role, sub, shop)
        return {"Authorization": f"Bearer {token}"} if token else {}

    def _for_order(self, order_id: str) -> dict[str, str]:
        customer = self._customers.get(order_id)
        if customer is not None:
            return self._auth("customer", customer)
        return self._auth("staff", "staff-1", self.shop)

    def _answer(self, response: requests.Response) -> Answer:
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text
        return Answer(response.status_code, body, dict(response.headers))

    def place_order(self, order: dict[str, Any], key: str | None = None) -> Answer:
        customer = order.get("customer") if isinstance(order, dict) else None
        customer_id = customer.get("id") if isinstance(customer, dict) else None
        headers = {
            "Idempotency-Key": key or str(uuid.uuid4()),
            **self._auth("customer", str(customer_id) if customer_id else "anonymous"),
        }
        answer = self._answer(
            self.http.post(
                f"{self.base_url}/orders", json=order, headers=headers, timeout=self.timeout
            )
        )
        if isinstance(answer.body, dict) and "order_id" in answer.body and customer_id:
            self._customers[str(answer.body["order_id"])] = str(customer_id)
        return answer

    def order(self, order_id: str) -> Answer:
        return self._answer(
            self.http.get(
                f"{self.base_url}/orders/{order_id}",
                headers=self._for_order(order_id),
                timeout=self.timeout,
            )
        )

    def progress(self, order_id: str, status: str, courier_id: str | None = None) -> Answer:
        """Move the order: as the shop's staff for kitchen steps, else as the courier."""
        url = f"{self.base_url}/orders/{order_id}/progress"
        body: dict[str, Any] = {"status": status}
        if courier_id and status == "READY":
            body["courier_id"] = courier_id
        headers = (
            self._auth("staff", "staff-1", self.shop)
            if status in KITCHEN
            else self._auth("courier", courier_id or self.courier)
        )
        return self._answer(self.http.post(url, json=body, headers=headers, timeout=self.timeout))

    def cancel(self, order_id: str, reason: str | None = None) -> Answer:
        url = f"{self.base_url}/orders/{order_id}/cancel"
        body = {"reason": reason} if reason else {}
        headers = self._auth("customer", self._customers.get(order_id))
        return self._answer(self.http.post(url, json=body, headers=headers, timeout=self.timeout))

    def kitchen(self) -> Answer:
        headers = self._auth("staff", "staff-1", self.shop)
        return self._answer(
            self.http.get(f"{self.base_url}/kitchen/orders", headers=headers, timeout=self.timeout)
        )

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
