"""Runs Lambda handlers in this process, as the Lambda service would run them.

A function is its `Handler` string from the template (`intake.handlers.api`); invoking it
imports the module once, builds a Lambda context, calls the handler and turns a raised
exception into the runtime's error payload (errorType, errorMessage, stackTrace), which is
what Step Functions matches in Retry and Catch. Asynchronous invocations (EventBridge
targets, `InvocationType=Event`) go to a small worker pool and are retried twice, as
Lambda retries asynchronous events, with short delays instead of minutes. An event that
still fails is kept in `dead_letters` and, when the function's EventInvokeConfig names an
SQS on-failure destination, sent there as Lambda sends it (requestPayload, responsePayload).
"""

from __future__ import annotations

import importlib
import json
import threading
import time
import traceback
import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from entrega_local.faults import Faults

ASYNC_RETRY_DELAYS = (0.5, 2.0)
ACCOUNT = "123456789012"
REGION = "us-east-1"


@dataclass(frozen=True)
class Function:
    name: str
    logical_id: str
    handler: str
    timeout: int = 30
    memory: int = 256
    # The SQS queue ARN of the function's on-failure destination for asynchronous events.
    on_failure: str | None = None

    @property
    def task(self) -> str:
        return self.logical_id.removesuffix("Function")

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.name}"


class LambdaContext:
    """The attributes of the Lambda context object that handlers and Powertools read."""

    def __init__(self, function: Function) -> None:
        self.function_name = function.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = function.arn
        self.memory_limit_in_mb = function.memory
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function.name}"
        self.log_stream_name = time.strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex
        self._deadline = time.monotonic() + function.timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class DeadLetter:
    function: str
    event: Any
    error: dict[str, Any]


@dataclass(frozen=True)
class Call:
    function: Function
    event: Any
    result: Any
    failed: bool


@dataclass
class Invocations:
    """Every invocation with its event and result, kept for tests and benchmarks to read."""

    # Bounded, so that a long `entrega serve` does not grow without end.
    calls: deque[Call] = field(default_factory=lambda: deque(maxlen=50_000))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, call: Call) -> None:
        with self.lock:
            self.calls.append(call)

    def count(self, logical_id: str) -> int:
        with self.lock:
            return sum(1 for call in self.calls if call.function.logical_id == logical_id)


class LambdaRuntime:
    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self.functions: dict[str, Function] = {}
        self.dead_letters: list[DeadLetter] = []
        self.invocations = Invocations()
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="lambda-async")
        self._pending = 0
        self._idle = threading.Condition()
        self._closing = threading.Event()

    def register(self, function: Function) -> None:
        self.functions[function.name] = function

    def find(self, name_or_arn: str) -> Function:
        name = name_or_arn.rsplit(":", 1)[-1] if name_or_arn.startswith("arn:") else name_or_arn
        return self.functions[name]

    def invoke(self, name_or_arn: str, event: Any) -> tuple[Any, bool]:
        """Run the function; return (result or error payload, whether it failed)."""
        function = self.find(name_or_arn)
        try:
            fault = self.faults.take(function.task, event)
            if fault is not None and fault.kind == "error":
                fault.raise_error()
            handler = _load(function.handler)
            result, failed = handler(event, LambdaContext(function)), False
            if fault is not None and fault.kind == "duplicate":
                result = handler(event, LambdaContext(function))
            if fault is not None and fault.kind == "timeout":
                fault.raise_error()
        except Exception as error:  # noqa: BLE001 - reported as Lambda reports it, never swallowed
            result, failed = _error_payload(error), True
        self.invocations.add(Call(function, event, result, failed))
        return result, failed

    def invoke_async(self, name_or_arn: str, event: Any) -> None:
        """Queue an event invocation; it is retried twice and then dead-lettered."""
        with self._idle:
            self._pending += 1
        self._pool.submit(self._attempt, name_or_arn, event, 0)

    def _attempt(self, name_or_arn: str, event: Any, retries_done: int) -> None:
        result, failed = self.invoke(name_or_arn, event)
        if failed and retries_done < len(ASYNC_RETRY_DELAYS) and not self._closing.is_set():
            # The retry waits on a timer, not in a worker, so waiting never starves the pool.
            timer = threading.Timer(
                ASYNC_RETRY_DELAYS[retries_done],
                self._resubmit,
                (name_or_arn, event, retries_done + 1),
            )
            timer.daemon = True
            timer.start()
            return
        try:
            if failed:
                self.dead_letters.append(DeadLetter(name_or_arn, event, result))
                self._send_to_destination(self.find(name_or_arn), event, result, retries_done + 1)
        finally:
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    def _send_to_destination(
        self, function: Function, event: Any, error: dict[str, Any], attempts: int
    ) -> None:
        if function.on_failure is None:
            return
        import boto3

        record = {
            "version": "1.0",
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            "requestContext": {
                "requestId": error.get("requestId", ""),
                "functionArn": f"{function.arn}:$LATEST",
                "condition": "RetriesExhausted",
                "approximateInvokeCount": attempts,
            },
            "requestPayload": event,
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                "functionError": "Unhandled",
            },
            "responsePayload": error,
        }
        sqs = boto3.session.Session().client("sqs", region_name=REGION)
        url = sqs.get_queue_url(QueueName=function.on_failure.rsplit(":", 1)[-1])["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(record, default=str))

    def _resubmit(self, name_or_arn: str, event: Any, retries_done: int) -> None:
        try:
            self._pool.submit(self._attempt, name_or_arn, event, retries_done)
        except RuntimeError:
            # The pool closed while the retry waited: the stack is stopping.
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no asynchronous invocation is queued or running."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def shutdown(self) -> None:
        self._closing.set()
        self._pool.shutdown(wait=True, cancel_futures=True)


_modules_lock = threading.Lock()


def _load(handler: str) -> Callable[[Any, Any], Any]:
    module_name, _, attribute = handler.rpartition(".")
    with _modules_lock:
        module = importlib.import_module(module_name)
    return getattr(module, attribute)  # type: ignore[no-any-return]


def _error_payload(error: BaseException) -> dict[str, Any]:
    return {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "requestId": str(uuid.uuid4()),
        "stackTrace": traceback.format_tb(error.__traceback__),
    }


def encode(result: Any) -> bytes:
    return json.dumps(result).encode()
