"""What every stack's template must hold, read from the templates themselves.

Tables keep their data (retained, recoverable, encrypted, on demand); every asynchronous
target has somewhere to put what it could not process; functions are traced; nothing names
an account, a region or another stack's resource outright; the saga's role can invoke just
the functions its states call.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from entrega_local.stack import STACKS
from entrega_local.templates import load

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = {name: load(path) for name, path in STACKS}
ASYNC_EVENTS = ("EventBridgeRule", "Schedule")


def _resources(kind: str):
    for stack, template in TEMPLATES.items():
        for logical, resource in template.get("Resources", {}).items():
            if resource["Type"] == kind:
                yield stack, logical, resource


@pytest.mark.parametrize(
    ("stack_name", "logical", "table"),
    list(_resources("AWS::DynamoDB::Table")),
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_every_table_is_retained_recoverable_encrypted_and_on_demand(stack_name, logical, table):
    properties = table["Properties"]

    assert table.get("DeletionPolicy") == "Retain"
    assert table.get("UpdateReplacePolicy") == "Retain"
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["SSESpecification"] == {"SSEEnabled": True}


def test_every_asynchronous_target_has_a_dead_letter_destination():
    missing = []
    for stack, logical, function in _resources("AWS::Serverless::Function"):
        properties = function["Properties"]
        events = [e for e in properties.get("Events", {}).values() if e["Type"] in ASYNC_EVENTS]
        if not events:
            continue
        on_failure = properties.get("EventInvokeConfig", {}).get("DestinationConfig", {})
        if "OnFailure" not in on_failure:
            missing.append(f"{stack}/{logical}: no EventInvokeConfig OnFailure destination")
        for event in events:
            if "DeadLetterConfig" not in event["Properties"]:
                missing.append(f"{stack}/{logical}: a {event['Type']} event without a DLQ")

    assert missing == []


def test_every_function_is_traced_by_x_ray():
    for stack, logical, function in _resources("AWS::Serverless::Function"):
        globals_ = TEMPLATES[stack].get("Globals", {}).get("Function", {})

        tracing = function["Properties"].get("Tracing", globals_.get("Tracing"))

        assert tracing == "Active", f"{stack}/{logical}"


def test_functions_that_call_payment_providers_reserve_their_concurrency():
    resources = TEMPLATES["entrega-payments"]["Resources"]
    callers = ("ChargePaymentFunction", "RefundPaymentFunction")

    for logical in callers:
        reserved = resources[logical]["Properties"]["ReservedConcurrentExecutions"]
        assert reserved["Fn::If"][1] == {"Ref": "ProviderConcurrency"}, logical


# The pages' stack (S3 and CloudFront) is not deployed by the embedded stack, but is linted
# and held to the same rule.
ALL_TEMPLATES = [path for _, path in STACKS] + [ROOT / "web" / "template.yaml"]


@pytest.mark.parametrize("path", ALL_TEMPLATES, ids=lambda p: p.parent.name)
def test_no_template_names_an_account_region_or_managed_full_access(path):
    text = path.read_text()

    assert not re.search(r"\b\d{12}\b", text)
    assert not re.search(r"\b(us|eu|sa|ap|ca|me|af)-(east|west|south|north|central)-\d\b", text)
    assert "FullAccess" not in text


def test_cross_stack_values_come_from_parameters_or_ssm():
    """A stack reads another stack's bus, layer and functions only through its parameters."""
    for stack, template in TEMPLATES.items():
        text = json.dumps(template.get("Resources", {}))
        for other in ("entrega-intake", "entrega-inventory", "entrega-payments"):
            if other != stack:
                assert f"{other}-" not in text, (stack, other)


def test_saga_role_invokes_exactly_the_functions_its_states_call():
    template = TEMPLATES["entrega-orchestration"]
    saga = template["Resources"]["OrderSaga"]["Properties"]
    asl = (ROOT / "orchestration" / saga["DefinitionUri"]).read_text()

    called = set(re.findall(r"\$\{(\w+)\}", asl))
    invokable = {
        policy["LambdaInvokePolicy"]["FunctionName"]["Fn::Select"][1]["Fn::Split"][1]["Ref"]
        for policy in saga["Policies"]
        if "LambdaInvokePolicy" in policy
    }
    assert called == set(saga["DefinitionSubstitutions"])
    assert invokable == called
    assert saga["Logging"]["Destinations"]
    assert saga["Logging"]["IncludeExecutionData"] is False


def test_every_dead_letter_queue_has_an_alarm_on_its_depth():
    for stack, template in TEMPLATES.items():
        resources = template.get("Resources", {})
        queues = {name for name in resources if name.endswith("DeadLetterQueue")}
        watched = {
            resource["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
            for resource in resources.values()
            if resource["Type"] == "AWS::CloudWatch::Alarm"
            and resource["Properties"].get("Namespace") == "AWS/SQS"
        }
        # Inbound queues hold partners' refused events, a partner's problem rather than ours.
        assert queues - {"InboundDeadLetterQueue"} <= watched, stack
