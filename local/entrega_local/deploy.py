"""Creating a SAM stack's resources in the emulator, from its template.yaml alone.

This plays the part of `sam deploy` for the embedded stack: it reads the template,
resolves parameters (SSM-typed ones from the emulator's Parameter Store, which earlier
stacks wrote), applies Globals, and creates each resource with the service's own API call.
Functions are registered with the LambdaRuntime, the operations of each REST API's OpenAPI
document (restapi.py) become gateway routes, EventBridgeRule events become rules with Lambda
targets, and AWS::ApiGatewayV2 WebSocket APIs are served by websocket.py. Resources whose
Condition is false are skipped, as CloudFormation would.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from entrega_local import restapi
from entrega_local.identity import create_cognito_resource
from entrega_local.lambdas import ACCOUNT, REGION, Function, LambdaRuntime
from entrega_local.restapi import Route
from entrega_local.templates import (
    PSEUDO,
    TemplateError,
    conditions,
    load,
    merge_globals,
    rate_seconds,
    resolve,
)
from entrega_local.websocket import WebSocketGateway

ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/entrega-local-lambda"
# Resource types the embedded stack has no use for: permissions and alarms only matter on AWS.
IGNORED_TYPES = {
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::Lambda::Permission",
    "AWS::CloudWatch::Alarm",
    "AWS::SQS::QueuePolicy",
    # The local gateway meters nothing: usage plans and API Gateway's account-wide logging
    # role only exist on AWS. Authorizers are read from the OpenAPI documents' security.
    "AWS::ApiGateway::UsagePlan",
    "AWS::ApiGateway::Authorizer",
    "AWS::ApiGateway::Account",
    # The schema registry is a catalogue for people and code generators; moto has none, and
    # the running stack does not read it (tests check the generated template instead).
    "AWS::Serverless::Application",
}


@dataclass(frozen=True)
class Schedule:
    function: str
    every_seconds: int


@dataclass
class DeployedStack:
    name: str
    outputs: dict[str, str] = field(default_factory=dict)
    physical: dict[str, str] = field(default_factory=dict)
    routes: list[Route] = field(default_factory=list)
    # Each REST API's OpenAPI document, intrinsic functions resolved, gateway keys and all.
    api_documents: list[dict[str, Any]] = field(default_factory=list)
    schedules: list[Schedule] = field(default_factory=list)


class Deployer:
    def __init__(
        self,
        runtime: LambdaRuntime,
        environment: dict[str, str],
        sockets: WebSocketGateway | None = None,
    ) -> None:
        self.runtime = runtime
        self.environment = environment
        self.sockets = sockets
        self._clients: dict[str, Any] = {}
        self._role_created = False

    def client(self, service: str) -> Any:
        if service not in self._clients:
            session: Any = boto3.session.Session()
            self._clients[service] = session.client(service, region_name=REGION)
        return self._clients[service]

    def deploy(
        self, stack_name: str, template_path: Path, overrides: dict[str, str] | None = None
    ) -> DeployedStack:
        template = load(template_path)
        stack = DeployedStack(stack_name)
        parameters = self._parameters(template.get("Parameters", {}), overrides or {})
        resources: dict[str, dict[str, Any]] = template.get("Resources", {})
        globals_ = template.get("Globals", {}).get("Function", {})
        pending = dict(resources)
        holds: dict[str, bool] = {}

        def ref(name: str) -> Any:
            if name in parameters:
                return parameters[name]
            if name in PSEUDO:
                return PSEUDO[name]
            if name == "AWS::Region":
                return REGION
            if name == "AWS::AccountId":
                return ACCOUNT
            if name == "AWS::StackName":
                return stack_name
            if name.endswith(".Stage") and name.removesuffix(".Stage") in resources:
                api = resources[name.removesuffix(".Stage")]
                return resolve(api["Properties"]["StageName"], ref, get_att)
            if name not in resources:
                raise TemplateError(f"{template_path}: Ref to unknown {name}")
            create(name)
            return stack.physical[name]

        def get_att(logical: str, attribute: str) -> Any:
            create(logical)
            return self._attribute(resources[logical]["Type"], stack.physical[logical], attribute)

        def create(logical: str) -> None:
            if logical in stack.physical or logical not in pending:
                return
            definition = pending.pop(logical)
            kind = definition["Type"]
            properties = definition.get("Properties", {})
            if "Condition" in definition and not holds[definition["Condition"]]:
                return
            if kind == "AWS::Serverless::Function":
                properties = merge_globals(globals_, properties)
            if kind == "AWS::Serverless::Api":
                body = restapi.included(properties.get("DefinitionBody"), template_path.parent)
                properties = {**properties, "DefinitionBody": body}
            resolved = resolve(properties, ref, get_att, holds)
            stack.physical[logical] = self._create(
                kind, logical, resolved, stack, template_path.parent
            )

        holds.update(conditions(template.get("Conditions", {}), ref))
        for logical in list(resources):
            create(logical)
        for name, output in template.get("Outputs", {}).items():
            stack.outputs[name] = str(resolve(output["Value"], ref, get_att))
        return stack

    def redefine_state_machines(
        self, stack: DeployedStack, template_path: Path, overrides: dict[str, str]
    ) -> None:
        """Update a deployed stack's state machines as a parameter change would on AWS.

        Executions already running keep the definition they started with; new ones use the
        new one. Only the definitions change: functions, tables and rules stay as they are.
        """
        template = load(template_path)
        parameters = self._parameters(template.get("Parameters", {}), overrides)

        def ref(name: str) -> Any:
            if name in parameters:
                return parameters[name]
            if name in stack.physical:
                return stack.physical[name]
            raise TemplateError(f"{template_path}: Ref to unknown {name}")

        def get_att(logical: str, attribute: str) -> Any:
            raise TemplateError(f"{template_path}: a definition cannot use {logical}.{attribute}")

        for logical, resource in template.get("Resources", {}).items():
            if resource["Type"] != "AWS::Serverless::StateMachine":
                continue
            wanted = ("Name", "DefinitionUri", "DefinitionSubstitutions")
            declared = resource.get("Properties", {})
            props = resolve({key: declared[key] for key in wanted if key in declared}, ref, get_att)
            self.client("stepfunctions").update_state_machine(
                stateMachineArn=stack.physical[logical],
                definition=self._definition(
                    str(props.get("Name", logical)), props, template_path.parent
                ),
            )

    def _parameters(self, declared: dict[str, Any], overrides: dict[str, str]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, spec in declared.items():
            value = overrides.get(name, spec.get("Default"))
            if value is None:
                raise TemplateError(f"parameter {name} has no value")
            if str(spec.get("Type", "")).startswith("AWS::SSM::Parameter::Value"):
                value = self.client("ssm").get_parameter(Name=value)["Parameter"]["Value"]
            values[name] = value
        return values

    def _attribute(self, kind: str, physical: str, attribute: str) -> str:
        if kind in ("AWS::Serverless::Function", "AWS::Lambda::Function") and attribute == "Arn":
            return self.runtime.find(physical).arn
        if kind == "AWS::IAM::Role" and attribute == "Arn":
            return f"arn:aws:iam::{ACCOUNT}:role/{physical}"
        if kind == "AWS::DynamoDB::Table" and attribute == "Arn":
            return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{physical}"
        if kind == "AWS::Cognito::UserPool" and attribute == "Arn":
            return f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{physical}"
        if kind == "AWS::Events::EventBus" and attribute in ("Arn", "Name"):
            return (
                physical
                if attribute == "Name"
                else f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{physical}"
            )
        if kind == "AWS::Serverless::StateMachine" and attribute == "Name":
            return physical.rsplit(":", 1)[-1]
        if kind == "AWS::Logs::LogGroup" and attribute == "Arn":
            return f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{physical}:*"
        if kind == "AWS::SQS::Queue" and attribute == "Arn":
            return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{physical.rsplit('/', 1)[-1]}"
        if kind == "AWS::SQS::Queue" and attribute == "QueueName":
            return physical.rsplit("/", 1)[-1]
        if kind == "AWS::ApiGatewayV2::Api" and self.sockets is not None:
            return self.sockets.attribute(physical, attribute)
        raise TemplateError(f"Fn::GetAtt {attribute} of {kind} is not supported")

    def _create(
        self, kind: str, logical: str, props: dict[str, Any], stack: DeployedStack, folder: Path
    ) -> str:
        name = f"{stack.name}-{logical}"[:64]
        if kind in IGNORED_TYPES:
            return name
        if kind == "AWS::DynamoDB::Table":
            return self._table(props.get("TableName", name), props)
        if kind == "AWS::Serverless::LayerVersion":
            # Handlers import from this checkout; a layer's content needs no copy here.
            return f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:{name}:1"
        if kind == "AWS::Events::EventBus":
            self.client("events").create_event_bus(Name=props["Name"])
            return str(props["Name"])
        if kind == "AWS::Events::Archive":
            self.client("events").create_archive(
                ArchiveName=props["ArchiveName"],
                EventSourceArn=props["SourceArn"],
                RetentionDays=int(props.get("RetentionDays", 0)),
            )
            return str(props["ArchiveName"])
        if kind == "AWS::SSM::Parameter":
            self.client("ssm").put_parameter(
                Name=props["Name"], Value=str(props["Value"]), Type="String", Overwrite=True
            )
            return str(props["Name"])
        if kind == "AWS::SES::EmailIdentity":
            self.client("ses").verify_email_identity(EmailAddress=props["EmailIdentity"])
            return str(props["EmailIdentity"])
        if kind == "AWS::Logs::LogGroup":
            self.client("logs").create_log_group(logGroupName=props.get("LogGroupName", name))
            return str(props.get("LogGroupName", name))
        if kind == "AWS::SQS::Queue":
            return str(
                self.client("sqs").create_queue(QueueName=props.get("QueueName", name))["QueueUrl"]
            )
        if kind == "AWS::Serverless::Api":
            return self._rest_api(props, stack)
        if kind.startswith("AWS::ApiGatewayV2::") and self.sockets is not None:
            return self.sockets.create(kind, name, props)
        if kind.startswith("AWS::Cognito::"):
            return create_cognito_resource(self.client("cognito-idp"), kind, name, props)
        if kind == "AWS::Serverless::Function":
            return self._function(props.get("FunctionName", name), logical, props, stack)
        if kind == "AWS::Serverless::StateMachine":
            return self._state_machine(props.get("Name", name), props, folder)
        raise TemplateError(
            f"{logical}: resource type {kind} is not supported by the embedded stack"
        )

    def _rest_api(self, props: dict[str, Any], stack: DeployedStack) -> str:
        """The gateway serves every stack's routes on one port; the API's id is its name."""
        document = props.get("DefinitionBody")
        if not isinstance(document, dict):
            raise TemplateError(f"{props.get('Name')}: a REST API needs an OpenAPI DefinitionBody")
        stack.api_documents.append(document)
        stack.routes.extend(restapi.routes(document))
        return str(props.get("Name", "entrega-local"))

    def _table(self, name: str, props: dict[str, Any]) -> str:
        arguments: dict[str, Any] = {
            "TableName": name,
            "KeySchema": props["KeySchema"],
            "AttributeDefinitions": props["AttributeDefinitions"],
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if props.get("GlobalSecondaryIndexes"):
            arguments["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        client = self.client("dynamodb")
        client.create_table(**arguments)
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            client.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        return name

    def _ensure_role(self) -> None:
        if self._role_created:
            return
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        try:
            self.client("iam").create_role(
                RoleName=ROLE_ARN.rsplit("/", 1)[-1], AssumeRolePolicyDocument=json.dumps(trust)
            )
        except self.client("iam").exceptions.EntityAlreadyExistsException:
            pass
        self._role_created = True

    def _function(
        self, name: str, logical: str, props: dict[str, Any], stack: DeployedStack
    ) -> str:
        self._ensure_role()
        variables = {
            key: str(value)
            for key, value in props.get("Environment", {}).get("Variables", {}).items()
        }
        self._export_environment(name, variables)
        self.client("lambda").create_function(
            FunctionName=name,
            Runtime=props.get("Runtime", "python3.11"),
            Role=ROLE_ARN,
            Handler=props["Handler"],
            Code={"ZipFile": _placeholder_zip()},
            Timeout=int(props.get("Timeout", 30)),
            MemorySize=int(props.get("MemorySize", 256)),
            Environment={"Variables": variables},
        )
        on_failure = (
            props.get("EventInvokeConfig", {}).get("DestinationConfig", {}).get("OnFailure", {})
        )
        function = Function(
            name,
            logical,
            props["Handler"],
            int(props.get("Timeout", 30)),
            int(props.get("MemorySize", 256)),
            str(on_failure["Destination"]) if on_failure.get("Type") == "SQS" else None,
        )
        self.runtime.register(function)
        for event_name, event in props.get("Events", {}).items():
            self._function_event(function, event_name, event, stack)
        return name

    def _export_environment(self, function: str, variables: dict[str, str]) -> None:
        """Handlers share this process, so two functions setting one variable must agree on it."""
        for key, value in variables.items():
            known = self.environment.get(key)
            if known is not None and known != value:
                raise TemplateError(
                    f"{function} sets {key}={value!r} but another function set {known!r}"
                )
            self.environment[key] = value
            os.environ[key] = value

    def _function_event(
        self, function: Function, name: str, event: dict[str, Any], stack: DeployedStack
    ) -> None:
        kind, props = event["Type"], event.get("Properties", {})
        if kind == "Api":
            raise TemplateError(
                f"{function.logical_id}: an Api event; routes belong in the service's "
                "openapi.json, which the template's AWS::Serverless::Api includes"
            )
        if kind == "Schedule":
            stack.schedules.append(Schedule(function.name, rate_seconds(props["Schedule"])))
        elif kind == "EventBridgeRule":
            bus = props.get("EventBusName", "default")
            rule = f"{function.name}-{name}"[:64]
            events = self.client("events")
            events.put_rule(
                Name=rule,
                EventBusName=bus,
                EventPattern=json.dumps(props["Pattern"]),
                State="ENABLED",
            )
            target: dict[str, Any] = {"Id": "function", "Arn": function.arn}
            if "Input" in props:
                target["Input"] = props["Input"]
            if "InputPath" in props:
                target["InputPath"] = props["InputPath"]
            events.put_targets(Rule=rule, EventBusName=bus, Targets=[target])
        else:
            raise TemplateError(
                f"{function.logical_id}: event type {kind} is not supported by the embedded stack"
            )

    def _state_machine(self, name: str, props: dict[str, Any], folder: Path) -> str:
        response = self.client("stepfunctions").create_state_machine(
            name=name,
            definition=self._definition(name, props, folder),
            roleArn=ROLE_ARN,
            type=props.get("Type", "STANDARD"),
        )
        return str(response["stateMachineArn"])

    def _definition(self, name: str, props: dict[str, Any], folder: Path) -> str:
        """The ASL file with its DefinitionSubstitutions applied, as CloudFormation does."""
        definition: str = (folder / props["DefinitionUri"]).read_text("utf-8")
        for key, value in props.get("DefinitionSubstitutions", {}).items():
            definition = definition.replace("${" + key + "}", str(value))
        if "${" in definition:
            raise TemplateError(
                f"{name}: DefinitionSubstitutions leave {definition[definition.index('${') :][:40]}"
            )
        return definition


def _placeholder_zip() -> bytes:
    """Code for moto's Lambda record; the runtime runs the Handler from this checkout instead."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "# the embedded stack runs handlers in-process\n")
    return buffer.getvalue()
