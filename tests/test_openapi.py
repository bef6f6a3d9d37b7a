"""Each service's OpenAPI document against the code that serves it and the template that deploys it.

The document is the REST API's definition on AWS, so a route the handlers serve but the
document lacks is unreachable there, and one the document has but no handler serves answers
404 from inside the function. Both directions are checked here.
"""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
import requests as http

from entrega_contracts import openapi
from entrega_local.restapi import METHODS, merged, routes
from entrega_local.templates import load, resolve

ROOT = Path(__file__).resolve().parents[1]
# service: (module with the resolver, the API's logical id, the function behind it)
APIS = {
    "intake": ("intake.handlers", "IntakeApi", "IntakeApiFunction"),
    "inventory": ("inventory.handlers", "InventoryApi", "InventoryApiFunction"),
    "payments": ("payments.api", "PaymentsApi", "PaymentsApiFunction"),
    "notifications": ("notifications.handlers", "NotificationsApi", "NotificationsApiFunction"),
}
CONTRACTS = ROOT / "contracts" / "entrega_contracts" / "schemas"


def _resolver_routes(module: str) -> tuple[set[tuple[str, str]], bool]:
    app = importlib.import_module(module).app
    served = {
        (route.method.upper(), re.sub(r"<(\w+)>", r"{\1}", route.path))
        for route in app._static_routes + app._dynamic_routes
    }
    return served, app._cors is not None


def _document_operations(service: str) -> set[tuple[str, str]]:
    paths = openapi.definition(service)["paths"]
    return {
        (method.upper(), path)
        for path, operations in paths.items()
        for method in operations
        if method in METHODS
    }


@pytest.mark.parametrize("service", sorted(APIS))
def test_document_and_handlers_serve_the_same_routes(service):
    served, answers_preflight = _resolver_routes(APIS[service][0])
    documented = _document_operations(service)

    preflights = {route for route in documented if route[0] == "OPTIONS"}
    assert documented - preflights == served
    # Powertools answers CORS preflights itself, for any path it serves, once CORS is on.
    assert not preflights or answers_preflight
    assert {path for _, path in preflights} <= {path for _, path in served}


@pytest.mark.parametrize("service", sorted(APIS))
def test_template_defines_its_api_from_the_document(service):
    _, api, function = APIS[service]
    template = load(ROOT / "services" / service / "template.yaml")
    resources = template["Resources"]

    body = resources[api]["Properties"]["DefinitionBody"]
    location = body["Fn::Transform"]["Parameters"]["Location"]
    assert body["Fn::Transform"]["Name"] == "AWS::Include"
    assert location == f"{service}/openapi.json"
    assert (ROOT / "services" / service / location).is_file()
    permissions = [
        r["Properties"]["FunctionName"]
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Permission"
        and r["Properties"].get("Principal") == "apigateway.amazonaws.com"
    ]
    assert {"Ref": function} in permissions
    no_api_events = [
        name
        for name, r in resources.items()
        if r["Type"] == "AWS::Serverless::Function"
        and any(e["Type"] == "Api" for e in r.get("Properties", {}).get("Events", {}).values())
    ]
    assert no_api_events == []


@pytest.mark.parametrize("service", sorted(APIS))
def test_every_operation_integrates_with_the_service_api_function(service):
    function = APIS[service][2]
    pseudo = {"AWS::Partition": "aws", "AWS::Region": "us-east-1"}

    resolved = resolve(
        openapi.definition(service),
        lambda name: pseudo.get(name, f"<{name}>"),
        lambda logical, attribute: f"arn:aws:lambda:us-east-1:123456789012:function:{logical}",
    )

    assert {route.function for route in routes(resolved)} == {function}


@pytest.mark.parametrize("service", sorted(APIS))
def test_every_error_answer_is_documented_as_problem_json(service):
    document = openapi.definition(service)
    shared = document["components"]["responses"]

    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            for status, response in operation["responses"].items():
                if int(status) < 400:
                    continue
                answer = shared[response["$ref"].rsplit("/", 1)[-1]]
                schema = answer["content"]["application/problem+json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Problem"}, (path, method, status)
    for kind, response in document["x-amazon-apigateway-gateway-responses"].items():
        body = json.loads(response["responseTemplates"]["application/json"])
        assert set(body) == {"type", "title", "status", "code"}, kind
        assert body["status"] == int(response["statusCode"]), kind


def _mirrored(node: Any, common: dict[str, Any]) -> Any:
    """A contract schema as OpenAPI 3.0 holds it: shared definitions inlined, ids dropped,
    and a `["x", "null"]` type written as OpenAPI 3.0's `nullable`."""
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            extra = {key: value for key, value in node.items() if key != "$ref"}
            return {**_mirrored(common["definitions"][name], common), **extra}
        mirrored = {
            key: _mirrored(value, common)
            for key, value in node.items()
            if key not in ("$schema", "$id", "title")
        }
        if isinstance(mirrored.get("type"), list) and "null" in mirrored["type"]:
            [kind] = [kind for kind in mirrored["type"] if kind != "null"]
            mirrored = {
                "type": kind,
                "nullable": True,
                **{k: v for k, v in mirrored.items() if k != "type"},
            }
        return mirrored
    if isinstance(node, list):
        return [_mirrored(item, common) for item in node]
    return node


def _undescribed(node: Any) -> Any:
    """The schema without `description`s, which the documents may add for their readers."""
    if isinstance(node, dict):
        return {k: _undescribed(v) for k, v in node.items() if k != "description"}
    if isinstance(node, list):
        return [_undescribed(item) for item in node]
    return node


MIRRORS = {
    ("intake", "PlaceOrderRequest"): "place-order-request.v1.json",
    ("intake", "CancelRequest"): "cancel-request.v1.json",
    ("intake", "ProgressRequest"): "progress-request.v1.json",
    ("inventory", "StockSetting"): "stock-setting.v1.json",
    ("notifications", "PreferencesUpdate"): "preferences-request.v1.json",
}


@pytest.mark.parametrize(("service", "schema"), sorted(MIRRORS))
def test_request_bodies_mirror_the_contract_schemas(service, schema):
    common = json.loads((CONTRACTS / "common.v1.json").read_text())
    contract = json.loads((CONTRACTS / "api" / MIRRORS[service, schema]).read_text())

    documented = openapi.definition(service)["components"]["schemas"][schema]

    assert _undescribed(documented) == _undescribed(_mirrored(contract, common))


def test_every_contract_request_body_is_in_some_document():
    assert {f"{p.name}" for p in (CONTRACTS / "api").glob("*.json")} == set(MIRRORS.values())


def test_services_share_identical_problem_components():
    documents = [openapi.definition(service) for service in sorted(APIS)]

    served = merged(documents)

    assert "Problem" in served["components"]["schemas"]
    assert "x-amazon-apigateway-gateway-responses" not in json.dumps(served)


def test_handler_serves_its_document_without_gateway_keys(stack):
    event = {
        "resource": "/openapi.json",
        "path": "/openapi.json",
        "httpMethod": "GET",
        "headers": {},
        "multiValueHeaders": {},
        "requestContext": {"requestId": "r", "resourcePath": "/openapi.json"},
    }

    answer = stack.invoke("PaymentsApiFunction", event)

    served = json.loads(answer["body"])
    assert served == openapi.without_gateway_extensions(openapi.definition("payments"))
    assert "Fn::Sub" not in answer["body"]


def test_embedded_gateway_serves_every_service_routes_in_one_document(stack):
    answer = http.get(f"{stack.url}/openapi.json", timeout=10)

    served = answer.json()
    expected = set().union(*(_document_operations(service) for service in APIS))
    found = {
        (method.upper(), path)
        for path, operations in served["paths"].items()
        for method in operations
        if method in METHODS
    }
    assert answer.status_code == 200
    assert found == expected


def test_missing_required_header_gets_the_documented_gateway_answer(stack):
    gateway = openapi.definition("intake")["x-amazon-apigateway-gateway-responses"]
    documented = json.loads(
        gateway["BAD_REQUEST_PARAMETERS"]["responseTemplates"]["application/json"]
    )

    token = stack.token("customer", "cus_a7k2m9")
    headers = {"Authorization": f"Bearer {token}"}

    answer = http.post(f"{stack.url}/orders", json={}, headers=headers, timeout=10)

    assert answer.status_code == 400
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json() == documented


def test_cors_preflights_need_no_token():
    """A browser sends a preflight without credentials; an authorizer on it would break CORS."""
    for service in APIS:
        for path, operations in openapi.definition(service)["paths"].items():
            if "options" in operations:
                assert operations["options"].get("security") == [], (service, path)
