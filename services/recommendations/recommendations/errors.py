"""Recommendations' errors. GetInsights never fails an order: the saga falls back to defaults."""

from __future__ import annotations

from entrega_contracts.errors import TaskError


class RecommendationsError(TaskError):
    code = "RECOMMENDATIONS_ERROR"


class DependencyUnavailable(RecommendationsError):
    code = "DEPENDENCY_UNAVAILABLE"
    transient = True
