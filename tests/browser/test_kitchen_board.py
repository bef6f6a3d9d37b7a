"""The kitchen board (web/kitchen.html) in headless Chromium.

Two kinds of test. The first kind drives the board against GET /kitchen/orders and
POST /orders/{id}/progress answered by Playwright from real order views of the embedded
stack, to put it in states that are slow to reach for real (many orders, refusals). The
second kind runs the whole story on the real API: an order placed, seen on the board,
accepted there, and the customer's tracking page following.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from entrega_local.demo import sample_order
from intake.domain import order_id_for

STAFF_TOKEN = "staff.jwt.for-the-board"


def ref(order_id: str) -> str:
    return "#" + order_id.removeprefix("ord_")[:6].upper()


def column(page, name: str):
    return page.get_by_role("region", name=re.compile(f"^{name} \\("))


class KitchenApi:
    """GET /kitchen/orders and POST /orders/{id}/progress, answered as intake's API does."""

    def __init__(self, page, orders: list[dict]) -> None:
        self.orders = orders
        self.moves: list[dict] = []
        self.refuse_with: int | None = None
        page.route("**/kitchen/orders", self._list)
        page.route("**/orders/*/progress", self._progress)

    def _list(self, route) -> None:
        ranked = sorted(self.orders, key=lambda o: (-(o["priority"] or 0), o["placed_at"]))
        route.fulfill(json={"orders": ranked})

    def _progress(self, route) -> None:
        request = route.request
        order_id = request.url.split("/orders/")[1].split("/")[0]
        self.moves.append(
            {
                "order_id": order_id,
                "body": request.post_data_json,
                "authorization": request.headers.get("authorization"),
                "referer": request.headers.get("referer"),
                "url": request.url,
            }
        )
        if self.refuse_with:
            problem = {"status": self.refuse_with, "code": "INVALID_TRANSITION", "title": "no"}
            route.fulfill(status=self.refuse_with, json=problem)
            return
        moved = next(o for o in self.orders if o["order_id"] == order_id)
        moved["status"] = request.post_data_json["status"]
        route.fulfill(json=moved)


@pytest.fixture(scope="module")
def confirmed_view(stack) -> dict:
    """A real order view from the embedded stack, to shape the board's orders after."""
    from entrega_local.client import EntregaClient

    api = EntregaClient(stack.url, tokens=stack.token, shop=stack.shop_id)
    placed = api.place_order(sample_order(0), key="kitchen-board-view")
    return api.wait_until_settled(placed.body["order_id"])


def kitchen_order(view: dict, key: str, status: str, minutes_ago: int, priority: int) -> dict:
    placed = datetime.fromisoformat(view["placed_at"]) - timedelta(minutes=minutes_ago)
    shaped = json.loads(json.dumps(view))
    shaped.update(
        order_id=order_id_for(key),
        status=status,
        placed_at=placed.isoformat(),
        priority=priority,
        shop_id="cozinha-da-vila",
    )
    return shaped


def open_board(page, stack, token: str = STAFF_TOKEN, lang: str = "") -> None:
    extra = f"&lang={lang}" if lang else ""
    page.goto(f"{stack.web_url}/kitchen.html#token={token}{extra}")


def test_board_shows_each_status_in_its_column_by_priority_then_age(page, stack, confirmed_view):
    orders = [
        kitchen_order(confirmed_view, "old-low", "CONFIRMED", 20, 1),
        kitchen_order(confirmed_view, "new-high", "CONFIRMED", 2, 3),
        kitchen_order(confirmed_view, "older-high", "CONFIRMED", 9, 3),
        kitchen_order(confirmed_view, "cooking", "PREPARING", 30, 2),
        kitchen_order(confirmed_view, "done", "READY", 40, 1),
    ]
    KitchenApi(page, orders)

    open_board(page, stack)

    new = column(page, "Novos")
    expect(new.locator("h3")).to_have_text(
        [ref(order_id_for(key)) for key in ("older-high", "new-high", "old-low")]
    )
    expect(new.get_by_role("article").first).to_contain_text("Prioridade 3")
    expect(new.get_by_role("article").first).to_contain_text(
        "2\N{MULTIPLICATION SIGN} Feijoada completa"
    )
    expect(new.get_by_role("article").first).to_contain_text(re.compile(r"R\$\s123,90"))
    expect(column(page, "Aceitos")).to_contain_text("Nenhum pedido.")
    expect(column(page, "Em preparo").locator("h3")).to_have_text([ref(order_id_for("cooking"))])
    expect(column(page, "Prontos").locator("h3")).to_have_text([ref(order_id_for("done"))])
    expect(column(page, "Prontos").get_by_role("button")).to_have_count(0)
    expect(page.get_by_role("status")).to_contain_text("5 pedidos abertos.")


def test_accept_posts_accepted_with_the_staff_token_and_moves_the_card(page, stack, confirmed_view):
    order = kitchen_order(confirmed_view, "to-accept", "CONFIRMED", 5, 2)
    kitchen = KitchenApi(page, [order])
    open_board(page, stack)
    card = column(page, "Novos").get_by_role("article", name=ref(order["order_id"]))

    # Each button's name says which order it moves, for a screen reader's list of buttons.
    card.get_by_role("button", name=f"Aceitar {ref(order['order_id'])}", exact=True).click()

    accepted = column(page, "Aceitos").get_by_role("article", name=ref(order["order_id"]))
    expect(accepted.get_by_role("button", name="Começar preparo")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(f"Pedido {ref(order['order_id'])[1:]}: Aceitos")
    assert kitchen.moves[0]["body"] == {"status": "ACCEPTED"}
    assert kitchen.moves[0]["authorization"] == f"Bearer {STAFF_TOKEN}"
    assert STAFF_TOKEN not in kitchen.moves[0]["url"]
    assert STAFF_TOKEN not in (kitchen.moves[0]["referer"] or "")


def test_ready_button_moves_a_preparing_order_to_ready(page, stack, confirmed_view):
    order = kitchen_order(confirmed_view, "to-ready", "PREPARING", 5, 2)
    kitchen = KitchenApi(page, [order])
    open_board(page, stack, lang="en")

    column(page, "Preparing").get_by_role("button", name="Ready").click()

    expect(column(page, "Ready").locator("h3")).to_have_text([ref(order["order_id"])])
    assert kitchen.moves[0]["body"] == {"status": "READY"}


def test_refused_move_says_the_order_had_changed(page, stack, confirmed_view):
    order = kitchen_order(confirmed_view, "already-taken", "CONFIRMED", 5, 2)
    kitchen = KitchenApi(page, [order])
    kitchen.refuse_with = 409
    open_board(page, stack)

    column(page, "Novos").get_by_role("button", name="Aceitar").click()

    expect(page.get_by_role("alert")).to_have_text(
        f"O pedido {ref(order['order_id'])[1:]} já mudou; o quadro foi atualizado."
    )
    expect(column(page, "Novos").locator("h3")).to_have_text([ref(order["order_id"])])


def test_board_picks_up_a_new_order_without_a_click(page, stack, confirmed_view):
    kitchen = KitchenApi(page, [kitchen_order(confirmed_view, "first", "CONFIRMED", 9, 1)])
    open_board(page, stack)
    expect(column(page, "Novos").locator("h3")).to_have_count(1)

    kitchen.orders.append(kitchen_order(confirmed_view, "second", "CONFIRMED", 1, 5))

    expect(column(page, "Novos").locator("h3")).to_have_text(
        [ref(order_id_for("second")), ref(order_id_for("first"))]
    )


def test_each_card_links_to_its_saga_view_keeping_the_token_in_the_fragment(
    page, stack, confirmed_view
):
    order = kitchen_order(confirmed_view, "with-saga", "CONFIRMED", 5, 2)
    KitchenApi(page, [order])
    open_board(page, stack)

    link = column(page, "Novos").get_by_role("link", name="Ver saga")

    expect(link).to_have_attribute(
        "href", f"saga.html#order={order['order_id']}&token={STAFF_TOKEN}"
    )


def test_staff_accept_on_the_board_reaches_the_customers_page_live(
    new_tab, stack, api, place, staff
):
    order_id = place(sample_order(0))
    order = api.wait_until_settled(order_id)
    tracking, board = new_tab(), new_tab()
    customer = staff.token("customer", order["customer"]["id"])
    tracking.goto(f"{stack.web_url}/track.html#order={order_id}&token={customer}")
    expect(tracking.locator("#connection")).to_have_text("Atualizações ao vivo ligadas.")
    opened_at = tracking.evaluate("performance.timeOrigin")
    open_board(board, stack, staff.staff_token())
    card = column(board, "Novos").get_by_role("article", name=ref(order_id))

    card.get_by_role("button", name="Aceitar").click()

    accepted = column(board, "Aceitos").get_by_role("article", name=ref(order_id))
    expect(accepted).to_be_visible()
    expect(tracking.locator("#status-detail")).to_have_text("A cozinha aceitou seu pedido.")
    accepted.get_by_role("button", name="Começar preparo").click()
    expect(tracking.locator("#steps [aria-current=step]")).to_contain_text("Em preparo")
    column(board, "Em preparo").get_by_role("article", name=ref(order_id)).get_by_role(
        "button", name="Pronto"
    ).click()
    expect(column(board, "Prontos").get_by_role("article", name=ref(order_id))).to_be_visible()
    expect(tracking.locator("#status-detail")).to_have_text("Pronto: aguardando o entregador.")
    assert tracking.evaluate("performance.timeOrigin") == opened_at


def test_board_shows_a_real_confirmed_order_in_the_new_column(page, stack, api, place, staff):
    order_id = place(sample_order(2))
    api.wait_until_settled(order_id)

    open_board(page, stack, staff.staff_token())

    card = column(page, "Novos").get_by_role("article", name=ref(order_id))
    expect(card).to_contain_text("Feijoada completa")
    expect(card.get_by_role("button", name="Aceitar")).to_be_visible()


def test_board_with_a_customer_token_says_it_may_not(page, stack, staff):
    open_board(page, stack, staff.token("customer", "cus_a7k2m9"))

    expect(page.get_by_role("alert")).to_have_text(
        "Este token não permite ver ou mudar os pedidos da loja."
    )
