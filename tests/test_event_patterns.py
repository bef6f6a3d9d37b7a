"""Every rule's pattern in the templates against the example events in contracts/: moto's matcher
and EventBridge's documented semantics agree, and every rule is reached by some example."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from moto.events.models import EventPattern

from entrega_contracts.schemas import all_schemas
from entrega_local.catalogue import envelope, events, matches, registry_template, render, rules

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = [
    (name, index, example)
    for name in events()
    for index, example in enumerate(all_schemas()[name].get("examples", []))
]


@pytest.mark.parametrize("rule", rules(), ids=lambda rule: f"{rule.service}:{rule.function}")
def test_each_rule_matches_its_events_and_no_others(rule):
    moto = EventPattern.load(json.dumps(rule.pattern))
    reached = []

    for name, index, example in EXAMPLES:
        event = envelope(name, example)
        expected = matches(rule.pattern, event)
        assert moto.matches_event(event) == expected, (name, index)
        if expected:
            reached.append(name)

    assert reached, f"no example event in contracts/ reaches {rule.function}"


def test_a_status_filter_only_lets_its_status_through():
    confirmed_only = {
        "source": ["entrega.intake"],
        "detail-type": ["OrderStatusChanged"],
        "detail": {"status": ["CONFIRMED"]},
    }
    statuses = [
        example["status"] for example in all_schemas()["events/OrderStatusChanged.v1"]["examples"]
    ]

    passed = [
        s
        for s in statuses
        if matches(confirmed_only, envelope("events/OrderStatusChanged.v1", {"status": s}))
    ]

    assert passed == ["CONFIRMED"]
    assert len(statuses) > 1


def test_every_example_event_matches_its_contract():
    from entrega_contracts.schemas import violations

    assert [(name, index) for name, index, example in EXAMPLES if violations(name, example)] == []


def test_event_catalogue_is_up_to_date():
    assert (ROOT / "docs" / "events.md").read_text("utf-8") == render(), (
        "run: python -m entrega_local.catalogue > docs/events.md"
    )


def test_schema_registry_template_is_up_to_date_and_lists_every_event():
    path = ROOT / "contracts" / "schema-registry.template.json"

    template = json.loads(path.read_text("utf-8"))

    assert path.read_text("utf-8") == registry_template(), (
        "run: python -m entrega_local.catalogue --registry"
    )
    schemas = [
        r for r in template["Resources"].values() if r["Type"] == "AWS::EventSchemas::Schema"
    ]
    assert len(schemas) == len(events())
    assert all(json.loads(r["Properties"]["Content"])["type"] == "object" for r in schemas)
