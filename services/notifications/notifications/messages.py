"""Turning a status change into what a customer reads, from Jinja2 files per locale and status.

`<locale>/<STATUS>.j2` is the email (subject, text and HTML blocks), `<locale>/sms/<STATUS>.j2`
the SMS. Amounts are formatted for the customer's locale by Babel and times in their time
zone; in the email everything from outside is escaped by the template engine.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from babel.dates import format_datetime, format_time
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from markupsafe import Markup

from entrega_contracts.money import Money as Amount
from notifications import contacts, sms
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
def _environment(autoescape: bool) -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
    )


def _money(value: Money, locale: str) -> str:
    return Amount(value.amount, value.currency).format(locale)


def _context(change: StatusChange, recipient: Recipient, tracking_url: str) -> dict[str, Any]:
    locale = template_locale(recipient.locale)
    babel_locale = locale.replace("-", "_")
    zone = contacts.time_zone(recipient)
    reason_code = (change.reason or {}).get("code")
    arrival = _arrival(change, recipient)
    return {
        "customer_name": recipient.name.split()[0],
        "order_ref": change.order_id.removeprefix("ord_")[:6].upper(),
        "status": change.status,
        "status_time": format_datetime(
            change.occurred_at, "short", tzinfo=zone, locale=babel_locale
        ),
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
        "eta_time": format_time(arrival, "short", tzinfo=zone, locale=babel_locale)
        if arrival
        else None,
        "personal_line": change.personal_line,
        "suggestions": [str(suggestion["name"]) for suggestion in change.suggestions],
        "reason": _REASONS[locale].get(reason_code or "", _REASONS[locale]["_"])
        if reason_code
        else None,
        "refunded": _money(change.refunded, locale) if change.refunded else None,
        "tracking_url": tracking_url,
    }


def _arrival(change: StatusChange, recipient: Recipient) -> datetime | None:
    """When the order should arrive: GetInsights' estimate counts from the order's placement."""
    if change.eta_minutes is None or recipient.placed_at is None:
        return None
    return recipient.placed_at + timedelta(minutes=change.eta_minutes)


def _template(locale: str, name: str, autoescape: bool) -> Template:
    return _environment(autoescape).get_template(f"{template_locale(locale)}/{name}.j2")


def _block(template: Template, name: str, context: dict[str, Any]) -> str:
    return "".join(template.blocks[name](template.new_context(context))).strip()


def _one_line(text: str, limit: int) -> str:
    """The text on one line, cut at a word and ended with '…' if it is longer than `limit`."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    return (cut[: cut.rindex(" ")] if " " in cut else cut).rstrip(" ,.;:-\u2013") + "\u2026"


def render(change: StatusChange, recipient: Recipient, tracking_url: str) -> Message:
    """The email for this status in the recipient's language; raises if it has no template."""
    template = _template(recipient.locale, change.status, autoescape=True)
    context = _context(change, recipient, tracking_url)
    parts = {part: _block(template, part, context) for part in ("subject", "text", "html")}
    # The engine escapes for HTML everywhere; the subject and the text part are not HTML.
    return Message(
        subject=_one_line(Markup(parts["subject"]).unescape(), MAX_SUBJECT),
        text=Markup(parts["text"]).unescape(),
        html=parts["html"],
    )


def render_sms(change: StatusChange, recipient: Recipient, tracking_url: str) -> Message:
    """The SMS for this status: a few segments at most, whatever the names it carries.

    If the suggestions make it too long they are dropped before anything is cut.
    """
    template = _template(recipient.locale, f"sms/{change.status}", autoescape=False)
    context = _context(change, recipient, tracking_url)
    text = sms.to_gsm7(" ".join(template.render(context).split()))
    if sms.segments(text) > sms.MAX_SEGMENTS and context["suggestions"]:
        text = sms.to_gsm7(" ".join(template.render({**context, "suggestions": []}).split()))
    return Message(subject="", text=sms.fit(text))


def render_push(change: StatusChange, recipient: Recipient, tracking_url: str) -> Message:
    """What the order-tracking page receives: the email's headline and the facts, no contact
    data (anyone with the order id may open the page)."""
    template = _template(recipient.locale, change.status, autoescape=True)
    context = _context(change, recipient, tracking_url)
    title = _one_line(Markup(_block(template, "headline", context)).unescape(), MAX_SUBJECT)
    return Message(
        subject=title,
        text=title,
        data={
            "type": "order.status",
            "order_id": change.order_id,
            "status": change.status,
            "occurred_at": change.occurred_at.isoformat(),
            "status_time": context["status_time"],
            "eta_time": context["eta_time"],
            "title": title,
        },
    )
