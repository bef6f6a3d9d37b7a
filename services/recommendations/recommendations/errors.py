"""Recommendations' errors. GetInsights never fails an order: the saga falls back to defaults.

ModelError and its leaves never leave the function: each one sends the insight to the local
model, and its `reason` names the fallback in logs and metrics.
"""

from __future__ import annotations

from typing import ClassVar

from entrega_contracts.errors import TaskError


class RecommendationsError(TaskError):
    code = "RECOMMENDATIONS_ERROR"


class DependencyUnavailable(RecommendationsError):
    code = "DEPENDENCY_UNAVAILABLE"
    transient = True


class ConfigurationError(RecommendationsError):
    """A setting is present but unusable; raised on first use, so a bad deploy fails loudly."""

    code = "CONFIGURATION_INVALID"


class ModelError(RecommendationsError):
    """Amazon Bedrock could not give an answer this service is willing to use."""

    code = "MODEL_ERROR"
    reason: ClassVar[str] = "Error"


class ModelUnavailable(ModelError):
    code = "MODEL_UNAVAILABLE"
    reason = "Unavailable"


class ModelThrottled(ModelError):
    code = "MODEL_THROTTLED"
    reason = "Throttled"


class ModelTimedOut(ModelError):
    code = "MODEL_TIMED_OUT"
    reason = "Timeout"


class ModelAnswerInvalid(ModelError):
    """The model answered, but not with a tool call this service can parse and trust."""

    code = "MODEL_ANSWER_INVALID"
    reason = "BadAnswer"


class GuardrailIntervened(ModelError):
    """The Guardrail blocked what the model wrote; none of that answer is used."""

    code = "GUARDRAIL_INTERVENED"
    reason = "Guardrail"
