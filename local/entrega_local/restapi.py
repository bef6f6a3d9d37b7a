"""REST APIs defined by OpenAPI documents, as the embedded stack deploys and serves them.

A service's AWS::Serverless::Api takes its DefinitionBody from `<service>/openapi.json`
through AWS::Include. Here the include is read from the service's folder, its intrinsic
functions are resolved like the rest of the template, and each operation whose
`x-amazon-apigateway-integration` is a Lambda proxy becomes a route to that function.
Required header parameters are checked the way API Gateway's request validator does, with
the document's BAD_REQUEST_PARAMETERS gateway response as the answer. An operation whose
security names a Cognito user pool scheme (`x-amazon-apigateway-authorizer` of type
cognito_user_pools) is guarded by that pool, answered with the UNAUTHORIZED gateway response
when its token is refused.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from entrega_contracts.openapi import without_gateway_extensions
from entrega_local.templates import TemplateError

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_FUNCTION_IN_URI = re.compile(r"/functions/(arn:[^/]+)/invocations$")


@dataclass(frozen=True)
class Rejection:
    """A gateway response: what API Gateway answers itself, before any function runs."""

    status: int
    content_type: str
    body: str


@dataclass(frozen=True)
class Route:
    """One API method: the function behind it, what the gateway checks before calling it."""

    method: str
    path: str
    function: str
    required_headers: tuple[str, ...] = ()
    bad_parameters: Rejection | None = None
    # The ARN of the user pool whose tokens this route needs, if it needs one.
    authorizer: str | None = None
    unauthorized: Rejection | None = None


def included(definition_body: Any, folder: Path) -> Any:
    """The document an `Fn::Transform: AWS::Include` names, read from the template's folder."""
    if not isinstance(definition_body, dict) or "Fn::Transform" not in definition_body:
        return definition_body
    transform = definition_body["Fn::Transform"]
    if transform.get("Name") != "AWS::Include":
        raise TemplateError(f"transform {transform.get('Name')} is not supported")
    location = folder / transform["Parameters"]["Location"]
    if not location.is_file():
        raise TemplateError(f"AWS::Include names {location}, which does not exist")
    return json.loads(location.read_text("utf-8"))


def routes(document: dict[str, Any]) -> list[Route]:
    """One route per operation of the (resolved) document, to the function its integration names."""
    rejection = _gateway_response(document, "BAD_REQUEST_PARAMETERS")
    unauthorized = _gateway_response(document, "UNAUTHORIZED")
    validators = document.get("x-amazon-apigateway-request-validators", {})
    default_validator = document.get("x-amazon-apigateway-request-validator")
    found = []
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            validator = operation.get("x-amazon-apigateway-request-validator", default_validator)
            checks = validators.get(validator, {}).get("validateRequestParameters", False)
            found.append(
                Route(
                    method.upper(),
                    path,
                    _function(path, method, operation),
                    _required_headers(operation) if checks else (),
                    rejection,
                    _user_pool(document, operation),
                    unauthorized,
                )
            )
    return found


def _user_pool(document: dict[str, Any], operation: dict[str, Any]) -> str | None:
    """The user pool an operation's security requires (its own, else the document's)."""
    schemes = document.get("components", {}).get("securitySchemes", {})
    for requirement in operation.get("security", document.get("security", [])):
        for name in requirement:
            authorizer = schemes.get(name, {}).get("x-amazon-apigateway-authorizer", {})
            if authorizer.get("type") == "cognito_user_pools":
                return str(authorizer["providerARNs"][0])
    return None


def merged(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """One document of every service's routes, as the embedded gateway serves at /openapi.json.

    Paths are disjoint between services; components of the same name must be equal (the
    shared Problem schema and responses), otherwise two services disagree and this raises.
    """
    served: dict[str, Any] = {
        "openapi": "3.0.1",
        "info": {
            "title": "Entrega (embedded stack: every service's API in one document)",
            "version": "1.0.0",
        },
        "paths": {},
        "components": {},
    }
    for document in documents:
        public = without_gateway_extensions(document)
        for path, operations in public.get("paths", {}).items():
            served["paths"].setdefault(path, {}).update(operations)
        for section, entries in public.get("components", {}).items():
            target = served["components"].setdefault(section, {})
            for name, entry in entries.items():
                if name in target and target[name] != entry:
                    raise TemplateError(f"components/{section}/{name} differs between services")
                target[name] = entry
    return served


def _function(path: str, method: str, operation: dict[str, Any]) -> str:
    integration = operation.get("x-amazon-apigateway-integration", {})
    if integration.get("type") != "aws_proxy":
        raise TemplateError(f"{method.upper()} {path}: only Lambda proxy integrations run locally")
    found = _FUNCTION_IN_URI.search(str(integration.get("uri", "")))
    if found is None:
        raise TemplateError(f"{method.upper()} {path}: the integration names no function")
    return found.group(1).split(":")[6]


def _required_headers(operation: dict[str, Any]) -> tuple[str, ...]:
    return tuple(
        parameter["name"]
        for parameter in operation.get("parameters", [])
        if parameter.get("in") == "header" and parameter.get("required")
    )


def _gateway_response(document: dict[str, Any], kind: str) -> Rejection | None:
    responses = document.get("x-amazon-apigateway-gateway-responses", {})
    response = responses.get(kind) or responses.get("DEFAULT_4XX")
    if response is None:
        return None
    headers = response.get("responseParameters", {})
    content_type = headers.get("gatewayresponse.header.Content-Type", "'application/json'")
    templates = response.get("responseTemplates", {})
    return Rejection(
        int(response["statusCode"]),
        content_type.strip("'"),
        templates.get("application/json", '{"message": "Invalid request"}'),
    )
