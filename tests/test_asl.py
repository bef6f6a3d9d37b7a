"""The saga's workflow JSON against the code: every error it names exists, every ARN is filled."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest

from entrega_contracts.errors import TaskError
from entrega_local.templates import load

ROOT = Path(__file__).resolve().parents[1]
ASL = json.loads((ROOT / "orchestration" / "order-saga.asl.json").read_text())
SERVICES = ("intake", "inventory", "payments", "notifications", "recommendations")


def task_errors() -> dict[str, type[TaskError]]:
    for service in SERVICES:
        importlib.import_module(f"{service}.errors")
    found: dict[str, type[TaskError]] = {}
    pending = list(TaskError.__subclasses__())
    while pending:
        cls = pending.pop()
        found[cls.__name__] = cls
        pending.extend(cls.__subclasses__())
    return found


def tasks() -> dict[str, dict]:
    return {name: state for name, state in ASL["States"].items() if state["Type"] == "Task"}


def test_every_error_name_in_the_saga_is_one_the_code_raises():
    known = task_errors()

    named = {
        error
        for state in tasks().values()
        for rule in state.get("Retry", []) + state.get("Catch", [])
        for error in rule["ErrorEquals"]
    }

    assert named - known.keys() == {
        name for name in named if name.startswith(("Lambda.", "States."))
    }


def test_retries_are_only_for_transient_errors():
    known = task_errors()

    retried = {
        error
        for state in tasks().values()
        for rule in state.get("Retry", [])
        for error in rule["ErrorEquals"]
    }

    business = {name for name in retried if name in known and not known[name].transient}
    assert business == set()


def test_business_rejections_are_caught_not_retried():
    caught = {
        state_name: {error for rule in state.get("Catch", []) for error in rule["ErrorEquals"]}
        for state_name, state in tasks().items()
    }

    assert "OrderInvalid" in caught["ValidateOrder"]
    assert "OutOfStock" in caught["ReserveStock"]
    assert "PaymentDeclined" in caught["ChargePayment"]


def test_every_function_arn_comes_from_a_definition_substitution():
    template = load(ROOT / "orchestration" / "template.yaml")
    substitutions = template["Resources"]["OrderSaga"]["Properties"]["DefinitionSubstitutions"]

    placeholders = set(re.findall(r"\$\{(\w+)\}", json.dumps(ASL)))

    assert placeholders == set(substitutions)
    assert all(state["Parameters"]["FunctionName"].startswith("${") for state in tasks().values())


def test_get_insights_cannot_fail_the_order():
    insights = ASL["States"]["GetInsights"]

    fallback = [rule for rule in insights["Catch"] if rule["ErrorEquals"] == ["States.ALL"]]

    assert len(fallback) == 1
    assert ASL["States"][fallback[0]["Next"]]["Next"] == "ChargePayment"
    assert insights["Next"] == "ChargePayment"


def test_every_failure_after_payment_goes_through_refund_then_release():
    charge_failure = next(
        r for r in ASL["States"]["ChargePayment"]["Catch"] if r["ErrorEquals"] == ["States.ALL"]
    )
    confirm_failure = ASL["States"]["ConfirmOrder"]["Catch"][0]

    assert charge_failure["Next"] == confirm_failure["Next"] == "RefundPayment"
    assert ASL["States"]["RefundPayment"]["Next"] == "ReleaseStockAfterFailure"
    assert ASL["States"]["ReleaseStockAfterFailure"]["Next"] == "MarkFailed"


def reachable(definition: dict) -> set[str]:
    """Every state a run can enter: through Next, Catch, a Choice's branches and Default."""
    states = definition["States"]
    seen, pending = set(), [definition["StartAt"]]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        state = states[name]
        pending += [state["Next"]] if "Next" in state else []
        pending += [rule["Next"] for rule in state.get("Catch", [])]
        pending += [rule["Next"] for rule in state.get("Choices", [])]
        pending += [state["Default"]] if "Default" in state else []
    return seen


def test_every_state_is_reachable_and_every_path_ends():
    states = ASL["States"]

    assert reachable(ASL) == set(states)
    assert all(
        "Next" in s or s["Type"] in ("Succeed", "Fail", "Choice") or s.get("End")
        for s in states.values()
    )


def test_a_payment_waiting_for_the_customer_ends_the_saga_with_the_order_waiting():
    states = ASL["States"]
    (waiting,) = states["PaymentNeedsCustomer"]["Choices"]

    assert states["ChargePayment"]["Next"] == "PaymentNeedsCustomer"
    assert (waiting["StringEquals"], waiting["Next"]) == ("ACTION_REQUIRED", "AwaitPaymentAction")
    assert states["PaymentNeedsCustomer"]["Default"] == "ConfirmOrder"
    payload = states["AwaitPaymentAction"]["Parameters"]["Payload"]
    assert payload["status"] == "AWAITING_PAYMENT_ACTION"
    assert states[states["AwaitPaymentAction"]["Next"]]["Type"] == "Succeed"


def test_a_resumed_saga_holds_stock_again_and_refunds_if_it_cannot():
    states = ASL["States"]
    resumed, abandoned = states["ResumedAfterWait"]["Choices"]

    assert states["StartSaga"]["Next"] == "ResumedAfterWait"
    assert resumed["Next"] == "ReholdStock"
    assert states["ReholdStock"]["Parameters"]["Payload"]["rehold"] is True
    assert states["ReholdStock"]["Next"] == "GetInsights"
    assert [rule["Next"] for rule in states["ReholdStock"]["Catch"]] == ["RefundPayment"]
    assert abandoned["Next"] == "AbandonOrder"


def test_an_abandoned_wait_closes_the_order_before_voiding_and_releasing():
    states = ASL["States"]

    assert states["AbandonOrder"]["Parameters"]["Payload"]["status"] == "REJECTED"
    assert states["AbandonOrder"]["Next"] == "VoidAbandonedPayment"
    assert states["AbandonOrder"]["Catch"][0]["ErrorEquals"] == ["InvalidTransition"]
    assert states["VoidAbandonedPayment"]["Next"] == "ReleaseAbandonedStock"
    assert states[states["ReleaseAbandonedStock"]["Next"]]["Type"] == "Succeed"


WORKFLOWS = {
    "OrderCancelSaga": "order-cancel.asl.json",
    "OrderFulfilment": "order-fulfilment.asl.json",
}
WAITING_ERRORS = {"OrderEnded"}


def workflow(file: str) -> dict:
    return json.loads((ROOT / "orchestration" / file).read_text())


def test_cancel_saga_and_fulfilment_name_only_errors_the_code_raises():
    known = set(task_errors()) | WAITING_ERRORS

    for file in WORKFLOWS.values():
        named = {
            error
            for state in workflow(file)["States"].values()
            for rule in state.get("Retry", []) + state.get("Catch", [])
            for error in rule["ErrorEquals"]
        }
        assert {n for n in named if not n.startswith(("Lambda.", "States."))} <= known, file


def test_every_placeholder_of_the_new_workflows_is_a_definition_substitution():
    template = load(ROOT / "orchestration" / "template.yaml")

    for logical, file in WORKFLOWS.items():
        substitutions = template["Resources"][logical]["Properties"]["DefinitionSubstitutions"]
        placeholders = set(re.findall(r"\$\{(\w+)\}", json.dumps(workflow(file))))
        assert placeholders == set(substitutions), file


def test_fulfilment_is_standard_and_its_waits_come_from_template_parameters():
    template = load(ROOT / "orchestration" / "template.yaml")
    machine = template["Resources"]["OrderFulfilment"]["Properties"]
    states = workflow("order-fulfilment.asl.json")["States"]

    waits = {name: s for name, s in states.items() if ".waitForTaskToken" in s.get("Resource", "")}

    assert machine["Type"] == "STANDARD"
    assert set(waits) == {"AwaitAcceptance", "AwaitPickup", "AwaitDelivery"}
    assert all(state["TimeoutSecondsPath"].startswith("$.timeouts.") for state in waits.values())
    for name in ("AcceptTimeoutSeconds", "PickupTimeoutSeconds", "DeliveryTimeoutSeconds"):
        assert machine["DefinitionSubstitutions"][name] == {"Ref": name}
        assert template["Parameters"][name]["Type"] == "Number"


def test_a_shop_that_does_not_accept_in_time_leads_to_cancellation():
    states = workflow("order-fulfilment.asl.json")["States"]

    timeout = next(
        rule
        for rule in states["AwaitAcceptance"]["Catch"]
        if rule["ErrorEquals"] == ["States.Timeout"]
    )

    assert timeout["Next"] == "CancelUnaccepted"
    assert "ExpireAcceptance" in states["CancelUnaccepted"]["Parameters"]["FunctionName"]


def test_every_late_wait_raises_an_alarm_and_waits_again():
    states = workflow("order-fulfilment.asl.json")["States"]

    for wait, alarm in (("AwaitPickup", "PickupLate"), ("AwaitDelivery", "DeliveryLate")):
        caught = {rule["ErrorEquals"][0]: rule["Next"] for rule in states[wait]["Catch"]}
        assert caught["States.Timeout"] == alarm
        assert "RaiseAlarm" in states[alarm]["Parameters"]["FunctionName"]
        again = states[states[states[alarm]["Next"]]["Next"]]
        assert again["Default"] == wait
        assert again["Choices"][0]["Next"] == "GaveUpWaiting"


def test_cancel_saga_refunds_then_returns_stock_then_cancels():
    states = workflow("order-cancel.asl.json")["States"]

    assert workflow("order-cancel.asl.json")["StartAt"] == "RefundPayment"
    assert states["RefundPayment"]["Next"] == "ReturnStock"
    assert states["ReturnStock"]["Next"] == "MarkCancelled"
    assert all(
        state.get("Catch", [{"Next": "CancellationStuck"}])[0]["Next"] == "CancellationStuck"
        for name, state in states.items()
        if state["Type"] == "Task" and name != "CancellationStuck"
    )


@pytest.mark.parametrize("file", sorted(WORKFLOWS.values()))
def test_every_state_of_the_new_workflows_is_reachable(file):
    definition = workflow(file)

    assert reachable(definition) == set(definition["States"])
