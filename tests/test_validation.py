"""Every validation rule, as the customer sees it: 422 (or 413, 400) with the field and a message
in the customer's language, and nothing stored."""

from __future__ import annotations

import copy
import http.client
import json

import boto3
import pytest

from entrega_local.demo import sample_order


def rejected(api, stack, order, headers=None):
    """Send an order that must be refused; return {field: message} and check nothing was stored."""
    stored = stack.count_items("intake", "OrdersTableName")
    response = api.http.post(
        f"{stack.url}/orders",
        json=order,
        headers={
            "Idempotency-Key": json.dumps(order)[:200],
            **as_customer(stack, order),
            **(headers or {}),
        },
    )
    assert response.status_code == 422, response.text
    assert stack.count_items("intake", "OrdersTableName") == stored
    return {error["field"]: error["message"] for error in response.json()["errors"]}


def as_customer(stack, order):
    """The token of the customer the order names (any customer if it names none clearly)."""
    customer = order.get("customer") if isinstance(order, dict) else None
    sub = customer.get("id") if isinstance(customer, dict) else None
    token = stack.token("customer", sub if isinstance(sub, str) and sub else "cus_someone")
    return {"Authorization": f"Bearer {token}"}


def order_with(section, customer=0, **changes):
    order = sample_order(customer)
    order[section].update(changes)
    return order


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        (0, "a quantidade precisa ser pelo menos 1"),
        (-3, "a quantidade precisa ser pelo menos 1"),
        (True, "a quantidade precisa ser um número inteiro"),
        (1.5, "a quantidade precisa ser um número inteiro"),
        ("2", "a quantidade precisa ser um número inteiro"),
        (10**30, "no máximo 10 unidades deste item por pedido"),
        (11, "no máximo 10 unidades deste item por pedido"),
    ],
    ids=["zero", "negative", "boolean", "fraction", "string", "huge", "over-max"],
)
def test_quantity_must_be_a_whole_number_within_the_item_limit(api, stack, quantity, message):
    order = sample_order(0, items=[{"sku": "feijoada-completa", "quantity": quantity}])

    errors = rejected(api, stack, order)

    assert errors == {"items[0].quantity": message}


def test_unknown_and_off_sale_items_are_named_by_line(api, stack):
    order = sample_order(
        0,
        items=[
            {"sku": "x-tudo", "quantity": 1},
            {"sku": "curau-de-milho", "quantity": 1},
            {"sku": "sushi", "quantity": 1},
        ],
    )

    errors = rejected(api, stack, order)

    assert errors == {
        "items[1].sku": "este item não está disponível no momento",
        "items[2].sku": "este item não está no cardápio",
    }


def test_more_than_fifty_lines_is_refused(api, stack):
    order = sample_order(0, items=[{"sku": "guarana-lata", "quantity": 1}] * 51)

    errors = rejected(api, stack, order)

    assert errors == {"items": "um pedido tem no máximo 50 itens"}


def test_same_sku_on_two_lines_is_merged_into_one_priced_line(api, place):
    order = sample_order(
        0,
        items=[
            {"sku": "coxinha-de-frango", "quantity": 2},
            {"sku": "coxinha-de-frango", "quantity": 3},
        ],
    )

    body = api.order(place(order)).body

    assert [(line["sku"], line["quantity"]) for line in body["items"]] == [("coxinha-de-frango", 5)]
    assert body["total"]["amount"] == 5 * body["items"][0]["unit_price"]["amount"]


@pytest.mark.parametrize(
    ("section", "changes", "field", "message"),
    [
        ("customer", {"email": "ana@"}, "customer.email", "e-mail inválido"),
        ("customer", {"email": "ana souza@example.com"}, "customer.email", "e-mail inválido"),
        (
            "customer",
            {"phone": "+55 11 1234"},
            "customer.phone",
            "telefone inválido; use DDD e número, como +55 11 98888-7777",
        ),
        (
            "customer",
            {"phone": "+55 00 98888-7777"},
            "customer.phone",
            "telefone inválido; use DDD e número, como +55 11 98888-7777",
        ),
        (
            "customer",
            {"locale": "klingon"},
            "customer.locale",
            "precisa ser um destes: 'pt-BR', 'en', 'en-US' or 'es'",
        ),
        (
            "delivery_address",
            {"postal_code": "0543-000"},
            "delivery_address.postal_code",
            "CEP inválido; use 8 dígitos, como 01310-100",
        ),
        (
            "delivery_address",
            {"state": "XX"},
            "delivery_address.state",
            "UF inválida; use a sigla do estado, como SP",
        ),
        (
            "delivery_address",
            {"street": ""},
            "delivery_address.street",
            "precisa ter pelo menos 1 caractere(s)",
        ),
        (
            "delivery_address",
            {"postal_code": "20040-020", "city": "Rio de Janeiro", "state": "RJ"},
            "delivery_address.postal_code",
            "não entregamos neste endereço",
        ),
    ],
    ids=[
        "email-no-domain",
        "email-space",
        "phone-short",
        "phone-bad-area",
        "locale",
        "cep-short",
        "uf",
        "street-empty",
        "outside-area",
    ],
)
def test_customer_and_address_rules(api, stack, section, changes, field, message):
    errors = rejected(api, stack, order_with(section, **changes))

    assert errors == {field: message}


def test_phone_is_stored_in_e164(api, place):
    order = order_with("customer", phone="(11) 98888-7777")

    order_id = place(order)

    assert api.order(order_id).status == 200
    placed = (
        boto3.resource("dynamodb")
        .Table(api_orders_table(api))
        .get_item(Key={"order_id": order_id})["Item"]
    )
    assert placed["customer"]["phone"] == "+5511988887777"


def api_orders_table(api):
    import os

    from entrega_local.stack import EmbeddedStack  # noqa: F401 - the table name comes from the stack

    return os.environ["ORDERS_TABLE"]


def test_english_customer_reads_errors_in_english(api, stack):
    order = sample_order(4, items=[{"sku": "sushi", "quantity": 1}])
    order["delivery_address"]["state"] = "ZZ"

    errors = rejected(api, stack, order)

    assert errors == {
        "delivery_address.state": "not a Brazilian state; use its two letters, like SP",
        "items[0].sku": "this item is not on the menu",
    }


def test_accept_language_is_used_when_the_order_has_no_usable_locale(api, stack):
    order = sample_order(0, items=[{"sku": "sushi", "quantity": 1}])
    order["customer"]["locale"] = "xx"

    errors = rejected(api, stack, order, headers={"Accept-Language": "es-MX,es;q=0.9"})

    assert errors["items[0].sku"] == "este producto no está en el menú"


def test_closed_shop_refuses_orders_in_its_own_time_zone(api, stack):
    shops = boto3.resource("dynamodb").Table(stack.output("inventory", "ShopTableName"))
    profile = shops.get_item(Key={"shop_id": "cozinha-da-vila"})["Item"]
    closed = copy.deepcopy(profile)
    closed["opening_hours"] = {}
    shops.put_item(Item=closed)
    try:
        errors = rejected(api, stack, sample_order(0))
    finally:
        shops.put_item(Item=profile)

    assert errors == {"shop": "Cozinha da Vila está fechada agora"}


def test_body_over_256_kb_answers_413(api, stack):
    order = sample_order(0)
    order["notes"] = "x" * (257 * 1024)

    response = api.http.post(
        f"{stack.url}/orders",
        json=order,
        headers={"Idempotency-Key": "big", **as_customer(stack, order)},
    )

    assert response.status_code == 413
    assert response.json()["code"] == "PAYLOAD_TOO_LARGE"


@pytest.mark.parametrize(
    ("items", "field", "message"),
    [
        ([{"sku": 123, "quantity": 1}], "items[0].sku", "precisa ser um texto"),
        ([None], "items[0]", "cada item precisa ter sku e quantidade"),
        ([{"quantity": 1}], "items[0].sku", "campo obrigatório"),
    ],
    ids=["sku-number", "item-null", "sku-missing"],
)
def test_malformed_lines_are_named_for_what_is_wrong(api, stack, items, field, message):
    errors = rejected(api, stack, sample_order(0, items=items))

    assert errors == {field: message}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/orders"),
        ("PUT", "/catalog/farofa/stock"),
        ("PUT", "/customers/cus_x/preferences"),
    ],
)
def test_deeply_nested_json_is_a_malformed_request_everywhere(api, stack, method, path):
    body = "[" * 5000 + "]" * 5000

    response = api.http.request(
        method,
        f"{stack.url}{path}",
        data=body,
        headers={"Idempotency-Key": "deep", **as_customer(stack, sample_order(0))},
    )

    assert response.status_code == 400
    assert response.json()["code"] == "MALFORMED_REQUEST"


def test_two_idempotency_keys_are_refused(api, stack):
    stored = stack.count_items("intake", "OrdersTableName")

    host, port = stack.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.putrequest("POST", "/orders")
    body = json.dumps(sample_order(0)).encode()
    for name, value in [
        ("Idempotency-Key", "dup-a"),
        ("Idempotency-Key", "dup-b"),
        *as_customer(stack, sample_order(0)).items(),
        ("Content-Length", str(len(body))),
    ]:
        connection.putheader(name, value)
    connection.endheaders(body)

    response = connection.getresponse()

    assert response.status == 400
    assert stack.count_items("intake", "OrdersTableName") == stored
