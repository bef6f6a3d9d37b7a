"""`entrega events`: publish from a file onto the embedded bus, and replay from its archive."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
from typer.testing import CliRunner

from entrega_local.cli import app


def test_published_stock_adjustment_is_applied_and_a_replay_applies_nothing_twice(
    api, stack, tmp_path
):
    before = api.catalog()["caldo-de-cana"]["available"]
    event = {
        "source": "partner.pos",
        "detail-type": "StockAdjusted",
        "detail": {
            "sku": "caldo-de-cana",
            "change": 4,
            "reason": "counted",
            "adjusted_at": datetime.now(UTC).isoformat(),
        },
    }
    (tmp_path / "event.json").write_text(json.dumps(event))
    started = datetime.now(UTC) - timedelta(seconds=1)

    published = CliRunner().invoke(
        app,
        ["events", "publish", str(tmp_path / "event.json"), "--endpoint-url", stack.emulator_url],
    )
    stack.settle()
    replayed = CliRunner().invoke(
        app,
        [
            "events",
            "replay",
            "--start",
            started.isoformat(),
            "--end",
            (datetime.now(UTC) + timedelta(seconds=1)).isoformat(),
            "--endpoint-url",
            stack.emulator_url,
        ],
    )
    stack.settle()

    assert published.exit_code == 0, published.output
    assert replayed.exit_code == 0, replayed.output
    assert api.catalog()["caldo-de-cana"]["available"] == before + 4


def test_publishing_an_event_that_breaks_its_contract_is_refused_before_the_bus(stack, tmp_path):
    event = {
        "source": "partner.pos",
        "detail-type": "StockAdjusted",
        "detail": {"sku": "caldo-de-cana", "change": 0},
    }
    (tmp_path / "bad.json").write_text(json.dumps(event))

    result = CliRunner().invoke(
        app, ["events", "publish", str(tmp_path / "bad.json"), "--endpoint-url", stack.emulator_url]
    )

    assert result.exit_code != 0
    assert "StockAdjusted" in result.output


def test_archive_keeps_what_went_over_the_bus(stack, place):
    place()
    stack.settle()

    archive = boto3.client("events").describe_archive(ArchiveName="entrega-archive")

    assert archive["State"] == "ENABLED"
    assert archive["EventCount"] > 0
