"""Reading SAM templates: YAML with CloudFormation's short-form tags, and intrinsic functions.

Only what Entrega's templates use is supported; anything else raises, so a template
that the embedded stack cannot honour is found at once rather than half-deployed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from cfn_flip import load_yaml

PSEUDO = {"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com", "AWS::NoValue": None}
_SUB = re.compile(r"\$\{([^}!]+)\}")


class TemplateError(ValueError):
    """A template uses something the embedded stack cannot create or resolve."""


def load(path: Path) -> dict[str, Any]:
    loaded = load_yaml(path.read_text("utf-8"))
    if not isinstance(loaded, dict):
        raise TemplateError(f"{path} is not a template")
    return dict(loaded)


Lookup = Callable[[str], Any]
GetAtt = Callable[[str, str], Any]


def resolve(
    value: Any, ref: Lookup, get_att: GetAtt, holds: Mapping[str, bool] | None = None
) -> Any:
    """Evaluate Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Split, Fn::Select and Fn::If in `value`.

    `holds` are the template's evaluated Conditions, for Fn::If; a value that resolves to
    AWS::NoValue drops its key, as CloudFormation does.
    """
    if isinstance(value, list):
        return [resolve(item, ref, get_att, holds) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, argument),) = value.items()
        if key == "Fn::If":
            condition, when_true, when_false = argument
            if holds is None or condition not in holds:
                raise TemplateError(f"Fn::If names unknown condition {condition}")
            return resolve(when_true if holds[condition] else when_false, ref, get_att, holds)
        if key == "Ref":
            return ref(argument)
        if key == "Fn::GetAtt":
            logical, attribute = argument.split(".", 1) if isinstance(argument, str) else argument
            return get_att(logical, attribute)
        if key == "Fn::Sub":
            return _sub(argument, ref, get_att)
        if key == "Fn::Join":
            separator, items = argument
            return separator.join(str(item) for item in resolve(items, ref, get_att))
        if key == "Fn::Split":
            separator, text = argument
            return str(resolve(text, ref, get_att)).split(separator)
        if key == "Fn::Select":
            index, items = argument
            return resolve(items, ref, get_att)[int(index)]
        if key.startswith("Fn::"):
            raise TemplateError(f"{key} is not supported by the embedded stack")
    resolved = {key: resolve(item, ref, get_att, holds) for key, item in value.items()}
    return {key: item for key, item in resolved.items() if item is not None}


def _sub(argument: Any, ref: Lookup, get_att: GetAtt) -> str:
    text, variables = (argument, {}) if isinstance(argument, str) else argument
    values = {name: resolve(item, ref, get_att) for name, item in variables.items()}

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in values:
            return str(values[name])
        if "." in name:
            logical, attribute = name.split(".", 1)
            return str(get_att(logical, attribute))
        return str(ref(name))

    return _SUB.sub(replace, text)


def conditions(declared: dict[str, Any], ref: Lookup) -> dict[str, bool]:
    """Evaluate a template's Conditions (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition)."""
    values: dict[str, bool] = {}

    def evaluate(node: Any) -> bool:
        if not isinstance(node, dict) or len(node) != 1:
            raise TemplateError(f"condition {node!r} is not supported by the embedded stack")
        ((key, argument),) = node.items()
        if key == "Condition":
            return condition(argument)
        if key == "Fn::Equals":
            left, right = (resolve(item, ref, _no_get_att) for item in argument)
            return str(left) == str(right)
        if key == "Fn::Not":
            return not evaluate(argument[0])
        if key == "Fn::And":
            return all(evaluate(item) for item in argument)
        if key == "Fn::Or":
            return any(evaluate(item) for item in argument)
        raise TemplateError(f"condition function {key} is not supported by the embedded stack")

    def condition(name: str) -> bool:
        if name not in values:
            values[name] = evaluate(declared[name])
        return values[name]

    for name in declared:
        condition(name)
    return values


def _no_get_att(logical: str, attribute: str) -> Any:
    raise TemplateError(f"conditions cannot read {logical}.{attribute}")


def merge_globals(globals_: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    """SAM's Globals: the function's own properties win, environment variables are merged."""
    merged = {**globals_, **properties}
    variables = {
        **globals_.get("Environment", {}).get("Variables", {}),
        **properties.get("Environment", {}).get("Variables", {}),
    }
    if variables:
        merged["Environment"] = {"Variables": variables}
    return merged


def rate_seconds(expression: str) -> int:
    """`rate(5 minutes)` in seconds; cron expressions are not run by the embedded stack."""
    amount, _, unit = expression.removeprefix("rate(").removesuffix(")").partition(" ")
    if not expression.startswith("rate(") or not amount.isdigit():
        raise TemplateError(f"schedule {expression!r}: only rate(...) expressions run locally")
    seconds = {
        "minute": 60,
        "minutes": 60,
        "hour": 3600,
        "hours": 3600,
        "day": 86400,
        "days": 86400,
    }
    return int(amount) * seconds[unit]
