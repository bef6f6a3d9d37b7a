"""Powertools' Tracer, created at a function's first invocation instead of at import.

`Tracer()` imports the X-Ray SDK, whose recorder builds a botocore client as it loads:
about 150 ms of every cold start here, paid even when tracing is switched off. Deferring
it keeps importing a handler module cheap, and with POWERTOOLS_TRACE_DISABLED set the SDK
is never loaded at all. It lives in this package because every service already ships it.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar

Handler = TypeVar("Handler", bound=Callable[..., Any])


def _disabled() -> bool:
    return os.environ.get("POWERTOOLS_TRACE_DISABLED", "").strip().lower() in ("1", "true", "yes")


class LazyTracer:
    def __init__(self, service: str) -> None:
        self.service = service
        self._tracer: Any = None

    @property
    def tracer(self) -> Any:
        """The Powertools Tracer, built on first use."""
        if self._tracer is None:
            from aws_lambda_powertools import Tracer

            self._tracer = Tracer(service=self.service)
        return self._tracer

    def capture_lambda_handler(self, handler: Handler) -> Handler:
        """Trace `handler` as Tracer.capture_lambda_handler does, once tracing is first needed."""
        traced: Callable[..., Any] | None = None

        @functools.wraps(handler)
        def run(event: Any, context: Any) -> Any:
            nonlocal traced
            if _disabled():
                return handler(event, context)
            if traced is None:
                traced = self.tracer.capture_lambda_handler(handler)
            return traced(event, context)

        return run  # type: ignore[return-value]
