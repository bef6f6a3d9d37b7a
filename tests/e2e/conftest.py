"""Where the end-to-end suite sends its requests, and whose tokens it sends.

With ENTREGA_BASE_URL unset, every request goes to the embedded stack the whole test session
shares, with tokens minted by its user pool. Set, it names a deployment (LocalStack or AWS):
ENTREGA_BASE_URL is the orders API (intake), and ENTREGA_INVENTORY_URL, ENTREGA_PAYMENTS_URL
and ENTREGA_NOTIFICATIONS_URL the other services' APIs where they have their own (each
service is its own REST API on AWS); an unset one falls back to ENTREGA_BASE_URL. Intake's
API wants a Cognito ID token per caller: give them as ENTREGA_CUSTOMER_TOKEN (a customer
whose id is ENTREGA_CUSTOMER_ID), ENTREGA_STAFF_TOKEN and ENTREGA_COURIER_TOKEN. The
deployment must hold the sample shop (`python -m entrega_local.seed`).
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from entrega_local.client import EntregaClient

SERVICES = ("intake", "inventory", "payments", "notifications")
Tokens = Callable[[str, str, "str | None"], str]


@pytest.fixture(scope="session")
def deployed() -> bool:
    return bool(os.environ.get("ENTREGA_BASE_URL"))


@pytest.fixture(scope="session")
def urls(request: pytest.FixtureRequest, deployed: bool) -> dict[str, str]:
    if not deployed:
        embedded = request.getfixturevalue("stack").url
        return dict.fromkeys(SERVICES, embedded)
    base = os.environ["ENTREGA_BASE_URL"].rstrip("/")
    return {
        service: os.environ.get(f"ENTREGA_{service.upper()}_URL", base).rstrip("/")
        for service in SERVICES
    } | {"intake": base}


@pytest.fixture(scope="session")
def tokens(request: pytest.FixtureRequest, deployed: bool) -> Tokens:
    """A token for (role, sub, shop): minted locally, or the deployment's from the environment."""
    if not deployed:
        return request.getfixturevalue("stack").token  # type: ignore[no-any-return]
    return lambda role, sub, shop: os.environ.get(f"ENTREGA_{role.upper()}_TOKEN", "")


@pytest.fixture(scope="session")
def customer_id() -> str | None:
    """The customer the deployment's token belongs to; None on the embedded stack."""
    return os.environ.get("ENTREGA_CUSTOMER_ID")


@pytest.fixture
def client(request: pytest.FixtureRequest, urls: dict[str, str], tokens: Tokens, deployed: bool):
    shop = (
        os.environ.get("ENTREGA_SHOP_ID") if deployed else request.getfixturevalue("stack").shop_id
    )
    return EntregaClient(urls["intake"], tokens=tokens, shop=shop)


@pytest.fixture(scope="session")
def real_provider() -> bool:
    """Whether payments go to a Stripe (or stripe-mock) that approves every test card."""
    return os.environ.get("ENTREGA_E2E_REAL_PROVIDER") == "1"
