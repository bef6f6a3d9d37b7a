"""Intake's orders API, read over HTTP: payments never reads intake's table."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request


class OrdersApiError(RuntimeError):
    """Intake's API answered something other than an order or a 404."""


class OrdersApi:
    """Reads orders with a bearer token that may see them: the shop's staff's, for instance."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 10.0) -> None:
        self._base_url = base_url.rstrip("/")
        self._token = token
        self._timeout = timeout

    def status(self, order_id: str) -> str | None:
        """The order's status as GET /orders/{id} reports it, or None if there is no such order."""
        url = f"{self._base_url}/orders/{urllib.parse.quote(order_id, safe='')}"
        headers = {"Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        request = urllib.request.Request(url, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                body = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise OrdersApiError(f"GET /orders/{order_id} answered {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            raise OrdersApiError(f"GET /orders/{order_id} failed: {exc}") from exc
        return str(body["status"])
