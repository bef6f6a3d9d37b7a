"""Reading SAM templates: YAML with CloudFormation's short-form tags, and intrinsic functions.

Only what Entrega's templates use is supported; anything else raises, so a template
that the embedded stack cannot honour is found at once rather than half-deployed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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


def resolve(value: Any, ref: Lookup, get_att: GetAtt) -> Any:
    """Evaluate Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Split and Fn::Select in `value`."""
    if isinstance(value, list):
        return [resolve(item, ref, get_att) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, argument),) = value.items()
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
    return {key: resolve(item, ref, get_att) for key, item in value.items()}


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
