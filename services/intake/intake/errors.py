"""Intake's errors: each carries the HTTP status the API answers with and a stable code."""

from __future__ import annotations

from typing import ClassVar

from entrega_contracts.errors import TaskError


class IntakeError(TaskError):
    code = "INTAKE_ERROR"
    http_status: ClassVar[int] = 400


class MalformedRequest(IntakeError):
    code = "MALFORMED_REQUEST"


class IdempotencyKeyMissing(IntakeError):
    code = "IDEMPOTENCY_KEY_MISSING"


class IdempotencyKeyReused(IntakeError):
    """The key was first used with another body; nothing was changed."""

    code = "IDEMPOTENCY_KEY_REUSED"
    http_status = 409


class RequestInProgress(IntakeError):
    """The first request with this key is still being handled."""

    code = "REQUEST_IN_PROGRESS"
    http_status = 409


class OrderInvalid(IntakeError):
    """The order breaks one or more rules; `details` lists each bad field. Nothing was stored."""

    code = "ORDER_INVALID"
    http_status = 422


class PayloadTooLarge(IntakeError):
    code = "PAYLOAD_TOO_LARGE"
    http_status = 413


class OrderNotFound(IntakeError):
    code = "ORDER_NOT_FOUND"
    http_status = 404


class Unauthenticated(IntakeError):
    """No verified identity came with the request (the authorizer's claims are missing)."""

    code = "UNAUTHENTICATED"
    http_status = 401


class Forbidden(IntakeError):
    """The caller is a party to the order but their role may not do this."""

    code = "FORBIDDEN"
    http_status = 403


class InvalidTransition(IntakeError):
    """The order cannot move to the asked status from where it is; nothing was changed."""

    code = "INVALID_TRANSITION"
    http_status = 409


class DependencyUnavailable(IntakeError):
    """A table, the bus, the catalog or the saga could not be reached; safe to retry."""

    code = "DEPENDENCY_UNAVAILABLE"
    http_status = 503
    transient = True


class PaymentActionExpired(IntakeError):
    """The order's stock hold ran out before the customer finished authenticating the payment."""

    code = "PAYMENT_ACTION_EXPIRED"
    http_status = 409


class PaymentAuthenticationFailed(IntakeError):
    """The provider reported that the payment the customer was authenticating failed."""

    code = "PAYMENT_DECLINED"
    http_status = 409
