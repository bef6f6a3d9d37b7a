"""Notifications' errors. Raising one from the consumer makes Lambda retry the event."""

from __future__ import annotations

from entrega_contracts.errors import TaskError


class NotificationsError(TaskError):
    code = "NOTIFICATIONS_ERROR"


class RecipientUnknown(NotificationsError):
    """The status change arrived before the OrderPlaced that tells us who to write to."""

    code = "RECIPIENT_UNKNOWN"
    transient = True


class DeliveryFailed(NotificationsError):
    """The channel (SES, SNS) refused or failed the send; the event is retried."""

    code = "DELIVERY_FAILED"
    transient = True


class DependencyUnavailable(NotificationsError):
    code = "DEPENDENCY_UNAVAILABLE"
    transient = True
