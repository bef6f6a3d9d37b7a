"""Where the end-to-end suite sends its requests.

With ENTREGA_BASE_URL unset, every request goes to the embedded stack the whole test session
shares. Set, it names a deployment (LocalStack or AWS): ENTREGA_BASE_URL is the orders API
(intake), and ENTREGA_INVENTORY_URL, ENTREGA_PAYMENTS_URL and ENTREGA_NOTIFICATIONS_URL
the other services' APIs where they have their own (each service is its own REST API on
AWS); an unset one falls back to ENTREGA_BASE_URL. The deployment must hold the sample shop
(`python -m entrega_local.seed`).
"""

from __future__ import annotations

import os

import pytest

SERVICES = ("intake", "inventory", "payments", "notifications")


@pytest.fixture(scope="session")
def urls(request: pytest.FixtureRequest) -> dict[str, str]:
    base = os.environ.get("ENTREGA_BASE_URL", "").rstrip("/")
    if not base:
        embedded = request.getfixturevalue("stack").url
        return dict.fromkeys(SERVICES, embedded)
    return {
        service: os.environ.get(f"ENTREGA_{service.upper()}_URL", base).rstrip("/")
        for service in SERVICES
    } | {"intake": base}


@pytest.fixture(scope="session")
def real_provider() -> bool:
    """Whether payments go to a Stripe (or stripe-mock) that approves every test card."""
    return os.environ.get("ENTREGA_E2E_REAL_PROVIDER") == "1"
