"""What payments' rules need from the outside world, and the shapes that cross that edge.

The domain modules depend on these protocols only; `store` and `adapters` implement them
(DynamoDB, the bus, Stripe, PayPal and the simulator), and the tests pass fakes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from payments.models import LedgerEntry, LedgerStatus


@dataclass(frozen=True, slots=True)
class ProviderCharge:
    """A capture as the provider reports it; `amount` is in Entrega's minor units."""

    charge_id: str
    amount: int
    currency: str
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class ProviderRefund:
    refund_id: str
    amount: int


@dataclass(frozen=True, slots=True)
class ProviderVoid:
    """The answer to voiding a payment that waited for the customer.

    `captured` is set when the customer finished paying before the void arrived, in which
    case nothing was voided and the capture has to be refunded instead.
    """

    captured: ProviderCharge | None = None


class PaymentProvider(Protocol):
    name: str

    def charge(
        self, amount: int, currency: str, method: str, order_id: str, idempotency_key: str
    ) -> ProviderCharge:
        """Capture `amount` minor units, or raise CardDeclined or AuthenticationNeeded.

        The same key never charges twice: a repeat returns the first capture.
        """
        ...

    def refund(self, charge_id: str, amount: int, idempotency_key: str) -> ProviderRefund: ...

    def void(self, charge_id: str, idempotency_key: str) -> ProviderVoid: ...


class Ledger(Protocol):
    def entry(self, order_id: str) -> LedgerEntry | None: ...

    def open_charge(self, entry: LedgerEntry) -> LedgerEntry:
        """Record a PENDING charge, or return the entry that already exists for the order."""
        ...

    def settle(self, order_id: str, expected: LedgerStatus, **changes: object) -> LedgerEntry:
        """Move the entry from `expected` to new values; LedgerConflict if it is not there.

        Returns the entry as it is right after the write.
        """
        ...


class EventAlreadyRecorded(Exception):
    """The ledger has already applied this provider event."""


class EventLedger(Ledger, Protocol):
    """The ledger as webhooks use it: each provider event is applied at most once."""

    def entry_for_charge(self, charge_id: str) -> LedgerEntry | None: ...

    def record_event(
        self, order_id: str, event_id: str, version: int, state: str, **changes: object
    ) -> LedgerEntry:
        """Apply `changes` and remember `event_id` with `state`, in one conditional write.

        Raises EventAlreadyRecorded if the event is known, LedgerConflict if the entry
        changed since `version` was read.
        """
        ...

    def mark_announced(self, order_id: str, event_id: str) -> None: ...


class PaymentEvents(Protocol):
    def publish(self, detail_type: str, detail: dict[str, Any]) -> None:
        """Put one event on the bus; raises if it was not accepted."""
        ...
