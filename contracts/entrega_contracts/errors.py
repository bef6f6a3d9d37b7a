"""The shape every saga task error takes on the wire.

A task raises a subclass of TaskError. The Lambda runtime reports the class name as
`errorType`, which is the name Step Functions matches in Retry and Catch, and `str(error)`
as `errorMessage`, which here is a small JSON document with a stable code, a message a
person can read and, for validation errors, one entry per bad field. Messages never carry
customer data.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class FieldError:
    """What is wrong with one field, named by its path in the request (`items[0].quantity`).

    `code` names the rule that failed and `params` the values its message mentions, so the
    edge that talks to the customer can say it again in the customer's language.
    """

    field: str
    message: str
    code: str = "invalid"
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"field": self.field, "message": self.message, "code": self.code}
        if self.params:
            body["params"] = self.params
        return body


class TaskError(Exception):
    """Base of every service's error hierarchy: a stable code, a message and field details."""

    code: ClassVar[str] = "TASK_ERROR"
    transient: ClassVar[bool] = False

    def __init__(self, message: str, details: list[FieldError] | None = None) -> None:
        self.message = message
        self.details = list(details or [])
        super().__init__(json.dumps(self.to_json(), ensure_ascii=False))

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = [detail.to_json() for detail in self.details]
        return body


def caught(error: TaskError) -> dict[str, str]:
    """The `{"Error", "Cause"}` a Catch would record had a task raised `error`.

    For a service that starts a saga path with a reason it already knows (a payment whose
    wait ended), so the saga's steps read it exactly as they read a task's failure.
    """
    name = type(error).__name__
    return {"Error": name, "Cause": json.dumps({"errorType": name, "errorMessage": str(error)})}


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a saga step stopped an order, recovered from what a Catch recorded."""

    code: str
    message: str
    details: list[dict[str, str]]

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


def reason_from_task_error(error: dict[str, Any]) -> Reason:
    """Turn a Catch's `{"Error", "Cause"}` into a Reason, whatever raised it.

    Errors from Entrega's tasks carry their JSON message inside the Lambda error payload;
    anything else (a timeout, a runtime crash) is named by its error name alone.
    """
    name = str(error.get("Error", "UnknownError"))
    fallback = Reason(_code_from_name(name), name, [])
    try:
        payload = json.loads(str(error.get("Cause", "")))
        message = json.loads(payload["errorMessage"]) if isinstance(payload, dict) else None
    except (ValueError, KeyError, TypeError):
        return fallback
    if not isinstance(message, dict) or "code" not in message:
        return fallback
    return Reason(
        str(message["code"]), str(message.get("message", name)), list(message.get("details", []))
    )


def _code_from_name(name: str) -> str:
    """`States.Timeout` -> `STATES_TIMEOUT`, `InjectedFault` -> `INJECTED_FAULT`."""
    out = []
    for index, char in enumerate(name.replace(".", "_")):
        if (
            char.isupper()
            and index
            and name[index - 1] not in "._"
            and not name[index - 1].isupper()
        ):
            out.append("_")
        out.append(char.upper())
    return "".join(out)
