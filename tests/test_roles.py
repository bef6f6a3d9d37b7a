"""Who may do what, through the embedded gateway's Cognito check and intake's rules:
customers see and cancel their own orders, a shop's staff run its kitchen, couriers the road."""

from __future__ import annotations

import base64
import json

import pytest

from entrega_local.client import EntregaClient
from entrega_local.demo import sample_order

# An item the seed holds plenty of, so that these orders leave enough stock for other tests.
ITEMS = [{"sku": "pastel-de-queijo", "quantity": 1}]


@pytest.fixture
def confirmed(api, place):
    order_id = place(sample_order(0, items=ITEMS))
    assert api.wait_until_settled(order_id)["status"] == "CONFIRMED"
    return order_id


def as_(api: EntregaClient, stack, role: str, sub: str, shop: str | None = None) -> EntregaClient:
    return api.as_(stack.token(role, sub, shop))


def owner(api, stack) -> EntregaClient:
    return as_(api, stack, "customer", sample_order(0)["customer"]["id"])


def test_a_customer_reading_another_customers_order_is_told_it_does_not_exist(
    api, stack, confirmed
):
    other = as_(api, stack, "customer", "cus_someone_else")

    answer = other.order(confirmed)

    assert answer.status == 404
    assert answer.body["code"] == "ORDER_NOT_FOUND"
    assert owner(api, stack).order(confirmed).status == 200


def test_a_customer_cannot_cancel_another_customers_order(api, stack, confirmed):
    answer = as_(api, stack, "customer", "cus_someone_else").cancel(confirmed)

    assert answer.status == 404
    assert api.order(confirmed).body["status"] == "CONFIRMED"


def test_a_courier_cannot_pick_up_or_deliver_another_couriers_order(api, stack, confirmed):
    for status in ("ACCEPTED", "PREPARING", "READY"):
        api.progress(confirmed, status)
    assert api.progress(confirmed, "OUT_FOR_DELIVERY", courier_id="courier-bia").status == 200
    intruder = as_(api, stack, "courier", "courier-caio")

    delivered = intruder.progress(confirmed, "DELIVERED")
    read = intruder.order(confirmed)

    assert (delivered.status, read.status) == (404, 404)
    order = api.order(confirmed).body
    assert (order["status"], order["courier_id"]) == ("OUT_FOR_DELIVERY", "courier-bia")


def test_a_courier_pre_assigned_at_ready_is_the_only_one_who_may_pick_up(api, stack, confirmed):
    for status in ("ACCEPTED", "PREPARING"):
        api.progress(confirmed, status)
    api.progress(confirmed, "READY", courier_id="courier-duda")

    stolen = as_(api, stack, "courier", "courier-edu").progress(confirmed, "OUT_FOR_DELIVERY")
    picked = as_(api, stack, "courier", "courier-duda").progress(confirmed, "OUT_FOR_DELIVERY")

    assert (stolen.status, picked.status) == (404, 200)


def test_staff_of_another_shop_cannot_see_or_move_the_order(api, stack, confirmed):
    elsewhere = as_(api, stack, "staff", "staff-9", "outra-cozinha")

    assert elsewhere.order(confirmed).status == 404
    assert elsewhere.progress(confirmed, "ACCEPTED").status == 404
    assert api.order(confirmed).body["status"] == "CONFIRMED"


def test_the_owner_customer_may_not_run_the_kitchen(api, stack, confirmed):
    answer = owner(api, stack).progress(confirmed, "ACCEPTED")

    assert answer.status == 403
    assert answer.body["code"] == "FORBIDDEN"


def test_staff_may_read_their_shops_order_but_not_cancel_it(api, stack, confirmed):
    staff = as_(api, stack, "staff", "staff-2", stack.shop_id)

    assert staff.order(confirmed).status == 200
    assert staff.cancel(confirmed).status == 403


def test_a_customer_may_not_place_an_order_in_someone_elses_name(api, stack):
    impostor = as_(api, stack, "customer", "cus_impostor")

    answer = impostor.place_order(sample_order(0, items=ITEMS))

    assert answer.status == 403
    assert answer.body["code"] == "FORBIDDEN"


def test_the_kitchen_view_is_for_staff_only(api, stack):
    assert as_(api, stack, "customer", "cus_a7k2m9").kitchen().status == 403
    assert as_(api, stack, "courier", "courier-1").kitchen().status == 403


def test_a_request_without_a_token_answers_401(api, confirmed):
    anonymous = api.as_(None)

    read = anonymous.order(confirmed)

    assert read.status == 401
    assert read.body["code"] == "UNAUTHENTICATED"
    assert read.headers["Content-Type"] == "application/problem+json"
    assert anonymous.place_order(sample_order(0, items=ITEMS)).status == 401


def test_an_expired_token_answers_401(api, stack, confirmed):
    expired = api.as_(stack.token("customer", "cus_a7k2m9", ttl_seconds=-60))

    assert expired.order(confirmed).status == 401


def test_a_tampered_token_answers_401(api, stack, confirmed):
    header, claims, signature = stack.token("customer", "cus_someone_else").split(".")
    body = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    body["sub"] = "cus_a7k2m9"
    forged = base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")

    answer = api.as_(f"{header}.{forged}.{signature}").order(confirmed)

    assert answer.status == 401


def test_a_token_signed_by_another_key_answers_401(api, confirmed):
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = {"sub": "cus_a7k2m9", "cognito:groups": ["customers"], "token_use": "id"}
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "dummy"})

    assert api.as_(token).order(confirmed).status == 401


def test_entrega_token_prints_a_token_the_running_stack_accepts(api, stack, confirmed, tmp_path):
    from typer.testing import CliRunner

    from entrega_local.cli import app

    state = tmp_path / "serve.json"
    state.write_text(
        json.dumps(
            {
                "user_pool_id": stack.output("contracts", "UserPoolId"),
                "user_pool_client_id": stack.output("contracts", "UserPoolClientId"),
            }
        )
    )
    args = ["token", "--role", "staff", "--sub", "staff-7", "--shop", stack.shop_id]

    printed = CliRunner().invoke(app, [*args, "--state", str(state)])

    assert printed.exit_code == 0, printed.output
    assert api.as_(printed.output.strip()).order(confirmed).status == 200


def test_entrega_token_without_a_running_stack_says_so(tmp_path):
    from typer.testing import CliRunner

    from entrega_local.cli import app

    args = ["token", "--role", "customer", "--sub", "cus_1", "--state", str(tmp_path / "no")]

    printed = CliRunner().invoke(app, args)

    assert printed.exit_code == 2
    assert "entrega serve" in printed.output
