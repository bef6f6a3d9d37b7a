"""No customer data and no payment token ever reaches a log line, on any path through the stack."""

from __future__ import annotations

from entrega_local import seed
from entrega_local.demo import sample_order
from intake.domain import order_id_for


def test_no_name_email_phone_address_or_payment_token_is_logged(api, stack, place, log_capture):
    stack.faults.inject("ConfirmOrder", order_id=order_id_for("logs-failed"))
    orders = [
        place(sample_order(index, method=method), key=f"logs-{index}-{method}")
        for index in range(len(seed.customers()))
        for method in ("pm_card_visa", "pm_card_chargeDeclined")
    ]
    orders.append(place(sample_order(4), key="logs-failed"))
    invalid = sample_order(2, items=[{"sku": "nao-existe", "quantity": 1}])
    invalid["customer"]["email"] = "not-an-email"
    api.place_order(invalid)
    for order_id in orders:
        if api.wait_until_settled(order_id)["status"] == "CONFIRMED":
            api.progress(order_id, "ACCEPTED")
    stack.settle()

    logged = log_capture.getvalue()

    assert "order placed" in logged
    assert "notification sent" in logged
    for customer in seed.customers():
        address = customer["address"]
        secrets = [
            customer["name"],
            customer["email"],
            customer["phone"],
            address["street"],
            address["postal_code"],
        ]
        leaked = [value for value in secrets if value in logged]
        assert leaked == [], f"customer data in logs: {leaked}"
    assert "pm_card_" not in logged
    assert "not-an-email" not in logged
