"""`entrega demo`: real orders, over HTTP, through the real saga on the embedded stack.

Each scenario places an order the way a customer's app would, waits for the saga, and
shows the order's timeline and the emails the customer received. A summary table (or
JSON with --json) says whether each scenario ended as it should.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from entrega_local import seed
from entrega_local.client import EntregaClient
from entrega_local.stack import EmbeddedStack


@dataclass
class Outcome:
    scenario: str
    expected: str
    got: str
    order_id: str | None = None
    checks: dict[str, bool] = field(default_factory=dict)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    emails: list[dict[str, str]] = field(default_factory=list)
    texts: list[dict[str, str]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.got == self.expected and all(self.checks.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "expected": self.expected,
            "got": self.got,
            "passed": self.passed,
            "order_id": self.order_id,
            "checks": self.checks,
            "timeline": [entry["status"] for entry in self.timeline],
            "emails": [email["subject"] for email in self.emails],
            "texts": [text["body"] for text in self.texts],
        }


def sample_order(
    customer_index: int = 0, items: list[dict[str, Any]] | None = None, method: str = "pm_card_visa"
) -> dict[str, Any]:
    """An order as a customer's app sends it, for one of the sample customers."""
    customer = seed.customers()[customer_index]
    return {
        "customer": {key: customer[key] for key in ("id", "name", "email", "phone", "locale")},
        "items": items
        or [{"sku": "feijoada-completa", "quantity": 2}, {"sku": "guarana-lata", "quantity": 2}],
        "delivery_address": dict(customer["address"]),
        "payment": {"provider": "stripe", "method": method},
        "notes": "Sem cebola, por favor.",
    }


class Demo:
    def __init__(self, stack: EmbeddedStack) -> None:
        self.stack = stack
        self.api = EntregaClient(stack.url, tokens=stack.token, shop=stack.shop_id)
        self._first_id = ""

    def run(self) -> list[Outcome]:
        scenarios: list[Callable[[], Outcome]] = [
            self.delivered,
            self.declined,
            self.out_of_stock,
            self.invalid,
            self.repeated,
            self.confirm_fails,
            self.cancelled,
        ]
        return [scenario() for scenario in scenarios]

    def _finish(self, outcome: Outcome, order_id: str) -> Outcome:
        self.stack.settle()
        body = self.api.order(order_id).body
        outcome.order_id = order_id
        outcome.got = body["status"]
        outcome.timeline = body["timeline"]
        outcome.emails = self._emails(body)
        outcome.texts = self._texts(body)
        return outcome

    def _emails(self, order: dict[str, Any]) -> list[dict[str, str]]:
        ids = {sent["message_id"] for sent in order["notifications"]}
        return [
            {"to": email.to, "subject": email.subject, "body": email.text}
            for email in self.stack.sent_emails()
            if email.message_id in ids
        ]

    def _texts(self, order: dict[str, Any]) -> list[dict[str, str]]:
        ids = {sent["message_id"] for sent in order["notifications"] if sent["channel"] == "sms"}
        return [
            {"to": sms.to, "body": sms.text}
            for sms in self.stack.sent_sms()
            if sms.message_id in ids
        ]

    def delivered(self) -> Outcome:
        placed = self.api.place_order(sample_order(0), key="demo-delivered")
        order_id = self._first_id = placed.body["order_id"]
        confirmed = self.api.wait_until_settled(order_id)
        outcome = Outcome(
            "1. paid with pm_card_visa, then delivered", "DELIVERED", confirmed["status"]
        )
        if confirmed["status"] == "CONFIRMED":
            for status in ("ACCEPTED", "PREPARING", "READY", "OUT_FOR_DELIVERY", "DELIVERED"):
                outcome.checks[f"progress to {status}"] = (
                    self.api.progress(order_id, status).status == 200
                )
        outcome.checks["charged once"] = confirmed.get("payment", {}).get("status") == "CAPTURED"
        return self._finish(outcome, order_id)

    def cancelled(self) -> Outcome:
        before = self.api.catalog()
        placed = self.api.place_order(sample_order(3))
        order_id = placed.body["order_id"]
        confirmed = self.api.wait_until_settled(order_id)
        outcome = Outcome("7. cancelled by the customer while preparing", "CANCELLED", "")
        if confirmed["status"] == "CONFIRMED":
            for status in ("ACCEPTED", "PREPARING"):
                outcome.checks[f"progress to {status}"] = (
                    self.api.progress(order_id, status).status == 200
                )
            outcome.checks["cancel answers 202"] = (
                self.api.cancel(order_id, "mudei de ideia").status == 202
            )
        self.stack.settle()
        body = self.api.order(order_id).body
        outcome.checks["refunded"] = body["payment"]["status"] == "REFUNDED"
        outcome.checks["stock as before"] = _stock(self.api.catalog()) == _stock(before)
        return self._finish(outcome, order_id)

    def declined(self) -> Outcome:
        before = self.api.catalog()
        placed = self.api.place_order(sample_order(1, method="pm_card_chargeDeclined"))
        order_id = placed.body["order_id"]
        body = self.api.wait_until_settled(order_id)
        outcome = Outcome("2. card declined", "REJECTED", body["status"])
        outcome.checks["not charged"] = body["payment"]["status"] == "NOT_CHARGED"
        outcome.checks["stock as before"] = _stock(self.api.catalog()) == _stock(before)
        return self._finish(outcome, order_id)

    def out_of_stock(self) -> Outcome:
        scarce = min(
            (item for item in self.api.catalog().values() if item["on_sale"]),
            key=lambda item: item["available"],
        )
        items = [{"sku": scarce["sku"], "quantity": scarce["available"] + 2}]
        placed = self.api.place_order(sample_order(2, items=items))
        order_id = placed.body["order_id"]
        body = self.api.wait_until_settled(order_id)
        outcome = Outcome(f"3. more {scarce['sku']} than in stock", "REJECTED", body["status"])
        outcome.checks["rejected as out of stock"] = (body["timeline"][-1].get("reason") or {}).get(
            "code"
        ) == "OUT_OF_STOCK"
        outcome.checks["not charged"] = body["payment"]["status"] == "NOT_CHARGED"
        return self._finish(outcome, order_id)

    def invalid(self) -> Outcome:
        order = sample_order(
            3,
            items=[
                {"sku": "feijoada-completa", "quantity": -1},
                {"sku": "lasanha-de-marte", "quantity": 1},
            ],
        )
        del order["delivery_address"]["postal_code"]
        stored_before = self.stack.count_items("intake", "OrdersTableName")
        answer = self.api.place_order(order)
        fields = sorted(error["field"] for error in answer.body.get("errors", []))
        outcome = Outcome("4. invalid order", "422", str(answer.status))
        outcome.checks["three fields listed"] = fields == [
            "delivery_address.postal_code",
            "items[0].quantity",
            "items[1].sku",
        ]
        outcome.checks["nothing stored"] = (
            self.stack.count_items("intake", "OrdersTableName") == stored_before
        )
        outcome.emails = [
            {"to": "", "subject": f"{e['field']}: {e['message']}", "body": ""}
            for e in answer.body.get("errors", [])
        ]
        return outcome

    def repeated(self) -> Outcome:
        charges_before = self.stack.count_items("payments", "LedgerTableName")
        again = self.api.place_order(sample_order(0), key="demo-delivered")
        order_id = again.body["order_id"]
        first = self.api.order(order_id).body
        self.stack.settle()
        outcome = Outcome("5. first order sent again, same Idempotency-Key", "DELIVERED", "")
        outcome.checks["202 again"] = again.status == 202
        outcome.checks["same order id"] = (
            first["timeline"][0]["status"] == "PLACED" and self._first_id == order_id
        )
        outcome.checks["still one charge"] = (
            self.stack.count_items("payments", "LedgerTableName") == charges_before
        )
        return self._finish(outcome, order_id)

    def confirm_fails(self) -> Outcome:
        before = self.api.catalog()
        self.stack.faults.inject("ConfirmOrder", times=1)
        placed = self.api.place_order(
            sample_order(4, items=[{"sku": "pizza-calabresa", "quantity": 1}])
        )
        order_id = placed.body["order_id"]
        body = self.api.wait_until_settled(order_id)
        outcome = Outcome(
            "6. ConfirmOrder fails after payment (injected)", "FAILED", body["status"]
        )
        outcome.checks["refunded"] = body["payment"].get("status") == "REFUNDED"
        outcome.checks["stock released"] = _stock(self.api.catalog()) == _stock(before)
        return self._finish(outcome, order_id)


def _stock(catalog: dict[str, dict[str, Any]]) -> dict[str, int]:
    return {sku: item["available"] for sku, item in catalog.items()}


def show(outcomes: list[Outcome], console: Console) -> None:
    for outcome in outcomes:
        lines = [f"[bold]{outcome.order_id or 'no order stored'}[/]  ->  {outcome.got}"]
        for entry in outcome.timeline:
            reason = entry.get("reason") or {}
            note = f"  ({reason.get('code')}: {reason.get('message')})" if reason else ""
            lines.append(f"  {entry['at'][11:23]}  {entry['status']}{note}")
        for text in outcome.texts:
            lines.append(f"  [magenta]✆ {text['to']}[/]  {text['body']}")
        for email in outcome.emails:
            lines.append(
                f"  [cyan]✉ {email['to']}[/]  {email['subject']}"
                if email["to"]
                else f"  [red]✗[/] {email['subject']}"
            )
        console.print(Panel("\n".join(lines), title=outcome.scenario, expand=False))
    if outcomes and outcomes[0].emails:
        console.print(
            Panel(
                outcomes[0].emails[1]["body"].strip(),
                title="scenario 1: the CONFIRMED email, as the customer reads it",
            )
        )
    console.print(summary(outcomes))


def summary(outcomes: list[Outcome]) -> Table:
    table = Table(title="Entrega demo")
    for column in ("scenario", "expected", "got", "checks", "result"):
        table.add_column(column)
    for outcome in outcomes:
        checks = ", ".join(f"{name} {'✓' if ok else '✗'}" for name, ok in outcome.checks.items())
        table.add_row(
            outcome.scenario,
            outcome.expected,
            outcome.got,
            checks,
            "[green]ok[/]" if outcome.passed else "[red]FAILED[/]",
        )
    return table
