"""The event catalogue: every event on Entrega's bus, from contracts/ and the templates' rules.

    python -m entrega_local.catalogue > docs/events.md
    python -m entrega_local.catalogue --registry > contracts/schema-registry.template.json

Producers come from each schema's source; consumers from the EventBridgeRule events that
match it in the services' templates; the example is the schema's first one. A test checks
that docs/events.md is what this prints.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from entrega_contracts.schemas import all_schemas
from entrega_local.templates import load

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(
    [*ROOT.glob("services/*/template.yaml"), ROOT / "orchestration" / "template.yaml"]
)


@dataclass(frozen=True)
class Rule:
    service: str
    function: str
    pattern: dict[str, Any]


def rules() -> list[Rule]:
    """Every EventBridgeRule event in the templates, with the function it invokes."""
    found = []
    for path in TEMPLATES:
        for logical, resource in load(path).get("Resources", {}).items():
            for event in resource.get("Properties", {}).get("Events", {}).values():
                if event.get("Type") == "EventBridgeRule":
                    found.append(
                        Rule(path.parent.name, logical, dict(event["Properties"]["Pattern"]))
                    )
    return found


def matches(pattern: Any, event: Any) -> bool:
    """EventBridge's documented matching for the forms Entrega's rules use.

    Each key of the pattern must be in the event; a list matches when the event's value (or
    any item of a list value) equals one of its literals or meets one of its `prefix`
    conditions; a nested object matches the nested value.
    """
    if isinstance(pattern, dict):
        return isinstance(event, dict) and all(
            key in event and matches(rule, event[key]) for key, rule in pattern.items()
        )
    values = event if isinstance(event, list) else [event]
    return any(_matches_one(rule, value) for rule in pattern for value in values)


def _matches_one(rule: Any, value: Any) -> bool:
    if isinstance(rule, dict) and "prefix" in rule:
        return isinstance(value, str) and value.startswith(rule["prefix"])
    return bool(rule == value)


def envelope(name: str, detail: dict[str, Any]) -> dict[str, Any]:
    schema = all_schemas()[name]
    return {
        "source": schema["x-entrega-source"],
        "detail-type": schema["x-entrega-detail-type"],
        "detail": detail,
    }


def events() -> list[str]:
    return sorted(name for name in all_schemas() if name.startswith("events/"))


def render() -> str:
    lines = [
        "# Event catalogue",
        "",
        "Generated from `contracts/` and the services' templates by",
        "`python -m entrega_local.catalogue`; do not edit by hand.",
        "",
        "| event | version | source | producer | consumers |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name in events():
        schema = all_schemas()[name]
        version = name.rsplit(".v", 1)[1]
        source = schema["x-entrega-source"]
        producer = ", ".join(schema.get("x-entrega-producers", [])) or (
            source.split(".", 1)[1] if source.startswith("entrega.") else f"outside ({source})"
        )
        examples = schema.get("examples", [])
        consumers = sorted(
            {
                f"{r.service}: {r.function}"
                for r in rules()
                for e in examples
                if matches(r.pattern, envelope(name, e))
            }
        )
        listed = ", ".join(consumers) or "—"
        kind = schema["x-entrega-detail-type"]
        lines.append(f"| {kind} | {version} | `{source}` | {producer} | {listed} |")
    for name in events():
        schema = all_schemas()[name]
        lines += [
            "",
            f"## {schema['x-entrega-detail-type']} (v{name.rsplit('.v', 1)[1]})",
            "",
            schema.get("title", ""),
        ]
        if schema.get("description"):
            lines += ["", schema["description"]]
        lines += [
            "",
            f"Required: {', '.join(f'`{field}`' for field in schema.get('required', []))}.",
        ]
        if schema.get("examples"):
            lines += [
                "",
                "```json",
                json.dumps(schema["examples"][0], indent=2, ensure_ascii=False),
                "```",
            ]
    return "\n".join(lines) + "\n"


def registry_template() -> str:
    """A CloudFormation template that publishes every event's schema to a Schema Registry.

    The contracts stack deploys it as a nested application. Each schema goes in with its
    references inlined, so a consumer's code generator needs nothing else.
    """
    from entrega_contracts.compat import bundled

    resources: dict[str, Any] = {
        "Registry": {
            "Type": "AWS::EventSchemas::Registry",
            "Properties": {
                "RegistryName": {"Ref": "RegistryName"},
                "Description": "Entrega's domain events",
            },
        }
    }
    for name in events():
        schema = all_schemas()[name]
        kind, version = schema["x-entrega-detail-type"], name.rsplit(".v", 1)[1]
        content = {"$schema": "http://json-schema.org/draft-04/schema#", **bundled(name)}
        resources[f"{kind}V{version}Schema"] = {
            "Type": "AWS::EventSchemas::Schema",
            "Properties": {
                "RegistryName": {"Fn::GetAtt": ["Registry", "RegistryName"]},
                "SchemaName": f"{schema['x-entrega-source']}@{kind}.v{version}",
                "Type": "JSONSchemaDraft4",
                "Description": schema.get("title", kind),
                "Content": json.dumps(content, sort_keys=True, ensure_ascii=False),
            },
        }
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Generated by python -m entrega_local.catalogue --registry; do not edit.",
        "Parameters": {"RegistryName": {"Type": "String", "Default": "entrega-events"}},
        "Resources": resources,
    }
    return json.dumps(template, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    import sys

    print(registry_template() if "--registry" in sys.argv else render(), end="")
