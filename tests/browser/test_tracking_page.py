"""The order-tracking page (web/track.html) in headless Chromium, on the embedded stack."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from entrega_local.demo import sample_order

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
TIMES = "\N{MULTIPLICATION SIGN}"


def track(page, stack, order_id: str, token: str = "", lang: str = "") -> None:
    """Open the page as the customer's link does: order id and token in the fragment."""
    extra = "".join(f"&{key}={value}" for key, value in (("token", token), ("lang", lang)) if value)
    page.goto(f"{stack.web_url}/track.html#order={order_id}{extra}")


def amount(text: str) -> re.Pattern[str]:
    """An amount as Intl prints it: the space after the symbol is a no-break space."""
    return re.compile("^" + re.escape(text).replace(r"\ ", r"\s") + "$")


def arrival(order: dict) -> str:
    placed = datetime.fromisoformat(order["placed_at"])
    return (
        (placed + timedelta(minutes=order["eta_minutes"])).astimezone(SAO_PAULO).strftime("%H:%M")
    )


def test_confirmed_order_shows_its_step_eta_items_total_and_suggestions(
    page, stack, api, place, staff
):
    order_id = place(sample_order(0))
    order = api.wait_until_settled(order_id)

    track(page, stack, order_id, staff.token("customer", order["customer"]["id"]))

    assert order["status"] == "CONFIRMED"
    expect(page.locator("#steps [aria-current=step]")).to_contain_text("Confirmado")
    expect(page.locator("#steps .done")).to_have_text([re.compile("^Pedido feito")])
    expect(page.locator("#status-detail")).to_have_text(
        "Pagamento aprovado: o pedido foi para a cozinha."
    )
    expect(page.locator("#eta")).to_contain_text(f"Previsão de entrega: {arrival(order)}")
    expect(page.locator("#items tbody tr")).to_have_text(
        [
            re.compile(rf"2{TIMES}\s*Feijoada completa\s*R\$\s109,80"),
            re.compile(rf"2{TIMES}\s*Guaraná lata 350 ml\s*R\$\s14,10"),
        ]
    )
    expect(page.locator("#total")).to_have_text(amount("R$ 123,90"))
    expect(page.locator("#suggestions li")).to_have_text(
        [suggestion["name"] for suggestion in order["suggestions"]]
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Acompanhe seu pedido")


def test_page_follows_the_order_over_the_websocket_without_reloading(
    page, stack, api, place, staff
):
    order_id = place(sample_order(0))
    customer = api.wait_until_settled(order_id)["customer"]["id"]
    track(page, stack, order_id, staff.token("customer", customer))
    expect(page.locator("#connection")).to_have_text("Atualizações ao vivo ligadas.")
    expect(page.locator("#steps [aria-current=step]")).to_contain_text("Confirmado")
    opened_at = page.evaluate("performance.timeOrigin")

    staff.move(order_id, "PREPARING")

    expect(page.locator("#steps [aria-current=step]")).to_contain_text("Em preparo")
    expect(page.get_by_role("status").first).to_contain_text(
        "A cozinha está preparando seu pedido."
    )
    expect(page.locator("#steps .done")).to_have_text(
        [re.compile("^Pedido feito"), re.compile("^Confirmado")]
    )
    assert page.evaluate("performance.timeOrigin") == opened_at


def test_declined_order_says_why_it_stopped_and_that_nothing_was_charged(
    page, stack, api, place, staff
):
    order_id = place(sample_order(1, method="pm_card_chargeDeclined"))
    order = api.wait_until_settled(order_id)

    track(page, stack, order_id, staff.token("customer", order["customer"]["id"]))

    assert order["status"] == "REJECTED"

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Pedido recusado")
    expect(alert).to_contain_text("O pagamento foi recusado.")
    expect(alert).to_contain_text("Nada foi cobrado.")
    expect(page.locator("#steps [aria-current=step]")).to_have_count(0)
    expect(page.locator("#eta")).to_be_hidden()


def test_page_speaks_english_when_asked_and_keeps_the_customers_money_format(
    page, stack, api, place, staff
):
    order_id = place(sample_order(1, method="pm_card_chargeDeclined"))
    customer = api.wait_until_settled(order_id)["customer"]["id"]

    track(page, stack, order_id, staff.token("customer", customer), lang="en")

    expect(page.get_by_role("heading", level=1)).to_have_text("Track your order")
    expect(page.get_by_role("alert")).to_contain_text("The payment was declined.")
    expect(page.get_by_role("alert")).to_contain_text("Nothing was charged.")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    # The customer's locale is pt-BR, so the amounts stay as that customer writes them.
    expect(page.locator("#total")).to_have_text(amount("R$ 123,90"))


def test_switching_language_rewrites_the_page_in_place(page, stack, api, place, staff):
    order_id = place(sample_order(0))
    customer = api.wait_until_settled(order_id)["customer"]["id"]
    track(page, stack, order_id, staff.token("customer", customer))
    expect(page.locator("#steps [aria-current=step]")).to_contain_text("Confirmado")

    page.get_by_role("navigation", name="Idioma").get_by_role("link", name="English").click()

    expect(page.locator("#steps [aria-current=step]")).to_contain_text("Confirmed")
    expect(page.get_by_role("navigation", name="Language")).to_be_visible()


def test_unknown_order_says_it_was_not_found(page, stack, staff):
    track(page, stack, "ord_doesnotexist0000000000000", staff.token("customer", "cus_a7k2m9"))

    expect(page.get_by_role("alert")).to_have_text("Não encontramos este pedido.")


def test_page_without_an_order_id_says_how_to_open_it(page, stack):
    page.goto(f"{stack.web_url}/track.html")

    expect(page.get_by_role("alert")).to_have_text("Abra esta página pelo link do seu pedido.")


def test_delivered_order_has_every_step_behind_it_and_no_eta(page, stack, api, place, staff):
    order_id = place(sample_order(0))
    customer = api.wait_until_settled(order_id)["customer"]["id"]
    staff.move(order_id, "DELIVERED")

    track(page, stack, order_id, staff.token("customer", customer))

    expect(page.locator("#status-detail")).to_have_text("Pedido entregue. Bom apetite!")
    expect(page.locator("#steps [aria-current=step]")).to_contain_text("Entregue")
    expect(page.locator("#steps .done")).to_have_count(4)
    expect(page.locator("#eta")).to_be_hidden()


def test_page_catches_up_after_its_socket_drops(page, stack, api, place, staff):
    order_id = place(sample_order(0))
    customer = api.wait_until_settled(order_id)["customer"]["id"]
    track(page, stack, order_id, staff.token("customer", customer))
    expect(page.locator("#connection")).to_have_text("Atualizações ao vivo ligadas.")

    for connection_id in list(stack.sockets.connections):
        stack.sockets.manage("DELETE", connection_id, b"")
    expect(page.locator("#connection")).to_have_text("Sem conexão ao vivo; reconectando…")
    staff.move(order_id, "PREPARING")

    expect(page.locator("#steps [aria-current=step]")).to_contain_text("Em preparo")
    expect(page.locator("#connection")).to_have_text("Atualizações ao vivo ligadas.")


@pytest.mark.parametrize(
    ("status", "step", "sentence"),
    [
        ("AWAITING_PAYMENT_ACTION", "Pedido feito", "Aguardando você confirmar o pagamento"),
        ("ACCEPTED", "Confirmado", "A cozinha aceitou seu pedido."),
        ("READY", "Em preparo", "Pronto: aguardando o entregador."),
    ],
)
def test_the_kitchen_statuses_sit_on_the_step_they_belong_to(
    page, stack, api, place, status, step, sentence
):
    order_id = place(sample_order(0))
    view = api.wait_until_settled(order_id)
    reached = {"AWAITING_PAYMENT_ACTION": ["PLACED"], "ACCEPTED": ["PLACED", "CONFIRMED"]}
    earlier = reached.get(status, ["PLACED", "CONFIRMED", "ACCEPTED", "PREPARING"])
    at = view["timeline"][-1]["at"]
    view.update(
        status=status,
        timeline=[*({"status": name, "at": at} for name in earlier), {"status": status, "at": at}],
    )
    # Orders are put in these statuses by the browser answering for the API, to test the page alone.
    page.route(f"**/orders/{order_id}", lambda route: route.fulfill(json=view))

    track(page, stack, order_id)

    expect(page.locator("#steps [aria-current=step]")).to_contain_text(step)
    expect(page.locator("#status-detail")).to_contain_text(sentence)
