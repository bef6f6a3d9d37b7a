"""The saga view (web/saga.html): the workflow drawn from its ASL, and the path an order took."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from entrega_local.demo import sample_order
from intake.domain import order_id_for

START = ["StartSaga", "ResumedAfterWait", "ValidateOrder", "ReserveStock"]
CHARGED = [*START, "GetInsights", "ChargePayment", "PaymentNeedsCustomer"]


def open_saga(page, stack, staff, order_id: str, lang: str = "") -> None:
    """Open the view as the board's link does, with the staff's token in the fragment."""
    extra = "".join(
        f"&{key}={value}"
        for key, value in (("token", staff.staff_token()), ("lang", lang))
        if value
    )
    page.goto(f"{stack.web_url}/saga.html#order={order_id}{extra}")


def taken_in_diagram(page) -> list[str]:
    return page.locator("svg .state.taken text").all_text_contents()


def test_confirmed_order_took_the_path_of_success(page, stack, api, place, staff):
    order_id = place(sample_order(0))
    api.wait_until_settled(order_id)

    open_saga(page, stack, staff, order_id)

    path = [*CHARGED, "ConfirmOrder", "OrderConfirmed"]
    expect(page.locator("#path li")).to_have_text(path)
    assert sorted(taken_in_diagram(page)) == sorted(path)
    expect(page.locator("svg .state text")).to_have_count(26)
    expect(page.locator("#uncertain")).to_be_hidden()


def test_declined_payment_releases_the_stock_then_rejects(page, stack, api, place, staff):
    order_id = place(sample_order(1, method="pm_card_chargeDeclined"))
    api.wait_until_settled(order_id)

    open_saga(page, stack, staff, order_id)

    path = [*CHARGED[:-1], "ReleaseStockAfterDecline", "RejectOrder", "OrderRejected"]
    expect(page.locator("#path li")).to_have_text(path)
    assert sorted(taken_in_diagram(page)) == sorted(path)


def test_out_of_stock_is_rejected_right_after_the_reservation(page, stack, api, place, staff):
    scarce = min(
        (item for item in api.catalog().values() if item["on_sale"]),
        key=lambda item: item["available"],
    )
    items = [{"sku": scarce["sku"], "quantity": scarce["available"] + 1}]
    order_id = place(sample_order(2, items=items))
    api.wait_until_settled(order_id)

    open_saga(page, stack, staff, order_id)

    expect(page.locator("#path li")).to_have_text([*START, "RejectOrder", "OrderRejected"])


def test_failure_after_the_charge_shows_the_refund_compensation(page, stack, api, place, staff):
    key = f"saga-{uuid.uuid4()}"
    stack.faults.inject("ConfirmOrder", order_id=order_id_for(key))
    order_id = place(sample_order(0), key=key)
    assert api.wait_until_settled(order_id)["status"] == "FAILED"

    open_saga(page, stack, staff, order_id)

    compensated = ["RefundPayment", "ReleaseStockAfterFailure", "MarkFailed", "OrderFailed"]
    expect(page.locator("#path li")).to_have_text([*CHARGED, "ConfirmOrder", *compensated])


def test_failure_before_any_charge_names_the_steps_it_may_have_been(page, stack, api, place, staff):
    key = f"saga-{uuid.uuid4()}"
    stack.faults.inject("ReserveStock", order_id=order_id_for(key))
    order_id = place(sample_order(0), key=key)
    assert api.wait_until_settled(order_id)["status"] == "FAILED"

    open_saga(page, stack, staff, order_id)

    expect(page.locator("#path li")).to_have_text(
        ["StartSaga", "ResumedAfterWait", "MarkFailed", "OrderFailed"]
    )
    expect(page.locator("#uncertain")).to_have_text(
        "O pedido não diz em qual destes passos a saga falhou: "
        "ValidateOrder, ReserveStock, ChargePayment."
    )
    assert page.locator("svg .state.maybe text").all_text_contents() == [
        "ValidateOrder",
        "ReserveStock",
        "ChargePayment",
    ]


def test_an_order_waiting_for_its_payment_stopped_at_the_wait(page, stack, api, place, staff):
    order_id = place(sample_order(0, method="pm_card_authenticationRequired"))
    assert api.wait_until_settled(order_id)["status"] == "AWAITING_PAYMENT_ACTION"

    open_saga(page, stack, staff, order_id)

    waited = ["AwaitPaymentAction", "OrderAwaitingPayment"]
    expect(page.locator("#path li")).to_have_text([*CHARGED, *waited])
    expect(page.locator("#uncertain")).to_be_hidden()


def test_progress_after_the_saga_is_said_beside_the_path(page, stack, api, place, staff):
    order_id = place(sample_order(0))
    api.wait_until_settled(order_id)
    staff.move(order_id, "PREPARING")

    open_saga(page, stack, staff, order_id, lang="en")

    expect(page.get_by_role("heading", level=1)).to_have_text("Order saga")
    expect(page.locator("#afterwards")).to_have_text("After the saga: PREPARING.")
    expect(page.locator("#path li").last).to_have_text("OrderConfirmed")


def test_the_diagram_is_the_workflow_file_the_saga_runs(page, stack):
    answer = page.request.get(f"{stack.web_url}/order-saga.asl.json")

    from entrega_local.webpages import SAGA_DEFINITION

    assert answer.ok
    assert answer.body() == SAGA_DEFINITION.read_bytes()
