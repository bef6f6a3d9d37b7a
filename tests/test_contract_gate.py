"""The contract gate: released contracts stay honoured, and breaking one takes a new version."""

from __future__ import annotations

import copy
import json

from entrega_contracts.compat import breaking_changes, bundled, check, released_names
from entrega_contracts.schemas import all_schemas


def current() -> dict:
    return {name: bundled(name) for name in all_schemas()}


def release_only(tmp_path, name: str) -> None:
    target = tmp_path / f"{name}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(bundled(name)))


def test_every_released_contract_is_still_honoured():
    assert released_names()

    problems = check()

    assert problems == []


def test_removing_a_required_field_without_a_new_version_fails(tmp_path):
    release_only(tmp_path, "events/OrderPlaced.v1")
    changed = current()
    changed["events/OrderPlaced.v1"]["required"].remove("total")
    del changed["events/OrderPlaced.v1"]["properties"]["total"]

    problems = check(tmp_path, changed)

    assert problems == ["events/OrderPlaced.v1: (root): property 'total' removed"]


def test_the_same_change_as_a_new_version_passes(tmp_path):
    release_only(tmp_path, "events/OrderPlaced.v1")
    changed = current()
    v2 = copy.deepcopy(changed["events/OrderPlaced.v1"])
    v2["required"].remove("total")
    del v2["properties"]["total"]
    changed["events/OrderPlaced.v2"] = v2

    assert check(tmp_path, changed) == []
    del changed["events/OrderPlaced.v1"]
    assert check(tmp_path, changed) == []


def test_a_released_version_cannot_vanish_without_a_successor(tmp_path):
    release_only(tmp_path, "events/NotificationSent.v1")
    changed = current()
    del changed["events/NotificationSent.v1"]

    problems = check(tmp_path, changed)

    assert problems == [
        "events/NotificationSent.v1: a released version was removed without a newer one"
    ]


def test_each_kind_of_break_is_named():
    old = {
        "type": "object",
        "required": ["a"],
        "properties": {
            "a": {"type": "integer"},
            "b": {"enum": ["x", "y"]},
            "c": {"type": "string"},
        },
    }
    new = {
        "type": "object",
        "required": ["a", "c"],
        "additionalProperties": False,
        "properties": {"a": {"type": "string"}, "b": {"enum": ["x"]}, "c": {"type": "string"}},
    }

    problems = breaking_changes(old, new)

    assert problems == [
        "(root): new required property 'c'",
        "(root): extra properties now forbidden",
        "a: type narrowed from ['integer'] to ['string']",
        "b: enum narrowed, lost ['y']",
    ]


def test_widening_is_not_a_break():
    old = {"type": "object", "required": ["a", "b"], "properties": {"a": {"type": "integer"}}}
    new = {"type": "object", "required": ["a"], "properties": {"a": {"type": "number"}, "c": {}}}

    assert breaking_changes(old, new) == []
