"""Schemathesis against the OpenAPI document the embedded stack serves at GET /openapi.json.

Every operation gets generated requests, valid and not: none may answer 5xx, every answer
must match the document (status code, content type, body schema), invalid input must be
refused with a 4xx, and every error body must have the problem shape the API promises.
A request that is valid by the schema may still be refused (a sku the catalog does not
sell, another customer's order): the business rules live in the handlers, not the
document, so the check that schema-valid data is accepted is left out.

Bounded: a few examples per operation, a couple of minutes in all.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from entrega_local.stack import EmbeddedStack
from payments.adapters import configuration

PROBLEM_FIELDS = {"type", "title", "status", "code"}
EXAMPLES = 10
WEBHOOK_SECRET_PARAMETER = "/entrega/payments/stripe-webhook-secret-fuzz"


@pytest.fixture
def webhooks_configured(stack: EmbeddedStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A webhook secret, as a deployment has: without one the endpoint answers 503 on purpose."""
    boto3.client("ssm").put_parameter(
        Name=WEBHOOK_SECRET_PARAMETER, Value="whsec_fuzz", Type="SecureString", Overwrite=True
    )
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET_PARAMETER", WEBHOOK_SECRET_PARAMETER)
    _forget_payment_settings()
    yield
    monkeypatch.undo()
    _forget_payment_settings()


def _forget_payment_settings() -> None:
    for cached in (configuration.settings, configuration._ssm):
        cached.cache_clear()


@schemathesis.check
def problem_shaped_errors(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx and 5xx body is application/problem+json with type, title, status and code."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/problem+json"), content_type
    body = response.json()
    missing = PROBLEM_FIELDS - set(body)
    assert not missing, f"problem body lacks {sorted(missing)}"
    assert body["status"] == response.status_code
    return True


def fuzz(operation: Any, mode: GenerationMode, call: Any) -> str | None:
    """Run one operation's generated cases; the first failure, shrunk, as text, or None."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        call(case)

    try:
        run()
    except Unsatisfiable:
        return None  # nothing to get wrong: an operation without inputs has no negative cases
    except Exception as failure:  # noqa: BLE001 - every kind of failure is reported below
        return f"{operation.label} ({mode.value}): {type(failure).__name__}: {failure}"[:1500]
    return None


def test_the_api_answers_generated_requests_as_its_document_says(
    stack: EmbeddedStack, webhooks_configured: None
) -> None:
    document = requests.get(f"{stack.url}/openapi.json", timeout=10).json()
    operations = [
        result.ok() for result in schemathesis.openapi.from_dict(document).get_all_operations()
    ]
    customer = {"Authorization": f"Bearer {stack.token('customer', 'cus_a7k2m9')}"}

    def call(case: Any) -> None:
        case.call_and_validate(
            base_url=stack.url,
            headers=customer,
            additional_checks=[problem_shaped_errors],
            excluded_checks=[positive_data_acceptance],
        )

    failures = [
        failed
        for operation in operations
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        if (failed := fuzz(operation, mode, call)) is not None
    ]

    assert len(operations) >= 12
    assert failures == []
