"""The order saga end to end: HTTP in, the real ASL on the emulator, statuses and emails out."""

from __future__ import annotations

from entrega_local.client import EntregaClient
from entrega_local.demo import sample_order
from entrega_local.stack import EmbeddedStack
from intake.domain import order_id_for


def as_ana(stack: EmbeddedStack) -> dict[str, str]:
    """The header of sample order 0's customer, for requests sent without the client."""
    return {"Authorization": f"Bearer {stack.token('customer', sample_order(0)['customer']['id'])}"}


def stock(api: EntregaClient) -> dict[str, int]:
    return {sku: item["available"] for sku, item in api.catalog().items()}


def emails_for(stack: EmbeddedStack, order: dict) -> list:
    ids = {sent["message_id"] for sent in order["notifications"]}
    return [email for email in stack.sent_emails() if email.message_id in ids]


def test_paid_order_is_confirmed_priced_from_catalog_and_charged_once(api, stack, place):
    before = stock(api)

    order_id = place(sample_order(0))
    order = api.wait_until_settled(order_id)
    stack.settle()
    order = api.order(order_id).body

    assert order["status"] == "CONFIRMED"
    assert [entry["status"] for entry in order["timeline"]] == ["PLACED", "CONFIRMED"]
    assert order["total"] == {"amount": 2 * 5490 + 2 * 705, "currency": "BRL"}
    assert order["payment"]["status"] == "CAPTURED"
    assert order["payment"]["amount"] == order["total"]
    assert stock(api)["feijoada-completa"] == before["feijoada-completa"] - 2
    assert 1 <= len(order["suggestions"]) <= 3
    assert all(s["sku"] not in {"feijoada-completa", "guarana-lata"} for s in order["suggestions"])


def test_customer_gets_one_email_per_status_in_portuguese(api, stack, place):
    order_id = place(sample_order(0))
    api.wait_until_settled(order_id)
    for status in ("ACCEPTED", "PREPARING", "READY", "OUT_FOR_DELIVERY", "DELIVERED"):
        assert api.progress(order_id, status).status == 200

    stack.settle()
    order = api.order(order_id).body
    emails = emails_for(stack, order)

    assert order["status"] == "DELIVERED"
    assert [n["status"] for n in order["notifications"] if n["channel"] == "email"] == [
        "PLACED",
        "CONFIRMED",
        "ACCEPTED",
        "PREPARING",
        "READY",
        "OUT_FOR_DELIVERY",
        "DELIVERED",
    ]
    assert {email.to for email in emails} == {"ana.souza@example.com.br"}
    confirmed = next(email for email in emails if "confirmado" in email.subject)
    assert "R$ 123,90" in confirmed.text.replace("\xa0", " ")
    assert "Olá, Ana" in confirmed.text


def test_english_customer_reads_english_and_dollar_style_amounts_stay_brl(api, stack, place):
    order_id = place(sample_order(4))
    api.wait_until_settled(order_id)
    stack.settle()

    emails = emails_for(stack, api.order(order_id).body)

    assert {email.to for email in emails} == {"emily.carter@example.com.br"}
    assert any("confirmed" in email.subject.lower() for email in emails)
    assert "R$123.90" in " ".join(email.text for email in emails)


def test_declined_card_rejects_order_without_charge_and_returns_stock(api, stack, place):
    before = stock(api)

    order_id = place(sample_order(1, method="pm_card_chargeDeclined"))
    order = api.wait_until_settled(order_id)

    assert order["status"] == "REJECTED"
    assert order["timeline"][-1]["reason"]["code"] == "PAYMENT_DECLINED"
    assert order["payment"]["status"] == "NOT_CHARGED"
    assert stock(api) == before


def test_insufficient_funds_is_a_decline_too(api, place):
    order_id = place(sample_order(1, method="pm_card_chargeDeclinedInsufficientFunds"))

    order = api.wait_until_settled(order_id)

    assert order["status"] == "REJECTED"
    details = order["timeline"][-1]["reason"]["details"]
    assert details == [
        {
            "field": "payment.method",
            "message": "the card has insufficient funds",
            "code": "insufficient_funds",
        }
    ]


def test_order_for_more_than_the_stock_is_rejected_and_nothing_is_charged(api, place):
    before = stock(api)
    sku = "pudim-de-leite"

    order_id = place(sample_order(2, items=[{"sku": sku, "quantity": before[sku] + 1}]))
    order = api.wait_until_settled(order_id)

    assert order["status"] == "REJECTED"
    assert order["timeline"][-1]["reason"]["code"] == "OUT_OF_STOCK"
    assert order["payment"]["status"] == "NOT_CHARGED"
    assert stock(api)[sku] == before[sku]


def test_invalid_order_answers_422_with_each_bad_field_and_stores_nothing(api, stack):
    order = sample_order(
        3,
        items=[
            {"sku": "feijoada-completa", "quantity": -1},
            {"sku": "lasanha-de-marte", "quantity": 1},
        ],
    )
    del order["delivery_address"]["postal_code"]
    stored_before = stack.count_items("intake", "OrdersTableName")

    answer = api.place_order(order)

    assert answer.status == 422
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.body["code"] == "ORDER_INVALID"
    assert answer.body["title"] == "O pedido tem campos inválidos"
    assert {error["field"]: error["message"] for error in answer.body["errors"]} == {
        "delivery_address.postal_code": "campo obrigatório",
        "items[0].quantity": "a quantidade precisa ser pelo menos 1",
        "items[1].sku": "este item não está no cardápio",
    }
    assert stack.count_items("intake", "OrdersTableName") == stored_before


def test_same_idempotency_key_returns_the_first_order_and_charges_once(api, stack):
    first = api.place_order(sample_order(0), key="same-key-twice")
    api.wait_until_settled(first.body["order_id"])
    ledger_before = stack.count_items("payments", "LedgerTableName")

    again = api.place_order(sample_order(0), key="same-key-twice")
    stack.settle()

    assert again.status == 202
    assert again.body["order_id"] == first.body["order_id"]
    assert stack.count_items("payments", "LedgerTableName") == ledger_before
    assert stack.runtime.invocations.count("ChargePaymentFunction") >= 1


def test_same_idempotency_key_with_another_body_answers_409_and_changes_nothing(api, stack):
    first = api.place_order(sample_order(0), key="key-then-other-body")
    stored = stack.count_items("intake", "OrdersTableName")

    other = api.place_order(
        sample_order(0, items=[{"sku": "x-tudo", "quantity": 1}]), key="key-then-other-body"
    )

    assert first.status == 202
    assert other.status == 409
    assert other.body["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert stack.count_items("intake", "OrdersTableName") == stored


def test_confirm_failing_after_payment_refunds_releases_stock_and_fails_order(api, stack, place):
    before = stock(api)
    stack.faults.inject("ConfirmOrder", order_id=order_id_for("confirm-fails"))

    order_id = place(
        sample_order(4, items=[{"sku": "pizza-calabresa", "quantity": 1}]), key="confirm-fails"
    )
    order = api.wait_until_settled(order_id)
    stack.settle()

    assert order["status"] == "FAILED"
    assert order["payment"]["status"] == "REFUNDED"
    assert order["payment"]["refund"]["amount"] == order["total"]
    assert stock(api) == before
    notifications = api.order(order_id).body["notifications"]
    assert [n["status"] for n in notifications if n["channel"] == "email"] == ["PLACED", "FAILED"]


def test_insights_failing_never_fails_the_order(api, stack, place):
    stack.faults.inject("GetInsights")

    order_id = place(sample_order(0))
    order = api.wait_until_settled(order_id)

    assert order["status"] == "CONFIRMED"
    assert order["suggestions"] == []
    assert order["eta_minutes"] == 45


def test_transient_reservation_error_is_retried_by_the_saga(api, stack, place):
    stack.faults.inject("ReserveStock", error="DependencyUnavailable", times=1)

    order_id = place(sample_order(0))
    order = api.wait_until_settled(order_id)

    assert order["status"] == "CONFIRMED"
    assert ("ReserveStock", "DependencyUnavailable") in stack.faults.fired


def test_progress_that_skips_a_step_answers_409_and_changes_nothing(api, place):
    order_id = place(sample_order(0))
    api.wait_until_settled(order_id)

    skipped = api.progress(order_id, "READY")

    assert skipped.status == 409
    assert skipped.body["code"] == "INVALID_TRANSITION"
    assert api.order(order_id).body["status"] == "CONFIRMED"


def test_progress_on_a_rejected_order_answers_409(api, place):
    order_id = place(sample_order(1, method="pm_card_chargeDeclined"))
    api.wait_until_settled(order_id)

    answer = api.progress(order_id, "PREPARING")

    assert answer.status == 409


def test_unknown_order_answers_404_problem(api):
    answer = api.order("ord_" + "a" * 26)

    assert answer.status == 404
    assert answer.body["code"] == "ORDER_NOT_FOUND"


def test_missing_idempotency_key_answers_400(api, stack):
    response = api.http.post(f"{stack.url}/orders", json=sample_order(0), headers=as_ana(stack))

    assert response.status_code == 400
    assert response.json()["code"] == "IDEMPOTENCY_KEY_MISSING"


def test_body_that_is_not_json_answers_400(api, stack):
    response = api.http.post(
        f"{stack.url}/orders", data=b"{not json", headers={"Idempotency-Key": "nj", **as_ana(stack)}
    )

    assert response.status_code == 400
    assert response.json()["code"] == "MALFORMED_REQUEST"


def test_catalog_lists_menu_with_prices_in_minor_units(api):
    catalog = api.catalog()

    assert len(catalog) >= 30
    assert catalog["guarana-lata"]["price"] == {"amount": 705, "currency": "BRL"}
    assert catalog["curau-de-milho"]["on_sale"] is False


def test_a_path_asked_with_the_wrong_method_answers_405_with_allow(api, stack):
    response = api.http.delete(f"{stack.url}/catalog")

    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"
    assert response.json()["code"] == "METHOD_NOT_ALLOWED"
