"""How the embedded deployer reads what the templates hold: conditions, Fn::If, includes, routes."""

from __future__ import annotations

import json

import pytest

from entrega_local.restapi import included, routes
from entrega_local.templates import TemplateError, conditions, resolve

PARAMETERS = {"StaffUserPoolArn": "", "ProviderConcurrency": "10"}


def test_conditions_follow_the_parameters():
    declared = {
        "HasPool": {"Fn::Not": [{"Fn::Equals": [{"Ref": "StaffUserPoolArn"}, ""]}]},
        "Capped": {"Fn::Not": [{"Fn::Equals": [{"Ref": "ProviderConcurrency"}, 0]}]},
        "Both": {"Fn::And": [{"Condition": "HasPool"}, {"Condition": "Capped"}]},
    }

    holds = conditions(declared, PARAMETERS.__getitem__)

    assert holds == {"HasPool": False, "Capped": True, "Both": False}


def test_fn_if_picks_a_branch_and_no_value_drops_the_key():
    holds = {"Capped": False}
    value = {
        "Reserved": {"Fn::If": ["Capped", {"Ref": "ProviderConcurrency"}, {"Ref": "AWS::NoValue"}]},
        "Kept": 1,
    }

    resolved = resolve(value, {"AWS::NoValue": None, **PARAMETERS}.__getitem__, None, holds)

    assert resolved == {"Kept": 1}


def test_an_include_of_a_missing_file_is_refused(tmp_path):
    body = {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "no.json"}}}

    with pytest.raises(TemplateError, match="does not exist"):
        included(body, tmp_path)


def _document(integration: dict) -> dict:
    return {
        "paths": {"/things/{id}": {"get": {"x-amazon-apigateway-integration": integration}}},
        "x-amazon-apigateway-request-validators": {"params": {"validateRequestParameters": True}},
    }


def test_a_route_goes_to_the_function_its_integration_names(tmp_path):
    function = "arn:aws:lambda:us-east-1:123456789012:function:things-api"
    uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function}/invocations"
    (tmp_path / "openapi.json").write_text(json.dumps(_document({"type": "aws_proxy", "uri": uri})))
    body = {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "openapi.json"}}}

    [route] = routes(included(body, tmp_path))

    assert (route.method, route.path, route.function) == ("GET", "/things/{id}", "things-api")


def test_an_integration_the_local_gateway_cannot_run_is_refused():
    with pytest.raises(TemplateError, match="only Lambda proxy"):
        routes(_document({"type": "http_proxy", "uri": "https://example.com"}))
