"""Where the end-to-end suite sends its requests.

With ENTREGA_BASE_URL unset, every request goes to the embedded stack the whole test session
shares. Set, it names a deployment (LocalStack or AWS): ENTREGA_BASE_URL is the orders API
(intake), and ENTREGA_INVENTORY_URL, ENTREGA_PAYMENTS_URL and ENTREGA_NOTIFICATIONS_URL
the other services' APIs where they have their own (each service is its own REST API on
AWS); an unset one falls back to ENTREGA_BASE_URL. The deployment must hold the sample shop
(`python -m entrega_local.seed`).

The orders API wants the user pool's ID tokens. On the embedded stack the suite mints them;
against a deployment it takes ENTREGA_CUSTOMER_TOKEN, ENTREGA_STAFF_TOKEN and
ENTREGA_COURIER_TOKEN, one person of each group (docs/running.md says how to get them).
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable

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


# A role's Authorization header, and the `sub` its token carries.
People = Callable[[str], tuple[dict[str, str], str]]


@pytest.fixture(scope="session")
def people(request: pytest.FixtureRequest) -> People:
    if not os.environ.get("ENTREGA_BASE_URL"):
        stack = request.getfixturevalue("stack")
        subs = {"customer": "cus_e2e", "staff": "staff-e2e", "courier": "courier-e2e"}

        def minted(role: str) -> tuple[dict[str, str], str]:
            token = stack.token(role, subs[role], stack.shop_id if role == "staff" else None)
            return {"Authorization": f"Bearer {token}"}, subs[role]

        return minted

    def given(role: str) -> tuple[dict[str, str], str]:
        token = os.environ[f"ENTREGA_{role.upper()}_TOKEN"]
        return {"Authorization": f"Bearer {token}"}, _sub(token)

    return given


def _sub(token: str) -> str:
    """The token's subject, read without checking it: the API checks it."""
    payload = token.split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"])
