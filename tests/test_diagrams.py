"""The generated documents stay true: the saga diagram to its ASL, the tables to the templates."""

from __future__ import annotations

import json

from entrega_local import diagrams
from entrega_local.stack import ROOT


def test_committed_saga_diagram_is_drawn_from_the_current_asl():
    assert diagrams.SAGA_DOC.read_text() == diagrams.saga_document()


def test_committed_table_list_matches_the_templates():
    assert diagrams.TABLES_DOC.read_text() == diagrams.tables_document()


def test_diagram_has_every_state_and_every_catch():
    asl = json.loads((ROOT / "orchestration" / "order-saga.asl.json").read_text())

    drawn = diagrams.saga_mermaid(asl)

    for name, state in asl["States"].items():
        assert f"  {name}" in drawn
        for catch in state.get("Catch", []):
            assert f".-> {catch['Next']}" in drawn


def test_a_changed_workflow_makes_the_diagram_stale():
    asl = json.loads((ROOT / "orchestration" / "order-saga.asl.json").read_text())
    asl["States"]["ConfirmOrder"]["Next"] = "OrderRejected"

    assert "ConfirmOrder --> OrderRejected" in diagrams.saga_mermaid(asl)
    assert "ConfirmOrder --> OrderRejected" not in diagrams.SAGA_DOC.read_text()


def test_committed_event_flow_matches_schemas_and_rules():
    assert diagrams.FLOW_DOC.read_text() == diagrams.event_flow_document()
