"""Notifications' errors. Raising a transient one from a consumer makes Lambda retry the event;
the API answers the others with their `http_status` and stable `code`."""

from __future__ import annotations

from typing import ClassVar

from entrega_contracts.errors import TaskError


class NotificationsError(TaskError):
    code = "NOTIFICATIONS_ERROR"
    http_status: ClassVar[int] = 500


class RecipientUnknown(NotificationsError):
    """The status change arrived before the OrderPlaced that tells us who to write to."""

    code = "RECIPIENT_UNKNOWN"
    transient = True


class DeliveryFailed(NotificationsError):
    """The channel (SES, SNS, the WebSocket API) refused or failed the send; it is retried."""

    code = "DELIVERY_FAILED"
    transient = True


class DependencyUnavailable(NotificationsError):
    code = "DEPENDENCY_UNAVAILABLE"
    transient = True
    http_status = 503


class MalformedRequest(NotificationsError):
    code = "MALFORMED_REQUEST"
    http_status = 400


class PreferencesInvalid(NotificationsError):
    """The preferences break one or more rules; `details` lists each bad field. Nothing is saved."""

    code = "PREFERENCES_INVALID"
    http_status = 422


class TrackingRefused(NotificationsError):
    """A tracking page tried to connect without a well-formed order id."""

    code = "TRACKING_REFUSED"
    http_status = 400
