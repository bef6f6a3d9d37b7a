"""Failures injected into the Lambda functions of the embedded stack, for tests and the demo.

A fault names a function by its logical id without the `Function` suffix (`ConfirmOrder`
for `ConfirmOrderFunction`), as the saga names its states, and optionally one order, found
as `order_id` in the event or in an EventBridge event's detail. Its kind says what goes
wrong:

- `error`: the invocation fails before the handler runs (nothing happened);
- `timeout`: the handler runs, then the caller sees `Lambda.Unknown`, as after a Lambda
  timeout: the effect happened but its answer was lost, so the caller retries it;
- `duplicate`: the handler runs twice on the same event, as when a step is re-run or an
  event is delivered twice.

It can be switched on from Python (`stack.faults.inject("ConfirmOrder")`) or, for
`entrega serve`, with ENTREGA_FAULTS="ConfirmOrder,ChargePayment:DependencyUnavailable:2":
a function, then optionally the error name to raise and how many invocations should fail.
Service code knows nothing of this: the runtime applies it around the handler.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal

Kind = Literal["error", "timeout", "duplicate"]
# What Step Functions reports for a Lambda function that timed out or ran out of memory.
TIMED_OUT = "Lambda.Unknown"


class InjectedFault(Exception):
    """The error an injected fault raises unless another name is asked for."""


@dataclass
class Fault:
    task: str
    error: str = "InjectedFault"
    remaining: int | None = None
    order_id: str | None = None
    kind: Kind = "error"

    def raise_error(self) -> None:
        name = TIMED_OUT if self.kind == "timeout" else self.error
        raise _error_named(name)(f"fault injected into {self.task} ({self.kind})")


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: dict[tuple[str, str | None], Fault] = {}
        self.fired: list[tuple[str, str]] = []

    def inject(
        self,
        task: str,
        error: str = "InjectedFault",
        times: int | None = None,
        order_id: str | None = None,
        kind: Kind = "error",
    ) -> None:
        """Make `task` go wrong (every time, or `times` times, or only for one order)."""
        with self._lock:
            self._faults[(task, order_id)] = Fault(task, error, times, order_id, kind)

    def clear(self, task: str | None = None) -> None:
        with self._lock:
            for key in [key for key in self._faults if task is None or key[0] == task]:
                del self._faults[key]

    def load(self, spec: str) -> None:
        """Read the ENTREGA_FAULTS form: `Task[:Error[:times]]`, comma separated."""
        for part in filter(None, (chunk.strip() for chunk in spec.split(","))):
            task, _, rest = part.partition(":")
            error, _, times = rest.partition(":")
            self.inject(task, error or "InjectedFault", int(times) if times else None)

    def take(self, task: str, event: object) -> Fault | None:
        """The fault to apply to this invocation of `task`, if one is active for its event."""
        with self._lock:
            key = (task, order_of(event))
            fault = self._faults.get(key) or self._faults.get((task, None))
            if fault is None:
                return None
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    del self._faults[(task, fault.order_id)]
            self.fired.append((task, TIMED_OUT if fault.kind == "timeout" else fault.error))
            return fault

    def check(self, task: str, event: object) -> None:
        """Raise an error fault for `task` now, if one is active for this event."""
        fault = self.take(task, event)
        if fault is not None:
            fault.raise_error()


def order_of(event: object) -> str | None:
    """The order an invocation is about: `order_id` in the event or in an EventBridge detail."""
    if not isinstance(event, dict):
        return None
    detail = event.get("detail")
    found = event.get("order_id") or (detail.get("order_id") if isinstance(detail, dict) else None)
    return str(found) if found else None


def _error_named(name: str) -> type[Exception]:
    if name == "InjectedFault":
        return InjectedFault
    return type(name, (Exception,), {})
