"""Turning a status change into the email a customer reads, from Jinja2 files per locale and status.

Amounts are formatted for the customer's locale by Babel; everything from outside is
escaped by the template engine.
"""

from __future__ import annotations

import functools
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from entrega_contracts.money import Money as Amount
from notifications.models import Message, Money, Recipient, StatusChange

TEMPLATES = Path(__file__).parent / "templates"
LOCALES = ("pt-BR", "en", "es")
DEFAULT_LOCALE = "pt-BR"
MAX_SUBJECT = 120

_REASONS = {
    "pt-BR": {
        "PAYMENT_DECLINED": "o pagamento foi recusado",
        "OUT_OF_STOCK": "alguns itens do pedido acabaram",
        "ORDER_INVALID": "alguns itens não estão disponíveis",
        "_": "tivemos um problema ao processar o pedido",
    },
    "en": {
        "PAYMENT_DECLINED": "the payment was declined",
        "OUT_OF_STOCK": "some items in your order ran out",
        "ORDER_INVALID": "some items are not available",
        "_": "we had a problem processing your order",
    },
    "es": {
        "PAYMENT_DECLINED": "el pago fue rechazado",
        "OUT_OF_STOCK": "algunos productos de tu pedido se agotaron",
        "ORDER_INVALID": "algunos productos no están disponibles",
        "_": "tuvimos un problema al procesar tu pedido",
    },
}


def template_locale(locale: str) -> str:
    if locale in LOCALES:
        return locale
    language = locale.split("-")[0]
    return next((known for known in LOCALES if known.split("-")[0] == language), DEFAULT_LOCALE)


@functools.cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
    )


def _money(value: Money, locale: str) -> str:
    return Amount(value.amount, value.currency).format(locale)


def render(change: StatusChange, recipient: Recipient, tracking_url: str) -> Message:
    """The email for this status in the recipient's language; raises if it has no template."""
    locale = template_locale(recipient.locale)
    template = _environment().get_template(f"{locale}/{change.status}.j2")
    reason_code = (change.reason or {}).get("code")
    context = {
        "customer_name": recipient.name.split()[0],
        "order_ref": change.order_id.removeprefix("ord_")[:6].upper(),
        "status": change.status,
        "items": [
            {
                "name": line.name,
                "quantity": line.quantity,
                "line_total": _money(line.line_total, locale),
            }
            for line in change.lines
        ],
        "total": _money(change.total, locale),
        "eta_minutes": change.eta_minutes,
        "personal_line": change.personal_line,
        "suggestions": [str(suggestion["name"]) for suggestion in change.suggestions],
        "reason": _REASONS[locale].get(reason_code or "", _REASONS[locale]["_"])
        if reason_code
        else None,
        "refunded": _money(change.refunded, locale) if change.refunded else None,
        "tracking_url": tracking_url,
    }
    parts = {
        part: "".join(template.blocks[part](template.new_context(context))).strip()
        for part in ("subject", "text", "html")
    }
    # The engine escapes for HTML everywhere; the subject and the text part are not HTML.
    subject = " ".join(Markup(parts["subject"]).unescape().split())[:MAX_SUBJECT]
    return Message(subject=subject, text=Markup(parts["text"]).unescape(), html=parts["html"])
