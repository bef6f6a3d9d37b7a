"""Producers and consumers against contracts/: every task payload and event the stack really
moves is checked against its schema, and the API's model agrees with its schema."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator

import boto3
import pytest
from jsonschema import Draft7Validator

from entrega_contracts.schemas import all_schemas, violations
from entrega_local.demo import sample_order
from entrega_local.probe import drain, subscribed_queue
from intake.domain import order_id_for, parse_request

TASK_SCHEMAS = {
    "ValidateOrderFunction": "validate-order",
    "ReserveStockFunction": "reserve-stock",
    "ReleaseStockFunction": "release-stock",
    "GetInsightsFunction": "get-insights",
    "ChargePaymentFunction": "charge-payment",
    "RefundPaymentFunction": "refund-payment",
    "ConfirmOrderFunction": "confirm-order",
    "RecordOutcomeFunction": "record-outcome",
}


@pytest.mark.parametrize("name", sorted(all_schemas()))
def test_every_schema_is_draft_07_with_an_id_matching_its_file(name):
    schema = all_schemas()[name]

    Draft7Validator.check_schema(schema)

    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema["$id"].endswith(f"/{name}.json")


@pytest.fixture(scope="module")
def bus_queue(stack) -> Iterator[Callable[[], list[dict]]]:
    """Every Entrega event on the bus, as an outside consumer subscribed to them reads them."""
    sqs, events = boto3.client("sqs"), boto3.client("events")
    bus, pattern = stack.output("contracts", "EventBusName"), {"source": [{"prefix": "entrega."}]}
    with subscribed_queue(sqs, events, bus, pattern) as url:
        yield lambda: drain(sqs, url)


@pytest.fixture(scope="module")
def saga_paths(stack, bus_queue):
    """Orders taking the saga's three endings: confirmed, declined, failed after payment."""
    from entrega_local.client import EntregaClient

    api = EntregaClient(stack.url, tokens=stack.token, shop=stack.shop_id)
    first_call = len(stack.runtime.invocations.calls)
    stack.faults.inject("ConfirmOrder", order_id=order_id_for("contract-failed"))
    ids = [
        api.place_order(sample_order(0)).body["order_id"],
        api.place_order(sample_order(1, method="pm_card_chargeDeclined")).body["order_id"],
        api.place_order(sample_order(4), key="contract-failed").body["order_id"],
    ]
    statuses = [api.wait_until_settled(order_id)["status"] for order_id in ids]
    stack.faults.clear()
    stack.settle()
    assert statuses == ["CONFIRMED", "REJECTED", "FAILED"]
    return list(stack.runtime.invocations.calls)[first_call:]


def test_every_saga_task_input_and_output_matches_its_contract(saga_paths):
    checked = set()

    for call in saga_paths:
        base = TASK_SCHEMAS.get(call.function.logical_id)
        if base is None or (call.failed and call.result.get("errorType") == "InjectedFault"):
            continue
        assert violations(f"tasks/{base}.input.v1", call.event) == [], call.function.logical_id
        if not call.failed:
            assert violations(f"tasks/{base}.output.v1", call.result) == [], (
                call.function.logical_id
            )
        checked.add(call.function.logical_id)

    assert checked == set(TASK_SCHEMAS)


def test_every_event_on_the_bus_matches_its_contract(saga_paths, bus_queue):
    seen: dict[str, int] = {}

    for event in bus_queue():
        detail = dict(event["detail"])
        version = detail.pop("version")
        assert violations(f"events/{event['detail-type']}.v{version}", detail) == []
        seen[event["detail-type"]] = seen.get(event["detail-type"], 0) + 1

    assert set(seen) == {"OrderPlaced", "OrderStatusChanged", "NotificationSent"}


def _variants() -> list[tuple[str, dict]]:
    good = sample_order(0)
    missing_email = copy.deepcopy(good)
    del missing_email["customer"]["email"]
    extra_field = copy.deepcopy(good)
    extra_field["coupon"] = "FREE"
    wrong_provider = copy.deepcopy(good)
    wrong_provider["payment"]["provider"] = "cash"
    text_quantity = copy.deepcopy(good)
    text_quantity["items"][0]["quantity"] = "2"
    no_items = copy.deepcopy(good)
    no_items["items"] = []
    return [
        ("valid", good),
        ("missing email", missing_email),
        ("extra field", extra_field),
        ("unknown provider", wrong_provider),
        ("no items", no_items),
    ]


@pytest.mark.parametrize(("case", "body"), _variants(), ids=[case for case, _ in _variants()])
def test_api_model_and_request_schema_agree(case, body):
    schema_ok = violations("api/place-order-request.v1", body) == []

    model, errors = parse_request(body)

    assert schema_ok == (model is not None), (case, errors)
