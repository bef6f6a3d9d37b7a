"""Shared fixtures: one embedded stack for the whole session, and an HTTP client for it."""

from __future__ import annotations

import io
import logging
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from entrega_local.client import EntregaClient
from entrega_local.demo import sample_order
from entrega_local.stack import EmbeddedStack

# The handlers' INFO lines are what the log scan reads; Powertools reads the level at import.
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "INFO")

SERVICES = ("intake", "inventory", "payments", "notifications", "recommendations")


@pytest.fixture(scope="session")
def log_capture() -> io.StringIO:
    """Every line the services log during the session, formatted as Powertools prints it."""
    import importlib

    buffer = io.StringIO()
    for service in SERVICES:
        powertools_logger = importlib.import_module(f"{service}.handlers").logger
        handler = logging.StreamHandler(buffer)
        handler.setFormatter(powertools_logger.registered_formatter)
        powertools_logger.addHandler(handler)
    return buffer


@pytest.fixture(scope="session")
def stack(log_capture: io.StringIO) -> Iterator[EmbeddedStack]:
    # An order one test confirms must not be cancelled by its acceptance timeout in the
    # middle of another test: the session's waits last a day, and the tests of the waits
    # ask for short ones.
    day = str(24 * 60 * 60)
    waits = {
        "AcceptTimeoutSeconds": day,
        "KitchenHeartbeatSeconds": day,
        "PickupTimeoutSeconds": day,
        "DeliveryTimeoutSeconds": day,
    }
    with EmbeddedStack.started(parameters={"orchestration": waits}) as running:
        yield running


@pytest.fixture(autouse=True)
def _no_leftover_faults(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "stack" in request.fixturenames:
        request.getfixturevalue("stack").faults.clear()


@pytest.fixture
def api(stack: EmbeddedStack) -> EntregaClient:
    """A client acting for whoever each call needs: the order's customer, its staff, a courier."""
    return EntregaClient(stack.url, tokens=stack.token, shop=stack.shop_id)


@pytest.fixture
def place(api: EntregaClient) -> Callable[..., str]:
    """Place an order that must be accepted, and return its id."""

    def placing(order: dict[str, Any] | None = None, key: str | None = None) -> str:
        answer = api.place_order(order or sample_order(), key=key or f"test-{uuid.uuid4()}")
        assert answer.status == 202, answer.body
        return str(answer.body["order_id"])

    return placing


@pytest.fixture
def bus_events(
    stack: EmbeddedStack,
) -> Iterator[Callable[[dict[str, Any]], Callable[[], list[dict[str, Any]]]]]:
    """Subscribe to the bus with a pattern; the returned function reads what has arrived since."""
    import boto3

    from entrega_local.probe import drain, subscribed_queue

    sqs, events = boto3.client("sqs"), boto3.client("events")
    with ExitStack() as subscriptions:

        def subscribe(pattern: dict[str, Any]) -> Callable[[], list[dict[str, Any]]]:
            url = subscriptions.enter_context(
                subscribed_queue(sqs, events, stack.output("contracts", "EventBusName"), pattern)
            )
            return lambda: drain(sqs, url)

        yield subscribe
