"""Hostile input through the API: header injection in names and notes, and bodies built to hurt."""

from __future__ import annotations

from moto.ses.models import ses_backends

from entrega_local.demo import sample_order
from entrega_local.lambdas import ACCOUNT, REGION


def test_line_breaks_in_a_name_or_notes_cannot_add_mail_headers(api, stack, place):
    order = sample_order(0)
    order["customer"]["name"] = "Ana\r\nBcc: intruso@example.org\r\nSubject: ganhou"
    order["notes"] = "sem cebola\r\nBcc: intruso@example.org"

    order_id = place(order)
    api.wait_until_settled(order_id)
    stack.settle()

    ids = {
        sent["message_id"]
        for sent in api.order(order_id).body["notifications"]
        if sent["channel"] == "email"
    }
    raw = [m for m in ses_backends[ACCOUNT][REGION].sent_messages if m.id in ids]
    assert raw
    for message in raw:
        headers = message.raw_data.split("\n\n", 1)[0] if isinstance(message.raw_data, str) else ""
        assert "intruso@example.org" not in headers
        assert set(message.destinations) == {"ana.souza@example.com.br"}
        assert "ganhou" not in headers


def test_an_order_view_never_shows_contact_details(api, place):
    order_id = place(sample_order(1))

    body = (
        api.order(order_id).text
        if hasattr(api.order(order_id), "text")
        else str(api.order(order_id).body)
    )

    assert "rafael.santos@example.com.br" not in body
    assert "+55" not in body
