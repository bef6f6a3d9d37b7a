"""Task errors on the wire, and reading them back from what a saga Catch recorded."""

from __future__ import annotations

import json

import pytest

from entrega_contracts.errors import (
    FieldError,
    Reason,
    TaskError,
    _code_from_name,
    reason_from_task_error,
)


class SkuMissing(TaskError):
    code = "SKU_MISSING"


def caught(error_type: str, error_message: str) -> dict[str, str]:
    """What a Catch on a Lambda task records: the error name, and the Lambda payload as Cause."""
    payload = {"errorMessage": error_message, "errorType": error_type, "stackTrace": []}
    return {"Error": error_type, "Cause": json.dumps(payload)}


def test_task_error_message_is_json_with_code_message_and_details():
    error = SkuMissing("a line has no sku", [FieldError("items[0].sku", "sku is required")])

    body = json.loads(str(error))

    assert body == {
        "code": "SKU_MISSING",
        "message": "a line has no sku",
        "details": [{"field": "items[0].sku", "message": "sku is required", "code": "invalid"}],
    }


def test_task_error_without_details_leaves_them_out():
    error = TaskError("something broke")

    body = json.loads(str(error))

    assert body == {"code": "TASK_ERROR", "message": "something broke"}


def test_task_error_keeps_accented_text_readable():
    error = TaskError("não há estoque")

    text = str(error)

    assert "não há estoque" in text


def test_task_errors_are_not_transient_unless_they_say_so():
    error = SkuMissing("x")

    assert error.transient is False


def test_reason_is_read_from_the_lambda_payload_inside_the_cause():
    error = SkuMissing("a line has no sku", [FieldError("items[1].sku", "sku is required")])

    reason = reason_from_task_error(caught("SkuMissing", str(error)))

    assert reason == Reason(
        "SKU_MISSING",
        "a line has no sku",
        [{"field": "items[1].sku", "message": "sku is required", "code": "invalid"}],
    )


def test_reason_json_leaves_out_empty_details():
    reason = reason_from_task_error(caught("TaskError", str(TaskError("stopped"))))

    body = reason.to_json()

    assert body == {"code": "TASK_ERROR", "message": "stopped"}


def test_reason_without_a_message_is_named_by_the_error():
    cause = caught("OutOfStock", json.dumps({"code": "OUT_OF_STOCK"}))

    reason = reason_from_task_error(cause)

    assert (reason.code, reason.message, reason.details) == ("OUT_OF_STOCK", "OutOfStock", [])


def test_timeout_without_cause_falls_back_to_its_name():
    error = {"Error": "States.Timeout", "Cause": ""}

    reason = reason_from_task_error(error)

    assert reason == Reason("STATES_TIMEOUT", "States.Timeout", [])


@pytest.mark.parametrize(
    "cause",
    [
        "not json at all",
        json.dumps(["a", "list"]),
        json.dumps({"errorType": "Crash"}),
        json.dumps({"errorMessage": "Task timed out after 3.00 seconds"}),
        json.dumps({"errorMessage": json.dumps({"message": "no code here"})}),
        json.dumps({"errorMessage": json.dumps(["not", "an", "object"])}),
        json.dumps({"errorMessage": 42}),
    ],
)
def test_garbage_cause_falls_back_to_the_error_name(cause):
    error = {"Error": "Lambda.Unknown", "Cause": cause}

    reason = reason_from_task_error(error)

    assert reason == Reason("LAMBDA_UNKNOWN", "Lambda.Unknown", [])


def test_catch_without_error_name_is_an_unknown_error():
    reason = reason_from_task_error({})

    assert reason == Reason("UNKNOWN_ERROR", "UnknownError", [])


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("States.Timeout", "STATES_TIMEOUT"),
        ("States.TaskFailed", "STATES_TASK_FAILED"),
        ("Lambda.ServiceException", "LAMBDA_SERVICE_EXCEPTION"),
        ("InjectedFault", "INJECTED_FAULT"),
        ("OutOfStock", "OUT_OF_STOCK"),
        ("PaymentDeclined", "PAYMENT_DECLINED"),
        ("already_snake", "ALREADY_SNAKE"),
        ("Timeout", "TIMEOUT"),
    ],
)
def test_error_names_become_stable_codes(name, code):
    converted = _code_from_name(name)

    assert converted == code
