"""Each service's OpenAPI document, as its API serves it at GET /openapi.json.

The document in the service's package (`<service>/openapi.json`) is the REST API's definition
on AWS: the template includes it with AWS::Include, so its `x-amazon-apigateway-*` keys carry
the integrations (intrinsic functions), validators and gateway responses. Clients have no use
for those keys, and their intrinsic functions mean nothing outside CloudFormation, so the
served copy leaves them out; everything else is the same document.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

GATEWAY_PREFIX = "x-amazon-apigateway-"


def without_gateway_extensions(node: Any) -> Any:
    """The document with every `x-amazon-apigateway-*` key removed, at any depth."""
    if isinstance(node, dict):
        return {
            key: without_gateway_extensions(value)
            for key, value in node.items()
            if not str(key).startswith(GATEWAY_PREFIX)
        }
    if isinstance(node, list):
        return [without_gateway_extensions(item) for item in node]
    return node


def definition(package: str) -> dict[str, Any]:
    """The document as the template includes it, read from the service's package."""
    text = resources.files(package).joinpath("openapi.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def published(package: str) -> dict[str, Any]:
    """The document a client reads at GET /openapi.json: the definition less the gateway keys."""
    served: dict[str, Any] = without_gateway_extensions(definition(package))
    return served
