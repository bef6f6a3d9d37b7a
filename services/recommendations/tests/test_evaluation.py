"""The offline evaluation runs offline, fast, and the local model beats popularity."""

from __future__ import annotations

import json

from recommendations import evaluation, order_histories


def test_the_generator_is_seeded_and_looks_like_a_kitchens_orders():
    menu, _ = evaluation.load_menu(evaluation.DEFAULT_MENU)

    first = order_histories.generate(menu, customers=60, seed=3)
    again = order_histories.generate(menu, customers=60, seed=3)
    other = order_histories.generate(menu, customers=60, seed=4)

    assert first == again
    assert first != other
    sizes = [len(order["items"]) for order in first]
    assert min(sizes) >= 1
    assert max(sizes) <= 4
    customers = [order["customer_id"] for order in first]
    assert len(set(customers)) == 60
    assert len(customers) > 2 * 60  # some customers come back


def test_the_evaluation_command_reports_and_writes_hit_rate_and_coverage(tmp_path, capsys):
    out = tmp_path / "results" / "recommendations.json"

    code = evaluation.main(
        ["--customers", "150", "--seed", "7", "--bedrock-cases", "0", "--out", str(out)]
    )

    report = json.loads(out.read_text("utf-8"))
    printed = capsys.readouterr().out
    local, popularity = report["models"]["local"], report["models"]["popularity"]
    assert code == 0
    assert "hit@3" in printed
    assert "coverage" in printed
    assert report["held_out_cases"] == local["cases"] == popularity["cases"] > 50
    assert local["hit_rate_at_3"] > popularity["hit_rate_at_3"]
    assert local["coverage"] > popularity["coverage"]
    assert "bedrock" not in report["models"]


def test_bedrock_is_measured_only_when_configured(monkeypatch):
    monkeypatch.setattr(evaluation.settings, "bedrock", lambda: None)

    measured = evaluation.bedrock_score(evaluation.MemoryHistory({}), [])

    assert measured == "BEDROCK_MODEL_ID is not set"


def test_a_recorded_history_can_be_evaluated_instead(tmp_path):
    history = tmp_path / "history.json"
    orders = [
        {"customer_id": c, "placed_at": f"2026-01-0{d}T12:00:00+00:00", "items": items}
        for d, (c, items) in enumerate(
            [
                ("a", [{"sku": "x-tudo", "quantity": 1}, {"sku": "batata-frita", "quantity": 1}]),
                ("b", [{"sku": "x-tudo", "quantity": 1}, {"sku": "batata-frita", "quantity": 1}]),
                ("a", [{"sku": "x-tudo", "quantity": 1}, {"sku": "batata-frita", "quantity": 1}]),
            ],
            start=1,
        )
    ]
    history.write_text(json.dumps({"orders": orders}))

    evaluation.main(
        ["--history", str(history), "--bedrock-cases", "0", "--out", str(tmp_path / "r.json")]
    )

    report = json.loads((tmp_path / "r.json").read_text())
    assert report["held_out_cases"] == 1
    assert report["models"]["local"]["hit_rate_at_3"] == 1.0
