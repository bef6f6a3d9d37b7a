"""An order's payment as the payments API shows it: amounts and states, never the method token."""

from __future__ import annotations

from typing import Any

from payments.models import LedgerEntry


def payment_view(entry: LedgerEntry) -> dict[str, Any]:
    def money(amount: int) -> dict[str, Any]:
        return {"amount": amount, "currency": entry.currency}

    return {
        "order_id": entry.order_id,
        "provider": entry.provider,
        "status": entry.status.value,
        "charge_id": entry.charge_id,
        "amount": money(entry.amount),
        "captured": money(entry.captured_amount),
        "refunded": money(entry.refunded_amount),
        "refunds": [
            {
                "amount": money(record.amount or 0),
                "refund_id": record.refund_id,
                "by": record.source,
            }
            for record in entry.refunds
        ],
        "pending_refund": entry.pending_refund is not None,
        "decline_code": entry.decline_code,
        "action": entry.action,
        "updated_at": entry.updated_at,
    }
