"""The in-process AWS emulator: moto's server, with the few seams the embedded stack fills.

moto runs ASL with its Step Functions interpreter, and keeps tables, buses, rules, queues,
SES and SNS. Two things it cannot do here are filled in, and only here:

- Lambda invocations start Docker in moto; `LambdaFunction.invoke` is replaced by a call
  into LambdaRuntime, which runs the function's handler in this process.
- EventBridge delivers rule targets only to logs, queues and buses; `Rule.send_to_targets`
  is extended to invoke Lambda targets asynchronously (honouring Input, InputPath and
  InputTransformer) and to start Step Functions targets.

Each replaced method is listed in PATCHED, and a test fails if a moto upgrade renames one.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from moto.awslambda.models import LambdaFunction
from moto.core.config import default_user_config
from moto.events.models import Rule
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from entrega_local.lambdas import ACCOUNT, REGION, LambdaRuntime, encode

PATCHED = {LambdaFunction: "invoke", Rule: "send_to_targets"}

_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "entrega-local",
    "AWS_SECRET_ACCESS_KEY": "entrega-local",
    "AWS_SESSION_TOKEN": "entrega-local",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_emulator(runtime: LambdaRuntime) -> Iterator[str]:
    """Start moto's server on a free loopback port with the seams filled; yield its URL."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    saved = {key: os.environ.get(key) for key in [*_ENVIRONMENT, "AWS_ENDPOINT_URL", "MOTO_PORT"]}
    originals = {owner: getattr(owner, name) for owner, name in PATCHED.items()}
    url = f"http://127.0.0.1:{port}"

    os.environ.update(_ENVIRONMENT)
    os.environ["AWS_ENDPOINT_URL"] = url
    # moto's Step Functions interpreter builds its own clients against this port.
    os.environ["MOTO_PORT"] = str(port)
    default_user_config["stepfunctions"] = {"execute_state_machine": True}
    logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    _patch(runtime)
    server.start()
    try:
        yield url
    finally:
        server.stop()
        for owner, name in PATCHED.items():
            setattr(owner, name, originals[owner])
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _patch(runtime: LambdaRuntime) -> None:
    original_send = Rule.send_to_targets

    def invoke(
        self: LambdaFunction, body: str, request_headers: Any, response_headers: Any
    ) -> bytes:
        event = json.loads(body) if body else {}
        if request_headers.get("x-amz-invocation-type") == "Event":
            runtime.invoke_async(self.function_name, event)
            return b""
        result, failed = runtime.invoke(self.function_name, event)
        if failed:
            response_headers["x-amz-function-error"] = "Unhandled"
        return encode(result)

    def send_to_targets(self: Rule, original_event: Any, transform_input: bool = True) -> None:
        if not self.event_pattern.matches_event(original_event):
            return
        ours = [t for t in self.targets if ":lambda:" in t["Arn"] or ":states:" in t["Arn"]]
        theirs = [t for t in self.targets if t not in ours]
        for target in ours:
            _deliver(runtime, target, original_event)
        if theirs:
            rest = copy.copy(self)
            rest.targets = theirs
            original_send(rest, original_event, transform_input)

    LambdaFunction.invoke = invoke  # type: ignore[method-assign]
    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign]


def _deliver(runtime: LambdaRuntime, target: dict[str, Any], event: Any) -> None:
    payload = _target_input(target, event)
    if ":lambda:" in target["Arn"]:
        runtime.invoke_async(target["Arn"], payload)
        return
    from moto.stepfunctions.responses import get_backend

    get_backend(ACCOUNT, REGION).start_execution(
        state_machine_arn=target["Arn"],
        name=str(event.get("id")),
        execution_input=json.dumps(payload),
    )


def _target_input(target: dict[str, Any], event: Any) -> Any:
    """What EventBridge hands a target: the event, or its Input, InputPath or transformed input."""
    if "Input" in target:
        return json.loads(target["Input"])
    if "InputPath" in target:
        # EventBridge's InputPath is a plain JSONPath of keys: "$", "$.detail", "$.detail.order".
        value = event
        for key in filter(None, target["InputPath"].removeprefix("$").split(".")):
            value = value.get(key) if isinstance(value, dict) else None
        return value
    if "InputTransformer" in target:
        from moto.events.utils import EventTemplateParser

        transformer = target["InputTransformer"]
        return EventTemplateParser.parse(
            input_template=transformer.get("InputTemplate"),
            input_paths_map=transformer.get("InputPathsMap", {}),
            event=event,
        )
    return event
