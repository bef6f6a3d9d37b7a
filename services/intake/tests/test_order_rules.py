"""Intake's rules: the status table, order ids, and how request errors name their fields."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from pydantic import BaseModel, Field, ValidationError

from entrega_contracts.errors import FieldError
from intake.domain import ALLOWED, TERMINAL, field_error, order_id_for
from intake.models import PlaceOrderRequest, Status

BODY: dict[str, Any] = {
    "customer": {
        "id": "cus_1",
        "name": "Ana Souza",
        "email": "ana@example.com",
        "phone": "+55 11 99999-0000",
    },
    "items": [{"sku": "feijoada", "quantity": 2}],
    "delivery_address": {
        "street": "Avenida Paulista",
        "number": "1000",
        "district": "Bela Vista",
        "city": "São Paulo",
        "state": "SP",
        "postal_code": "01310-100",
        "country": "BR",
    },
    "payment": {"provider": "stripe", "method": "pm_card_visa"},
}


def body_with(section: str, **changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(BODY)
    body[section].update(changes)
    return body


def test_terminal_statuses_have_no_way_out():
    ends = {status for status, nexts in ALLOWED.items() if not nexts}

    assert ends == TERMINAL == {Status.DELIVERED, Status.REJECTED, Status.FAILED, Status.CANCELLED}
    assert set(ALLOWED) == set(Status)


def test_nothing_goes_back_to_placed_and_delivered_comes_only_from_the_road():
    into_placed = {status for status, nexts in ALLOWED.items() if Status.PLACED in nexts}
    into_delivered = {status for status, nexts in ALLOWED.items() if Status.DELIVERED in nexts}

    assert into_placed == set()
    assert into_delivered == {Status.OUT_FOR_DELIVERY}


def test_order_id_is_fixed_by_the_idempotency_key():
    first, again, other = order_id_for("key-1"), order_id_for("key-1"), order_id_for("key-2")

    assert first == again
    assert re.fullmatch(r"ord_[0-9a-z]{26}", first)
    assert other != first


def test_field_error_names_request_fields_by_path():
    body = body_with("customer", email="not-an-email", nickname="Aninha")
    del body["payment"]

    with pytest.raises(ValidationError) as raised:
        PlaceOrderRequest.model_validate(body)
    errors = {error.field: error for error in map(field_error, raised.value.errors())}

    assert set(errors) == {"customer.email", "customer.nickname", "payment"}
    assert errors["payment"].message == "this field is required"
    assert errors["customer.nickname"].message == "this field is not part of an order"


def test_field_error_writes_list_positions_in_brackets():
    class Line(BaseModel):
        quantity: int = Field(ge=1)

    class Lines(BaseModel):
        items: list[Line]

    with pytest.raises(ValidationError) as raised:
        Lines.model_validate({"items": [{"quantity": 0}]})
    error = field_error(raised.value.errors()[0])

    assert (error.field, error.code) == ("items[0].quantity", "greater_than_equal")


@pytest.mark.parametrize("postal_code", ["01310-100", "01310100"])
def test_brazilian_cep_is_accepted_with_or_without_dash_and_kept_with_it(postal_code):
    body = body_with("delivery_address", postal_code=postal_code)

    request = PlaceOrderRequest.model_validate(body)

    assert request.delivery_address.postal_code == "01310-100"


def test_seven_digit_cep_is_refused_on_the_postal_code_field():
    body = body_with("delivery_address", postal_code="0131010")

    with pytest.raises(ValidationError) as raised:
        PlaceOrderRequest.model_validate(body)
    errors = [field_error(error) for error in raised.value.errors()]

    assert errors == [
        FieldError(
            "delivery_address.postal_code",
            "a CEP has 8 digits, like 01310-100",
            "invalid_postal_code",
        )
    ]


def test_postal_code_outside_brazil_is_not_held_to_the_cep_shape():
    body = body_with("delivery_address", postal_code="SW1A 1AA", country="GB")

    request = PlaceOrderRequest.model_validate(body)

    assert request.delivery_address.postal_code == "SW1A 1AA"


def test_a_phone_that_is_no_number_is_refused_with_its_own_code():
    body = body_with("customer", phone="call me maybe")

    with pytest.raises(ValidationError) as raised:
        PlaceOrderRequest.model_validate(body)
    errors = [field_error(error) for error in raised.value.errors()]

    assert errors == [FieldError("customer.phone", "not a valid phone number", "invalid_phone")]
