"""Deploy one stack's template into a fresh emulator, with nothing but what it declares.

    python -m entrega_local.deploy_alone services/payments/template.yaml [more templates]

This is the proof that a stack deploys on its own: the emulator starts empty, each SSM
parameter the template reads is written with a stand-in value (what the stack deployed
before it would have published), the bus its EventBusName names is created (the contracts
stack's part), and the template is deployed. Then every resource is looked up through the
emulator's own API, and a JSON report says which exist. It runs in a process of its own
because the emulator's state and its seams are process-wide.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import boto3
import requests
from botocore.exceptions import ClientError

from entrega_local.deploy import IGNORED_TYPES, DeployedStack, Deployer
from entrega_local.emulator import running_emulator
from entrega_local.faults import Faults
from entrega_local.lambdas import ACCOUNT, REGION, LambdaRuntime
from entrega_local.templates import load
from entrega_local.websocket import WebSocketGateway

SSM_TYPE = "AWS::SSM::Parameter::Value"


def stand_in(parameter: str, ssm_name: str) -> str:
    """What the stack that owns an SSM parameter would have written to it."""
    if parameter.endswith("FunctionArn"):
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{ssm_name.strip('/').replace('/', '-')}"
    if parameter.endswith("LayerArn"):
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:entrega-contracts:1"
    return "entrega"


def prepare(template: dict[str, Any]) -> dict[str, str]:
    """Write the SSM values the template declares and create the bus it names; say which."""
    ssm = boto3.session.Session().client("ssm", region_name=REGION)
    written = {}
    for name, spec in template.get("Parameters", {}).items():
        if not str(spec.get("Type", "")).startswith(SSM_TYPE):
            continue
        value = stand_in(name, spec["Default"])
        ssm.put_parameter(Name=spec["Default"], Value=value, Type="String", Overwrite=True)
        written[spec["Default"]] = value
        if name == "EventBusName":
            boto3.session.Session().client("events", region_name=REGION).create_event_bus(
                Name=value
            )
    return written


def exists(kind: str, physical: str, stack: DeployedStack) -> bool:
    """Whether the emulator holds the resource, asked through its own API."""
    session: Any = boto3.session.Session()

    def client(service: str) -> Any:
        return session.client(service, region_name=REGION)

    checks: dict[str, Any] = {
        "AWS::DynamoDB::Table": lambda: client("dynamodb").describe_table(TableName=physical),
        "AWS::Serverless::Function": lambda: client("lambda").get_function(FunctionName=physical),
        "AWS::Serverless::StateMachine": lambda: client("stepfunctions").describe_state_machine(
            stateMachineArn=physical
        ),
        "AWS::SQS::Queue": lambda: client("sqs").get_queue_attributes(QueueUrl=physical),
        "AWS::SSM::Parameter": lambda: client("ssm").get_parameter(Name=physical),
        "AWS::Events::EventBus": lambda: client("events").describe_event_bus(Name=physical),
        "AWS::Events::Archive": lambda: client("events").describe_archive(ArchiveName=physical),
        "AWS::Logs::LogGroup": lambda: client("logs").describe_log_groups(
            logGroupNamePrefix=physical
        )["logGroups"][0],
        "AWS::SES::EmailIdentity": lambda: client("ses").get_identity_verification_attributes(
            Identities=[physical]
        )["VerificationAttributes"][physical],
    }
    if kind == "AWS::Serverless::Api":
        return bool(stack.routes)
    if kind in checks:
        try:
            checks[kind]()
        except (KeyError, IndexError, ClientError):
            return False
        return True
    # Served by the embedded runtime itself (WebSocket APIs, layers): recorded, not queried.
    return physical in stack.physical.values()


def report(template_path: Path) -> dict[str, Any]:
    template = load(template_path)
    runtime = LambdaRuntime(Faults())
    with running_emulator(runtime) as url:
        # The emulator's state is process-wide: start from nothing, whatever ran before.
        requests.post(f"{url}/moto-api/reset", timeout=30).raise_for_status()
        written = prepare(template)
        sockets = WebSocketGateway(runtime)
        sockets.start()
        try:
            stack = Deployer(runtime, {}, sockets).deploy("alone", template_path)
        finally:
            sockets.stop()
            runtime.shutdown()
        resources = template["Resources"]
        return {
            "ssm_written": written,
            "created": {
                logical: exists(resources[logical]["Type"], physical, stack)
                for logical, physical in stack.physical.items()
                if resources[logical]["Type"] not in IGNORED_TYPES
            },
            "aws_only": sorted(
                logical
                for logical, resource in resources.items()
                if resource["Type"] in IGNORED_TYPES
            ),
            "skipped_by_condition": sorted(set(resources) - set(stack.physical)),
            "routes": sorted(f"{route.method} {route.path}" for route in stack.routes),
            "outputs": sorted(stack.outputs),
        }


def main(arguments: list[str]) -> int:
    """One JSON object: each template's report, by the path given."""
    print(json.dumps({name: report(Path(name)) for name in arguments}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
