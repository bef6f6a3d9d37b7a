"""Failures injected into Lambda tasks of the embedded stack, for tests and the demo.

A fault names a task by its function's logical id without the `Function` suffix
(`ConfirmOrder` for `ConfirmOrderFunction`), as the saga names its states. It can be
switched on from Python (`stack.faults.inject("ConfirmOrder")`) or, for `entrega serve`,
with ENTREGA_FAULTS="ConfirmOrder,ChargePayment:DependencyUnavailable:2": a task, then
optionally the error name to raise and how many invocations should fail.
Service code knows nothing of this: the runtime raises before the handler is called.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


class InjectedFault(Exception):
    """The error an injected fault raises unless another name is asked for."""


@dataclass
class Fault:
    task: str
    error: str = "InjectedFault"
    remaining: int | None = None
    order_id: str | None = None


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: dict[str, Fault] = {}
        self.fired: list[tuple[str, str]] = []

    def inject(
        self,
        task: str,
        error: str = "InjectedFault",
        times: int | None = None,
        order_id: str | None = None,
    ) -> None:
        """Make `task` fail with `error` (every time, or `times` times, or only for one order)."""
        with self._lock:
            self._faults[task] = Fault(task, error, times, order_id)

    def clear(self, task: str | None = None) -> None:
        with self._lock:
            if task is None:
                self._faults.clear()
            else:
                self._faults.pop(task, None)

    def load(self, spec: str) -> None:
        """Read the ENTREGA_FAULTS form: `Task[:Error[:times]]`, comma separated."""
        for part in filter(None, (chunk.strip() for chunk in spec.split(","))):
            task, _, rest = part.partition(":")
            error, _, times = rest.partition(":")
            self.inject(task, error or "InjectedFault", int(times) if times else None)

    def check(self, task: str, event: object) -> None:
        """Raise the fault for `task` if one is active for this event."""
        with self._lock:
            fault = self._faults.get(task)
            if fault is None or not _matches(fault, event):
                return
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    del self._faults[task]
            self.fired.append((task, fault.error))
        raise _error_named(fault.error)(f"fault injected into {task}")


def _matches(fault: Fault, event: object) -> bool:
    if fault.order_id is None:
        return True
    return isinstance(event, dict) and event.get("order_id") == fault.order_id


def _error_named(name: str) -> type[Exception]:
    if name == "InjectedFault":
        return InjectedFault
    return type(name, (Exception,), {})
