"""Intake's ways out: inventory's pricing function, the order saga, and the event bus."""

from __future__ import annotations

import functools
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from entrega_contracts import events
from entrega_contracts.errors import FieldError
from entrega_contracts.schemas import validate
from intake.errors import DependencyUnavailable
from intake.models import Order, Status

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_stepfunctions import SFNClient

_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Settings:
    event_bus: str
    validate_order_function: str
    order_saga_arn: str
    idempotency_table: str
    fulfilment_arn: str
    cancel_saga_arn: str
    shop_id: str

    @classmethod
    def from_environment(cls) -> Settings:
        try:
            return cls(
                event_bus=os.environ["EVENT_BUS_NAME"],
                validate_order_function=os.environ["VALIDATE_ORDER_FUNCTION"],
                order_saga_arn=os.environ["ORDER_SAGA_ARN"],
                idempotency_table=os.environ["IDEMPOTENCY_TABLE"],
                fulfilment_arn=os.environ["ORDER_FULFILMENT_ARN"],
                cancel_saga_arn=os.environ["ORDER_CANCEL_SAGA_ARN"],
                shop_id=os.environ["SHOP_ID"],
            )
        except KeyError as missing:
            raise RuntimeError(f"intake needs the environment variable {missing}") from None


@functools.cache
def settings() -> Settings:
    return Settings.from_environment()


@functools.cache
def _lambda() -> LambdaClient:
    with _lock:
        return boto3.session.Session().client("lambda", config=Config(retries={"mode": "standard"}))


@functools.cache
def _stepfunctions() -> SFNClient:
    with _lock:
        return boto3.session.Session().client("stepfunctions")


class LambdaCatalog:
    """Prices lines by invoking inventory's ValidateOrder function, the same one the saga runs."""

    def price(
        self, order_id: str, items: list[Any], placed_at: datetime, delivery: dict[str, str] | None
    ) -> tuple[dict[str, Any] | None, list[FieldError]]:
        request: dict[str, Any] = {
            "order_id": order_id,
            "items": items,
            "placed_at": placed_at.isoformat(),
        }
        if delivery:
            request["delivery"] = delivery
        try:
            response = _lambda().invoke(
                FunctionName=settings().validate_order_function,
                Payload=json.dumps(request).encode(),
            )
        except (ClientError, BotoCoreError) as exc:
            raise DependencyUnavailable("the catalog cannot be reached; try again") from exc

        payload = json.loads(response["Payload"].read() or b"null")
        if not response.get("FunctionError"):
            return payload, []
        if payload.get("errorType") != "OrderInvalid":
            raise DependencyUnavailable("the catalog could not price the order; try again")
        details = json.loads(payload["errorMessage"]).get("details", [])
        return None, [
            FieldError(d["field"], d["message"], d.get("code", "invalid"), d.get("params", {}))
            for d in details
        ]


class StepFunctionsSaga:
    def start(self, order: Order) -> None:
        self._run(order.order_id, _saga_input(order))

    def resume(self, order: Order, kind: str, error: dict[str, str] | None = None) -> None:
        """Start the saga again for a waiting order; its name makes a repeat a no-op."""
        resumed: dict[str, Any] = {
            **_saga_input(order),
            "resume": kind,
            "order": {"lines": order.lines, "total": order.total},
        }
        if error is not None:
            resumed["error"] = error
        self._run(f"{order.order_id}-{kind.replace('_', '-')}", resumed)

    def _run(self, name: str, execution_input: dict[str, Any]) -> None:
        validate("tasks/order-saga.input.v1", execution_input)
        _start(settings().order_saga_arn, name, execution_input, "order saga")


def _saga_input(order: Order) -> dict[str, Any]:
    return {
        "order_id": order.order_id,
        "placed_at": order.placed_at.isoformat(),
        "customer": {"id": order.customer.id, "locale": order.customer.locale},
        "items": [{"sku": line["sku"], "quantity": line["quantity"]} for line in order.lines],
        "payment": order.payment_method.model_dump(),
        "delivery": {
            "postal_code": order.delivery_address.postal_code,
            "country": order.delivery_address.country,
        },
    }


# What SendTask* answers for a token that no longer waits: the task already ended.
_STALE_TOKEN = frozenset({"InvalidToken", "TaskTimedOut", "TaskDoesNotExist"})


def _start(arn: str, name: str, execution_input: dict[str, Any], what: str) -> None:
    try:
        _stepfunctions().start_execution(
            stateMachineArn=arn, name=name, input=json.dumps(execution_input)
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ExecutionAlreadyExists":
            return
        raise DependencyUnavailable(f"the {what} could not be started; try again") from exc
    except BotoCoreError as exc:
        raise DependencyUnavailable(f"the {what} could not be started; try again") from exc


class StepFunctionsFulfilment:
    """The Standard workflow that waits for the shop, the pickup and the delivery."""

    def start(self, order: Order) -> None:
        # Named for the order: a repeated ConfirmOrder finds the workflow already running.
        _start(settings().fulfilment_arn, order.order_id, {"order_id": order.order_id}, "workflow")

    def succeed(self, token: str, output: dict[str, Any]) -> None:
        self._send(
            lambda: _stepfunctions().send_task_success(taskToken=token, output=json.dumps(output))
        )

    def heartbeat(self, token: str) -> None:
        self._send(lambda: _stepfunctions().send_task_heartbeat(taskToken=token))

    def fail(self, token: str, error: str, cause: str) -> None:
        self._send(
            lambda: _stepfunctions().send_task_failure(taskToken=token, error=error, cause=cause)
        )

    def _send(self, call: Callable[[], Any]) -> None:
        try:
            call()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _STALE_TOKEN:
                return
            raise DependencyUnavailable("the fulfilment workflow could not be told") from exc
        except BotoCoreError as exc:
            raise DependencyUnavailable("the fulfilment workflow could not be told") from exc


class StepFunctionsCancelSaga:
    """The Express saga that refunds, returns the stock and ends the order CANCELLED."""

    def start(self, order: Order) -> None:
        name = f"cancel-{order.order_id}-v{order.version}"
        _start(settings().cancel_saga_arn, name, {"order_id": order.order_id}, "cancel saga")


class EventBus:
    def order_placed(self, order: Order) -> None:
        placed = {
            "order_id": order.order_id,
            "placed_at": order.placed_at.isoformat(),
            "customer": order.customer.model_dump(),
            "lines": order.lines,
            "total": order.total,
        }
        bus = settings().event_bus
        self._publish([events.entry("OrderPlaced", placed, bus), self._status_entry(order, None)])

    def status_changed(self, order: Order, previous: Status | None) -> None:
        self._publish([self._status_entry(order, previous)])

    def attention_needed(self, order: Order, code: str, message: str, at: datetime) -> None:
        """OrderAttentionNeeded: something waited on did not happen; a person should look."""
        detail = {
            "order_id": order.order_id,
            "status": order.status.value,
            "shop_id": order.shop_id,
            "courier_id": order.courier_id,
            "code": code,
            "message": message,
            "occurred_at": at.isoformat(),
        }
        self._publish([events.entry("OrderAttentionNeeded", detail, settings().event_bus)])

    def _status_entry(self, order: Order, previous: Status | None) -> Any:
        latest = order.timeline[-1]
        detail = {
            "order_id": order.order_id,
            "status": order.status.value,
            "previous_status": previous.value if previous else None,
            "occurred_at": latest.at.isoformat(),
            "customer_id": order.customer.id,
            "locale": order.customer.locale,
            "total": order.total,
            "lines": order.lines,
            "reason": latest.reason,
            "eta_minutes": order.eta_minutes,
            "personal_line": order.personal_line,
            "suggestions": order.suggestions,
            "refunded": ((order.payment or {}).get("refund") or {}).get("amount"),
        }
        return events.entry("OrderStatusChanged", detail, settings().event_bus)

    def _publish(self, entries: list[Any]) -> None:
        try:
            events.publish(entries)
        except (events.PublishError, ClientError, BotoCoreError) as exc:
            raise DependencyUnavailable(
                "the event bus refused the order's events; try again"
            ) from exc


IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60


@functools.cache
def _idempotency() -> tuple[Any, Any]:
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
    )

    with _lock:
        store = DynamoDBPersistenceLayer(table_name=settings().idempotency_table)
    config = IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="body",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=IDEMPOTENCY_TTL_SECONDS,
    )
    return store, config


def run_once(
    key: str, body: dict[str, Any], context: LambdaContext, work: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """Run `work` once per Idempotency-Key with Powertools' idempotency; replay its answer after.

    The same key with another body raises IdempotencyKeyReused; with the first request still
    running, RequestInProgress. A failed run leaves no record, so it can be retried.
    """
    from aws_lambda_powertools.utilities.idempotency import idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    from intake.errors import IdempotencyKeyReused, RequestInProgress

    store, config = _idempotency()
    config.register_lambda_context(context)

    @idempotent_function(
        data_keyword_argument="request",
        persistence_store=store,
        config=config,
        key_prefix="intake.place_order",
    )
    def once(request: dict[str, Any]) -> dict[str, Any]:
        return work()

    try:
        result: dict[str, Any] = once(request={"key": key, "body": body})
        return result
    except IdempotencyValidationError as exc:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was already used for a different order"
        ) from exc
    except IdempotencyAlreadyInProgressError as exc:
        raise RequestInProgress("an order with this Idempotency-Key is still being placed") from exc
